"""Notifications: writing them once, putting them into words, and sending them.

- `notify()` adds one notification per recipient with INSERT … ON CONFLICT DO NOTHING on the
  (recipient, kind, dispute, key) constraint, in the caller's transaction, so any writer may
  call it again — a rerun of the sweep, a second worker — without a duplicate. Delivery by
  e-mail and SMS is asked for after the transaction commits (transaction.on_commit), through
  the task backend.
- `notification_text()` makes the words from the kind and the machine keys in params, in the
  active language. Free text written by staff (an order's requirement, an urging note) passes
  through `scrub()`, and nothing a notification says comes from a party's record: no ID
  number, no phone number, whatever was typed where.
- `notifications_deliver()` claims unsent notifications with a compare-and-swap update and
  sends each claimed one once, by e-mail to staff with an address and by SMS to staff with a
  work phone for the urgent kinds: the text message is recorded once (sms_delivery.py) and
  sent, retried and capped there; `sms_params()` gives its template's parameters.

Other apps may add kinds with `register(kind, render)`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.disputes.services import fact_absent
from jiefen.supervision.models import Kind, Notification
from jiefen.supervision.sms import sms_settings
from jiefen.supervision.sms_delivery import sms_queue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
NOTE_LIMIT = 120
# Urgent enough for a text message; the rest go by e-mail and the bell only.
SMS_KINDS = frozenset(
    {Kind.RED, Kind.ORDER, Kind.ORDER_OVERDUE, Kind.URGE, Kind.LEADER_MISSING, Kind.LEADER_ASSIGNED}
)

# Runs of 11 or more digits, with single spaces or dashes between them (mobile numbers,
# ID numbers however they are grouped), and any 7 or more digits in a row (landlines).
# Dates (2026-03-02) and dispute numbers (330681109-2026-000001) stay readable.
_DISPUTE_NUMBER = r"(?<!\d)(?<!\d[ \-])\d{6,9}-20\d\d-\d{6}(?![ \-]?\d)"
_LONG_NUMBER = re.compile(
    rf"(?P<keep>{_DISPUTE_NUMBER})|\+?\d(?:[ \-]?\d){{10,}}[Xx]?|\d{{7,}}[Xx]?"
)


def scrub(text: str) -> str:
    """Free text fit for a notification: anything that may be a phone or ID number masked."""
    return _LONG_NUMBER.sub(lambda m: m.group("keep") or "****", text or "")


def excerpt(text: str, limit: int = NOTE_LIMIT) -> str:
    text = " ".join(scrub(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Writing


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    dispute: Any = None,
    key: str = "",
    params: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    deliver: bool = True,
) -> int:
    """Add a notification of `kind` for each recipient (users or user ids; None is skipped),
    unless that recipient already has one with the same kind, dispute and key. Returns how
    many rows were offered. `deliver=False` leaves the sending to the caller (the sweep sends
    once at the end of its run)."""
    values = dict(params or {})
    if dispute is not None and hasattr(dispute, "number"):
        values.setdefault("number", dispute.number)
    return notify_bulk(
        kind=kind,
        rows=[(recipients, getattr(dispute, "pk", dispute), key, values)],
        at=at,
        deliver=deliver,
    )


Row = tuple[Iterable[Any], Any, str, Mapping[str, Any]]


def notify_bulk(
    *, kind: str, rows: Iterable[Row], at: datetime | None = None, deliver: bool = True
) -> int:
    """notify() for many disputes at once: rows of (recipients, dispute id, key, params),
    written with one INSERT … ON CONFLICT DO NOTHING."""
    now = at or timezone.now()
    objects = []
    for recipients, dispute_id, key, params in rows:
        users: set[int] = {_user_id(r) for r in recipients if r is not None}
        for user_id in sorted(users):
            objects.append(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    dispute_id=dispute_id,
                    key=str(key)[:64],
                    params=dict(params),
                    created_at=now,
                )
            )
    if not objects:
        return 0
    Notification.objects.bulk_create(objects, ignore_conflicts=True, batch_size=500)
    # With ignore_conflicts no primary keys come back: the rows by their natural key.
    audit_bulk(
        model=Notification, action="create",
        pks=[f"{o.recipient_id}:{o.dispute_id or ''}:{o.kind}:{o.key}" for o in objects],
        fields=["recipient", "kind", "dispute", "key", "params"],
    )  # fmt: skip
    if deliver:
        transaction.on_commit(deliver_soon)
    return len(objects)


def _user_id(recipient: Any) -> int:
    return int(getattr(recipient, "pk", recipient))


def deliver_soon() -> None:
    """Hand the sending to the task backend (a worker, or at once with the immediate one).
    Failing to enqueue loses nothing: the sweep sends whatever is left unsent."""
    from jiefen.supervision.tasks import deliver_task

    try:
        deliver_task.enqueue()
    except Exception:  # the sweep will send it
        log.exception("could not enqueue notification delivery")


# Work a notification asks for, and when it is done: an arrival once the dispute has moved
# on, a warning once the dispute is finished or has a new deadline, an order once answered.
WARNINGS = (Kind.YELLOW, Kind.RED)
WHILE_OPEN = (*WARNINGS, Kind.URGE, Kind.ORDER, Kind.ORDER_OVERDUE, Kind.LEADER_MISSING)


def _done(status: str, due: str) -> Q:
    from jiefen.disputes.models import OPEN_STATUSES, Status

    done = Q(pk__in=[])
    if status != Status.TRANSFERRING:
        done |= Q(kind=Kind.TRANSFERRED)
    else:
        done |= Q(kind=Kind.RETURNED)  # sent up again
    if status not in OPEN_STATUSES:
        done |= Q(kind=Kind.RETURNED)
    if status != Status.ASSIGNED:
        done |= Q(kind=Kind.ASSIGNED)
    if status not in OPEN_STATUSES:
        done |= Q(kind__in=WHILE_OPEN)
    else:
        done |= Q(kind__in=WARNINGS) & ~Q(key=due)
    return done


# Other apps' notifications and the events that do their work: an event action → a function
# of the event giving the notifications it settles (registered when the app loads).
_SETTLERS: dict[str, Callable[[Any], Q]] = {}


def settle_register(action: str, settles: Callable[[Any], Q]) -> None:
    """Let another app say which of its notifications an event of `action` has done."""
    _SETTLERS[action] = settles


UNREAD_FACT = "fact_unread_notices"


def unread_fact() -> Any:
    """Whether the dispute has unread notifications, read with its row by a move (LOCK_FACTS)."""
    return Exists(Notification.objects.filter(dispute_id=OuterRef("pk"), read_at__isnull=True))


def notifications_settle(event: Any, dispute: Any) -> int:
    """After an event of `dispute` (called by event_append, in its transaction): mark as read
    the dispute's unread notifications whose work is now done, for every recipient."""
    from jiefen.supervision.events import (
        LEADER_EXTEND_ASK,
        LEADER_NOTE,
        LEADER_SIGN_OFF,
        ORDER_ANSWER,
    )

    if event.action == "register" or fact_absent(dispute, UNREAD_FACT):
        return 0  # nothing can have been sent about it yet, or nothing sent is unread
    due = dispute.due_date.isoformat() if dispute.due_date else ""
    done = _done(dispute.status, due)
    if event.action == ORDER_ANSWER and (event.params or {}).get("order"):
        done |= Q(kind__in=(Kind.ORDER, Kind.ORDER_OVERDUE), key=str(event.params["order"]))
    if event.action in (LEADER_NOTE, LEADER_EXTEND_ASK, LEADER_SIGN_OFF) and event.actor_id:
        # The leader took the case on: his notice of it is done (another's note is not).
        done |= Q(kind=Kind.LEADER_ASSIGNED, recipient_id=event.actor_id)
    if event.action in _SETTLERS:
        done |= _SETTLERS[event.action](event)
    rows = Notification.objects.filter(dispute=dispute, read_at__isnull=True).filter(done)
    return _mark_read(rows, event.at)


def notifications_settle_for(*, user: Any, at: datetime | None = None) -> int:
    """The user's unread notifications whose work was done before they were written (a transfer
    received before the sweep noticed it), marked read when the user opens the list."""
    from jiefen.disputes.models import OPEN_STATUSES, Status
    from jiefen.supervision.models import SupervisionOrder

    unread = Notification.objects.filter(
        recipient=user, read_at__isnull=True, dispute__isnull=False
    )
    orders = {
        pk: int(key)
        for pk, key in unread.filter(kind=Kind.ORDER).values_list("pk", "key")
        if key.isdigit()
    }
    answered = set(
        SupervisionOrder.objects.filter(
            pk__in=set(orders.values()), answered_at__isnull=False
        ).values_list("pk", flat=True)
    )
    done = (
        Q(kind=Kind.TRANSFERRED) & ~Q(dispute__status=Status.TRANSFERRING)
        | Q(kind=Kind.RETURNED) & Q(dispute__status=Status.TRANSFERRING)
        | Q(kind=Kind.RETURNED) & ~Q(dispute__status__in=OPEN_STATUSES)
        | Q(kind=Kind.ASSIGNED) & ~Q(dispute__status=Status.ASSIGNED)
        | Q(kind__in=WHILE_OPEN) & ~Q(dispute__status__in=OPEN_STATUSES)
        | Q(pk__in=[pk for pk, order in orders.items() if order in answered])
    )
    return _mark_read(unread.filter(done), at or timezone.now())


def _mark_read(rows: Any, at: datetime) -> int:
    pks = list(rows.values_list("pk", flat=True))
    if not pks:
        return 0
    marked = Notification.objects.filter(pk__in=pks, read_at__isnull=True).update(read_at=at)
    audit_bulk(model=Notification, action="update", pks=pks, fields=["read_at"])
    return marked


def notifications_read(*, user: Any, ids: Iterable[int] | None = None, at=None) -> int:
    """Mark the user's notifications read: those in `ids`, or all."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    with transaction.atomic():
        pks = list(rows.values_list("pk", flat=True))
        if not pks:
            return 0
        marked = Notification.objects.filter(pk__in=pks).update(read_at=at or timezone.now())
        audit_bulk(model=Notification, action="update", pks=pks, fields=["read_at"])
    return marked


# ---------------------------------------------------------------------------------------------
# Words

# Parameters written by the code itself (numbers, dates, keys), shown as they are; every
# other string parameter is free text and is scrubbed when shown.
PLAIN_KEYS = frozenset({"number", "due", "due_action", "target", "date", "start", "end"})

Render = Callable[[Mapping[str, Any]], str]
_RENDERERS: dict[str, tuple[Any, Render]] = {}


def register(kind: str, label: Any, render: Render) -> None:
    """Let another app add a kind of notification: its label and how to put it into words."""
    _RENDERERS[kind] = (label, render)


def kind_label(kind: str) -> str:
    if kind in _RENDERERS:
        return str(_RENDERERS[kind][0])
    return str(Kind(kind).label) if kind in Kind.values else kind


def notification_text(notification: Notification) -> str:
    """The sentence for a notification, in the active language."""
    params = {
        key: scrub(value) if isinstance(value, str) and key not in PLAIN_KEYS else value
        for key, value in (notification.params or {}).items()
    }
    params.setdefault("number", "")
    render = _RENDERERS.get(notification.kind)
    try:
        text = render[1](params) if render else _render(notification.kind, params)
    except (KeyError, TypeError, ValueError):
        text = _("%(kind)s：纠纷 %(number)s") % {
            "kind": kind_label(notification.kind),
            "number": params["number"],
        }
    return text


def _due_action(value: str) -> str:
    from jiefen.rules.models import RequiredAction

    return str(RequiredAction(value).label) if value in RequiredAction.values else ""


def _render(kind: str, p: dict[str, Any]) -> str:
    if kind == Kind.YELLOW:
        return _("纠纷 %(number)s 距办理时限（%(due)s，%(action)s）不足 1 个工作日") % {
            "number": p["number"],
            "due": p["due"],
            "action": _due_action(p.get("due_action", "")),
        }
    if kind == Kind.RED:
        return _("纠纷 %(number)s 已超过办理时限（%(due)s，%(action)s）") % {
            "number": p["number"],
            "due": p["due"],
            "action": _due_action(p.get("due_action", "")),
        }
    if kind == Kind.TRANSFERRED:
        return _("纠纷 %(number)s 已移送至 %(body)s，请及时接收") % p
    if kind == Kind.RETURNED:
        return _("纠纷 %(number)s 的移送被上级退回 %(body)s，请查看退回理由并继续办理") % p
    if kind == Kind.ASSIGNED:
        return _("纠纷 %(number)s 已交办 %(body)s，请于 %(due)s 前反馈办理结果") % p
    if kind == Kind.ORDER:
        return _("%(body)s 对纠纷 %(number)s 下达督办：%(note)s。请于 %(due)s 前报告进展") % p
    if kind == Kind.ORDER_OVERDUE:
        return _("对纠纷 %(number)s 的督办已于 %(due)s 到期，%(body)s 尚未报告进展") % p
    if kind == Kind.ORDER_ANSWERED:
        return _("%(body)s 已就纠纷 %(number)s 的督办报告进展：%(note)s") % p
    if kind == Kind.URGE:
        return _("%(actor)s 催办纠纷 %(number)s：%(note)s") % p
    if kind == Kind.LEADER_MISSING:
        if p.get("due"):
            return _("县级重大或群体性纠纷 %(number)s 尚未明确包案领导，应于 %(due)s 前明确") % p
        return _("县级重大或群体性纠纷 %(number)s 尚未明确包案领导") % p
    if kind == Kind.LEADER_ASSIGNED:
        return _("您已被明确为纠纷 %(number)s 的包案领导，目标化解日期 %(target)s") % p
    if kind == Kind.EXTENSION_REQUESTED:
        return _("%(actor)s 申请将纠纷 %(number)s 的包案目标日期延至 %(date)s，请审批") % p
    if kind == Kind.EXTENSION_DECIDED:
        if p.get("approved"):
            return _("纠纷 %(number)s 的包案延期申请已批准，目标日期延至 %(date)s") % p
        return _("纠纷 %(number)s 的包案延期申请未获批准") % p
    if kind == Kind.CAMPAIGN:
        return _("纠纷 %(number)s 已列入集中清理“%(campaign)s”，请加快化解") % p
    raise KeyError(kind)


# The parameters of each SMS kind's template, in order: a gateway sends only texts made from a
# template registered with it, so the operator registers one per kind with these variables
# (named for Aliyun, ${number}; numbered {1}, {2}… in this order for Tencent; deploy/README.md
# gives the wording). Free text (a body's name, a note) is cut to JIEFEN_SMS["param_limit"]
# characters; dispute numbers and dates stay whole.
SMS_PARAMS: dict[str, tuple[str, ...]] = {
    Kind.RED: ("number", "due", "action"),
    Kind.ORDER: ("body", "number", "note", "due"),
    Kind.ORDER_OVERDUE: ("number", "due", "body"),
    Kind.URGE: ("actor", "number", "note"),
    Kind.LEADER_MISSING: ("number", "due"),
    Kind.LEADER_ASSIGNED: ("number", "target"),
}


def sms_params(notification: Notification) -> dict[str, str]:
    """The template parameters of an SMS notification, from the same scrubbed words as its
    sentence."""
    raw = notification.params or {}
    limit = int(sms_settings().get("param_limit") or 20)
    values: dict[str, str] = {}
    for name in SMS_PARAMS.get(notification.kind, ("number",)):
        if name == "action":
            values[name] = _due_action(str(raw.get("due_action", "")))
        elif name in PLAIN_KEYS:  # numbers and dates, whole
            values[name] = str(raw.get(name, ""))
        else:
            values[name] = excerpt(str(raw.get(name) or ""), limit)
    return values


# ---------------------------------------------------------------------------------------------
# Sending


def notifications_deliver(*, batch: int = 500, at: datetime | None = None) -> int:
    """Send every unsent notification once; returns how many this call claimed. Safe to run
    in several processes at once: a row is sent only by the process whose update claimed it.
    A failed send is released for a later run, up to MAX_ATTEMPTS times."""
    now = at or timezone.now()
    claimed_total = 0
    after = 0
    while True:
        ids = list(
            Notification.objects.filter(
                sent_at__isnull=True, send_attempts__lt=MAX_ATTEMPTS, id__gt=after
            )
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return claimed_total
        after = ids[-1]
        token = uuid.uuid4().hex
        # audit-exempt: delivery bookkeeping (claim, sent time), no one's decision
        Notification.objects.filter(id__in=ids, sent_at__isnull=True).update(
            sent_at=now, send_claim=token
        )
        claimed = list(
            Notification.objects.filter(id__in=ids, send_claim=token)
            .select_related("recipient")
            .order_by("id")
        )
        claimed_total += len(claimed)
        failed = [n.pk for n in claimed if not _send(n)]
        if failed:
            # audit-exempt: delivery bookkeeping (a failed send released for a retry)
            Notification.objects.filter(id__in=failed, send_claim=token).update(
                sent_at=None, send_claim="", send_attempts=F("send_attempts") + 1
            )


def _send(notification: Notification) -> bool:
    user = notification.recipient
    if not user.is_active or not (user.email or user.phone):
        return True
    with translation.override(settings.LANGUAGE_CODE):
        text = notification_text(notification)
        subject = _("【解纷】%(kind)s") % {"kind": kind_label(notification.kind)}
        link = ""
        if notification.dispute_id:
            base = getattr(settings, "JIEFEN_SITE_URL", "").rstrip("/")
            link = base + reverse("disputes:detail", args=[notification.dispute_id])
    try:
        if user.phone and notification.kind in SMS_KINDS:
            # Recorded once: a notification sent again after its e-mail failed texts no more.
            params = sms_params(notification)
            sms_queue(
                notification=notification, phone=user.phone, text=subject + text, params=params
            )
        if user.email:
            body = text + ("\n\n" + link if link else "")
            mail.send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception:
        log.exception("notification %s not sent", notification.pk)
        return False
    return True
