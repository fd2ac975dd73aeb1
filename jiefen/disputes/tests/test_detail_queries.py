"""The dispute page costs the same number of queries whatever the length of its history and
however many sessions, parties, attachments, orders, requests and related disputes it has."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.accounts.models import User
from jiefen.attachments.services import attachment_add
from jiefen.calendars import services as calendars
from jiefen.conversations.models import Message, Thread
from jiefen.disputes.access import body_above
from jiefen.disputes.lifecycle import Action
from jiefen.disputes.models import Agreement, Party, Session
from jiefen.disputes.selectors import dispute_page
from jiefen.disputes.services import PartyInput, event_append
from jiefen.disputes.tests.conftest import at, register
from jiefen.portal.models import EscalationRequest, PartyPhoneCheck, ReviewRequest
from jiefen.search.intake import related_for_page
from jiefen.search.models import DisputeLink, LinkKind
from jiefen.supervision.models import LeaderOwnership, SupervisionOrder

# Sign-in (session, person, second-factor device, roles) 4; the dispute with everything its
# panels declared (parties, sessions, level stays, the party's requests, links, supervision,
# documents' details, attachments, the count of waiting requests, the parties' threads and
# messages, the phone checks, the court application: disputes.page) 1; its history 1; the
# unread notices 1; the suggested related disputes 1; on PostgreSQL without Redis the kept
# suggestions are read from the cache table, 1 more. 57 before the panels shared their reads,
# 24 before they were read with the dispute, 10 before the newer panels declared parts.
MOST = 12  # the product's limit


def _now_true() -> int:
    from django.conf import settings

    table = settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    return 8 + (1 if table else 0)


@pytest.fixture(autouse=True)
def calendar_checked_once(monkeypatch):
    """The calendar's tables are checked every few seconds by whichever request comes next: on
    a busy machine the check fell inside a counted page (two queries more). Here it is checked
    before each page (in _queries), never during one."""
    monkeypatch.setattr(calendars, "CHECK_SECONDS", 3600.0)


def _queries(client, dispute) -> list[str]:
    # Checked now (not a moment ago, when the next check could fall inside the page): the page
    # does not read the calendar's tables.
    calendars.calendar_forget()
    calendars.calendar_current()
    # The related disputes kept for this person and this version of the dispute, as the
    # previous view of the page kept them: an eviction in between (the database cache culls a
    # third of its rows when full) would make the page compute them again.
    user = User.objects.get(pk=client.session[SESSION_KEY])
    related_for_page(user, dispute_page(user, dispute.pk))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("disputes:detail", args=[dispute.pk])).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def _history(dispute, clerk, count: int) -> None:
    for minute in range(count):
        event_append(
            dispute=dispute,
            action=Action.SESSION,
            actor=clerk,
            at=at(2026, 3, 3, 9, minute % 60),
            to_status=dispute.status,
            from_status=dispute.status,
            body=dispute.holder,
            reason=f"第{minute}次调解",
        )


def _more_of_everything(world, dispute, clerk, officer, count: int) -> None:
    """`count` more sessions, parties, attachments, orders, requests and related disputes."""
    county = world.bodies["诸暨市"]
    today = date(2026, 3, 5)
    now = at(2026, 3, 5)
    for n in range(count):
        Session.objects.create(
            dispute=dispute,
            held_on=today,
            place="村委会",
            mediators="陈小梅",
            attendees="张三、李四",
            record=f"第{n}次调解记录",
            recorded_by=clerk,
        )
        Party.objects.create(dispute=dispute, side="third_party", name=f"第三人{n}")
        attachment_add(
            actor=clerk,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile(f"照片{n}.pdf", b"%PDF-1.4\n%%EOF\n"),
            description="现场照片",
        )
        SupervisionOrder.objects.create(
            dispute=dispute,
            issued_by=officer,
            issuer_body=county,
            to_body=dispute.holder,
            region_code=dispute.region_code,
            requirement="限期办结",
            days=3,
            issued_at=now,
            due_date=today + timedelta(days=5),
        )
        EscalationRequest.objects.create(
            dispute=dispute, body=dispute.holder, tier="village", requested_at=now, reason="上移"
        )
        ReviewRequest.objects.create(
            dispute=dispute,
            kind="refusal",
            body=dispute.holder,
            reviewer=body_above(dispute.holder) or dispute.holder,
            tier=dispute.tier,
            requested_at=now,
            reason="请求复核",
            due_date=today,
        )
        # A message in a party's own thread (opened once), and a check of a party's phone.
        party = dispute.parties.order_by("id").first()
        thread, _ = Thread.objects.get_or_create(
            dispute=dispute, party=party, defaults={"opened_at": now, "opened_by": clerk}
        )
        Message.objects.create(
            thread=thread,
            dispute=dispute,
            party=party,
            author=clerk,
            body=f"请明天来{n}",
            written_at=now,
        )
        PartyPhoneCheck.objects.create(
            dispute=dispute,
            party=party,
            phone_digest=party.phone_digest or "0" * 64,
            verified_at=now,
            verified_by=clerk,
        )
        # A dispute of the same applicant (suggested) and one linked by a clerk.
        register(world, clerk, title=f"院墙再次争执{n}", when=at(2026, 3, 4))
        linked = register(world, clerk, title=f"相邻通行{n}", when=at(2026, 3, 4))
        DisputeLink.objects.create(
            source=dispute, target=linked, kind=LinkKind.RELATED, at=now, actor=clerk
        )


def test_the_dispute_page_reads_a_long_full_history_in_as_many_queries_as_a_short_one(
    client, world, village_clerk, town_head, county_officer, city_evaluator
):
    dispute = register(
        world,
        village_clerk,
        parties=[
            PartyInput(side="applicant", name="张三", phone="13812345678"),
            PartyInput(side="respondent", name="李四"),
        ],
    )
    Agreement.objects.create(
        dispute=dispute,
        facts="院墙",
        terms="后退半米",
        performance="一周内",
        signed_on=date(2026, 3, 4),
    )
    LeaderOwnership.objects.create(
        dispute=dispute,
        leader=county_officer,
        leader_body=world.bodies["诸暨市"],
        plan="包案化解",
        target_date=date(2026, 4, 30),
        assigned_by=county_officer,
        assigned_at=at(2026, 3, 4),
    )
    _history(dispute, village_clerk, 1)
    _more_of_everything(world, dispute, village_clerk, county_officer, 1)
    people = (village_clerk, town_head, county_officer, city_evaluator)
    short = {}
    for person in people:
        client.force_login(person)
        _queries(client, dispute)  # the first view warms the per-process caches
        short[person.username] = _queries(client, dispute)

    _history(dispute, village_clerk, 200)
    _more_of_everything(world, dispute, village_clerk, county_officer, 5)
    for person in people:
        client.force_login(person)
        _queries(client, dispute)  # after the writes the calendar is read once more
        long = _queries(client, dispute)
        assert len(long) == len(short[person.username]), person.username
        assert len(long) <= MOST, (person.username, long)
        assert len(long) <= _now_true(), (person.username, long)


def test_a_long_history_costs_no_query_more_than_a_short_one(client, world, village_clerk):
    dispute = register(world, village_clerk)
    client.force_login(village_clerk)
    _history(dispute, village_clerk, 1)
    _queries(client, dispute)
    short = _queries(client, dispute)
    _history(dispute, village_clerk, 200)
    _queries(client, dispute)
    assert len(_queries(client, dispute)) == len(short)
