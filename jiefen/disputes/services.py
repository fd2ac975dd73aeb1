"""Every write to a dispute. Views, the API, commands and imports call these and nothing else.

Each move locks the dispute row, checks (in this order) that the actor may see it, that the
version they saw is current, that the table allows the move from the current state and that
the actor holds a role for it in the right body; then changes the projection, recomputes the
deadline and writes exactly one event. Any refusal raises a DisputeError and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.audit.chain import gathered
from jiefen.calendars.services import calendar_current
from jiefen.disputes import deadlines
from jiefen.disputes.access import dispute_for, roles_by_body
from jiefen.disputes.lifecycle import TABLE, Action, Move, event_label
from jiefen.disputes.models import (
    Agreement,
    Category,
    Channel,
    Dispute,
    Event,
    LevelStay,
    NumberCounter,
    Outcome,
    Party,
    PartyKind,
    Reveal,
    Risk,
    Route,
    Session,
    Side,
    Status,
    Tier,
)
from jiefen.lib.errors import (
    CORRECT_THE_FORM,
    Conflict,
    Errors,
    Forbidden,
    IllegalMove,
    Invalid,
    NotFound,
)
from jiefen.lib.personal import valid_credit_code, valid_phone, valid_resident_id
from jiefen.lib.registry import Slot
from jiefen.lib.text import text_blank, text_problem
from jiefen.org.models import Body, BodyKind, Role
from jiefen.org.scope import scope_of
from jiefen.regions.models import Level, Region, code_span, short_code
from jiefen.rules.services import rules_pinned, rules_token, rules_token_seen

MASS_THRESHOLD = 10

TIER_OF_KIND = {
    BodyKind.VILLAGE_GROUP: Tier.VILLAGE,
    BodyKind.TOWN_CENTRE: Tier.TOWN,
    BodyKind.COUNTY_MEETING: Tier.COUNTY,
}
NEXT_KIND = {
    BodyKind.VILLAGE_GROUP: BodyKind.TOWN_CENTRE,
    BodyKind.TOWN_CENTRE: BodyKind.COUNTY_MEETING,
}


# ---------------------------------------------------------------------------------------------
# Registration


@dataclass
class PartyInput:
    side: str
    name: str
    kind: str = PartyKind.PERSON
    phone: str = ""
    id_number: str = ""
    address: str = ""


@dataclass
class DisputeInput:
    body: Body
    category: Category | None
    channel: str
    region: Region | None
    title: str
    description: str
    people_involved: int | None = 2
    project: str = ""
    amount: Decimal | str | None = None
    risk: str = Risk.ORDINARY
    complex: bool = False
    cross_area: bool = False
    parties: list[PartyInput] = field(default_factory=list)


def _check_text(errors: Errors, name: str, value: str, limit: int, required: bool = True) -> None:
    """The one input rule (jiefen.lib.text) for every door: no control characters; blank —
    spaces or zero-width characters only — is empty."""
    errors.text(name, value, limit, required=required)


def _check_parties(errors: Errors, parties: Iterable[PartyInput]) -> None:
    parties = list(parties)
    if not any(p.side == Side.APPLICANT for p in parties):
        errors.add("parties", _("至少需要一名申请人"))
    for i, party in enumerate(parties):
        prefix = f"parties.{i}."
        if party.side not in Side.values:
            errors.add(prefix + "side", _("当事人身份无效"))
        if party.kind not in PartyKind.values:
            errors.add(prefix + "kind", _("当事人类型无效"))
        _check_text(errors, prefix + "name", party.name, 100)
        _check_text(errors, prefix + "address", party.address, 200, required=False)
        if party.phone and not valid_phone(party.phone):
            errors.add(prefix + "phone", _("联系电话格式不正确"))
        if party.id_number:
            ok = (
                valid_credit_code(party.id_number)
                if party.kind == PartyKind.ORGANISATION
                else valid_resident_id(party.id_number)
            )
            if not ok:
                errors.add(prefix + "id_number", _("证件号码不正确（请核对校验位）"))


def _tier_of(body: Body) -> str:
    return TIER_OF_KIND[BodyKind(body.kind)]


def number_key(region: Region, when: datetime) -> str:
    """The series a dispute's number is taken from: its town (or coarser) and year."""
    level = min(region.level, Level.TOWN)
    prefix = short_code(code_span(region.code, level)[0], level)
    return f"{prefix}-{timezone.localdate(when).year}"


def numbers_taken(key: str, count: int = 1) -> list[str]:
    """The next `count` numbers of the series `key`, in order; the counter's row stays locked
    until the transaction ends."""
    # One statement: the UPDATE takes the row's lock and returns the last number it gave.
    table = connection.ops.quote_name(NumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + %s WHERE prefix = %s RETURNING last", [count, key]
        )
        row = cursor.fetchone()
    if row is not None:
        last = row[0]
    else:
        counter, _created = NumberCounter.objects.select_for_update().get_or_create(prefix=key)
        counter.last += count
        counter.save(update_fields=["last"])
        last = counter.last
    return [f"{key}-{n:06d}" for n in range(last - count + 1, last + 1)]


def _number_for(region: Region, when: datetime) -> str:
    return numbers_taken(number_key(region, when))[0]


# How long a registration form's one-time token is looked for (the form lives a day).
ONCE_WINDOW = timedelta(days=2)


def dispute_register_once(
    *, actor: Any, data: DisputeInput, once: str, at: datetime | None = None
) -> tuple[Dispute, bool]:
    """dispute_register for a form carrying the one-time token `once`: the first submission
    registers; any later one with the same token (back button, double tap, a retry after a
    timeout) returns the dispute the first registered. Returns (dispute, registered now).

    The actor's row is locked first, so two submissions at the same moment run one after the
    other and the second finds the first's registration event, which carries the token."""
    now = at or timezone.now()
    with transaction.atomic():
        get_user_model().objects.select_for_update(no_key=True).filter(pk=actor.pk).values_list(
            "pk"
        ).first()
        earlier = (
            Event.objects.filter(
                actor=actor, action=Action.REGISTER, at__gte=now - ONCE_WINDOW, params__once=once
            )
            .select_related("dispute")
            .first()
        )
        if earlier is not None:
            return earlier.dispute, False
        return dispute_register(actor=actor, data=data, at=now, once=once), True


def dispute_register(
    *,
    actor: Any,
    data: DisputeInput,
    at: datetime | None = None,
    query_digest: str = "",
    once: str = "",
) -> Dispute:
    """Register a dispute at `data.body`, the body the actor registers for. `actor` is None only
    for a party filing by themselves (see public.py), which arrives at the body of the place."""
    now = at or timezone.now()
    amount = registration_checked(actor=actor, data=data)
    assert data.region is not None
    # The audit records of the registration go in one statement (audit/chain.py).
    with transaction.atomic(), gathered(), rules_pinned():
        dispute, stay = registration_built(
            actor=actor, data=data, amount=amount, now=now, query_digest=query_digest
        )
        dispute.number = _number_for(data.region, now)
        dispute.save(force_insert=True)
        # audit-exempt: the parties are part of the registration, recorded by its event
        parties = Party.objects.bulk_create(parties_built(dispute, data))
        # Known without asking the database again (the search index reads them).
        known = dispute.parties.all()  # type: ignore[attr-defined]
        known._result_cache, known._prefetch_done = parties, True  # type: ignore[attr-defined]
        dispute._prefetched_objects_cache = {"parties": known}  # type: ignore[attr-defined]
        stay.dispute = dispute
        stay.save(force_insert=True)
        event_append(
            dispute=dispute,
            at=now,
            actor=actor,
            action=Action.REGISTER,
            from_status="",
            to_status=Status.REGISTERED,
            body=data.body,
            params=registration_params(dispute, data, once),
        )
    return dispute


def registration_checked(*, actor: Any, data: DisputeInput) -> Decimal | None:
    """The refusals of a registration, before anything is written: raises a DisputeError, or
    returns the amount as a number. Shared by dispute_register and the replay of an import."""
    body = data.body
    if body.kind not in TIER_OF_KIND:
        raise Forbidden(_("只有调处工作组、矛调中心和联席会议可以登记纠纷"))
    staff_roles = {Role.CLERK, Role.MEDIATOR, Role.HEAD}
    if actor is not None and not (
        actor.is_superuser or roles_by_body(actor).get(body.pk, set()) & staff_roles
    ):
        raise Forbidden(_("您不是该调处主体的工作人员，不能以其名义登记"))

    errors = Errors(CORRECT_THE_FORM)
    if data.category is None or not data.category.active:
        errors.add("category", _("请选择有效的纠纷类别"))
    if data.channel not in Channel.values:
        errors.add("channel", _("来源无效"))
    if data.risk not in Risk.values:
        errors.add("risk", _("风险等级无效"))
    if data.region is None:
        errors.add("region", _("请选择发生地"))
    else:
        low, high = code_span(body.region_code, body.region.level)
        if not low <= data.region.code <= high:
            errors.add("region", _("发生地不在 %(body)s 的辖区内") % {"body": body.name})
    _check_text(errors, "title", data.title, 100)
    _check_text(errors, "description", data.description, 5000)
    if text_problem(data.project):
        errors.add("project", str(text_problem(data.project)))
    elif len(data.project or "") > 100:
        errors.add("project", str(_("涉及项目不超过 100 字")))
    people = data.people_involved
    if people is None or not 1 <= int(people) <= 1_000_000:
        errors.add("people_involved", _("涉及人数应为 1 以上的整数"))
    amount: Decimal | None = None
    if data.amount not in (None, ""):
        try:
            amount = Decimal(str(data.amount))
            if amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
        except InvalidOperation:
            errors.add("amount", _("涉及金额应为不小于 0 的数字"))
    _check_parties(errors, data.parties)
    errors.raise_if_any()
    return amount


def registration_built(
    *, actor: Any, data: DisputeInput, amount: Decimal | None, now: datetime, query_digest: str = ""
) -> tuple[Dispute, LevelStay]:
    """The checked registration's dispute (no number yet) and its first level stay, with its
    deadline, in memory: nothing is written. Inside rules_pinned()."""
    body = data.body
    assert data.region is not None and data.category is not None
    people = int(data.people_involved or 0)
    dispute = Dispute(
        category=data.category,
        channel=data.channel,
        region=data.region,
        region_code=data.region.code,
        title=data.title.strip(),
        description=data.description.strip(),
        project=(data.project or "").strip(),
        people_involved=people,
        amount=amount,
        risk=data.risk,
        complex=data.complex,
        cross_area=data.cross_area,
        mass=people >= MASS_THRESHOLD,
        status=Status.REGISTERED,
        holder=body,
        tier=_tier_of(body),
        owner=actor if actor is not None and roles_by_body(actor).get(body.pk) else None,
        query_digest=query_digest,
        registered_at=now,
        registered_by=actor,
    )
    stay = LevelStay(
        tier=dispute.tier,
        body=body,
        region_code=dispute.region_code,
        arrived_at=now,
        arrived_how="registered",
    )
    # The deadline first, so that the dispute and its stay are inserted with it.
    _refresh_deadline(dispute, stay, now)
    return dispute, stay


def parties_built(dispute: Dispute, data: DisputeInput) -> list[Party]:
    return [
        Party(
            dispute=dispute,
            side=p.side,
            kind=p.kind,
            name=p.name.strip(),
            phone=p.phone.strip(),
            id_number=p.id_number.strip().upper(),
            address=p.address.strip(),
        )
        for p in data.parties
    ]


def registration_params(dispute: Dispute, data: DisputeInput, once: str = "") -> dict[str, Any]:
    """What the registration event carries."""
    assert data.category is not None
    return (
        deadline_params(dispute)
        | {
            "category": data.category.key,
            "channel": data.channel,
            "risk": data.risk,
            "complex": data.complex,
            "cross_area": data.cross_area,
            "mass": dispute.mass,
            "parties": len(data.parties),
        }
        | ({"once": once} if once else {})
    )


# ---------------------------------------------------------------------------------------------
# History


def event_new(
    *,
    dispute: Dispute,
    action: str,
    actor: Any,
    at: datetime,
    to_status: str,
    from_status: str = "",
    body_id: int | None = None,
    reason: str = "",
    params: Mapping[str, Any] | None = None,
    public: bool = True,
) -> Event:
    """The one maker of Event rows, not yet written: event_append writes each at once; the
    import's replay (jiefen.disputes.replay) keeps a chunk's and writes them together."""
    return Event(  # type: ignore[misc]
        dispute=dispute,
        at=at,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        body_id=body_id,
        reason=reason,
        params=dict(params or {}),
        public=public,
    )


def event_append(
    *,
    dispute: Dispute,
    action: str,
    actor: Any,
    at: datetime,
    to_status: str,
    from_status: str = "",
    body: Body | None = None,
    body_id: int | None = None,
    reason: str = "",
    params: Mapping[str, Any] | None = None,
    public: bool = True,
) -> Event:
    """Append one event to a dispute's history and fold it into the rollups, in the caller's
    transaction. The only writer of single Event rows (made by event_new): moves here, and the
    follow-up records of other apps (supervision orders, escalation requests, ratings) that
    change no state."""
    # Every caller names the body (or its id); the column refuses NULL.
    event = event_new(
        dispute=dispute,
        at=at,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        body_id=body.pk if body is not None else body_id,
        reason=reason,
        params=params,
        public=public,
    )
    event.save(force_insert=True)
    rollup_event(event, dispute)
    for follow in EVENT_FOLLOWERS:
        follow(event, dispute)
    return event


# The rollups (jiefen.metrics) fold every event, and every deadline moved without an event, into
# their counts in the same transaction; metrics registers both when it loads. Writing an event
# without them would leave the counts wrong, so an empty slot fails loudly.
rollup_event: Slot[[Event, Dispute], None] = Slot("rollup_event", provider="jiefen.metrics")
rollup_stays: Slot[[Dispute], None] = Slot("rollup_stays", provider="jiefen.metrics")
# The same folding for fresh disputes replayed in memory (jiefen.disputes.replay): a new
# accumulator, given each event as it is made and written once for the whole chunk.
rollup_replay: Slot[[], Any] = Slot("rollup_replay", provider="jiefen.metrics")


# What other apps do after every event, in its transaction (supervision: notifications whose
# work the event finished are marked done). Registered when those apps load.
EVENT_FOLLOWERS: list[Callable[[Event, Dispute], Any]] = []
# Followers that do their work once for a whole chunk of replayed disputes (given the disputes,
# their parties prefetched, and their agreements by dispute) instead of once per event: the
# search index. The other followers are called per event with the replayed dispute.
REPLAY_FOLLOWERS: dict[Callable[[Event, Dispute], Any], Callable[[list[Dispute], dict], Any]] = {}


# ---------------------------------------------------------------------------------------------
# Moves


def deadline_params(dispute: Dispute) -> dict[str, Any]:
    """The dispute's own current deadline, which every event carries: the overdue rollups
    and the supervision read it from the latest event."""
    if dispute.due_date is None:
        return {}
    return {
        "due": dispute.due_date.isoformat(),
        "due_action": dispute.due_action,
        "due_rule": dispute.due_rule,
    }


# While fresh disputes are replayed in memory (jiefen.disputes.replay, an import's chunk), the
# rows a move changes besides the dispute (its level stays, an agreement) are handed to the
# replay, which writes each table once for the whole chunk; otherwise they are saved here.
replaying: ContextVar[Any] = ContextVar("jiefen_disputes_replaying", default=None)


def _stored(instance: Any) -> bool:
    """Whether the row exists already (and a change to it is an UPDATE, not part of its
    INSERT)."""
    replay = replaying.get()
    return instance.pk is not None or (replay is not None and replay.holds(instance))


def _saved(instance: Any, update_fields: list[str] | None = None) -> None:
    replay = replaying.get()
    if replay is not None:
        replay.saved(instance, update_fields)
    else:
        instance.save(update_fields=update_fields)


def _open_stay(dispute: Dispute) -> LevelStay | None:
    return (
        LevelStay.objects.select_for_update()
        .filter(dispute=dispute, left_at__isnull=True)
        .order_by("-id")
        .first()
    )


def _leave(stay: LevelStay | None, how: str, now: datetime) -> bool | None:
    """Close the stay at the current level; returns whether its deadline was met."""
    if stay is None:
        return None
    stay.left_at = now
    stay.left_how = how
    stay.met = None if stay.due_date is None else timezone.localdate(now) <= stay.due_date
    _saved(stay, ["left_at", "left_how", "met"])
    return stay.met


def _arrive(dispute: Dispute, body: Body, how: str, now: datetime) -> LevelStay:
    """The stay at the new level: saved by _move once its deadline is known (one INSERT)."""
    stay = LevelStay(
        dispute=dispute,
        tier=_tier_of(body),
        body=body,
        region_code=dispute.region_code,
        arrived_at=now,
        arrived_how=how,
    )
    dispute.__dict__["_arrived"] = stay  # the open stay now, for _move (no second query)
    return stay


def _stay_after(dispute: Dispute, stay: LevelStay | None) -> LevelStay | None:
    """The open stay after a move's changes: stays change only through _leave and _arrive,
    and a dispute has at most one open stay."""
    arrived = dispute.__dict__.pop("_arrived", None)
    if arrived is not None:
        return arrived
    return stay if stay is not None and stay.left_at is None else None


# What a move may change of the dispute row: compared before and after, so that the UPDATE
# names its changed columns (and the audit records them) without reading the row again.
_DISPUTE_FIELDS = [f for f in Dispute._meta.concrete_fields if not f.primary_key]


def _values(dispute: Dispute) -> list[Any]:
    return [getattr(dispute, f.attname) for f in _DISPUTE_FIELDS]


def _changed(dispute: Dispute, before: list[Any]) -> list[str]:
    return [
        f.name
        for f, old in zip(_DISPUTE_FIELDS, before, strict=True)
        if getattr(dispute, f.attname) != old
    ]


def _refresh_deadline(dispute: Dispute, stay: LevelStay | None, now: datetime) -> None:
    calendar = calendar_current()
    today = timezone.localdate(now)
    if dispute.status != Status.ASSIGNED:
        found = deadlines.deadline_for(dispute, stay, calendar)
        dispute.due_date = found.due if found else None
        dispute.due_action = found.action if found else ""
        dispute.due_rule = found.rule if found else ""
        if stay is not None and stay.left_at is None and stay.due_date != dispute.due_date:
            stay.due_date = dispute.due_date
            stay.due_rule = dispute.due_rule
            if _stored(stay):  # a new stay is inserted with its deadline
                _saved(stay, ["due_date", "due_rule"])
    dispute.warning = deadlines.warning_for(dispute.due_date, today, calendar)


# Moves the system itself makes, with actor=None and no jurisdiction or role check: a party's
# request to go up a level that was not answered in time sends the dispute up by itself
# (jiefen.portal.services.escalations_overdue). The event records no actor.
# A party's review request that the level above did not answer in time reopens a declined
# dispute by itself (portal.services.reviews_overdue).
SYSTEM_ACTIONS = frozenset({Action.TRANSFER, Action.REVIEW_REOPEN})


def dispute_lock(
    dispute_id: Any, *, actor: Any = None, facts: Mapping[str, Any] | None = None
) -> Dispute:
    """The dispute, its row locked for the caller's transaction, the one way every writer of its
    history takes the lock. For a member of staff (`actor`), only a dispute they may see: a
    foreign one is answered exactly as a missing one (access.dispute_for). For the system
    (no actor: the sweep, a party's request unanswered in time), any dispute. The lock is
    taken by a query without joins and leaves the row's key alone (see access.dispute_for for
    why)."""
    if actor is not None:
        return dispute_for(actor, dispute_id, for_update=True, facts=facts)
    try:
        Dispute.objects.select_for_update(no_key=True).values_list("pk", flat=True).get(
            pk=int(dispute_id)
        )
        return (
            Dispute.objects.annotate(**(facts or {}))
            .select_related("holder", "holder__region", "region", "category")
            .get(pk=int(dispute_id))
        )
    except (Dispute.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("纠纷不存在")) from None


Apply = Callable[[Dispute, LevelStay | None, datetime], Mapping[str, Any] | None]


# What the apps that follow a move need to know of the dispute, read by the same query as its
# row under the move's lock (rather than one query each, most of them finding nothing): name →
# a function giving an expression on the dispute row (OuterRef("pk")), registered when those
# apps load (mediators: open assignments; supervision: unread notices; portal: the parties'
# requests waiting). The rules' stamp is read there too.
LOCK_FACTS: dict[str, Callable[[], Any]] = {}
RULES_FACT = "fact_rules_token"


def _lock_facts() -> dict[str, Any]:
    return {RULES_FACT: rules_token()} | {name: make() for name, make in LOCK_FACTS.items()}


def fact_absent(dispute: Dispute, name: str) -> bool:
    """Whether the move that holds `dispute` read the fact `name` with its row and found it
    false (nothing to do); False when the dispute was read without it (then ask the database)."""
    value = dispute.__dict__.get(name)
    return value is not None and not value


def conflict_on(dispute: Dispute) -> Conflict:
    """The refusal of a move made on a version of `dispute` older than the one now stored:
    what changed since, by whom and when (its last event), and what the dispute is now."""
    last = (
        Event.objects.filter(dispute=dispute)
        .select_related("actor", "body")
        .order_by("-id")
        .first()
    )
    holder = Body.objects.filter(pk=dispute.holder_id).values_list("name", flat=True).first()
    current: dict[str, Any] = {
        "version": dispute.version,
        "status": dispute.status,
        "status_label": str(dispute.get_status_display()),
        "holder": dispute.holder_id,
        "holder_name": holder or "",
        "last": None,
    }
    if last is None:
        message = _("该纠纷已被他人更新（%(number)s），您的操作没有执行") % {
            "number": dispute.number
        }
    else:
        who = str(last.actor) if last.actor else _("系统")
        when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
        what = event_label(last.action)
        current["last"] = {
            "action": last.action,
            "label": what,
            "by": who,
            "body": str(last.body) if last.body_id else "",
            "at": last.at.isoformat(),
        }
        message = _(
            "纠纷 %(number)s 在您打开此页后已由 %(who)s 于 %(when)s “%(what)s”，"
            "现状态为“%(status)s”。您的操作没有执行。"
        ) % {
            "number": dispute.number,
            "who": who,
            "when": when,
            "what": what,
            "status": current["status_label"],
        }
    return Conflict(message, current=current)


# Requests of the parties still waiting for the holder's answer (jiefen.portal registers these
# when it loads: a lower layer does not import a higher one). Resolving or declining a dispute
# with such a request requires answering it in the same step.
@dataclass(frozen=True)
class PendingRequests:
    waiting: Callable[[int], int]
    answer: Callable[..., int]


_pending: list[PendingRequests] = []
WAITING_FACT = "fact_requests_waiting"  # in LOCK_FACTS when jiefen.portal is loaded


def pending_register(pending: PendingRequests) -> None:
    _pending[:] = [pending]


def pending_waiting(dispute_id: int) -> int:
    """How many of the parties' requests are waiting for the holder's answer."""
    return _pending[0].waiting(dispute_id) if _pending else 0


def _answer_pending(dispute: Dispute, actor: Any, answer: str, now: datetime) -> int:
    if not _pending:
        raise RuntimeError("no handler for parties' pending requests registered (jiefen.portal)")
    pending = _pending[0]
    if fact_absent(dispute, WAITING_FACT) or not pending.waiting(dispute.pk):
        return 0
    if not (answer or "").strip():
        message = _("当事人有尚未答复的上移申请：办结或不予受理前请填写给当事人的答复")
        raise Invalid(message, fields={"answer": [message]})
    return pending.answer(dispute=dispute, actor=actor, answer=answer, at=now)


def move_checked(*, actor: Any, action: Action, reason: str) -> tuple[Move, str]:
    """The refusals of a move that need no dispute (the reason's text, who may act without a
    person); returns the move and the reason as kept."""
    move = TABLE[action]
    reason = "" if text_blank(reason) else (reason or "").strip()
    if text_problem(reason):
        raise Invalid(_("填写有误，请按提示修改"), fields={"reason": [str(text_problem(reason))]})
    if move.needs_reason and not reason:
        raise Invalid(
            _("请填写理由"),
            fields={"reason": [_("%(action)s必须说明理由") % {"action": move.label}]},
        )
    if len(reason) > 2000:
        raise Invalid(_("理由过长"), fields={"reason": [_("不能超过 2000 个字")]})
    if actor is None and action not in SYSTEM_ACTIONS:
        raise Forbidden(_("您无权对该纠纷执行“%(action)s”") % {"action": move.label})
    return move, reason


def move_allowed(*, actor: Any, dispute: Dispute, move: Move) -> int | None:
    """The table's and the roles' refusals of `move` on `dispute` as it stands; returns the id of
    the body that acts (the event's body)."""
    if dispute.status not in move.sources:
        raise IllegalMove(
            _("当前状态“%(status)s”下不能%(action)s")
            % {"status": dispute.get_status_display(), "action": move.label}
        )
    from jiefen.disputes.access import may_make

    if actor is not None and not may_make(actor, dispute, move):
        raise Forbidden(_("您无权对该纠纷执行“%(action)s”") % {"action": move.label})
    if move.who == "above":
        from jiefen.disputes.access import body_above

        above = body_above(dispute.holder)
        return above.pk if above else None
    return {
        "holder": dispute.holder_id,
        "receiver": dispute.transfer_to_id,
        "department": dispute.department_id,
    }[move.who]


def move_applied(
    dispute: Dispute, stay: LevelStay | None, move: Move, apply: Apply | None, now: datetime
) -> tuple[str, LevelStay | None, dict[str, Any], list[str]]:
    """Make the move on the dispute in memory (its stays' writes go through _saved): returns
    the status it came from, the open stay after it, the event's parameters without the
    deadline, and the dispute's changed fields."""
    from_status = dispute.status
    before = _values(dispute)
    dispute.status = move.target
    params = dict(apply(dispute, stay, now) or {}) if apply else {}
    stay = _stay_after(dispute, stay)
    dispute.version += 1
    _refresh_deadline(dispute, stay, now)
    return from_status, stay, params, _changed(dispute, before)


def _move(
    *,
    actor: Any,
    dispute_id: int,
    action: Action,
    version: int | None,
    reason: str = "",
    apply: Apply | None = None,
    at: datetime | None = None,
    public: bool = True,
) -> Dispute:
    now = at or timezone.now()
    move, reason = move_checked(actor=actor, action=action, reason=reason)
    with transaction.atomic(), gathered(), rules_pinned():
        dispute = dispute_lock(dispute_id, actor=actor, facts=_lock_facts())
        rules_token_seen(dispute.__dict__.get(RULES_FACT))
        if version is not None and dispute.version != int(version):
            raise conflict_on(dispute)
        acting_body_id = move_allowed(actor=actor, dispute=dispute, move=move)
        stay = _open_stay(dispute)
        from_status, stay, params, changed = move_applied(dispute, stay, move, apply, now)
        if stay is not None and stay.pk is None:
            stay.save(force_insert=True)
        dispute.save(update_fields=changed)
        event_append(
            dispute=dispute,
            at=now,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=dispute.status,
            body_id=acting_body_id,
            reason=reason,
            params=params | deadline_params(dispute),
            public=public,
        )
    return dispute


# What each move changes, as a function of the dispute, its open stay and the moment, shared
# by the services below and the replay of an import (jiefen.disputes.replay).


def accept_apply(actor: Any) -> Apply:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> None:
        d.accepted_at = d.accepted_at or now
        if d.owner_id is None:
            d.owner = actor

    return apply


def decline_checked(route: str) -> None:
    if route and route not in Route.values:
        raise Invalid(_("建议途径无效"), fields={"route": [_("建议途径无效")]})


def decline_apply(actor: Any, route: str, answer: str) -> Apply:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        _answer_pending(d, actor, answer, now)
        _leave(stay, LevelStay.Left.DECLINED, now)
        d.route = route
        d.closed_at = now
        return {"route": route}

    return apply


def dispute_accept(*, actor: Any, dispute_id: int, version: int | None, at=None) -> Dispute:
    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.ACCEPT,
        version=version,
        apply=accept_apply(actor),
        at=at,
    )


def dispute_decline(
    *,
    actor: Any,
    dispute_id: int,
    version: int | None,
    reason: str,
    route: str = "",
    answer: str = "",
    at=None,
) -> Dispute:
    """Decline (不予受理) with reasons the party reads on the portal, with the way to ask the
    level above to review it. `answer`: to the party's requests still waiting, if any."""
    decline_checked(route)
    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.DECLINE,
        version=version,
        reason=reason,
        apply=decline_apply(actor, route, answer),
        at=at,
    )


@dataclass
class SessionInput:
    held_on: date | None
    place: str
    mediators: str  # the names as printed; the seated mediators' names are added to it
    attendees: str
    record: str
    agreed: str = ""
    seated: list[int] = field(default_factory=list)  # mediators of the register who sat


@dataclass(frozen=True)
class Seating:
    """The register's mediators who sat in a session, checked: their names, and the writer
    that links them to the session row once it exists."""

    names: list[str]
    write: Callable[[Session], None]


# The mediators app (above disputes) fills these: the register's mediators a session form
# offers for a dispute — groups of (mediator id, name) and the ids to start on (the signed-in
# user's own record) — and the check and link of those chosen. A chosen mediator who is neither
# on the dispute nor in the holder's register is refused with the reason.
session_choices: Slot[[Any, Dispute], tuple[list[tuple[str, list[tuple[int, str]]]], list[int]]] = (
    Slot("session_choices", provider="jiefen.mediators")
)
session_seating: Slot[[Dispute, list[int]], Seating] = Slot(
    "session_seating", provider="jiefen.mediators"
)


def printed_names(seated: list[str], typed: str) -> str:
    """The names a session prints: what was typed, after the seated mediators it leaves out."""
    typed = typed.strip()
    missing = [name for name in dict.fromkeys(seated) if name not in typed]
    return "、".join([*missing, typed] if typed else missing)


def dispute_record_session(
    *, actor: Any, dispute_id: int, version: int | None, session: SessionInput, at=None
) -> Dispute:
    errors = Errors(CORRECT_THE_FORM)
    today = timezone.localdate(at or timezone.now())
    if session.held_on is None:
        errors.add("held_on", _("请填写调解日期"))
    elif session.held_on > today:
        errors.add("held_on", _("调解日期不能晚于今天"))
    _check_text(errors, "place", session.place, 100)
    if session.seated:  # the names come from the register; the text adds anyone else
        _check_text(errors, "mediators", session.mediators, 200, required=False)
    else:
        _check_text(errors, "mediators", session.mediators, 200)
    _check_text(errors, "attendees", session.attendees, 300)
    _check_text(errors, "record", session.record, 5000)
    _check_text(errors, "agreed", session.agreed, 5000, required=False)
    errors.raise_if_any()

    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        assert session.held_on is not None
        if session.held_on < timezone.localdate(d.registered_at):
            raise Invalid(
                _("调解日期不能早于登记日期"), fields={"held_on": [_("调解日期不能早于登记日期")]}
            )
        seating = session_seating(d, session.seated) if session.seated else None
        names = printed_names(seating.names if seating else [], session.mediators)
        if len(names) > 200:
            message = _("调解员姓名合计不能超过 200 字")
            raise Invalid(message, fields={"mediators": [message]})
        d.accepted_at = d.accepted_at or now
        row = Session.objects.create(
            dispute=d,
            held_on=session.held_on,
            place=session.place.strip(),
            mediators=names,
            attendees=session.attendees.strip(),
            record=session.record.strip(),
            agreed=session.agreed.strip(),
            recorded_by=actor,
        )
        params: dict[str, Any] = {"session": row.pk, "held_on": session.held_on.isoformat()}
        if seating is not None:
            seating.write(row)
            params["seated"] = sorted(set(session.seated))
        return params

    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.SESSION,
        version=version,
        apply=apply,
        at=at,
        public=False,
    )


def next_body(holder: Body) -> Body | None:
    """The body one level up: a village's town centre, a town's county joint meeting."""
    kind = NEXT_KIND.get(BodyKind(holder.kind))
    if kind is None:
        return None
    region = holder._state.fields_cache.get("region")
    if region is not None and region.parent_id is None:
        return None
    # The parent region in the same query when the holder's region is not loaded.
    parent = (
        region.parent_id
        if region is not None
        else Subquery(Region.objects.filter(pk=holder.region_id).values("parent_id")[:1])
    )
    return Body.objects.filter(kind=kind, region_id=parent, active=True).first()  # type: ignore[misc]


def dispute_transfer(
    *, actor: Any, dispute_id: int, version: int | None, reason: str, at=None
) -> Dispute:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        target = next_body(d.holder)
        if target is None:
            raise IllegalMove(_("%(body)s 已是最高一级，无处移送") % {"body": d.holder.name})
        in_time = _leave(stay, LevelStay.Left.TRANSFERRED, now)
        d.transfer_to = target
        return {"to_body": target.pk, "to_tier": _tier_of(target), "in_time": in_time}

    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.TRANSFER,
        version=version,
        reason=reason,
        apply=apply,
        at=at,
    )


def dispute_receive(*, actor: Any, dispute_id: int, version: int | None, at=None) -> Dispute:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        assert d.transfer_to is not None
        from_body = d.holder_id
        d.holder = d.transfer_to
        d.tier = _tier_of(d.holder)
        d.transfer_to = None
        d.owner = actor
        d.accepted_at = d.accepted_at or now
        _arrive(d, d.holder, "transferred", now)
        return {"from_body": from_body}

    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.RECEIVE,
        version=version,
        apply=apply,
        at=at,
    )


def dispute_return(
    *, actor: Any, dispute_id: int, version: int | None, reason: str, at=None
) -> Dispute:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        from_body = d.transfer_to_id
        d.transfer_to = None
        d.accepted_at = d.accepted_at or now
        _arrive(d, d.holder, "returned", now)
        # `holder`: the body it went back to, told by the sweep (supervision's arrivals).
        return {"from_body": from_body, "holder": d.holder_id}

    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.RETURN,
        version=version,
        reason=reason,
        apply=apply,
        at=at,
    )


def dispute_assign(
    *,
    actor: Any,
    dispute_id: int,
    version: int | None,
    department: Body | None,
    days: int | None,
    reason: str = "",
    at=None,
) -> Dispute:
    errors = Errors(CORRECT_THE_FORM)
    if department is None or department.kind != BodyKind.DEPARTMENT or not department.active:
        errors.add("department", _("请选择职能部门"))
    if days is None or not 1 <= int(days) <= 60:
        errors.add("days", _("办理期限应为 1 至 60 个工作日"))
    errors.raise_if_any()
    assert department is not None and days is not None

    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        low, high = code_span(d.holder.region_code, d.holder.region.level)
        if not (
            low <= department.region_code <= high
            and scope_of(actor).contains(department.region_code)
        ):
            raise Invalid(
                _("只能交办本级辖区内的职能部门"),
                fields={"department": [_("只能交办本级辖区内的职能部门")]},
            )
        calendar = calendar_current()
        d.department = department
        d.due_date = calendar.add(timezone.localdate(now), int(days))
        d.due_action = "report"
        d.due_rule = "assignment"
        return {"department": department.pk, "days": int(days)}

    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.ASSIGN,
        version=version,
        reason=reason,
        apply=apply,
        at=at,
    )


def dispute_report(
    *, actor: Any, dispute_id: int, version: int | None, reason: str, at=None
) -> Dispute:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        return {"department": d.department_id}

    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.REPORT,
        version=version,
        reason=reason,
        apply=apply,
        at=at,
    )


@dataclass
class AgreementInput:
    facts: str
    terms: str
    performance: str
    signed_on: date | None


def dispute_resolve(
    *,
    actor: Any,
    dispute_id: int,
    version: int | None,
    outcome: str,
    route: str = "",
    agreement: AgreementInput | None = None,
    reason: str = "",
    answer: str = "",
    at=None,
) -> Dispute:
    """`answer`: to the party's requests still waiting, if any (required then)."""
    resolve_checked(outcome=outcome, route=route, agreement=agreement, at=at)
    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.RESOLVE,
        version=version,
        reason=reason,
        apply=resolve_apply(actor, outcome, route, agreement, answer),
        at=at,
    )


def resolve_checked(
    *, outcome: str, route: str, agreement: AgreementInput | None, at: datetime | None
) -> None:
    errors = Errors(CORRECT_THE_FORM)
    today = timezone.localdate(at or timezone.now())
    if outcome not in Outcome.values:
        errors.add("outcome", _("请选择办结结果"))
    if outcome == Outcome.NO_AGREEMENT and route not in Route.values:
        errors.add("route", _("未达成协议的，须告知当事人其他解决途径"))
    if outcome == Outcome.AGREEMENT:
        if agreement is None:
            errors.add("terms", _("达成协议的，须填写协议内容"))
        else:
            _check_text(errors, "facts", agreement.facts, 5000)
            _check_text(errors, "terms", agreement.terms, 5000)
            _check_text(errors, "performance", agreement.performance, 2000)
            if agreement.signed_on is None:
                errors.add("signed_on", _("请填写签订日期"))
            elif agreement.signed_on > today:
                errors.add("signed_on", _("签订日期不能晚于今天"))
    errors.raise_if_any()


def resolve_apply(
    actor: Any, outcome: str, route: str, agreement: AgreementInput | None, answer: str
) -> Apply:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        _answer_pending(d, actor, answer, now)
        d.outcome = outcome
        d.route = route if outcome == Outcome.NO_AGREEMENT else ""
        d.resolved_at = now
        in_time = _leave(stay, LevelStay.Left.RESOLVED, now)
        if outcome == Outcome.AGREEMENT and agreement is not None:
            # The dispute's lock keeps a second writer out: no savepoints of update_or_create.
            # The move's read brought the agreement along (access.dispute_for).
            try:
                kept = d.agreement
            except Agreement.DoesNotExist:
                kept = Agreement(dispute=d)
            kept.facts = agreement.facts.strip()
            kept.terms = agreement.terms.strip()
            kept.performance = agreement.performance.strip()
            assert agreement.signed_on is not None  # checked above
            kept.signed_on = agreement.signed_on
            _saved(kept)
        return {"outcome": outcome, "route": d.route, "in_time": in_time, "tier": d.tier}

    return apply


def dispute_visit(
    *,
    actor: Any,
    dispute_id: int,
    version: int | None,
    satisfaction: int | None,
    held: bool | None,
    reason: str = "",
    at=None,
) -> Dispute:
    visit_checked(satisfaction)
    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.VISIT,
        version=version,
        reason=reason,
        apply=visit_apply(satisfaction, held),
        at=at,
    )


def visit_checked(satisfaction: int | None) -> None:
    if satisfaction is None or not 1 <= int(satisfaction) <= 5:
        raise Invalid(_("请选择满意度"), fields={"satisfaction": [_("满意度为 1 至 5 分")]})


def visit_apply(satisfaction: int | None, held: bool | None) -> Apply:
    assert satisfaction is not None

    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        d.satisfaction = int(satisfaction)
        return {"satisfaction": int(satisfaction), "held": held}

    return apply


def close_apply() -> Apply:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> None:
        d.closed_at = now

    return apply


def dispute_close(*, actor: Any, dispute_id: int, version: int | None, at=None) -> Dispute:
    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.CLOSE,
        version=version,
        apply=close_apply(),
        at=at,
    )


def dispute_reopen(
    *, actor: Any, dispute_id: int, version: int | None, reason: str, at=None
) -> Dispute:
    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        previous = {"outcome": d.outcome, "satisfaction": d.satisfaction}
        d.outcome = ""
        d.route = ""
        d.satisfaction = None
        d.resolved_at = None
        d.closed_at = None
        _arrive(d, d.holder, "reopened", now)
        return previous

    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.REOPEN,
        version=version,
        reason=reason,
        apply=apply,
        at=at,
    )


def dispute_review_reopen(
    *, actor: Any, dispute_id: int, version: int | None, reason: str, at=None
) -> Dispute:
    """The level above reverses a decline (复核): the dispute is accepted again, held by the
    level above (a county's decline reviewed by the city office stays with the county, which
    must now handle it). `actor` None: the system, for a review request not answered in time."""

    def apply(d: Dispute, stay: LevelStay | None, now: datetime) -> dict[str, Any]:
        from jiefen.disputes.access import body_above

        above = body_above(d.holder)
        if above is None:
            raise IllegalMove(_("%(body)s 没有上一级，无法复核") % {"body": d.holder.name})
        declined_by = d.holder_id
        if above.kind in TIER_OF_KIND:
            d.holder = above
            d.tier = _tier_of(above)
        d.transfer_to = None
        d.department = None
        d.route = ""
        d.closed_at = None
        d.accepted_at = d.accepted_at or now
        d.owner = actor  # None when the system reopened it: the level above's heads are told
        _arrive(d, d.holder, "reviewed", now)
        return {"declined_by": declined_by, "reviewed_by": above.pk}

    return _move(
        actor=actor,
        dispute_id=dispute_id,
        action=Action.REVIEW_REOPEN,
        version=version,
        reason=reason,
        apply=apply,
        at=at,
    )


# ---------------------------------------------------------------------------------------------
# Personal data


def party_reveal(*, actor: Any, party_id: int, field: str, reason: str) -> str:
    """The full phone or ID number of a party, for an actor who may see the dispute, with the
    reason logged. The value itself is never logged."""
    if field not in ("phone", "id_number"):
        raise Invalid(_("无效字段"), fields={"field": [_("无效字段")]})
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写查看理由"), fields={"reason": [_("查看完整信息必须说明理由")]})
    if len(reason) > 200:
        raise Invalid(_("理由过长"), fields={"reason": [_("不能超过 200 个字")]})
    from jiefen.lib.errors import NotFound

    # A party of a dispute outside the jurisdiction gets the same answer as one that does not
    # exist, so party ids cannot be probed.
    try:
        party = Party.objects.get(pk=int(party_id))
        dispute = dispute_for(actor, party.dispute_id)
    except (Party.DoesNotExist, NotFound, TypeError, ValueError):
        raise NotFound(_("当事人不存在或不在您的管辖范围内")) from None
    Reveal.objects.create(actor=actor, dispute=dispute, party=party, field=field, reason=reason)
    return getattr(party, field) or ""


# ---------------------------------------------------------------------------------------------
# Deadlines in bulk


def deadlines_recompute(*, year: int | None = None, batch: int = 2000, at=None) -> int:
    """Recompute the stored deadline of every open dispute (or those due in `year`) after the
    calendar or the rules changed — e.g. when next year's official schedule is confirmed.
    Works in batches of locked rows; returns how many deadlines changed."""
    now = at or timezone.now()
    changed = 0
    last_id = 0
    base = Dispute.objects.filter(status__in=[Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING])
    if year is not None:
        base = base.filter(due_date__year=year)
    while True:
        with transaction.atomic():
            rows = list(base.filter(id__gt=last_id).select_for_update().order_by("id")[:batch])
            if not rows:
                break
            last_id = rows[-1].id
            stays = {
                s.dispute_id: s
                for s in LevelStay.objects.filter(dispute__in=rows, left_at__isnull=True)
            }
            for dispute in rows:
                before = (dispute.due_date, dispute.warning)
                _refresh_deadline(dispute, stays.get(dispute.id), now)
                if (dispute.due_date, dispute.warning) != before:
                    dispute.save(update_fields=["due_date", "due_action", "due_rule", "warning"])
                    # No event is written, so move the level-deadline counts explicitly.
                    rollup_stays(dispute)
                    changed += 1
    return changed


# ---------------------------------------------------------------------------------------------
# Writes other apps make to the dispute tables: the documents' party facts and query codes,
# the facts a search adds, the privacy app's digest reindex and anonymisation. Each writes the
# audit chain as the caller did before.


def party_address_set(*, party: Party, address: str) -> bool:
    """Store a party's address if it changed; returns whether it did."""
    from jiefen.audit.services import audit_bulk

    if address == party.address:
        return False
    Party.objects.filter(pk=party.pk).update(address=address)
    audit_bulk(model=Party, action="update", pks=[party.pk], fields=["address"])
    return True


def dispute_query_digest_set(*, dispute: Dispute, digest: str) -> None:
    """Store the digest of the dispute's new query code (the code itself is never stored)."""
    from jiefen.audit.services import audit_bulk

    dispute.query_digest = digest
    Dispute.objects.filter(pk=dispute.pk).update(query_digest=digest)
    audit_bulk(model=Dispute, action="update", pks=[dispute.pk], fields=["query_digest"])


def parties_add(*, parties: list[Party]) -> None:
    """Add parties to a dispute; the caller records them in the event it writes."""
    # audit-exempt: the parties are part of the added facts, recorded by its event
    Party.objects.bulk_create(parties)


def party_digests_reindex(*, batch: int = 1000) -> int:
    """Recompute every party's lookup digests (after the key changed), `batch` locked rows per
    transaction; returns how many changed."""
    from jiefen.audit.services import audit_bulk

    changed = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(
                Party.objects.filter(pk__gt=last).select_for_update().order_by("pk")[:batch]
            )
            if not rows:
                break
            last = rows[-1].pk
            stale = []
            for party in rows:
                before = (party.phone_digest, party.id_digest)
                party.fill_digests()
                if (party.phone_digest, party.id_digest) != before:
                    stale.append(party)
            Party.objects.bulk_update(stale, ["phone_digest", "id_digest"])
            if stale:
                audit_bulk(
                    model=Party,
                    action="reindex",
                    pks=[party.pk for party in stale],
                    fields=["phone_digest", "id_digest"],
                )
            changed += len(stale)
    return changed


def rows_scrub(
    rows: Iterable[Any], scrub: Any, fields: dict[str, str], replaced: dict[str, Any]
) -> None:
    """Rewrite the text of rows tied to an anonymised dispute. fields: name → "scrub" (keep the
    words) | "remove" (replace the text) | "clear". What changed goes into `replaced` (model →
    fields and row count) and the audit chain. `scrub` is a lib.scrub.Scrubber."""
    from jiefen.audit.services import audit_bulk
    from jiefen.lib.scrub import REMOVED

    changed = []
    changed_fields: set[str] = set()
    for row in rows:
        before = {name: getattr(row, name) for name in fields}
        for name, how in fields.items():
            value = getattr(row, name)
            limit = getattr(row._meta.get_field(name), "max_length", None)
            if how == "scrub" and isinstance(value, str):
                setattr(row, name, scrub.text(value)[:limit])
            elif how == "scrub":
                setattr(row, name, scrub.data(value))
            elif how == "remove" and value:
                setattr(row, name, REMOVED)
            elif how == "clear":
                setattr(row, name, None if row._meta.get_field(name).null else "")
        differs = [name for name in fields if getattr(row, name) != before[name]]
        if differs:
            changed.append(row)
            changed_fields.update(differs)
    if changed:
        model = type(changed[0])
        model.objects.bulk_update(changed, list(fields))
        audit_bulk(
            model=model,
            action="anonymise",
            pks=[row.pk for row in changed],
            fields=sorted(changed_fields),
            region_code=getattr(changed[0], "region_code", None),
        )
        replaced[model._meta.label_lower] = {
            "fields": sorted(changed_fields),
            "rows": len(changed),
        }


@dataclass
class Anonymised:
    """What dispute_parties_anonymise rewrote: the parties, the scrubber built from their
    names (for the other apps' rows), and per table the fields and row counts."""

    parties: list[Party]
    scrub: Any
    replaced: dict[str, Any]


def dispute_parties_anonymise(*, dispute: Dispute, now: datetime) -> Anonymised | None:
    """Anonymise one locked dispute's parties and the dispute app's text about them (title,
    description, sessions, agreement, event reasons and parameters); None when every party is
    anonymised already. Call inside a transaction holding the dispute's row; the caller
    rewrites the other apps' rows with `rows_scrub` and writes the anonymise event."""
    from django.db.models import F

    from jiefen.audit.services import audit_bulk
    from jiefen.lib.scrub import REMOVED, Scrubber, label

    parties = list(Party.objects.filter(dispute=dispute).order_by("id"))
    waiting = [p for p in parties if p.anonymised_at is None]
    if not waiting:
        return None
    replacements: dict[str, str] = {}
    for index, party in enumerate(parties):
        if party.anonymised_at is None:
            replacements[party.name.strip()] = label(index)
            if party.address and len(party.address.strip()) >= 4:
                replacements[party.address.strip()] = "〔住址〕"
            party.name = label(index)
            party.phone = None
            party.id_number = None
            party.address = ""
            party.phone_digest = ""
            party.id_digest = ""
            party.anonymised_at = now
    fields = ["name", "phone", "id_number", "address", "phone_digest", "id_digest", "anonymised_at"]
    Party.objects.bulk_update(waiting, fields)
    audit_bulk(
        model=Party,
        action="anonymise",
        pks=[party.pk for party in waiting],
        fields=fields,
        region_code=dispute.region_code,
    )
    replaced: dict[str, Any] = {"disputes.party": {"fields": fields, "rows": len(waiting)}}
    scrub = Scrubber(replacements)
    Dispute.objects.filter(pk=dispute.pk).update(
        title=scrub.text(dispute.title)[:100],
        description=REMOVED if dispute.description else "",
        version=F("version") + 1,
    )
    audit_bulk(
        model=Dispute,
        action="anonymise",
        pks=[dispute.pk],
        fields=["title", "description", "version"],
        region_code=dispute.region_code,
    )
    replaced["disputes.dispute"] = {"fields": ["title", "description"], "rows": 1}
    rows_scrub(
        Session.objects.filter(dispute=dispute),
        scrub,
        {"attendees": "scrub", "record": "remove", "agreed": "remove"},
        replaced,
    )
    rows_scrub(
        Agreement.objects.filter(dispute=dispute),
        scrub,
        {"facts": "remove", "terms": "remove", "performance": "remove"},
        replaced,
    )
    rows_scrub(
        Event.objects.filter(dispute=dispute),
        scrub,
        {"reason": "scrub", "params": "scrub"},
        replaced,
    )
    return Anonymised(parties=waiting, scrub=scrub, replaced=replaced)


def dispute_note(
    *,
    dispute: Dispute,
    action: str,
    actor: Any,
    at: datetime,
    body_id: int | None,
    reason: str = "",
    params: Mapping[str, Any] | None = None,
    public: bool = False,
) -> Event:
    """Note an event that changes no state (a supervision order, a leader's progress note, …)
    in the dispute's history, with the dispute's current deadline as every event carries it;
    through event_append, the one writer of events. In the caller's transaction, the dispute's
    row locked."""
    return event_append(
        dispute=dispute,
        action=action,
        actor=actor,
        at=at,
        from_status=dispute.status,
        to_status=dispute.status,
        body_id=body_id,
        reason=reason,
        params=deadline_params(dispute) | dict(params or {}),
        public=public,
    )
