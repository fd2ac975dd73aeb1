"""Every move through the API, with the version for optimistic locking; refusals write nothing."""

import pytest
from django.utils import timezone

from jiefen.api.tests.conftest import payload
from jiefen.disputes.models import Agreement, Dispute, Event, Session
from jiefen.org.models import Membership, Role


@pytest.fixture
def registered(clerk_api):
    response = clerk_api.post("/disputes", payload())
    assert response.status_code == 201
    return response.json()


def _move(api, dispute, action, **data):
    """Make `action` with the dispute's current version; returns the new state."""
    version = Dispute.objects.get(pk=dispute["id"]).version
    response = api.post(f"/disputes/{dispute['id']}/actions/{action}", {"version": version} | data)
    assert response.status_code == 200, (action, response.content)
    body = response.json()
    assert body["version"] == version + 1
    assert Event.objects.filter(dispute_id=dispute["id"]).last().action == action
    return body


def _snapshot(dispute_id):
    dispute = Dispute.objects.get(pk=dispute_id)
    return (
        dispute.status,
        dispute.version,
        Event.objects.filter(dispute=dispute).count(),
        Session.objects.filter(dispute=dispute).count(),
    )


def test_it_takes_a_dispute_through_every_move_up_to_a_department_and_back(
    world, clerk_api, registered, api_as, town_head, town_department, town_department_clerk
):
    today = timezone.localdate().isoformat()
    town = api_as(town_head, "枫桥镇")
    department = api_as(town_department_clerk, town_department.name)

    assert _move(clerk_api, registered, "accept")["status"] == "accepted"
    session = _move(
        clerk_api,
        registered,
        "session",
        held_on=today,
        place="村委会调解室",
        mediators="陈小梅",
        attendees="张三、李四",
        record="双方陈述了院墙位置的争议。",
    )
    assert session["status"] == "mediating"
    assert Session.objects.get().place == "村委会调解室"
    sent = _move(clerk_api, registered, "transfer", reason="涉及宅基地确权，村里无法处理")
    assert sent["status"] == "transferring"
    assert sent["transfer_to"]["id"] == world.bodies["枫桥镇"].pk
    assert "receive" in town.get(f"/disputes/{registered['id']}").json()["actions"]

    received = _move(town, registered, "receive")
    assert received["holder"]["id"] == world.bodies["枫桥镇"].pk
    assigned = _move(town, registered, "assign", department=town_department.pk, days=5)
    assert assigned["status"] == "assigned"
    assert assigned["department"]["id"] == town_department.pk
    reported = _move(department, registered, "report", reason="已现场测量，边界以 1998 年图为准")
    assert reported["status"] == "mediating"
    resolved = _move(
        town,
        registered,
        "resolve",
        outcome="agreement",
        agreement={
            "facts": "两户院墙位置争议",
            "terms": "院墙后退 0.3 米",
            "performance": "一个月内由张三拆除重建",
            "signed_on": today,
        },
    )
    assert resolved["status"] == "resolved"
    assert Agreement.objects.get().terms == "院墙后退 0.3 米"
    visited = _move(town, registered, "visit", satisfaction=5, held=True)
    assert visited["status"] == "visited" and visited["satisfaction"] == 5
    assert _move(town, registered, "close")["status"] == "closed"
    reopened = _move(town, registered, "reopen", reason="协议未履行，当事人申请重新调解")
    assert reopened["status"] == "accepted" and reopened["satisfaction"] is None

    actions = [e["action"] for e in clerk_api.get(f"/disputes/{registered['id']}/events").json()]
    assert actions == [
        "register", "accept", "session", "transfer", "receive", "assign", "report",
        "resolve", "visit", "close", "reopen",
    ]  # fmt: skip


def test_it_declines_with_a_reason_and_a_route(clerk_api, registered):
    declined = _move(
        clerk_api, registered, "decline", reason="属劳动仲裁受理范围", route="arbitration"
    )
    assert declined["status"] == "declined" and declined["route"] == "arbitration"


def test_it_returns_a_transfer_to_the_village(world, clerk_api, registered, api_as, town_head):
    _move(clerk_api, registered, "transfer", reason="疑难复杂")
    returned = _move(api_as(town_head, "枫桥镇"), registered, "return", reason="请先行调解")
    assert returned["status"] == "accepted"
    assert returned["holder"]["id"] == world.bodies["枫一社区"].pk
    assert returned["transfer_to"] is None


def test_it_refuses_a_stale_version_and_writes_nothing(clerk_api, registered):
    _move(clerk_api, registered, "accept")
    before = _snapshot(registered["id"])
    stale = clerk_api.post(
        f"/disputes/{registered['id']}/actions/session",
        {
            "version": 1,
            "held_on": timezone.localdate().isoformat(),
            "place": "村委会",
            "mediators": "陈小梅",
            "attendees": "张三",
            "record": "调解",
        },
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert _snapshot(registered["id"]) == before


def test_it_names_the_current_version_and_state_in_a_conflict(
    world, clerk_api, registered, village_clerk
):
    """A client holding version 1 learns what the dispute is now and who moved it, and can
    retry on the version it is given."""
    _move(clerk_api, registered, "accept")
    stale = clerk_api.post(
        f"/disputes/{registered['id']}/actions/transfer", {"version": 1, "reason": "需镇里协调"}
    )
    assert stale.status_code == 409
    current = stale.json()["current"]
    assert current["version"] == 2 and current["status"] == "accepted"
    assert current["status_label"] == "已受理"
    assert current["holder"] == world.bodies["枫一社区"].pk
    assert current["last"]["action"] == "accept" and current["last"]["by"] == "陈小梅"
    assert "陈小梅" in stale.json()["message"]
    retried = clerk_api.post(
        f"/disputes/{registered['id']}/actions/transfer",
        {"version": current["version"], "reason": "需镇里协调"},
    )
    assert retried.status_code == 200 and retried.json()["status"] == "transferring"


def test_it_refuses_a_move_by_a_body_that_does_not_hold_the_dispute(
    clerk_api, registered, api_as, town_head
):
    before = _snapshot(registered["id"])
    refused = api_as(town_head, "枫桥镇").post(
        f"/disputes/{registered['id']}/actions/accept", {"version": 1}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert _snapshot(registered["id"]) == before


def test_it_makes_moves_only_with_a_role_in_the_tokens_body(world, registered, api_as, town_head):
    """A town head who is also 枫一社区's clerk accepts its disputes with a village token only."""
    Membership.objects.create(user=town_head, body=world.bodies["枫一社区"], role=Role.CLERK)
    before = _snapshot(registered["id"])
    through_town = api_as(town_head, "枫桥镇")
    assert through_town.get(f"/disputes/{registered['id']}").json()["actions"] == []
    refused = through_town.post(f"/disputes/{registered['id']}/actions/accept", {"version": 1})
    assert refused.status_code == 403
    assert _snapshot(registered["id"]) == before
    accepted = api_as(town_head, "枫一社区").post(
        f"/disputes/{registered['id']}/actions/accept", {"version": 1}
    )
    assert accepted.status_code == 200


def test_it_refuses_a_move_the_role_does_not_allow(clerk_api, registered):
    """A clerk may not assign to a department: only a head may."""
    _move(clerk_api, registered, "accept")
    before = _snapshot(registered["id"])
    refused = clerk_api.post(
        f"/disputes/{registered['id']}/actions/assign", {"version": 2, "department": 1, "days": 5}
    )
    assert refused.status_code in (403, 422)
    assert _snapshot(registered["id"]) == before


def test_it_refuses_an_illegal_move(clerk_api, registered):
    before = _snapshot(registered["id"])
    refused = clerk_api.post(f"/disputes/{registered['id']}/actions/close", {"version": 1})
    assert refused.status_code == 409
    assert refused.json()["code"] == "illegal_move"
    assert _snapshot(registered["id"]) == before


def test_it_requires_a_reason_where_the_table_does(clerk_api, registered):
    before = _snapshot(registered["id"])
    refused = clerk_api.post(
        f"/disputes/{registered['id']}/actions/transfer", {"version": 1, "reason": "  "}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid"
    assert "reason" in refused.json()["fields"]
    assert _snapshot(registered["id"]) == before


def test_it_refuses_a_move_without_a_version(clerk_api, registered):
    refused = clerk_api.post(f"/disputes/{registered['id']}/actions/accept", {})
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"version": ["此项为必填项"]}


def test_it_acts_on_a_dispute_by_its_number_too(clerk_api, registered):
    response = clerk_api.post(f"/disputes/{registered['number']}/actions/accept", {"version": 1})
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
