"""What gets recorded, captured generically from Django's signals.

Audited: every model of the jiefen.* apps, auth's groups and permissions, and django-otp's
devices (their creation and removal are recorded as 2FA device changes) — except:

- audit's own tables: recording them would recurse, and the chain covers them;
- metrics rollups (Tally, CategoryTally, DeadlineTally, MediationTally, StayMark): derived
  from the events, which are recorded, and rebuilt at will by `jiefen rollups rebuild`;
- the sweep's bookkeeping (SweepMark, SweepCursor, SweepClock, SweepHookStatus) and rules'
  cache stamp (RulesStamp): machine state, rewritten every few minutes, no one's decision;
- api's IdempotencyKey: a replay cache of registrations that are recorded themselves;
- disputes' NumberCounter: the last number used per town and year, bumped by every
  registration, whose number is in the recorded dispute itself;
- sessions (rewritten on every request: SESSION_SAVE_EVERY_REQUEST), the cache table (not a
  model), django_tasks results (queue bookkeeping; what a task writes is recorded, with the
  task as the actor), content types and admin's LogEntry (a second log of the same writes).

Sign-ins, failed sign-ins, sign-outs, lockouts (django-axes, if installed) and reveals of
parties' personal data are recorded as such. Values are never recorded, only field names.

Not seen by signals, and so by this module: QuerySet.update() and bulk_create(). Code that
writes that way records through jiefen.audit.services.audit_bulk (dispute registration's
parties are covered by the registration event recorded in the same transaction).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.db.models import Model, signals

from jiefen.audit import chain, context

EXCLUDED_MODELS = frozenset(
    {
        "metrics.tally",
        "metrics.categorytally",
        "metrics.deadlinetally",
        "metrics.mediationtally",
        "metrics.staymark",
        "supervision.sweepmark",
        "supervision.sweepcursor",
        "supervision.sweepclock",
        "supervision.sweephookstatus",
        "rules.rulesstamp",
        "api.idempotencykey",
        "disputes.numbercounter",
        # The search index: derived from the audited records, rebuilt by `jiefen search rebuild`.
        "search.searchentry",
        "search.searchkey",
    }
)
OTP_PREFIX = "django_otp"
_decided: dict[type, bool] = {}


def audited(model: type[Model]) -> bool:
    found = _decided.get(model)
    if found is None:
        meta = model._meta
        name = meta.app_config.name if meta.app_config else ""
        found = (
            not meta.proxy
            and meta.label_lower not in EXCLUDED_MODELS
            and meta.app_label != "audit"
            and (
                name.startswith("jiefen.")
                or meta.app_label == "auth"
                or name.startswith(OTP_PREFIX)
            )
        )
        _decided[model] = found
    return found


def _is_otp(model: type[Model]) -> bool:
    """A second-factor device (authenticator app, recovery-code set), not its codes."""
    if not apps.is_installed("django_otp"):
        return False
    from django_otp.models import Device

    return issubclass(model, Device)


def _region_code(instance: Model) -> int | None:
    """The region an object belongs to, for the auditor's jurisdiction: its own region code,
    or that of its dispute or body. Uses the related object already in memory when there is
    one; otherwise one small query (writes are rare)."""
    code = getattr(instance, "region_code", None)
    if isinstance(code, int):
        return code
    for relation in ("dispute", "body"):
        field_id = getattr(instance, f"{relation}_id", None)
        if field_id is None:
            continue
        cached = instance._state.fields_cache.get(relation)
        if cached is not None:
            return getattr(cached, "region_code", None)
        related = instance._meta.get_field(relation).related_model
        return (
            related._base_manager.filter(pk=field_id)  # type: ignore[union-attr]
            .values_list("region_code", flat=True)
            .first()
        )
    return None


def _concrete(instance: Model) -> list[Any]:
    return [f for f in instance._meta.concrete_fields if not f.primary_key]


def _before_save(sender: type[Model], instance: Model, raw: bool, update_fields: Any, **kw: Any):
    """For an update of unknown extent, which fields differ from the stored row: one read by
    primary key, compared in memory; the values are dropped at once."""
    if raw or not audited(sender) or instance._state.adding or update_fields is not None:
        return
    if instance.pk is None:
        return
    fields = _concrete(instance)
    stored = (
        sender._base_manager.filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
    )
    if stored is None:
        return
    changed = []
    for field in fields:
        try:
            now = field.to_python(getattr(instance, field.attname))
        except Exception:
            now = getattr(instance, field.attname)
        if now != stored[field.attname]:
            changed.append(field.name)
    instance.__dict__["_audit_changed"] = changed


def _after_save(
    sender: type[Model], instance: Model, created: bool, raw: bool, update_fields: Any, **kw: Any
) -> None:
    if not audited(sender):
        return
    if created:
        fields = created_fields(instance)
    elif update_fields is not None:
        fields = list(update_fields)
    else:
        fields = instance.__dict__.pop("_audit_changed", None)
        if fields is None:
            fields = [f.name for f in _concrete(instance)]
        elif not fields:
            return  # saved without a change: nothing was written that matters
    saved_record(sender, instance, created=created, fields=fields)


def created_fields(instance: Model) -> list[str]:
    """The fields the record of an object's creation names: those with a value. A foreign key
    to an object in hand counts even before that object is saved (a bulk write saves them
    together: jiefen.disputes.replay)."""
    cache = instance._state.fields_cache
    return [
        f.name
        for f in _concrete(instance)
        if getattr(instance, f.attname) not in (None, "")
        or (f.is_relation and cache.get(f.name) is not None)
    ]


def saved_record(sender: type[Model], instance: Model, *, created: bool, fields: list[str]) -> None:
    """The record of a save of `instance` that changed `fields` (all that had a value, for a
    creation), as the post_save signal writes it; for a write that bypasses save() too."""
    if not audited(sender):
        return
    meta = sender._meta
    params: dict[str, Any] = {}
    action = "create" if created else "update"
    if meta.label_lower == "disputes.event" and created:
        # The domain action: register, transfer, supervise …
        action = str(instance.action)  # type: ignore[attr-defined]
        params = {"dispute": instance.dispute_id}  # type: ignore[attr-defined]
    elif meta.label_lower == "disputes.reveal" and created:
        action = "reveal"
        fields = [str(instance.field)]  # type: ignore[attr-defined]
        params = {
            "dispute": instance.dispute_id,  # type: ignore[attr-defined]
            "party": instance.party_id,  # type: ignore[attr-defined]
        }
    elif _is_otp(sender):
        action = "2fa_device_add" if created else "2fa_device_update"
        params = {"user": getattr(instance, "user_id", None)}
    chain.append(
        actor=context.current(),
        action=action,
        app_label=meta.app_label,
        model=meta.model_name or "",
        object_pk=instance.pk,
        region_code=_region_code(instance),
        fields=fields,
        params=params,
    )


def _after_delete(sender: type[Model], instance: Model, **kw: Any) -> None:
    if not audited(sender):
        return
    params: dict[str, Any] = {}
    action = "delete"
    if _is_otp(sender):
        action = "2fa_device_remove"
        params = {"user": getattr(instance, "user_id", None)}
    chain.append(
        actor=context.current(),
        action=action,
        app_label=sender._meta.app_label,
        model=sender._meta.model_name or "",
        object_pk=instance.pk,
        region_code=_region_code(instance),
        params=params,
    )


_M2M_ACTIONS = {"post_add": "m2m_add", "post_remove": "m2m_remove", "post_clear": "m2m_clear"}


def _m2m(sender: Any, instance: Model, action: str, pk_set: Any, **kw: Any) -> None:
    if action not in _M2M_ACTIONS or not audited(type(instance)):
        return
    meta = type(instance)._meta
    chain.append(
        actor=context.current(),
        action=_M2M_ACTIONS[action],
        app_label=meta.app_label,
        model=meta.model_name or "",
        object_pk=instance.pk,
        region_code=_region_code(instance),
        fields=[sender._meta.model_name],
        # Primary keys of groups, permissions …: identifiers, not personal values.
        params={"pks": sorted(int(pk) for pk in pk_set or ())},
    )


# ---------------------------------------------------------------------------------------------
# Signing in


def username_digest(username: str) -> str:
    """A keyed hash of a username typed at a failed sign-in. What people type there is personal
    data — their own or a colleague's username, often a phone number, now and then their
    password — so it is not stored; the HMAC still lets an auditor see that the same name failed
    many times, and check a name they suspect (same key, same hash), while someone reading the
    table cannot run a list of names or phone numbers through it without the key."""
    key = getattr(settings, "JIEFEN_AUDIT_HASH_KEY", "") or settings.SECRET_KEY
    normalised = (username or "").strip().lower()
    return hmac.new(
        ("jiefen.audit.username:" + key).encode(), normalised.encode(), hashlib.sha256
    ).hexdigest()[:32]


def _with_request(request: Any) -> context.Actor:
    if request is None:
        return context.current()
    user = getattr(request, "user", None)
    ip = context.client_ip(request)
    if user is not None and getattr(user, "is_authenticated", False):
        return context.Actor(kind="user", user_id=user.pk, ip=ip)
    return context.Actor(kind="public", ip=ip)


def _logged_in(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    ip = context.client_ip(request) if request is not None else context.current().ip
    chain.append(
        actor=context.Actor(kind="user", user_id=user.pk, ip=ip),
        action="login",
        app_label="accounts",
        model="user",
        object_pk=user.pk,
    )


def _logged_out(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    if user is None:
        return
    ip = context.client_ip(request) if request is not None else context.current().ip
    chain.append(
        actor=context.Actor(kind="user", user_id=user.pk, ip=ip),
        action="logout",
        app_label="accounts",
        model="user",
        object_pk=user.pk,
    )


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any):
    chain.append(
        actor=_with_request(request),
        action="login_failed",
        app_label="accounts",
        model="user",
        params={"username_hmac": username_digest(str(credentials.get("username", "")))},
    )


def _locked_out(sender: Any, request: Any = None, username: str = "", **kw: Any) -> None:
    chain.append(
        actor=_with_request(request),
        action="locked_out",
        app_label="accounts",
        model="user",
        params={"username_hmac": username_digest(str(username or ""))},
    )


# ---------------------------------------------------------------------------------------------
# Background tasks: the task is the actor of what it writes.

_task_tokens: dict[str, Any] = {}


def _task_started(sender: Any, task_result: Any, **kw: Any) -> None:
    task = getattr(task_result, "task", None)
    name = getattr(task, "module_path", "") or getattr(task, "name", "") or "task"
    _task_tokens[str(task_result.id)] = context._current.set(
        context.Actor(kind="system", system=f"task:{name}"[:100])
    )


def _task_finished(sender: Any, task_result: Any, **kw: Any) -> None:
    token = _task_tokens.pop(str(task_result.id), None)
    if token is not None:
        try:
            context._current.reset(token)
        except ValueError:  # finished in another context than it started
            context._current.set(None)


UID = "jiefen.audit"


def connect() -> None:
    signals.pre_save.connect(_before_save, dispatch_uid=f"{UID}.pre_save")
    signals.post_save.connect(_after_save, dispatch_uid=f"{UID}.post_save")
    signals.post_delete.connect(_after_delete, dispatch_uid=f"{UID}.post_delete")
    signals.m2m_changed.connect(_m2m, dispatch_uid=f"{UID}.m2m")
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid=f"{UID}.login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid=f"{UID}.logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid=f"{UID}.failed")
    if apps.is_installed("axes"):
        from axes.signals import user_locked_out

        user_locked_out.connect(_locked_out, dispatch_uid=f"{UID}.locked_out")
    if apps.is_installed("django_tasks"):
        from django_tasks.signals import task_finished, task_started

        task_started.connect(_task_started, dispatch_uid=f"{UID}.task_started")
        task_finished.connect(_task_finished, dispatch_uid=f"{UID}.task_finished")


def disconnect() -> None:
    """For measuring the overhead (bench/audit_bench.py) only."""
    signals.pre_save.disconnect(dispatch_uid=f"{UID}.pre_save")
    signals.post_save.disconnect(dispatch_uid=f"{UID}.post_save")
    signals.post_delete.disconnect(dispatch_uid=f"{UID}.post_delete")
    signals.m2m_changed.disconnect(dispatch_uid=f"{UID}.m2m")
