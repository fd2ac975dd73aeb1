"""Synthetic disputes: the rows are those the services would write, and the same every time."""

import hashlib
import itertools
from collections import Counter
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from jiefen.calendars.services import calendar_current
from jiefen.demo import synthetic
from jiefen.demo.synthetic import COLUMNS, _load_world, demo_disputes, disputes_generate
from jiefen.demo.synthetic.case import _Adapt, _Case, _Rows
from jiefen.disputes import deadlines, services
from jiefen.disputes.lifecycle import TABLE, Action, IllegalMove, is_legal
from jiefen.disputes.models import (
    OPEN_STATUSES,
    Agreement,
    Dispute,
    Event,
    LevelStay,
    NumberCounter,
    Party,
    PartyKind,
    Session,
    Status,
)
from jiefen.disputes.tests.conftest import register
from jiefen.lib.personal import valid_credit_code, valid_phone, valid_resident_id
from jiefen.metrics.rollups import rollups_check
from jiefen.org.models import Body, BodyKind, DepartmentType, Membership

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI)
START, END = date(2025, 9, 1), date(2026, 3, 10)


def generate(count=300, seed=7, **options):
    options = {"start": START, "end": END, "now": NOW, **options}
    return disputes_generate(count=count, seed=seed, **options)


def digest() -> str:
    """Everything generated, without database ids."""
    h = hashlib.sha256()
    for row in Dispute.objects.order_by("number").values_list(
        "number", "category__key", "channel", "region_id", "title", "description",
        "people_involved", "amount", "risk", "complex", "cross_area", "mass", "status",
        "holder__name", "tier", "owner__username", "due_date", "due_action", "due_rule",
        "warning", "outcome", "route", "satisfaction", "registered_at", "accepted_at",
        "resolved_at", "closed_at", "version",
    ):  # fmt: skip
        h.update(repr(row).encode())
    events = Event.objects.order_by("dispute__number", "id").values_list(
        "dispute__number", "at", "actor__username", "action", "from_status", "to_status",
        "body__name", "reason", "params",
    )  # fmt: skip
    for *event, params in events:
        # Session ids are database ids; the rest of the parameters must match.
        h.update(
            repr((event, sorted((k, v) for k, v in params.items() if k != "session"))).encode()
        )
    for party in Party.objects.order_by("dispute__number", "id").select_related("dispute"):
        fields = ("side", "name", "phone", "id_number", "address")  # decrypted by the model
        h.update(repr((party.dispute.number, *(getattr(party, f) for f in fields))).encode())
    stays = LevelStay.objects.order_by("dispute__number", "id").values_list(
        "dispute__number", "tier", "arrived_at", "left_at", "due_date", "met"
    )
    for stay in stays:
        h.update(repr(stay).encode())
    return h.hexdigest()


def forget_disputes() -> None:
    """Delete what was generated, table by table (no cascade into other apps' tables)."""
    with connection.cursor() as cursor:
        for model in (Event, Party, Session, Agreement, LevelStay, Dispute, NumberCounter):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


@pytest.fixture
def generated(world):
    return generate()


def test_it_writes_every_column_the_models_have():
    synthetic.check_columns()
    assert set(COLUMNS) == {Dispute, Party, Event, LevelStay, Session, Agreement}


def test_it_is_the_same_for_the_same_seed(world):
    generate()
    first = digest()
    forget_disputes()

    generate()

    assert digest() == first
    forget_disputes()
    generate(seed=8)
    assert digest() != first


def test_it_is_the_same_played_in_a_second_process(world):
    generate(parallel=False)
    first = digest()
    forget_disputes()

    result = generate(parallel=True, batch=70)

    assert result["disputes"] == 300
    assert digest() == first


def test_it_writes_what_it_reports(generated):
    assert generated["disputes"] == Dispute.objects.count() == 300
    assert generated["parties"] == Party.objects.count()
    assert generated["events"] == Event.objects.count()
    assert generated["stays"] == LevelStay.objects.count()
    assert generated["sessions"] == Session.objects.count()
    assert generated["agreements"] == Agreement.objects.count()
    assert generated["open"] == Dispute.objects.filter(status__in=OPEN_STATUSES).count()


def test_its_events_replay_to_each_dispute_status(generated):
    events: dict[int, list[Event]] = {}
    for event in Event.objects.order_by("id"):
        events.setdefault(event.dispute_id, []).append(event)
    for dispute in Dispute.objects.all():
        history = events[dispute.pk]
        assert (history[0].action, history[0].from_status) == (Action.REGISTER, "")
        assert history[0].to_status == Status.REGISTERED
        for before, after in itertools.pairwise(history):
            assert after.from_status == before.to_status, dispute.number
            assert is_legal(after.from_status, after.action), (dispute.number, after.action)
            assert after.at > before.at
        assert history[-1].to_status == dispute.status
        assert dispute.version == len(history)


def test_every_move_it_makes_is_a_transition_of_the_lifecycle_table(generated):
    made = Counter()
    for action, from_status, to_status in Event.objects.exclude(action=Action.REGISTER).values_list(
        "action", "from_status", "to_status"
    ):
        move = TABLE[Action(action)]
        assert from_status in move.sources, (action, from_status)
        assert to_status == move.target, (action, from_status, to_status)
        made[action] += 1
    assert set(made) == {action.value for action in TABLE} - {Action.REVIEW_REOPEN.value}


def test_it_refuses_a_move_the_lifecycle_table_does_not_allow(world):
    synthetic_world = _load_world(None)
    synthetic_world.prepare()
    rows = _Rows(_Adapt(START, END), batch=10)
    village = synthetic_world.villages[0]
    clerk, head = synthetic_world.staff[village.body]
    now = NOW.replace(tzinfo=None)  # the generator plays in naive local time
    registered = now - timedelta(days=7)
    case = _Case(synthetic_world, rows, village, registered, now)
    case.facts = frozenset({"always", "not_resolved"})  # as a story draws them
    case.register(registered, clerk, {})
    later = registered + timedelta(hours=1)

    with pytest.raises(IllegalMove):
        case.close(later, head)
    with pytest.raises(IllegalMove):
        case.receive(later, head)  # nothing is being transferred

    case.accept(later, clerk)
    assert case.status == Status.ACCEPTED
    assert [event[4] for event in rows.rows[Event]] == [Action.REGISTER, Action.ACCEPT]


def test_every_open_dispute_has_one_open_level_stay(generated):
    open_stays = Counter(
        LevelStay.objects.filter(left_at__isnull=True).values_list("dispute_id", flat=True)
    )
    for pk, status in Dispute.objects.values_list("pk", "status"):
        # A transfer closes the sender's stay; the receiver's begins when it receives.
        expected = 1 if status in OPEN_STATUSES and status != Status.TRANSFERRING else 0
        assert open_stays[pk] == expected, (pk, status)


def test_its_deadlines_and_colours_are_those_of_the_rules(generated):
    calendar = calendar_current()
    today = NOW.date()
    for dispute in Dispute.objects.filter(status__in=OPEN_STATUSES):
        stay = dispute.stays.filter(left_at__isnull=True).order_by("-id").first()
        if dispute.status != Status.ASSIGNED:
            found = deadlines.deadline_for(dispute, stay, calendar)
            assert dispute.due_date == (found.due if found else None)
            assert dispute.due_rule == (found.rule if found else "")
        assert dispute.warning == deadlines.warning_for(dispute.due_date, today, calendar)
    for dispute in Dispute.objects.exclude(status__in=OPEN_STATUSES):
        assert (dispute.due_date, dispute.warning) == (None, 0)


def test_its_numbers_are_unique_and_a_later_registration_follows_them(
    generated, world, village_clerk
):
    numbers = list(Dispute.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    last = {}
    for number in numbers:
        prefix, sequence = number.rsplit("-", 1)
        last[prefix] = max(last.get(prefix, 0), int(sequence))
    assert dict(NumberCounter.objects.values_list("prefix", "last")) == last
    dispute = register(world, village_clerk, when=NOW)

    assert dispute.number == f"330681109-2026-{last['330681109-2026'] + 1:06d}"


def test_it_stores_no_plain_phone_or_id_number(generated):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, id_number FROM disputes_party")
        stored = [value for row in cursor.fetchall() for value in row if value]
    assert stored
    # Fernet tokens are URL-safe base64, which may hold digits by chance: compare with the
    # plain values instead of looking for runs of digits.
    plain = {v for p in Party.objects.all() for v in (p.phone, p.id_number) if v}
    assert plain
    assert not [value for value in stored if any(secret in value for secret in plain)]
    assert all(value.startswith("gAAAAA") for value in stored)
    for party in Party.objects.all():
        if party.phone:
            assert valid_phone(party.phone)
        if party.id_number and party.kind == PartyKind.PERSON:
            assert valid_resident_id(party.id_number)
        if party.id_number and party.kind == PartyKind.ORGANISATION:
            assert valid_credit_code(party.id_number)


def test_its_shape_is_realistic(world):
    result = generate(count=2000, seed=3)

    resolved = Dispute.objects.exclude(outcome="")
    tiers = Counter(resolved.values_list("tier", flat=True))
    assert 0.74 < tiers["village"] / resolved.count() < 0.88
    assert 0.10 < tiers["town"] / resolved.count() < 0.20
    assert 0.01 < tiers["county"] / resolved.count() < 0.06
    assert resolved.filter(outcome="agreement").count() / resolved.count() > 0.92
    rated = Dispute.objects.filter(satisfaction__isnull=False)
    assert rated.filter(satisfaction__gte=4).count() / rated.count() > 0.8
    categories = Counter(Dispute.objects.values_list("category__key", flat=True))
    top = {key for key, _n in categories.most_common(6)}
    assert {"neighbourhood", "marriage_family", "housing_land"} <= top
    assert 0 < Dispute.objects.filter(mass=True).count() < 60
    assert 0 < Dispute.objects.filter(status=Status.DECLINED).count() < 100
    assert Event.objects.filter(action=Action.REOPEN).exists()
    assert Event.objects.filter(action=Action.ASSIGN).exists()
    late = [p["in_time"] for p in Event.objects.filter(action="transfer").values_list(
        "params", flat=True)]  # fmt: skip
    assert 0 < late.count(False) < len(late) * 0.2
    # Wage arrears before Spring Festival (17 February 2026).
    labour = Dispute.objects.filter(category__key="labour")
    before = labour.filter(registered_at__date__range=(date(2026, 1, 5), date(2026, 2, 13)))
    autumn = labour.filter(registered_at__date__range=(date(2025, 9, 15), date(2025, 10, 24)))
    assert before.count() > 2 * autumn.count()
    # The last weeks are still open, with some due soon and some overdue.
    recent = Dispute.objects.filter(status__in=OPEN_STATUSES)
    assert recent.count() == result["open"] > 10
    assert set(recent.values_list("warning", flat=True)) >= {0, 1, 2}
    hours = Counter(timezone.localtime(d.registered_at).hour for d in Dispute.objects.all())
    assert sum(hours[h] for h in range(8, 18)) == 2000


def test_it_matches_the_services_move_for_move(world):
    """Replay generated disputes through the services and compare every row."""
    police = DepartmentType.objects.create(key="police", name="公安", matters="neighbourhood")
    Body.objects.create(kind=BodyKind.DEPARTMENT, name="诸暨市公安局枫桥派出所",
                        region=world.regions["枫桥镇"], department_type=police)  # fmt: skip
    generate(count=200, seed=6)
    today = NOW.date()
    calendar = calendar_current()
    chosen = _covering_every_action()
    replayed = set(Event.objects.filter(dispute__in=chosen).values_list("action", flat=True))
    # A review by the level above answers a party's request; the demo files none.
    assert replayed == {action.value for action in Action} - {Action.REVIEW_REOPEN.value}
    assert set(Event.objects.filter(action="assign").values_list("body__kind", flat=True)) == {
        "town_centre", "county_meeting",
    }  # fmt: skip
    for dispute in Dispute.objects.filter(pk__in=chosen).order_by("pk"):
        twin = _replay(dispute)
        _assert_same(dispute, twin, calendar, today)


def _covering_every_action() -> list[int]:
    by_action: dict[str, list[int]] = {}
    for pk, action in Event.objects.order_by("dispute_id").values_list("dispute_id", "action"):
        by_action.setdefault(action, []).append(pk)
    chosen = set()
    for pks in by_action.values():
        chosen.update(sorted(set(pks))[:3])
    chosen.update(Dispute.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    chosen.update(Dispute.objects.order_by("pk").values_list("pk", flat=True)[:20])
    return sorted(chosen)


def _replay(dispute: Dispute) -> Dispute:
    events = list(dispute.events.order_by("id").select_related("actor", "body"))
    register = events[0]
    parties = [
        services.PartyInput(side=p.side, name=p.name, kind=p.kind, phone=p.phone or "",
                            id_number=p.id_number or "", address=p.address)
        for p in dispute.parties.order_by("id")
    ]  # fmt: skip
    data = services.DisputeInput(
        body=register.body, category=dispute.category, channel=dispute.channel,
        region=dispute.region, title=dispute.title, description=dispute.description,
        people_involved=dispute.people_involved, amount=dispute.amount, risk=dispute.risk,
        complex=dispute.complex, cross_area=dispute.cross_area, parties=parties,
    )  # fmt: skip
    twin = services.dispute_register(actor=register.actor, data=data, at=register.at)
    sessions = {s.pk: s for s in dispute.sessions.all()}
    agreement = Agreement.objects.filter(dispute=dispute).first()
    for event in events[1:]:
        move: dict[str, Any] = {
            "actor": event.actor, "dispute_id": twin.pk, "version": None, "at": event.at,
        }  # fmt: skip
        p, reason = event.params, event.reason
        if event.action == "accept":
            services.dispute_accept(**move)
        elif event.action == "decline":
            services.dispute_decline(**move, reason=reason, route=p["route"])
        elif event.action == "session":
            s = sessions[p["session"]]
            services.dispute_record_session(**move, session=services.SessionInput(
                held_on=s.held_on, place=s.place, mediators=s.mediators,
                attendees=s.attendees, record=s.record, agreed=s.agreed,
            ))  # fmt: skip
        elif event.action == "transfer":
            services.dispute_transfer(**move, reason=reason)
        elif event.action == "receive":
            services.dispute_receive(**move)
        elif event.action == "return":
            services.dispute_return(**move, reason=reason)
        elif event.action == "assign":
            department = Body.objects.get(pk=p["department"])
            services.dispute_assign(**move, department=department, days=p["days"], reason=reason)
        elif event.action == "report":
            services.dispute_report(**move, reason=reason)
        elif event.action == "resolve":
            terms = None
            if p["outcome"] == "agreement":
                assert agreement is not None
                terms = services.AgreementInput(
                    facts=agreement.facts, terms=agreement.terms,
                    performance=agreement.performance,
                    signed_on=timezone.localdate(event.at),
                )  # fmt: skip
            services.dispute_resolve(**move, outcome=p["outcome"], route=p["route"],
                                     agreement=terms, reason=reason)  # fmt: skip
        elif event.action == "visit":
            services.dispute_visit(**move, satisfaction=p["satisfaction"], held=p["held"],
                                   reason=reason)  # fmt: skip
        elif event.action == "close":
            services.dispute_close(**move)
        elif event.action == "reopen":
            services.dispute_reopen(**move, reason=reason)
        else:
            raise AssertionError(event.action)
    return Dispute.objects.get(pk=twin.pk)


def _assert_same(dispute: Dispute, twin: Dispute, calendar, today) -> None:
    fields = [
        f.attname for f in Dispute._meta.concrete_fields
        if f.attname not in ("id", "number", "warning")
    ]  # fmt: skip
    mine = {name: getattr(dispute, name) for name in fields}
    theirs = {name: getattr(twin, name) for name in fields}
    assert mine == theirs, dispute.number
    # The services colour a dispute on the day of its last move; the generator for today.
    assert dispute.warning == deadlines.warning_for(dispute.due_date, today, calendar)

    session_ids = dict(
        zip(
            dispute.sessions.order_by("id").values_list("pk", flat=True),
            twin.sessions.order_by("id").values_list("pk", flat=True),
            strict=True,
        )
    )
    ours = list(dispute.events.order_by("id"))
    twins = list(twin.events.order_by("id"))
    assert len(ours) == len(twins), dispute.number
    for a, b in zip(ours, twins, strict=True):
        params = dict(a.params)
        if "session" in params:
            params["session"] = session_ids[params["session"]]
        assert (a.at, a.actor_id, a.action, a.from_status, a.to_status, a.body_id, a.reason,
                a.public, params) == (b.at, b.actor_id, b.action, b.from_status, b.to_status,
                                      b.body_id, b.reason, b.public, b.params), (
            dispute.number, a.action)  # fmt: skip

    def stays(d):
        return list(d.stays.order_by("id").values_list(
            "tier", "body_id", "region_code", "arrived_at", "arrived_how", "left_at",
            "left_how", "due_date", "due_rule", "met"))  # fmt: skip

    assert stays(dispute) == stays(twin), dispute.number

    def rows(d, model, *names):
        return list(model.objects.filter(dispute=d).order_by("id").values_list(*names))

    session_fields = ("held_on", "place", "mediators", "attendees", "record", "agreed",
                      "recorded_by_id")  # fmt: skip
    assert rows(dispute, Session, *session_fields) == rows(twin, Session, *session_fields)
    agreement_fields = ("facts", "terms", "performance", "signed_on")
    assert rows(dispute, Agreement, *agreement_fields) == rows(twin, Agreement, *agreement_fields)
    party_fields = ("side", "kind", "name", "address")
    assert rows(dispute, Party, *party_fields) == rows(twin, Party, *party_fields)
    assert [(p.phone, p.id_number) for p in dispute.parties.order_by("id")] == [
        (p.phone, p.id_number) for p in twin.parties.order_by("id")
    ]


def test_it_acts_through_staff_who_hold_the_roles(generated, world):
    # Every actor holds a role in the body the event names (or is that body's stand-in).
    held = set(Membership.objects.values_list("user_id", "body_id"))
    for actor, body in Event.objects.values_list("actor_id", "body_id").distinct():
        assert (actor, body) in held


def test_the_demo_disputes_are_made_once(world):
    assert demo_disputes(count=50, seed=1)["disputes"] == 50

    assert demo_disputes(count=50, seed=1) is None
    assert Dispute.objects.count() == 50


def test_the_seed_command_refuses_without_bodies(db):
    with pytest.raises(CommandError, match="jiefen demo"):
        call_command("seed", disputes=10, stdout=StringIO())


def test_the_seed_command_generates_and_reports(world):
    out = StringIO()

    call_command("seed", disputes=40, seed=2, within="330681109", stdout=out)

    assert Dispute.objects.count() == 40
    assert set(Dispute.objects.values_list("region_id", flat=True)) <= {
        330681109008, 330681109009,
    }  # fmt: skip
    assert "40 / 40" in out.getvalue()
    # The figures are rebuilt from the generated history.
    assert rollups_check() == []
