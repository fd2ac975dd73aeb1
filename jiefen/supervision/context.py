"""Template context for every page: the notification bell.

Add "jiefen.supervision.context.bell" to TEMPLATES[0]["OPTIONS"]["context_processors"] and
{% include "supervision/_bell.html" %} to the navigation of base.html. The unread count is
read only when a template shows it: one indexed query on the user's unread notifications,
counting at most 100 rows.
"""

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from jiefen.supervision.selectors import BELL_CAP, unread_count


class Bell:
    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def count(self) -> int:
        return unread_count(self.user)

    @property
    def label(self) -> str:
        return f"{BELL_CAP}+" if self.count > BELL_CAP else str(self.count)


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"bell": Bell(user)}
