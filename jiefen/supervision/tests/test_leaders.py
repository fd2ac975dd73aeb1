"""Leader ownership (领导包案): assignment, more time, notes, sign-off, the leader's page."""

from datetime import date

import pytest

from jiefen.disputes.lifecycle import Conflict, Forbidden, IllegalMove, Invalid, NotFound
from jiefen.disputes.models import Event
from jiefen.disputes.tests.steps import perform
from jiefen.supervision.models import (
    Extension,
    LeaderOwnership,
    Notification,
    OwnershipStatus,
    ProgressNote,
)
from jiefen.supervision.services import (
    ownership_assign,
    ownership_extend_approve,
    ownership_extend_request,
    ownership_note,
    ownership_sign_off,
)
from jiefen.supervision.tests.conftest import at, at_county

PLAN = "组织国土、林业部门现场勘界，两周内拿出调处方案"


def written():
    return (
        list(LeaderOwnership.objects.values_list("id", "status", "target_date")),
        list(Extension.objects.values_list("id", "status")),
        ProgressNote.objects.count(),
        Event.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def county_dispute(world, village_clerk, town_head, county_officer):
    return at_county(world, village_clerk, town_head, county_officer, risk="major")


@pytest.fixture
def owned(county_dispute, county_officer, county_leader):
    return ownership_assign(
        actor=county_officer,
        dispute_id=county_dispute.pk,
        leader=county_leader,
        plan=PLAN,
        target_date=date(2026, 4, 30),
        at=at(2026, 3, 3),
    )


def test_it_puts_a_dispute_under_a_leader(world, owned, county_dispute, county_leader):
    assert owned.leader_body == world.bodies["诸暨市"]
    assert owned.status == OwnershipStatus.ACTIVE
    event = Event.objects.get(dispute=county_dispute, action="leader_assign")
    assert event.params["leader"] == county_leader.pk and event.params["target"] == "2026-04-30"
    assert event.public is False
    assert Notification.objects.get(kind="leader_assigned").recipient == county_leader


def test_it_replaces_the_leader_and_refuses_the_same_one_twice(
    owned, county_dispute, county_officer, county_leader, town_leader
):
    with pytest.raises(Conflict):
        ownership_assign(
            actor=county_officer,
            dispute_id=county_dispute.pk,
            leader=county_leader,
            plan=PLAN,
            target_date=date(2026, 4, 30),
            at=at(2026, 3, 3),
        )
    second = ownership_assign(
        actor=county_officer,
        dispute_id=county_dispute.pk,
        leader=town_leader,
        plan=PLAN,
        target_date=date(2026, 4, 30),
        at=at(2026, 3, 4),
    )
    owned.refresh_from_db()
    assert owned.status == OwnershipStatus.REPLACED
    assert second.status == OwnershipStatus.ACTIVE


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"plan": ""}, Invalid, "plan"),
        ({"target_date": date(2026, 3, 1)}, Invalid, "target_date"),
        ({"target_date": date(2027, 6, 1)}, Invalid, "target_date"),
        ({"target_date": None}, Invalid, "target_date"),
        ({"leader": None}, Invalid, "leader"),
        ({"leader": "other_town_leader"}, Invalid, "leader"),  # leads 店口镇, not this place
        ({"leader": "outsider"}, Invalid, "leader"),
        ({"actor": "village_clerk"}, Forbidden, None),
        ({"actor": "town_head"}, Forbidden, None),  # below the county holding it
        ({"actor": "other_town_head"}, NotFound, None),
    ],
)
def test_it_refuses_a_bad_assignment_and_writes_nothing(
    request, county_dispute, county_officer, county_leader, change, error, field
):
    arguments = {
        "actor": county_officer,
        "dispute_id": county_dispute.pk,
        "leader": county_leader,
        "plan": PLAN,
        "target_date": date(2026, 4, 30),
        "at": at(2026, 3, 3),
    }
    for key, value in change.items():
        fixture = key in ("actor", "leader") and isinstance(value, str)
        arguments[key] = request.getfixturevalue(value) if fixture else value
    before = written()
    with pytest.raises(error) as refused:
        ownership_assign(**arguments)
    if field:
        assert field in refused.value.fields
    assert written() == before


def test_it_extends_the_target_with_a_higher_leaders_approval(
    owned, county_leader, county_officer, city_leader
):
    extension = ownership_extend_request(
        actor=county_leader,
        ownership_id=owned.pk,
        new_date=date(2026, 5, 31),
        reason="需等待土地确权结果",
        at=at(2026, 4, 20),
    )
    assert set(
        Notification.objects.filter(kind="extension_requested").values_list("recipient", flat=True)
    ) == {city_leader.pk}
    with pytest.raises(Conflict):  # one request at a time
        ownership_extend_request(
            actor=county_leader,
            ownership_id=owned.pk,
            new_date=date(2026, 6, 30),
            reason="再延",
            at=at(2026, 4, 20),
        )
    before = written()
    with pytest.raises(Forbidden):  # the county head is not above the county leader
        ownership_extend_approve(actor=county_officer, extension_id=extension.pk)
    assert written() == before
    ownership_extend_approve(
        actor=city_leader, extension_id=extension.pk, note="同意", at=at(2026, 4, 21)
    )
    owned.refresh_from_db()
    assert owned.target_date == date(2026, 5, 31)
    assert Event.objects.filter(action="leader_extend_decide").get().params["approved"] is True
    with pytest.raises(Conflict):
        ownership_extend_approve(actor=city_leader, extension_id=extension.pk)


def test_it_refuses_a_bad_extension_request(owned, county_leader, town_head):
    before = written()
    for kwargs, error in [
        ({"new_date": date(2026, 4, 1), "reason": "早于原目标"}, Invalid),
        ({"new_date": date(2026, 5, 31), "reason": ""}, Invalid),
        ({"new_date": None, "reason": "缺日期"}, Invalid),
    ]:
        with pytest.raises(error):
            ownership_extend_request(
                actor=county_leader, ownership_id=owned.pk, at=at(2026, 3, 10), **kwargs
            )
    with pytest.raises(Forbidden):  # neither the leader nor the owner
        ownership_extend_request(
            actor=town_head,
            ownership_id=owned.pk,
            new_date=date(2026, 5, 31),
            reason="延期",
            at=at(2026, 3, 10),
        )
    assert written() == before


def test_it_keeps_progress_notes_from_the_leader_and_the_holding_body(
    owned, county_leader, county_officer, village_clerk
):
    ownership_note(actor=county_leader, ownership_id=owned.pk, text="已约见双方", at=at(2026, 3, 9))
    ownership_note(actor=county_officer, ownership_id=owned.pk, text="已勘界", at=at(2026, 3, 10))
    before = written()
    with pytest.raises(Forbidden):
        ownership_note(actor=village_clerk, ownership_id=owned.pk, text="村里也想写")
    with pytest.raises(Invalid):
        ownership_note(actor=county_leader, ownership_id=owned.pk, text=" ")
    assert written() == before
    assert Event.objects.filter(action="leader_note").count() == 2


def test_it_signs_off_only_after_resolution(owned, county_dispute, county_leader, county_officer):
    before = written()
    with pytest.raises(IllegalMove):
        ownership_sign_off(actor=county_leader, ownership_id=owned.pk, at=at(2026, 3, 10))
    assert written() == before
    perform("resolve", actor=county_officer, dispute=county_dispute, at=at(2026, 3, 11))
    with pytest.raises(Forbidden):
        ownership_sign_off(actor=county_officer, ownership_id=owned.pk, at=at(2026, 3, 12))
    signed = ownership_sign_off(
        actor=county_leader, ownership_id=owned.pk, note="已化解", at=at(2026, 3, 12)
    )
    assert signed.status == OwnershipStatus.SIGNED_OFF
    assert signed.signed_off_at == at(2026, 3, 12)
    with pytest.raises(IllegalMove):
        ownership_note(actor=county_leader, ownership_id=owned.pk, text="销号后再写")


def test_the_leaders_page_shows_only_their_disputes(
    client, world, owned, county_dispute, village_clerk, town_head, county_officer, town_leader
):
    other = at_county(world, village_clerk, town_head, county_officer, risk="major")
    mine = ownership_assign(
        actor=county_officer,
        dispute_id=other.pk,
        leader=town_leader,
        plan=PLAN,
        target_date=date(2026, 4, 30),
        at=at(2026, 3, 3),
    )
    client.force_login(town_leader)
    page = client.get("/supervision/leader/").content.decode()
    assert f'id="ownership-{mine.pk}"' in page
    assert other.number in page
    assert f'id="ownership-{owned.pk}"' not in page
    assert county_dispute.number not in page
    assert "下一步" in page


def test_the_leaders_page_names_the_next_step(
    client, owned, county_dispute, county_leader, county_officer
):
    client.force_login(county_leader)
    from jiefen.supervision.selectors import owned_by

    [row] = owned_by(county_leader, today=date(2026, 3, 5))
    assert row.next_step.startswith("按方案推进")
    [row] = owned_by(county_leader, today=date(2026, 5, 5))
    assert "已超过目标日期" in row.next_step and row.urgent
    perform("resolve", actor=county_officer, dispute=county_dispute, at=at(2026, 3, 11))
    [row] = owned_by(county_leader, today=date(2026, 3, 12))
    assert "销号" in row.next_step


def test_the_leaders_notice_is_done_once_he_takes_the_case_on(owned, county_leader, county_officer):
    told = Notification.objects.get(recipient=county_leader, kind="leader_assigned")
    assert told.read_at is None
    ownership_note(actor=county_officer, ownership_id=owned.pk, text="已勘界", at=at(2026, 3, 9))
    told.refresh_from_db()
    assert told.read_at is None  # another's note is not his work
    ownership_note(actor=county_leader, ownership_id=owned.pk, text="已约见双方", at=at(2026, 3, 9))
    told.refresh_from_db()
    assert told.read_at is not None
