"""413 for a request body over the limits of the settings (DATA_UPLOAD_MAX_MEMORY_SIZE,
DATA_UPLOAD_MAX_NUMBER_FIELDS), in the form of the door it came through: the API's JSON
envelope, Open311's error array, or a page in the site's layout.

Django turns RequestDataTooBig (and TooManyFieldsSent) into a 400 through handler400 when it is
raised outside a view — reading request.POST for the CSRF check, for example — and the API's
own handler catches it inside its views (jiefen.api.errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

TOO_BIG = (RequestDataTooBig, TooManyFieldsSent)


def too_big_message() -> str:
    return _("请求内容过大，请删减后重新提交")


# The answer for a request too big, by the door it came through (a path prefix), for the doors
# that answer in their own form: the API registers its JSON envelope and Open311's error array
# when it loads (jiefen.api.apps). Every other path gets the page in the site's layout.
DOORS: dict[str, Callable[[HttpRequest], HttpResponse]] = {}


def door_register(prefix: str, respond: Callable[[HttpRequest], HttpResponse]) -> None:
    DOORS[prefix] = respond


def too_big_response(request: HttpRequest) -> HttpResponse:
    for prefix, respond in DOORS.items():
        if request.path.startswith(prefix):
            return respond(request)
    return render(request, "413.html", {"message": too_big_message()}, status=413)


def bad_request(request: HttpRequest, exception: Any = None, **kwargs: Any) -> HttpResponse:
    """handler400: 413 for a body that is too big, Django's 400 page otherwise."""
    if isinstance(exception, TOO_BIG):
        return too_big_response(request)
    return defaults.bad_request(request, exception, **kwargs)
