"""One dispute played through the lifecycle in memory, move by move, as the services would:
the projection, the level stays, the deadlines and the events; and the rows it becomes, in the
columns each table has (COLUMNS), waiting in _Rows to be written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

from jiefen.demo.synthetic.vocabulary import ACTION, LEFT, OUTCOME, STATUS, TIER
from jiefen.demo.synthetic.world import _Village, _World
from jiefen.disputes.deadlines import warning_for
from jiefen.disputes.lifecycle import TABLE as LIFECYCLE
from jiefen.disputes.lifecycle import IllegalMove
from jiefen.disputes.models import (
    Agreement,
    Dispute,
    Event,
    LevelStay,
    NumberCounter,
    Party,
    Session,
)
from jiefen.disputes.services import MASS_THRESHOLD, TIER_OF_KIND
from jiefen.org.models import BodyKind

# --- rows ---------------------------------------------------------------------------------------

# The columns written, per model; checked against the models so that a new field cannot be
# forgotten silently.
COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    Dispute: (
        "id", "number", "category_id", "channel", "region_id", "region_code", "title",
        "description", "people_involved", "amount", "risk", "complex", "cross_area", "mass",
        "status", "holder_id", "tier", "owner_id", "transfer_to_id", "department_id",
        "due_date", "due_action", "due_rule", "warning", "outcome", "route", "satisfaction",
        "registered_at", "accepted_at", "resolved_at", "closed_at", "registered_by_id",
        "version", "query_digest", "project",
    ),
    Party: (
        "id", "dispute_id", "side", "kind", "name", "phone", "id_number", "address",
        "anonymised_at", "phone_digest", "id_digest",
    ),
    LevelStay: (
        "id", "dispute_id", "tier", "body_id", "region_code", "arrived_at", "arrived_how",
        "left_at", "left_how", "due_date", "due_rule", "met",
    ),
    Session: (
        "id", "dispute_id", "held_on", "place", "mediators", "attendees", "record", "agreed",
        "recorded_by_id",
    ),
    Agreement: ("id", "dispute_id", "facts", "terms", "performance", "signed_on"),
    Event: (
        "id", "dispute_id", "at", "actor_id", "action", "from_status", "to_status", "body_id",
        "reason", "params", "public",
    ),
}  # fmt: skip
TABLES = tuple(COLUMNS)
PARTY, EVENT = TABLES.index(Party), TABLES.index(Event)


def check_columns() -> None:
    """Fail loudly if a model has gained (or lost) a column the generator does not write."""
    for model, columns in COLUMNS.items():
        actual = {f.attname for f in model._meta.concrete_fields}
        if actual != set(columns):
            raise RuntimeError(
                f"{model.__name__}: the generator writes {sorted(set(columns) - actual)} "
                f"but not {sorted(actual - set(columns))}; update COLUMNS in "
                "jiefen/demo/synthetic/case.py"
            )


class _Adapt:
    """Values as Django's fields would send them to the database, as plain text and numbers
    so that batches cross the pipe from the playing process cheaply (marshal)."""

    def __init__(self, first: date, last: date) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.zone = timezone.get_default_timezone()
        # China has kept UTC+8 all year since 1991: one offset for the whole period, unless
        # the zone says otherwise on the first of some month.
        offsets = set()
        month = date(first.year, first.month, 1)
        while month <= last + timedelta(days=800):
            offsets.add(self.zone.utcoffset(datetime(month.year, month.month, 1, 12)))  # noqa: DTZ001
            month = (month + timedelta(days=32)).replace(day=1)
        self.offset = offsets.pop() if len(offsets) == 1 else None
        self.encrypt_phone = _encrypter("phone")
        self.encrypt_id = _encrypter("id_number")

    def at(self, local: datetime | None) -> str | None:
        """UTC text: naive, as Django sends it to SQLite and MySQL; with the offset for COPY."""
        if local is None:
            return None
        offset = self.offset or self.zone.utcoffset(local) or timedelta(0)
        text = str(local - offset)
        return text + "+00:00" if self.postgres else text

    @staticmethod
    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()


def _encrypter(name: str) -> Callable[[str], str | None]:
    """The field's own get_prep_value for a string, without its attempt to decrypt first."""
    fernet = Party._meta.get_field(name).f  # type: ignore[union-attr]  # keys derived once

    def encrypt(value: str) -> str | None:
        return fernet.encrypt(value.encode("utf-8")).decode("utf-8") if value else None

    return encrypt


# Rows per table (in TABLES order), number counters moved on, disputes by status.
Batch = tuple[list[list[tuple]], dict[str, int], dict[str, int]]


# --- one dispute --------------------------------------------------------------------------------


class _Stop(Exception):
    """The next move would happen after `now`: the dispute stays where it is."""


class _Rows:
    """Rows waiting to be written, and the next id of each table."""

    def __init__(self, adapt: _Adapt, batch: int) -> None:
        self.adapt, self.batch = adapt, batch
        self.rows: dict[type[models.Model], list[tuple]] = {m: [] for m in TABLES}
        self.next_id: dict[type[models.Model], int] = {}
        for model in TABLES:
            top = model._default_manager.aggregate(top=Max("id"))["top"] or 0
            self.next_id[model] = top + 1
        self.counters: dict[str, int] = dict(NumberCounter.objects.values_list("prefix", "last"))
        self.touched: set[str] = set()
        self.statuses: Counter[str] = Counter()

    def take_id(self, model: type[models.Model]) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    def number(self, prefix: str, year: int) -> str:
        key = f"{prefix}-{year}"
        last = self.counters.get(key, 0) + 1
        self.counters[key] = last
        self.touched.add(key)
        return f"{key}-{last:06d}"

    def take(self) -> Batch:
        """The rows so far, the counters they moved on and their statuses; starts afresh."""
        batch = (
            [self.rows[model] for model in TABLES],
            {key: self.counters[key] for key in self.touched},
            dict(self.statuses),
        )
        self.rows = {m: [] for m in TABLES}
        self.touched = set()
        self.statuses = Counter()
        return batch


class _Stay:
    __slots__ = ("arrived", "body", "due", "how", "left", "left_how", "met", "pk", "rule", "tier")

    def __init__(self, pk: int, tier: str, body: int, arrived: datetime, how: str) -> None:
        self.pk, self.tier, self.body, self.arrived, self.how = pk, tier, body, arrived, how
        self.left: datetime | None = None
        self.left_how = ""
        self.due: date | None = None
        self.rule = ""
        self.met: bool | None = None


TIER_OF_BODY_KIND = {kind.value: tier.value for kind, tier in TIER_OF_KIND.items()}
# The lifecycle's table as plain strings (marshal takes them): action → (the states it may
# start from, the state it leads to, whose body makes it). Registering is not a move of the
# table but the first event; a review by the level above answers a party, and the demo files
# none.
MOVES: dict[str, tuple[frozenset[str], str, str]] = {
    str(move.action): (frozenset(str(s) for s in move.sources), str(move.target), str(move.who))
    for move in LIFECYCLE.values()
}


class _Case:
    """One dispute played through the services' moves; see services.py for each move. Which
    states a move may start from, which it leads to and whose body makes it come from the
    lifecycle's table (MOVES); the rest each move changes is its own."""

    def __init__(
        self, world: _World, rows: _Rows, village: _Village, registered: datetime, now: datetime
    ) -> None:
        self.w, self.r, self.v, self.now = world, rows, village, now
        self.pk = rows.take_id(Dispute)
        self.status = ""
        self.holder = village.body
        self.tier = TIER.VILLAGE
        self.owner: int | None = None
        self.transfer_to: int | None = None
        self.department: int | None = None
        self.due: date | None = None
        self.due_action = ""
        self.due_rule = ""
        self.outcome = ""
        self.route = ""
        self.satisfaction: int | None = None
        self.accepted_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.version = 1
        self.stays: list[_Stay] = []
        self.agreement: tuple | None = None
        self.last = registered
        self.registered_at = registered
        self.registered_by = 0
        self.facts: frozenset[str] = frozenset()
        self.attendees = ""
        self.description = ""
        # number, category, channel, title, description, people, amount, risk, complex, cross
        self.fixed: tuple = ()

    # -- the projection and deadlines, as services._refresh_deadline ---------------------------

    def _open_stay(self) -> _Stay | None:
        for stay in reversed(self.stays):
            if stay.left is None:
                return stay
        return None

    def _due(self, tier: str, trigger: str, start: date) -> tuple[date, str, str] | None:
        found = self.w.due(tier, trigger, self.facts, start)
        if found is not None and found[1] == "assign_department" and self.department:
            return None  # as deadlines.deadline_for: a lead department is already assigned
        return found

    def _refresh(self) -> None:
        if self.status == STATUS.ASSIGNED:
            return
        found = None
        stay = self._open_stay()
        if self.status in (STATUS.REGISTERED, STATUS.ACCEPTED, STATUS.MEDIATING) and stay:
            trigger = "registered" if stay.how == "registered" else "arrived"
            found = self._due(stay.tier, trigger, stay.arrived.date())
            if self.status != STATUS.REGISTERED and self.accepted_at is not None:
                accepted = max(self.accepted_at, stay.arrived).date()
                other = self._due(stay.tier, "accepted", accepted)
                if other is not None and (found is None or other[0] < found[0]):
                    found = other
        self.due, self.due_action, self.due_rule = found or (None, "", "")
        if stay is not None and stay.due != self.due:
            stay.due, stay.rule = self.due, self.due_rule

    def _deadline_params(self) -> dict[str, Any]:
        if self.due is None:
            return {}
        return {
            "due": self.due.isoformat(),
            "due_action": self.due_action,
            "due_rule": self.due_rule,
        }

    def _arrive(self, body: int, how: str, at: datetime) -> None:
        tier = TIER_OF_BODY_KIND[self.kind_of(body)]
        self.stays.append(_Stay(self.r.take_id(LevelStay), tier, body, at, how))

    def _leave(self, how: str, at: datetime) -> bool | None:
        stay = self._open_stay()
        if stay is None:
            return None
        stay.left, stay.left_how = at, how
        stay.met = None if stay.due is None else at.date() <= stay.due
        return stay.met

    def kind_of(self, body: int) -> str:
        v = self.v
        if body == v.body:
            return BodyKind.VILLAGE_GROUP
        if body == v.town_body:
            return BodyKind.TOWN_CENTRE
        return BodyKind.COUNTY_MEETING

    def _event(
        self,
        at: datetime,
        actor: int | None,
        action: str,
        from_status: str,
        body: int | None,
        reason: str = "",
        params: dict[str, Any] | None = None,
        public: bool = True,
    ) -> None:
        a = self.r.adapt
        self.r.rows[Event].append(
            (
                self.r.take_id(Event),
                self.pk,
                a.at(at),
                actor,
                action,
                from_status,
                self.status,
                body,
                reason,
                params or {},  # as JSON when written
                public,
            )
        )

    def _check_time(self, at: datetime) -> datetime:
        if at <= self.last:
            at = self.last + timedelta(minutes=3)
        if at > self.now:
            raise _Stop
        self.last = at
        return at

    def move(
        self,
        action: str,
        at: datetime,
        actor: int,
        *,
        reason: str = "",
        public: bool = True,
        apply: Callable[[datetime], dict] | None = None,
    ) -> datetime:
        """Make `action` as the lifecycle's table has it: from a state it allows, to the state
        it names, by the body it names; `apply` changes the rest as the service does."""
        sources, target, who = MOVES[action]
        if self.status not in sources:
            raise IllegalMove(f"{action} from {self.status!r}: not a move of the lifecycle")
        at = self._check_time(at)
        from_status = self.status
        body = {"holder": self.holder, "receiver": self.transfer_to, "department": self.department}[
            who
        ]
        self.status = target
        params = apply(at) if apply else {}
        self.version += 1
        self._refresh()
        self._event(
            at, actor, action, from_status, body, reason, params | self._deadline_params(), public
        )
        return at

    # -- the moves ------------------------------------------------------------------------------

    def register(self, at: datetime, actor: int, info: dict[str, Any]) -> None:
        self.last = at
        self.status = STATUS.REGISTERED
        self.owner = actor
        self.registered_at = at
        self.registered_by = actor
        self._arrive(self.v.body, "registered", at)
        self._refresh()
        params = self._deadline_params() | info
        self._event(at, actor, ACTION.REGISTER, "", self.v.body, params=params)

    def accept(self, at: datetime, actor: int) -> datetime:
        def apply(now: datetime) -> dict:
            self.accepted_at = self.accepted_at or now
            self.owner = self.owner or actor
            return {}

        return self.move(ACTION.ACCEPT, at, actor, apply=apply)

    def decline(self, at: datetime, actor: int, reason: str, route: str) -> datetime:
        def apply(now: datetime) -> dict:
            self._leave(LEFT.DECLINED, now)
            self.route = route
            self.closed_at = now
            return {"route": route}

        return self.move(ACTION.DECLINE, at, actor, reason=reason, apply=apply)

    def session(self, at: datetime, actor: int, text: tuple[str, str, str, str]) -> datetime:
        place, mediators, record, agreed = text

        def apply(now: datetime) -> dict:
            self.accepted_at = self.accepted_at or now
            pk = self.r.take_id(Session)
            self.r.rows[Session].append(
                (
                    pk,
                    self.pk,
                    self.r.adapt.day(now.date()),
                    place,
                    mediators,
                    self.attendees,
                    record,
                    agreed,
                    actor,
                )
            )
            return {"session": pk, "held_on": now.date().isoformat()}

        return self.move(ACTION.SESSION, at, actor, apply=apply, public=False)

    def transfer(self, at: datetime, actor: int, reason: str) -> datetime:
        target = self.v.town_body if self.holder == self.v.body else self.v.county_body
        assert target is not None

        def apply(now: datetime) -> dict:
            in_time = self._leave(LEFT.TRANSFERRED, now)
            self.transfer_to = target
            tier = TIER_OF_BODY_KIND[self.kind_of(target)]
            return {"to_body": target, "to_tier": tier, "in_time": in_time}

        return self.move(ACTION.TRANSFER, at, actor, reason=reason, apply=apply)

    def receive(self, at: datetime, actor: int) -> datetime:
        def apply(now: datetime) -> dict:
            assert self.transfer_to is not None
            from_body = self.holder
            self.holder = self.transfer_to
            self.tier = TIER_OF_BODY_KIND[self.kind_of(self.holder)]
            self.transfer_to = None
            self.owner = actor
            self.accepted_at = self.accepted_at or now
            self._arrive(self.holder, "transferred", now)
            return {"from_body": from_body}

        return self.move(ACTION.RECEIVE, at, actor, apply=apply)

    def give_back(self, at: datetime, actor: int, reason: str) -> datetime:
        def apply(now: datetime) -> dict:
            from_body = self.transfer_to
            self.transfer_to = None
            self.accepted_at = self.accepted_at or now
            self._arrive(self.holder, "returned", now)
            return {"from_body": from_body, "holder": self.holder}

        return self.move(ACTION.RETURN, at, actor, reason=reason, apply=apply)

    def assign(self, at: datetime, actor: int, department: int, days: int) -> datetime:
        def apply(now: datetime) -> dict:
            self.department = department
            self.due = self.w.calendar.add(now.date(), days)
            self.due_action = "report"
            self.due_rule = "assignment"
            return {"department": department, "days": days}

        return self.move(ACTION.ASSIGN, at, actor, apply=apply)

    def report(self, at: datetime, actor: int, reason: str) -> datetime:
        department = self.department
        return self.move(
            ACTION.REPORT,
            at,
            actor,
            reason=reason,
            apply=lambda now: {"department": department},
        )

    def resolve(
        self, at: datetime, actor: int, outcome: str, route: str, agreement: tuple | None
    ) -> datetime:
        def apply(now: datetime) -> dict:
            self.outcome = outcome
            self.route = route if outcome == OUTCOME.NO_AGREEMENT else ""
            self.resolved_at = now
            in_time = self._leave(LEFT.RESOLVED, now)
            if outcome == OUTCOME.AGREEMENT and agreement is not None:
                pk = self.agreement[0] if self.agreement else self.r.take_id(Agreement)
                self.agreement = (pk, self.pk, *agreement, self.r.adapt.day(now.date()))
            return {"outcome": outcome, "route": self.route, "in_time": in_time, "tier": self.tier}

        return self.move(ACTION.RESOLVE, at, actor, apply=apply)

    def visit(self, at: datetime, actor: int, satisfaction: int, held: bool | None) -> datetime:
        def apply(now: datetime) -> dict:
            self.satisfaction = satisfaction
            return {"satisfaction": satisfaction, "held": held}

        return self.move(ACTION.VISIT, at, actor, apply=apply)

    def close(self, at: datetime, actor: int) -> datetime:
        def apply(now: datetime) -> dict:
            self.closed_at = now
            return {}

        return self.move(ACTION.CLOSE, at, actor, apply=apply)

    def reopen(self, at: datetime, actor: int, reason: str) -> datetime:
        def apply(now: datetime) -> dict:
            previous = {"outcome": self.outcome, "satisfaction": self.satisfaction}
            self.outcome = self.route = ""
            self.satisfaction = None
            self.resolved_at = self.closed_at = None
            self._arrive(self.holder, "reopened", now)
            return previous

        return self.move(ACTION.REOPEN, at, actor, reason=reason, apply=apply)

    # -- writing --------------------------------------------------------------------------------

    def flush(self, today: date) -> None:
        a = self.r.adapt
        rows = self.r.rows
        for s in self.stays:
            rows[LevelStay].append(
                (
                    s.pk,
                    self.pk,
                    s.tier,
                    s.body,
                    self.v.code,
                    a.at(s.arrived),
                    s.how,
                    a.at(s.left),
                    s.left_how,
                    a.day(s.due),
                    s.rule,
                    s.met,
                )
            )
        if self.agreement is not None:
            rows[Agreement].append(self.agreement)
        warning = int(warning_for(self.due, today, self.w.calendar))
        (
            number,
            category,
            channel,
            title,
            description,
            people,
            amount,
            risk,
            complex_,
            cross_area,
        ) = self.fixed
        rows[Dispute].append(
            (
                self.pk,
                number,
                category,
                channel,
                self.v.code,
                self.v.code,
                title,
                description,
                people,
                amount and str(amount),
                risk,
                complex_,
                cross_area,
                people >= MASS_THRESHOLD,
                self.status,
                self.holder,
                self.tier,
                self.owner,
                self.transfer_to,
                self.department,
                a.day(self.due),
                self.due_action,
                self.due_rule,
                warning,
                self.outcome,
                self.route,
                self.satisfaction,
                a.at(self.registered_at),
                a.at(self.accepted_at),
                a.at(self.resolved_at),
                a.at(self.closed_at),
                self.registered_by,
                self.version,
                "",  # no query code: registered by staff, not filed through the portal
                "",  # no project named
            )
        )
        self.r.statuses[self.status] += 1
