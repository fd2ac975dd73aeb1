"""Template context for every page: which parts of the navigation the signed-in person may use.

Read lazily: the memberships are queried only when a template asks (one indexed query).
"""

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from jiefen.org.models import Membership, Role


class Nav:
    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def roles(self) -> set[str]:
        if not self.user.is_authenticated:
            return set()
        return set(
            Membership.objects.filter(user=self.user, body__active=True).values_list(
                "role", flat=True
            )
        )

    @property
    def audit(self) -> bool:
        return Role.AUDITOR in self.roles

    @property
    def privacy(self) -> bool:
        from jiefen.privacy.subject import ROLES

        return bool(self.roles & set(ROLES))


def nav(request: HttpRequest) -> dict[str, Any]:
    return {"nav": Nav(request.user)}
