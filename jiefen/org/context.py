"""Template context for every page: the menu the signed-in person sees, made only of pages they
can use (an entry that would answer 404 or an empty page for their roles is left out).

Read lazily: the memberships are queried only when a template asks (one indexed query).
"""

from functools import cached_property
from typing import Any, NamedTuple

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jiefen.org.models import Role
from jiefen.org.scope import memberships

STAFF = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})
DISPUTE_WORK = STAFF | {Role.LEADER, Role.SUPERVISOR}
EVALUATION = frozenset({Role.EVALUATOR, Role.HEAD, Role.ADMIN})  # evaluation.selectors.VIEW_ROLES
ORDERS = STAFF | {Role.LEADER, Role.SUPERVISOR}
OWNERSHIP = frozenset({Role.LEADER, Role.HEAD})
CAMPAIGNS = frozenset({Role.HEAD, Role.SUPERVISOR})  # supervision.access.ISSUERS
# Who may search and answer a person's request for their data (privacy.subject.ROLES).
PRIVACY = frozenset({Role.CLERK, Role.HEAD, Role.ADMIN})
ANY = frozenset(Role.values) - {Role.AUDITOR}

# (url name, label, roles that make it useful). A superuser sees every entry but the audit log,
# which only auditors read (jiefen.audit: administering is not auditing).
MENU: list[tuple[str, Promise, frozenset[str]]] = [
    ("disputes:queue", _("我的待办"), DISPUTE_WORK),
    ("disputes:list", _("纠纷列表"), ANY),
    ("disputes:register", _("登记"), STAFF),
    ("spreadsheets:import", _("导入"), STAFF),
    ("metrics:dashboard", _("统计"), ANY),
    ("meetings:index", _("会议"), DISPUTE_WORK),
    ("supervision:orders", _("督办"), ORDERS),
    ("supervision:leader", _("包案"), OWNERSHIP),
    ("supervision:campaigns", _("集中清理"), CAMPAIGNS),
    ("evaluation:index", _("考核"), EVALUATION),
    ("privacy:access", _("个人信息查询"), PRIVACY),
    ("audit:index", _("审计日志"), frozenset({Role.AUDITOR})),
]


class Entry(NamedTuple):
    url: str
    label: Promise
    current: bool


class Nav:
    def __init__(self, user: Any, path: str = "") -> None:
        self.user = user
        self.path = path

    @cached_property
    def roles(self) -> set[str]:
        if not self.user.is_authenticated:
            return set()
        return {seat.role for seat in memberships(self.user) if seat.active}

    @cached_property
    def entries(self) -> list[Entry]:
        if not self.user.is_authenticated:
            return []
        superuser = self.user.is_superuser
        shown = [
            (reverse(name), label)
            for name, label, roles in MENU
            if self.roles & roles or (superuser and name != "audit:index")
        ]
        # The current entry: the longest menu address the page's path starts with.
        best = max(
            (u for u, _label in shown if self.path == u or (u != "/" and self.path.startswith(u))),
            key=len,
            default="",
        )
        return [Entry(url, label, url == best) for url, label in shown]

    @property
    def home(self) -> str:
        """Where the brand links to: the first page of the menu."""
        return self.entries[0].url if self.entries else reverse("disputes:queue")

    @property
    def audit(self) -> bool:
        return Role.AUDITOR in self.roles

    @property
    def privacy(self) -> bool:
        return bool(self.roles & PRIVACY)


def nav(request: HttpRequest) -> dict[str, Any]:
    return {"nav": Nav(request.user, request.path)}
