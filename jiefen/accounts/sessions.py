"""Database sessions that a page view reads but does not write.

Django's database store with SESSION_SAVE_EVERY_REQUEST rewrites the session row on every
request, to push the idle expiry forward. On SQLite every such write takes the database's one
write lock, so every page queued behind background work and failed as "Bad Request (400)"
when the lock did not come in time. This store keeps what matters of that — signed out after
SESSION_COOKIE_AGE idle, server-side, ended at sign-out — and writes only:

- when the session's data changed (sign-in, sign-out, the two-step sign-in's state), as
  before: such a write waits for the lock like any other, and if it cannot get it in time the
  request ends on the site's "busy, retry" page (jiefen.ops.busy), not on a bare 400;
- to push the expiry forward, at most once every TOUCH_EVERY seconds, and without waiting: if
  the lock is taken, the touch is skipped (the next request makes it). A session therefore
  ends between SESSION_COOKIE_AGE − TOUCH_EVERY and SESSION_COOKIE_AGE after the last request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

log = logging.getLogger(__name__)

TOUCH_EVERY = 60  # seconds


@contextmanager
def no_wait_for_lock() -> Iterator[None]:
    """On SQLite, fail at once instead of waiting when another process holds the write lock.
    Elsewhere nothing changes (PostgreSQL locks the one session row, which nobody else
    writes)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (waited,) = cursor.fetchone()
        cursor.execute("PRAGMA busy_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(waited)}")


class SessionStore(DatabaseStore):
    stored_expiry: datetime | None = None
    # Set by the middleware when it saves only to push the expiry forward; an explicit save()
    # writes, as Django's does.
    touch_only = False

    def _get_session_from_db(self) -> Any:
        row = super()._get_session_from_db()  # type: ignore[misc]  # Django's own, untyped
        self.stored_expiry = row.expire_date if row is not None else None
        return row

    def touch_due(self) -> bool:
        """Whether the stored expiry is more than TOUCH_EVERY seconds behind a fresh one."""
        if self.stored_expiry is None:
            return True
        fresh = timezone.now() + timedelta(seconds=self.get_expiry_age())
        return fresh - self.stored_expiry >= timedelta(seconds=TOUCH_EVERY)

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None or self.modified or not self.touch_only:
            try:
                super().save(must_create=must_create)
            except UpdateError as error:
                # Django reports any database error here as "session deleted" (a 400); a
                # lock not had in time is a busy database, which the busy page explains.
                if isinstance(error.__context__, OperationalError):
                    raise error.__context__ from None
                raise
            self.stored_expiry = self.get_expiry_date()
            return
        self._get_session()  # type: ignore[attr-defined]  # loads the row, and with it the stored expiry, if not yet done
        if self.session_key is not None and not self.touch_due():
            return
        try:
            with no_wait_for_lock():
                # A session found expired is replaced by a new empty one, as Django does.
                super().save()
        except (UpdateError, DatabaseError):
            # Taken by background work, or the session ended meanwhile: either way nothing is
            # lost — the next request touches it, or finds it gone.
            log.debug("session touch skipped")
            return
        self.stored_expiry = self.get_expiry_date()


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, saving an unchanged session as a touch (see SessionStore.save)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        session = getattr(request, "session", None)
        if isinstance(session, SessionStore) and not session.modified:
            session.touch_only = True
        return super().process_response(request, response)
