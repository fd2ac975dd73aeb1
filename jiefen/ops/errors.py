"""The site's own pages for errors, in its layout and language.

The one error a person can do something about is a busy database: a write that could not get
the lock in time (SQLite's "database is locked"; PostgreSQL's lock or statement timeout). Any
view, middleware or session save that hits it ends on the busy page (503, Retry-After): it
says so and offers to try again. For a form, "try again" posts again what was sent — every
field except passwords and the CSRF token (a fresh one is written) — so nothing typed is lost;
the write that failed was rolled back whole, and registrations carry a one-time token, so the
second post cannot make a second record.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views import defaults

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds
# Sent again from the busy page: every posted field but these.
NOT_REPOSTED = ("csrfmiddlewaretoken",)
LOCK_WORDS = (
    "database is locked",
    "database table is locked",
    "lock timeout",
    "statement timeout",
    "could not obtain lock",
    "deadlock detected",
)


def is_busy(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) is the database not giving a lock in time."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, OperationalError) and any(
            word in str(error).lower() for word in LOCK_WORDS
        ):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _reposted(request: HttpRequest) -> tuple[list[tuple[str, str]], bool]:
    """The posted fields to send again, and whether some could not be kept (passwords,
    files)."""
    fields: list[tuple[str, str]] = []
    dropped = bool(request.FILES)
    for name, values in request.POST.lists():
        if name in NOT_REPOSTED:
            continue
        if "password" in name.lower():
            dropped = True
            continue
        fields.extend((name, value) for value in values)
    return fields, dropped


def busy_response(request: HttpRequest) -> HttpResponse:
    post = request.method == "POST"
    fields, dropped = _reposted(request) if post else ([], False)
    context: dict[str, Any] = {
        "retry_post": post and not dropped,
        "fields": fields,
        "dropped": dropped,
        "again": request.get_full_path(),
        "retry_after": RETRY_AFTER,
    }
    try:
        response = render(request, "busy.html", context, status=503)
    except Exception:  # the layout itself needs the database: the bare page
        log.exception("busy page could not be rendered in the layout")
        response = render(request, "busy_bare.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: the busy page for a lock not had in time, else the plain error page."""
    if is_busy(sys.exc_info()[1]):
        return busy_response(request)
    return defaults.server_error(request, template_name=template_name)


def bad_request(
    request: HttpRequest, exception: Exception, template_name: str = "400.html"
) -> HttpResponse:
    """handler400, in the site's layout; a session that could not be saved because the
    database was busy gets the busy page; a body over the upload limits answers 413 in the
    form of the door it came through."""
    from jiefen.ops.too_big import TOO_BIG, too_big_response

    if isinstance(exception, TOO_BIG):
        return too_big_response(request)
    if is_busy(exception):
        return busy_response(request)
    try:
        return render(request, template_name, status=400)
    except Exception:
        return HttpResponseBadRequest()
