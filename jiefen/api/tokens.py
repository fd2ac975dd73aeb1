"""Creating, revoking and checking API tokens, and the actor a token's requests run as.

The actor is the token's user limited to the token's body: jiefen.org.scope and
jiefen.disputes.access answer for it exactly as they would for a person whose only roles are
the ones they hold in that body. The services therefore need no API-specific checks.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.api.models import ApiToken
from jiefen.audit.services import audit_bulk
from jiefen.lib.errors import Invalid
from jiefen.lib.text import text_check
from jiefen.org.models import Body, Membership
from jiefen.org.scope import Scope
from jiefen.regions.models import code_span

TOKEN_PREFIX = "jf_"
# last_used is written at most this often per token, so reads do not turn into writes.
LAST_USED_EVERY = timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def body_scope(body: Body) -> Scope:
    """The jurisdiction of one body: its region's subtree."""
    return Scope(spans=(code_span(body.region_code, body.region.level),))


def token_create(*, user: Any, body: Body, name: str) -> tuple[ApiToken, str]:
    """A new token for `user` scoped to `body`, where the user must hold a role. Returns the
    row and the token itself, which is not stored and cannot be shown again."""
    name, problem = text_check(name, limit=100)
    errors: dict[str, list[str]] = {}
    if problem:
        errors["name"] = [problem]
    if not user.is_active:
        errors["user"] = [_("该账号已停用")]
    if not body.active:
        errors["body"] = [_("该调处主体已停用")]
    elif not Membership.objects.filter(user=user, body=body).exists():
        errors["body"] = [_("该工作人员在此调处主体没有任职，不能为其创建令牌")]
    if errors:
        raise Invalid(_("填写有误，请按提示修改"), fields=errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, body=body, name=name, digest=token_digest(raw))
    return token, raw


def token_revoke(*, token: ApiToken, at: datetime | None = None) -> ApiToken:
    """Revoke a token; revoking twice keeps the first time."""
    with transaction.atomic():
        if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=at or timezone.now()
        ):
            audit_bulk(
                model=ApiToken, action="update", pks=[token.pk], fields=["revoked_at"],
                region_code=token.body.region_code if token.body_id else None,
            )  # fmt: skip
    token.refresh_from_db(fields=["revoked_at"])
    return token


def token_check(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The live token for `raw`: not revoked, its user active and still holding a role in its
    active body. None otherwise."""
    if not raw or len(raw) > 200:
        return None
    # The token, its person, body and region, and the person's roles in that body, in one
    # statement: a row per role (one with no role if none is left).
    rows = list(
        ApiToken.objects.select_related("user", "body", "body__region")
        .annotate(
            held=FilteredRelation(
                "body__memberships", condition=Q(body__memberships__user=F("user"))
            ),
            held_role=F("held__role"),
        )
        .filter(digest=token_digest(raw), revoked_at__isnull=True)
    )
    if not rows:
        return None
    token = rows[0]
    if not token.user.is_active or not token.body.active:
        return None
    roles = {row.held_role for row in rows if row.held_role}  # type: ignore[attr-defined]
    if not roles:
        return None
    now = now or timezone.now()
    if token.last_used is None or now - token.last_used > LAST_USED_EVERY:
        # audit-exempt: a usage clock (at most once per LAST_USED_EVERY), no one's decision
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    token.roles = roles  # type: ignore[attr-defined]
    return token


class _BodyScopes(dict):  # type: ignore[type-arg]
    """jiefen.org.scope keeps each user's scopes in a dict on the user object, keyed by the
    roles asked about. This one answers every key from the token's body alone."""

    def __init__(self, scope: Scope, roles: set[str]) -> None:
        super().__init__()
        self.scope = scope
        self.roles = roles

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: Any) -> Scope:
        if key is None or self.roles & set(key):
            return self.scope
        return Scope()


def limited_actor(token: ApiToken) -> Any:
    """The token's user as an actor who holds only their roles in the token's body.

    A copy of the user, never saved: it carries the user's id (for events, owners and
    registrars) and its own answers for the jurisdiction and role caches that scope.py and
    access.py consult, so every read and write through them stays inside the token's body.
    A superuser's token is limited the same way."""
    roles: set[str] = getattr(token, "roles", None) or set(
        Membership.objects.filter(user_id=token.user_id, body_id=token.body_id).values_list(
            "role", flat=True
        )
    )
    actor = copy.copy(token.user)
    actor.__dict__ = dict(token.user.__dict__)
    for key in list(actor.__dict__):
        if key.startswith("_jiefen_"):
            del actor.__dict__[key]
    actor.is_superuser = False
    actor.__dict__["_jiefen_scopes"] = _BodyScopes(body_scope(token.body), roles)
    actor.__dict__["_jiefen_roles_by_body"] = {token.body_id: set(roles)}
    actor.__dict__["_jiefen_token"] = token
    return actor
