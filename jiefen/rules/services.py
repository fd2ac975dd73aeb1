"""Deadline rules: validating and saving them, finding the one that applies, computing due dates.

Rules are few and change rarely, while every dispute event asks for one. Each process therefore
keeps the active rules in memory; each lookup reads only the one-row RulesStamp token and
reloads the rules when it changed. rule_save and rule_delete (the admin uses them too) change
the token in the same transaction as the rule, so every process sees a change at its next
lookup. A rule changed any other way (shell, fixtures) needs a call to rules_changed().
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from jiefen.rules.models import (
    Condition,
    DayKind,
    DeadlineRule,
    RequiredAction,
    RulesStamp,
    Tier,
    Trigger,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The working-day calendar covers only a few years ahead; a longer term is surely a typing error.
MAX_DAYS = 366
STAMP_PK = 1

Errors = dict[str, list[ValidationError]]

# The rules that carry the party's guarantees (a request to go up, a request for the level above
# to review a "no"): they can be shortened but never deleted, switched off, renamed, pointed at
# something else or lengthened beyond GUARANTEE_MAX_DAYS working days. Without them a request
# would have no deadline and would never rise by itself. Each tier has one of each.
GUARANTEED = {
    **{f"escalation-answer-{tier}": Trigger.ESCALATION_REQUESTED for tier in Tier.values},
    **{f"review-answer-{tier}": Trigger.REVIEW_REQUESTED for tier in Tier.values},
}
GUARANTEE_MAX_DAYS = 10
# Used when a guaranteed rule is somehow missing anyway (changed outside the services): the
# request still gets a deadline, and the problem is logged.
GUARANTEE_FALLBACK_DAYS = 5


class WorkingCalendar(Protocol):
    """What due_date needs from jiefen.lib.workdays.WorkCalendar."""

    def add(self, d: date, n: int) -> date: ...

    def is_working_day(self, d: date) -> bool: ...


# --- validation ---------------------------------------------------------------------------------

# Which tiers may carry a rule for an action or trigger; absent means every tier.
ACTION_TIERS: dict[str, set[str]] = {
    # The county is the top of the chain: nothing is transferred further up by a rule.
    RequiredAction.TRANSFER: {Tier.VILLAGE, Tier.TOWN},
    RequiredAction.ASSIGN_DEPARTMENT: {Tier.TOWN, Tier.COUNTY},
    RequiredAction.ASSIGN_LEADER: {Tier.TOWN, Tier.COUNTY},
}
TRIGGER_TIERS: dict[str, set[str]] = {
    # The village is the bottom: nothing arrives there by transfer, nothing is assigned there.
    Trigger.ARRIVED: {Tier.TOWN, Tier.COUNTY},
    Trigger.ASSIGNED: {Tier.TOWN, Tier.COUNTY},
}
# Triggers that allow only some actions, and actions that need one trigger.
TRIGGER_ACTIONS: dict[str, set[str]] = {
    Trigger.AGREEMENT: {RequiredAction.JUDICIAL_CONFIRMATION, RequiredAction.REPORT},
    Trigger.ESCALATION_REQUESTED: {RequiredAction.ANSWER, RequiredAction.TRANSFER},
    Trigger.REVIEW_REQUESTED: {RequiredAction.ANSWER},
}
ACTION_TRIGGER: dict[str, set[Trigger]] = {
    RequiredAction.JUDICIAL_CONFIRMATION: {Trigger.AGREEMENT},
    RequiredAction.ANSWER: {Trigger.ESCALATION_REQUESTED, Trigger.REVIEW_REQUESTED},
}


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _labels(choices: type, values: Iterable[str]) -> str:
    return "、".join(_label(choices, v) for v in sorted(values))


def rule_problems(rule: DeadlineRule) -> Errors:
    """What is wrong with `rule`'s days and its combination of tier, trigger, condition and
    action, by field. Unknown choice values are left to the model's own field validation."""
    errors: Errors = {}

    def add(field: str, code: str, message: StrOrPromise, **params: object) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code, params=params))

    days = rule.days
    if rule.day_kind == DayKind.NEXT_MEETING:
        if days is not None:
            add(
                "days",
                "days_with_meeting",
                _("按“%(kind)s”计算时，期限天数应留空"),
                kind=DayKind.NEXT_MEETING.label,
            )
        if rule.tier != Tier.COUNTY:
            add(
                "day_kind",
                "meeting_not_county",
                _("计算方式“%(kind)s”只适用于县级联席会议"),
                kind=DayKind.NEXT_MEETING.label,
            )
    elif rule.day_kind in DayKind.values:
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            add("days", "days_not_positive", _("期限天数必须为正整数"))
        elif days > MAX_DAYS:
            add("days", "days_too_long", _("期限天数不能超过 %(max)s 天"), max=MAX_DAYS)

    tiers = ACTION_TIERS.get(rule.action)
    if tiers is not None and rule.tier in Tier.values and rule.tier not in tiers:
        if rule.action == RequiredAction.TRANSFER:
            add(
                "action",
                "transfer_from_top",
                _("应办事项“%(action)s”不适用于县级：县级是移送的最高一级"),
                action=RequiredAction.TRANSFER.label,
            )
        else:
            add(
                "action",
                "action_tier",
                _("应办事项“%(action)s”只适用于%(tiers)s"),
                action=_label(RequiredAction, rule.action),
                tiers=_labels(Tier, tiers),
            )
    tiers = TRIGGER_TIERS.get(rule.trigger)
    if tiers is not None and rule.tier in Tier.values and rule.tier not in tiers:
        add(
            "trigger",
            "trigger_tier",
            _("触发“%(trigger)s”只适用于%(tiers)s"),
            trigger=_label(Trigger, rule.trigger),
            tiers=_labels(Tier, tiers),
        )

    actions = TRIGGER_ACTIONS.get(rule.trigger)
    if actions is not None and rule.action in RequiredAction.values and rule.action not in actions:
        add(
            "action",
            "action_trigger",
            _("触发为“%(trigger)s”时，应办事项只能是%(actions)s"),
            trigger=_label(Trigger, rule.trigger),
            actions=_labels(RequiredAction, actions),
        )
    needed = ACTION_TRIGGER.get(rule.action)
    if needed is not None and rule.trigger in Trigger.values and rule.trigger not in needed:
        add(
            "action",
            "action_needs_trigger",
            _("应办事项“%(action)s”只能由“%(trigger)s”触发"),
            action=_label(RequiredAction, rule.action),
            trigger=_labels(Trigger, needed),
        )
    _guarantee_problems(rule, add)

    # Small matters stay in the village: a transfer needs a reason, except when a party asks.
    if (
        rule.action == RequiredAction.TRANSFER
        and rule.condition == Condition.ALWAYS
        and rule.trigger != Trigger.ESCALATION_REQUESTED
    ):
        add(
            "condition",
            "transfer_without_reason",
            _("条件不能为“%(always)s”：移送上一级须有理由（疑难复杂、未能化解或重大）"),
            always=Condition.ALWAYS.label,
        )
    return errors


def _guarantee_problems(rule: DeadlineRule, add) -> None:  # type: ignore[no-untyped-def]
    stored = (
        DeadlineRule.objects.filter(pk=rule.pk).values_list("key", flat=True).first()
        if rule.pk
        else None
    )
    if stored in GUARANTEED and rule.key != stored:
        add(
            "key",
            "guarantee_renamed",
            _("规则“%(key)s”保障当事人的申请得到答复，不能改名"),
            key=stored,
        )
        return
    if rule.key not in GUARANTEED:
        return
    tier = rule.key.rsplit("-", 1)[1]
    if (
        rule.tier != tier
        or rule.trigger != GUARANTEED[rule.key]
        or rule.action != RequiredAction.ANSWER
        or rule.condition != Condition.ALWAYS
    ):
        add(
            "trigger",
            "guarantee_changed",
            _("规则“%(key)s”保障当事人的申请得到答复：层级、触发、条件和应办事项不能改"),
            key=rule.key,
        )
    if not rule.active:
        add(
            "active",
            "guarantee_inactive",
            _("规则“%(key)s”保障当事人的申请得到答复，不能停用"),
            key=rule.key,
        )
    if rule.day_kind != DayKind.WORKING or (
        isinstance(rule.days, int) and rule.days > GUARANTEE_MAX_DAYS
    ):
        add(
            "days",
            "guarantee_too_long",
            _("规则“%(key)s”的答复期限最长 %(max)s 个工作日"),
            key=rule.key,
            max=GUARANTEE_MAX_DAYS,
        )


class GuaranteeProtected(ValidationError):
    pass


def _refuse_guaranteed(keys: Iterable[str]) -> None:
    protected = sorted(set(keys) & set(GUARANTEED))
    if protected:
        raise GuaranteeProtected(
            _("以下规则保障当事人的申请得到答复，不能删除：%(keys)s")
            % {"keys": "、".join(protected)}
        )


def rule_validate(rule: DeadlineRule) -> None:
    """Raise ValidationError (a dict by field) unless `rule` may be saved."""
    errors = rule_problems(rule)
    try:
        # The check constraint on days duplicates rule_problems, in worse words.
        rule.full_clean(exclude=set(errors), validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.error_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


# --- writes -------------------------------------------------------------------------------------


def rules_changed() -> None:
    """Tell every process to reload its rules: a new token, in the caller's transaction."""
    global _cache
    RulesStamp.objects.update_or_create(pk=STAMP_PK, defaults={"token": uuid.uuid4().hex})
    _cache = None


def rule_save(*, rule: DeadlineRule) -> DeadlineRule:
    """Validate and save `rule` (new or changed)."""
    rule_validate(rule)
    with transaction.atomic():
        rule.save()
        rules_changed()
    return rule


def rule_delete(*, rule: DeadlineRule) -> None:
    _refuse_guaranteed([rule.key])
    with transaction.atomic():
        rule.delete()
        rules_changed()


def rules_delete(*, rules: QuerySet[DeadlineRule]) -> int:
    _refuse_guaranteed(rules.values_list("key", flat=True))
    with transaction.atomic():
        count, _by_model = rules.delete()
        rules_changed()
    return count


# --- reads --------------------------------------------------------------------------------------

RuleIndex = dict[tuple[str, str], tuple[DeadlineRule, ...]]
_cache: tuple[str, RuleIndex] | None = None


# Inside `rules_pinned()`: the index read at its first lookup, for the block's other lookups.
_pinned: contextvars.ContextVar[list[RuleIndex] | None] = contextvars.ContextVar(
    "jiefen_rules_pinned", default=None
)


@contextmanager
def rules_pinned() -> Iterator[None]:
    """Read the stamp once for all the lookups of one write (a move asks for the rules of
    several triggers): within one transaction a second read would say the same."""
    token = _pinned.set([])
    try:
        yield
    finally:
        _pinned.reset(token)


def _active_rules() -> RuleIndex:
    """Active rules by (tier, trigger), lowest priority first; reloaded when the stamp moved."""
    pinned = _pinned.get()
    if pinned:
        return pinned[0]
    index = _load_rules()
    if pinned is not None:
        pinned.append(index)
    return index


def rules_token() -> Any:
    """The stamp's token as an expression, for a writer that reads it in the query it makes
    anyway (a move reads it with the dispute's row) and hands it to `rules_token_seen`."""
    return Subquery(RulesStamp.objects.filter(pk=STAMP_PK).values("token")[:1])


def rules_token_seen(token: str | None) -> None:
    """Inside `rules_pinned`: the stamp was read already (`rules_token`), so the rules of this
    write are known without reading it again."""
    pinned = _pinned.get()
    if pinned is not None and not pinned:
        pinned.append(_load_rules(token or ""))


def _load_rules(token: str | None = None) -> RuleIndex:
    global _cache
    if token is None:
        token = RulesStamp.objects.filter(pk=STAMP_PK).values_list("token", flat=True).first() or ""
    cached = _cache
    if cached is None or cached[0] != token:
        index: dict[tuple[str, str], list[DeadlineRule]] = {}
        for rule in DeadlineRule.objects.filter(active=True).order_by("priority", "key"):
            index.setdefault((rule.tier, rule.trigger), []).append(rule)
        # The token was read first: a change racing with this load at worst causes one reload.
        cached = (token, {k: tuple(v) for k, v in index.items()})
        _cache = cached
    return cached[1]


def rules_for(*, tier: str, trigger: str, facts: Iterable[str]) -> list[DeadlineRule]:
    """Every active rule for `tier` and `trigger` whose condition holds, the winner first.

    The rules are shared, cached objects: read them, do not change them.
    """
    holding = {facts} if isinstance(facts, str) else set(facts)
    holding.add(Condition.ALWAYS)
    return [r for r in _active_rules().get((tier, trigger), ()) if r.condition in holding]


def rule_for(*, tier: str, trigger: str, facts: Iterable[str]) -> DeadlineRule | None:
    """The active rule with the lowest priority for `tier` and `trigger` whose condition is one
    of `facts` (the conditions that hold; "always" is added if missing), or None."""
    rules = rules_for(tier=tier, trigger=trigger, facts=facts)
    return rules[0] if rules else None


# --- due dates ----------------------------------------------------------------------------------


def _last_working_day_of_month(day: date, calendar: WorkingCalendar) -> date:
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    candidate = first_of_next - timedelta(days=1)
    while not calendar.is_working_day(candidate):
        candidate -= timedelta(days=1)
        if candidate.month != day.month:
            raise ValueError(f"no working day in {day:%Y-%m}")
    return candidate


def due_date(
    *,
    start: date,
    days: int | None,
    day_kind: str,
    calendar: WorkingCalendar,
    next_meeting: date | None = None,
) -> date:
    """The day by which something started on `start` must be done.

    working       the `days`-th working day after `start` (the start day does not count)
    calendar      `start` + `days`
    next_meeting  the date of the next joint meeting if one is scheduled; until meetings are
                  scheduled in jiefen, the last working day of `start`'s month, the usual day of
                  the monthly meeting — or of the next month when `start` is already that day
                  or later, so that there is always time to put the case on the agenda.
    """
    if day_kind in (DayKind.WORKING, DayKind.CALENDAR):
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise ValueError(f"a {day_kind} deadline needs a positive number of days, not {days}")
        if day_kind == DayKind.WORKING:
            return calendar.add(start, days)
        return start + timedelta(days=days)
    if day_kind == DayKind.NEXT_MEETING:
        if next_meeting is not None:
            if next_meeting < start:
                raise ValueError(f"the next meeting {next_meeting} is before {start}")
            return next_meeting
        due = _last_working_day_of_month(start, calendar)
        if due <= start:
            due = _last_working_day_of_month(due.replace(day=28) + timedelta(days=4), calendar)
        return due
    raise ValueError(f"unknown day kind {day_kind!r}")
