"""Random sequences of actions, by random people, on random (sometimes stale) versions, never
break the dispute's invariants.

Each Hypothesis example registers a complex dispute of 枫一社区 (at the village, the town
centre or the county meeting) and then takes up to 15 steps:
either anything at all (any action, anyone, any version, sometimes without a reason) or a move
the table allows someone to make now. Every outcome is predicted from the table and who works
where — NotFound, Conflict, IllegalMove, Forbidden, Invalid or success — and a refusal must
leave every row as it was. After each step:

- the dispute has exactly one holder, a body of its tier, and the transfer target and
  department agree with the status;
- at most one LevelStay is open, exactly one while the dispute sits at a level (registered,
  accepted, mediating, assigned), and it is the holder's;
- the Event rows replay through the table from "registered" to the current status, each
  event starting where the previous one ended;
- version == 1 + the number of events after the registration.
"""

from datetime import timedelta

from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from jiefen.disputes.lifecycle import (
    TABLE,
    Conflict,
    DisputeError,
    Forbidden,
    IllegalMove,
    Invalid,
    NotFound,
    Who,
)
from jiefen.disputes.models import Dispute, Event, LevelStay, Status
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import perform
from jiefen.org.models import BodyKind
from jiefen.org.models import Role as R

# Who works where, as the fixtures make them: person → {body name: roles}.
WORK = {
    "village_clerk": {"枫一社区": {R.CLERK, R.MEDIATOR}},
    "village_head": {"枫一社区": {R.HEAD}},
    "other_village_clerk": {"永安社区": {R.CLERK}},
    "town_head": {"枫桥镇": {R.HEAD, R.MEDIATOR}},
    "other_town_head": {"店口镇": {R.HEAD}},
    "county_officer": {"诸暨市": {R.CLERK, R.HEAD}},
    "town_department_clerk": {"枫桥自然资源所": {R.CLERK}},
    "county_department_clerk": {"诸暨市自然资源和规划局": {R.CLERK}},
    "city_evaluator": {"绍兴市": {R.EVALUATOR}},
    "outsider": {},
}
# Bodies whose area contains 枫一社区.
ABOVE_FENGYI = {
    "枫一社区",
    "枫桥镇",
    "枫桥自然资源所",
    "诸暨市",
    "诸暨市自然资源和规划局",
    "绍兴市",
}
UP = {"枫一社区": "枫桥镇", "枫桥镇": "诸暨市", "诸暨市": None}
# The body that reviews a holder's "no": the level above, and for the county the city office.
REVIEWER = {"枫一社区": "枫桥镇", "枫桥镇": "诸暨市", "诸暨市": "绍兴市"}
# Departments each holder may assign to: those inside its own area.
ASSIGNABLE = {
    "枫一社区": set(),
    "枫桥镇": {"枫桥自然资源所"},
    "诸暨市": {"枫桥自然资源所", "诸暨市自然资源和规划局"},
}
TIER = {"枫一社区": "village", "枫桥镇": "town", "诸暨市": "county"}
AT_A_LEVEL = {Status.REGISTERED, Status.ACCEPTED, Status.MEDIATING, Status.ASSIGNED}
KINDS = {BodyKind.VILLAGE_GROUP, BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING}

ACTIONS = sorted(TABLE)
PEOPLE = sorted(WORK)
DEPARTMENTS = ["枫桥自然资源所", "诸暨市自然资源和规划局"]


def expected_outcome(state, *, action, person, stale, department, reason_given):
    """What the services must answer, from the table and who works where alone."""
    move = TABLE[action]
    if move.needs_reason and not reason_given:
        return Invalid
    if not any(body in ABOVE_FENGYI for body in WORK[person]):
        return NotFound
    if stale:
        return Conflict
    if state["status"] not in move.sources:
        return IllegalMove
    acting = {
        Who.HOLDER: state["holder"],
        Who.RECEIVER: state["transfer_to"],
        Who.DEPARTMENT: state["department"],
        Who.ABOVE: REVIEWER[state["holder"]],
    }[move.who]
    if not WORK[person].get(acting, set()) & move.roles:
        return Forbidden
    if action == "transfer" and UP[state["holder"]] is None:
        return IllegalMove  # the county meeting is the top
    if action == "assign" and department not in ASSIGNABLE[state["holder"]]:
        return Invalid
    return None


def rows_of(pk):
    """What a refused move must leave as it was."""
    return (
        Dispute.objects.filter(pk=pk).values().get(),
        Event.objects.filter(dispute_id=pk).count(),
        list(LevelStay.objects.filter(dispute_id=pk).order_by("id").values()),
    )


def state_of(dispute):
    return {
        "status": dispute.status,
        "holder": dispute.holder.region.name,
        "transfer_to": dispute.transfer_to and dispute.transfer_to.region.name,
        "department": dispute.department and dispute.department.name,
    }


def make_machine(world, people):
    class DisputeLife(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            # Each example works in a savepoint rolled back in teardown.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.now = at(2026, 3, 2, 9)
            self.dispute = None
            self.fresh = None  # the dispute as the last step left it, read once for all checks

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        @initialize(where=st.sampled_from(["枫一社区", "枫一社区", "枫桥镇", "诸暨市"]))
        def register_a_complex_dispute_of_fengyi(self, where):
            clerk = {"枫一社区": "village_clerk", "枫桥镇": "town_head", "诸暨市": "county_officer"}
            self.dispute = register(
                world, people[clerk[where]], body=where, complex=True, when=self.now
            )

        def current(self):
            if self.fresh is None:
                self.fresh = Dispute.objects.select_related(
                    "holder__region", "transfer_to__region", "department"
                ).get(pk=self.dispute.pk)
            return self.fresh

        def attempt(self, *, action, person, lag, department, reason_given, hours):
            self.now += timedelta(hours=hours)
            current = self.current()
            state = state_of(current)
            expected = expected_outcome(
                state,
                action=action,
                person=person,
                stale=lag != 0,
                department=department,
                reason_given=reason_given,
            )
            before = rows_of(current.pk)
            self.fresh = None
            try:
                perform(
                    action,
                    actor=people[person],
                    dispute=current,
                    version=current.version - lag,
                    department=world.bodies[department],
                    reason=None if reason_given else "",
                    at=self.now,
                )
            except DisputeError as refusal:
                assert type(refusal) is expected, (action, person, state, refusal)
                assert rows_of(current.pk) == before
            else:
                assert expected is None, (action, person, state, expected)
                after = self.current()
                assert after.status == TABLE[action].target
                assert after.version == current.version + 1

        @rule(
            action=st.sampled_from(ACTIONS),
            person=st.sampled_from(PEOPLE),
            lag=st.sampled_from([0, 0, 0, 1, 2]),
            department=st.sampled_from(DEPARTMENTS),
            reason_given=st.sampled_from([True, True, True, False]),
            hours=st.integers(0, 72),
        )
        def anyone_tries_anything(self, **step):
            self.attempt(**step)

        @rule(data=st.data(), hours=st.integers(0, 72))
        def someone_makes_an_allowed_move(self, data, hours):
            state = state_of(self.current())
            options = [
                (action, person, department)
                for action in ACTIONS
                for person in PEOPLE
                for department in DEPARTMENTS
                if expected_outcome(
                    state,
                    action=action,
                    person=person,
                    stale=False,
                    department=department,
                    reason_given=True,
                )
                is None
            ]
            if not options:
                return  # declined: nothing more may happen
            # The action first, so that a move few people may make (receive) is as likely as
            # one everybody may make (resolve).
            action = data.draw(st.sampled_from(sorted({a for a, _, _ in options})))
            person, department = data.draw(
                st.sampled_from([(p, d) for a, p, d in options if a == action])
            )
            self.attempt(
                action=action,
                person=person,
                lag=0,
                department=department,
                reason_given=True,
                hours=hours,
            )

        @invariant()
        def it_has_exactly_one_holder_of_its_tier(self):
            if self.dispute is None:
                return
            d = self.current()
            holder = state_of(d)["holder"]
            assert d.holder.kind in KINDS
            assert d.tier == TIER[holder]
            assert (d.transfer_to is not None) == (d.status == Status.TRANSFERRING)
            if d.transfer_to is not None:
                assert d.transfer_to.region.name == UP[holder]
            if d.status == Status.ASSIGNED:
                assert d.department is not None

        @invariant()
        def it_has_one_open_stay_while_at_a_level(self):
            if self.dispute is None:
                return
            d = self.current()
            open_ = list(LevelStay.objects.filter(dispute=d, left_at__isnull=True))
            assert len(open_) == (1 if d.status in AT_A_LEVEL else 0), (d.status, open_)
            for stay in open_:
                assert (stay.body_id, stay.tier) == (d.holder_id, d.tier)
            for stay in LevelStay.objects.filter(dispute=d, left_at__isnull=False):
                assert stay.left_how and stay.left_at >= stay.arrived_at
                assert (stay.met is None) == (stay.due_date is None)

        @invariant()
        def its_history_replays_to_the_current_status(self):
            if self.dispute is None:
                return
            d = self.current()
            events = list(Event.objects.filter(dispute=d).order_by("id"))
            first, *moves = events
            assert (first.action, first.from_status, first.to_status) == (
                "register",
                "",
                Status.REGISTERED,
            )
            status = first.to_status
            for event in moves:
                move = TABLE[event.action]
                assert event.from_status == status
                assert event.from_status in move.sources
                assert event.to_status == move.target
                status = event.to_status
            assert status == d.status
            assert d.version == 1 + len(moves)

    return DisputeLife


def test_it_keeps_its_invariants_whatever_anyone_does(
    world,
    village_clerk,
    village_head,
    other_village_clerk,
    town_head,
    other_town_head,
    county_officer,
    town_department_clerk,
    county_department_clerk,
    city_evaluator,
    outsider,
):
    people = {
        "village_clerk": village_clerk,
        "village_head": village_head,
        "other_village_clerk": other_village_clerk,
        "town_head": town_head,
        "other_town_head": other_town_head,
        "county_officer": county_officer,
        "town_department_clerk": town_department_clerk,
        "county_department_clerk": county_department_clerk,
        "city_evaluator": city_evaluator,
        "outsider": outsider,
    }
    run_state_machine_as_test(
        make_machine(world, people),
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            database=None,
            report_multiple_bugs=False,
            suppress_health_check=[HealthCheck.too_slow],
            # Shrinking a failure through the database takes minutes; a failing run of at
            # most 15 steps is short enough to read. Add Phase.shrink to minimise one locally.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )
