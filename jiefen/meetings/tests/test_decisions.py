"""A meeting's record and its decisions: each decision is recorded together with its effect on
the dispute, in one transaction; a refused effect, a decision without a target, a meeting
without a chair — a clear message, and nothing written."""

from datetime import date

import pytest

from jiefen.calendars.services import calendar_current
from jiefen.disputes.lifecycle import DisputeError, Forbidden, IllegalMove, Invalid
from jiefen.disputes.models import Dispute, Event, Status
from jiefen.meetings import integration
from jiefen.meetings.models import Attendance, Decision, Meeting, MeetingStatus
from jiefen.meetings.services import (
    DecisionInput,
    MeetingRecord,
    Person,
    SeriesInput,
    decision_record,
    meeting_record,
    series_save,
)
from jiefen.meetings.tests.conftest import (
    at,
    register,
    transferred_to_county,
    transferred_to_town,
)
from jiefen.org.models import Body, BodyKind

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 13, 15)


def town_meeting(world, town_head):
    series_save(
        actor=town_head,
        body=world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="镇矛调中心会议室"),
        at=at(2026, 3, 10),
    )
    return Meeting.objects.get(body=world.bodies["枫桥镇"], date=date(2026, 3, 13))


def hold(meeting, head, **changes):
    record = MeetingRecord(
        held_on=date(2026, 3, 13),
        chair=head,
        minutes="分析了上半月矛盾纠纷情况，研究了移送事项。",
        present=[head],
        observers=[Person("吴海波", "枫桥自然资源所")],
    )
    for key, value in changes.items():
        setattr(record, key, value)
    return meeting_record(actor=head, meeting_id=meeting.pk, record=record, at=NOW)


def snapshot(dispute):
    dispute.refresh_from_db()
    return (dispute.status, dispute.version, dispute.department_id, dispute.events.count())


def test_it_records_a_held_meeting_with_its_number(world, town_head):
    meeting = hold(town_meeting(world, town_head), town_head)
    assert meeting.status == MeetingStatus.HELD
    assert (meeting.year, meeting.seq, meeting.chair) == (2026, 1, town_head)
    kinds = sorted(meeting.attendance.values_list("kind", "name"))
    assert kinds == [("observer", "吴海波"), ("present", "李卫东")]


def test_it_refuses_a_meeting_without_a_chair(world, town_head):
    meeting = town_meeting(world, town_head)
    with pytest.raises(Invalid) as refused:
        hold(meeting, town_head, chair=None)
    assert "主持人" in refused.value.fields["chair"][0]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.seq is None
    assert not Attendance.objects.exists()


def test_a_decision_assigns_a_lead_department_with_a_deadline(
    world, village_clerk, town_head, town_department
):
    dispute = transferred_to_town(world, village_clerk, town_head, when=at(2026, 3, 3))
    meeting = hold(town_meeting(world, town_head), town_head)
    decision = decision_record(
        actor=town_head,
        meeting_id=meeting.pk,
        data=DecisionInput(
            kind="department",
            dispute_id=dispute.pk,
            text="交枫桥自然资源所现场勘界，提出处理意见",
            department=town_department,
            days=5,
        ),
        at=NOW,
    )
    dispute.refresh_from_db()
    assert dispute.status == Status.ASSIGNED
    assert dispute.department == town_department
    assert dispute.due_date == calendar_current().add(date(2026, 3, 13), 5)
    event = Event.objects.get(pk=decision.effect["event"])
    assert (event.dispute_id, event.action, event.reason) == (
        dispute.pk,
        "assign",
        "交枫桥自然资源所现场勘界，提出处理意见",
    )
    assert decision.params == {"department": town_department.pk, "days": 5}


def test_a_refused_effect_records_no_decision(world, village_clerk, town_head, town_department):
    # Still held by the village: the town cannot assign it.
    in_village = register(world, village_clerk, when=at(2026, 3, 3))
    # Held by the town, but the department is another town's.
    dispute = transferred_to_town(world, village_clerk, town_head, when=at(2026, 3, 3))
    elsewhere = Body.objects.create(
        kind=BodyKind.DEPARTMENT,
        name="店口自然资源所",
        region=world.regions["店口镇"],
        department_type=town_department.department_type,
    )
    meeting = hold(town_meeting(world, town_head), town_head)
    before = (snapshot(in_village), snapshot(dispute))
    for target, department in ((in_village, town_department), (dispute, elsewhere)):
        with pytest.raises(DisputeError) as refused:
            decision_record(
                actor=town_head,
                meeting_id=meeting.pk,
                data=DecisionInput(
                    kind="department",
                    dispute_id=target.pk,
                    text="交办",
                    department=department,
                    days=5,
                ),
                at=NOW,
            )
        assert "未作记录" in str(refused.value.message)
    assert not Decision.objects.exists()
    assert (snapshot(in_village), snapshot(dispute)) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dispute_id": None}, "dispute"),
        ({"text": "  "}, "text"),
        ({"department": None}, "department"),
        ({"days": None}, "days"),
        ({"kind": "vote"}, "kind"),
    ],
)
def test_it_refuses_a_decision_without_a_target(
    world, village_clerk, town_head, town_department, changes, field
):
    dispute = transferred_to_town(world, village_clerk, town_head, when=at(2026, 3, 3))
    meeting = hold(town_meeting(world, town_head), town_head)
    data = DecisionInput(
        kind="department", dispute_id=dispute.pk, text="交办", department=town_department, days=5
    )
    for key, value in changes.items():
        setattr(data, key, value)
    with pytest.raises(Invalid) as refused:
        decision_record(actor=town_head, meeting_id=meeting.pk, data=data, at=NOW)
    assert field in refused.value.fields
    assert not Decision.objects.exists()
    assert Dispute.objects.get(pk=dispute.pk).status == Status.ACCEPTED


def test_it_records_decisions_only_of_a_held_meeting(
    world, village_clerk, town_head, town_department, other_town_head
):
    dispute = transferred_to_town(world, village_clerk, town_head, when=at(2026, 3, 3))
    meeting = town_meeting(world, town_head)
    data = DecisionInput(
        kind="department", dispute_id=dispute.pk, text="交办", department=town_department, days=5
    )
    with pytest.raises(IllegalMove):
        decision_record(actor=town_head, meeting_id=meeting.pk, data=data, at=NOW)
    hold(meeting, town_head)
    with pytest.raises(DisputeError):  # another town's head: not found in their jurisdiction
        decision_record(actor=other_town_head, meeting_id=meeting.pk, data=data, at=NOW)
    assert not Decision.objects.exists()


# --- leader ownership and supervision orders (jiefen.supervision) ------------------------------

needs_supervision = pytest.mark.skipif(
    integration.supervision_services() is None,
    reason="jiefen.supervision.services (order_issue, ownership_assign) not built yet",
)


def county_meeting(world, county_officer):
    series_save(
        actor=county_officer,
        body=world.bodies["诸暨市"],
        data=SeriesInput(cadence="month", place="联席会议室"),
        at=at(2026, 3, 10),
    )
    meeting = Meeting.objects.get(body=world.bodies["诸暨市"], date=date(2026, 3, 31))
    return meeting_record(
        actor=county_officer,
        meeting_id=meeting.pk,
        record=MeetingRecord(
            held_on=date(2026, 3, 31), chair=county_officer, minutes="研究了乡镇移送的纠纷。"
        ),
        at=at(2026, 3, 31, 15),
    )


@needs_supervision
def test_a_decision_assigns_a_leader(
    world, village_clerk, town_head, county_officer, county_leader
):
    dispute = transferred_to_county(
        world, village_clerk, town_head, county_officer, when=at(2026, 3, 3), people_involved=15
    )
    meeting = county_meeting(world, county_officer)
    events = dispute.events.count()
    decision = decision_record(
        actor=county_officer,
        meeting_id=meeting.pk,
        data=DecisionInput(
            kind="leader",
            dispute_id=dispute.pk,
            text="由吴国强同志包案",
            leader=county_leader,
            plan="一周内约谈双方，月底前化解",
            target_date=date(2026, 4, 30),
        ),
        at=at(2026, 3, 31, 15),
    )
    assert decision.effect["ownership"] is not None
    assert integration.disputes_with_leader([dispute.pk]) == {dispute.pk}
    assert dispute.events.count() == events + 1  # the ownership is an event in the history


@needs_supervision
def test_a_decision_issues_a_supervision_order(world, village_clerk, town_head, county_officer):
    dispute = transferred_to_county(
        world, village_clerk, town_head, county_officer, when=at(2026, 3, 3)
    )
    meeting = county_meeting(world, county_officer)
    events = dispute.events.count()
    decision = decision_record(
        actor=county_officer,
        meeting_id=meeting.pk,
        data=DecisionInput(
            kind="order",
            dispute_id=dispute.pk,
            text="督办：限期报告",
            requirement="五个工作日内报告化解进展",
            days=5,
            to_body=world.bodies["枫桥镇"],
        ),
        at=at(2026, 3, 31, 15),
    )
    assert decision.effect["order"] is not None
    assert dispute.events.count() == events + 1  # orders are events in the dispute's history


@needs_supervision
def test_a_refused_order_or_ownership_records_nothing(
    world, village_clerk, town_head, county_officer, outsider
):
    dispute = transferred_to_county(
        world, village_clerk, town_head, county_officer, when=at(2026, 3, 3)
    )
    meeting = county_meeting(world, county_officer)
    before = snapshot(dispute)
    with pytest.raises(DisputeError):
        decision_record(
            actor=county_officer,
            meeting_id=meeting.pk,
            data=DecisionInput(
                kind="order",
                dispute_id=dispute.pk,
                text="督办",
                requirement="报告进展",
                days=5,
                to_body=Body.objects.get(region=world.regions["嵊州市"]),  # another county
            ),
            at=at(2026, 3, 31, 15),
        )
    with pytest.raises(DisputeError):
        decision_record(
            actor=county_officer,
            meeting_id=meeting.pk,
            data=DecisionInput(
                kind="leader",
                dispute_id=dispute.pk,
                text="包案",
                leader=outsider,
                plan="化解",
                target_date=date(2026, 4, 30),
            ),
            at=at(2026, 3, 31, 15),
        )
    assert not Decision.objects.exists()
    assert snapshot(dispute) == before


def test_without_supervision_leader_and_order_decisions_are_refused(
    world, village_clerk, town_head, county_officer, county_leader, monkeypatch
):
    """A deployment without the supervision app cannot record what only it can carry out."""
    monkeypatch.setattr(integration, "supervision_services", lambda: None)
    dispute = transferred_to_county(
        world, village_clerk, town_head, county_officer, when=at(2026, 3, 3)
    )
    meeting = county_meeting(world, county_officer)
    with pytest.raises(Invalid):
        decision_record(
            actor=county_officer,
            meeting_id=meeting.pk,
            data=DecisionInput(
                kind="leader",
                dispute_id=dispute.pk,
                text="包案",
                leader=county_leader,
                plan="化解",
                target_date=date(2026, 4, 30),
            ),
        )
    assert not Decision.objects.exists()


def test_forbidden_is_a_dispute_error():
    # Views catch DisputeError for every refusal of these services.
    assert issubclass(Forbidden, DisputeError)
