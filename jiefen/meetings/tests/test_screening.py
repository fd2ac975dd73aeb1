"""Screening returns: a nil return or the disputes found (registered with source "screening"),
once per period; the town's view of who has not reported; reminders once per village."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.disputes.lifecycle import Forbidden, Invalid
from jiefen.disputes.models import Category, Dispute
from jiefen.meetings.models import ScreeningFinding, ScreeningReminder, ScreeningReturn
from jiefen.meetings.screening import (
    FindingInput,
    ReturnInput,
    screening_reminders,
    screening_return_submit,
    village_status,
)
from jiefen.meetings.tests.conftest import at
from jiefen.metrics.periods import Period

pytestmark = pytest.mark.django_db

FIRST_HALF = date(2026, 3, 1)


def finding(**changes):
    data = FindingInput(
        category=Category.objects.get(key="neighbourhood"),
        title="排水沟堵塞引发邻里矛盾",
        description="两户因排水沟走向争执，尚未激化。",
        applicant="王五",
        respondent="赵六",
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_it_takes_a_nil_return(world, village_clerk):
    returned = screening_return_submit(
        actor=village_clerk,
        body=world.bodies["枫一社区"],
        data=ReturnInput(period_start=FIRST_HALF, nil=True),
        at=at(2026, 3, 14),
    )
    assert (returned.nil, returned.period_end) == (True, date(2026, 3, 15))
    assert not returned.findings.exists()
    assert not Dispute.objects.exists()


def test_it_registers_what_was_found_as_screening_disputes(world, village_clerk):
    returned = screening_return_submit(
        actor=village_clerk,
        body=world.bodies["枫一社区"],
        data=ReturnInput(
            period_start=FIRST_HALF, nil=False, findings=[finding(), finding(title="宅基地纠纷")]
        ),
        at=at(2026, 3, 14),
    )
    disputes = Dispute.objects.order_by("id")
    assert [d.channel for d in disputes] == ["screening", "screening"]
    assert [d.holder for d in disputes] == [world.bodies["枫一社区"]] * 2
    assert set(returned.findings.values_list("dispute_id", flat=True)) == {d.pk for d in disputes}
    assert [e.action for e in disputes[0].events.all()] == ["register"]


def test_it_refuses_a_second_return_for_the_same_period(world, village_clerk, other_village_clerk):
    body = world.bodies["枫一社区"]
    screening_return_submit(
        actor=village_clerk,
        body=body,
        data=ReturnInput(period_start=FIRST_HALF, nil=True),
        at=at(2026, 3, 14),
    )
    with pytest.raises(Invalid) as refused:
        screening_return_submit(
            actor=village_clerk,
            body=body,
            data=ReturnInput(period_start=FIRST_HALF, nil=False, findings=[finding()]),
            at=at(2026, 3, 15),
        )
    assert "不能重复报送" in str(refused.value.message)
    assert "period" in refused.value.fields
    assert ScreeningReturn.objects.count() == 1
    assert not Dispute.objects.exists()
    # Nor may another village's clerk report for this one.
    with pytest.raises(Forbidden):
        screening_return_submit(
            actor=other_village_clerk,
            body=body,
            data=ReturnInput(period_start=date(2026, 3, 16), nil=True),
            at=at(2026, 3, 20),
        )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ReturnInput(period_start=FIRST_HALF, nil=False), "nil"),  # neither nil nor findings
        (ReturnInput(period_start=date(2026, 3, 2), nil=True), "period"),  # not a period start
        (ReturnInput(period_start=date(2026, 4, 1), nil=True), "period"),  # not begun
        (ReturnInput(period_start=None, nil=True), "period"),
    ],
)
def test_it_refuses_an_empty_or_misdated_return(world, village_clerk, data, field):
    with pytest.raises(Invalid) as refused:
        screening_return_submit(
            actor=village_clerk, body=world.bodies["枫一社区"], data=data, at=at(2026, 3, 14)
        )
    assert field in refused.value.fields
    assert not ScreeningReturn.objects.exists()


def test_one_bad_finding_writes_nothing(world, village_clerk):
    with pytest.raises(Invalid) as refused:
        screening_return_submit(
            actor=village_clerk,
            body=world.bodies["枫一社区"],
            data=ReturnInput(
                period_start=FIRST_HALF, nil=False, findings=[finding(), finding(applicant="")]
            ),
            at=at(2026, 3, 14),
        )
    assert "findings.1.applicant" in refused.value.fields
    assert not ScreeningReturn.objects.exists()
    assert not Dispute.objects.exists() and not ScreeningFinding.objects.exists()


def test_the_town_sees_who_has_not_reported_in_one_query(world, village_clerk, other_village_clerk):
    screening_return_submit(
        actor=village_clerk,
        body=world.bodies["枫一社区"],
        data=ReturnInput(period_start=FIRST_HALF, nil=False, findings=[finding()]),
        at=at(2026, 3, 14),
    )
    period = Period.containing("half", FIRST_HALF)
    with CaptureQueriesContext(connection) as queries:
        rows = list(village_status(world.regions["枫桥镇"], period))
    assert len(queries) == 1
    status = {r.region.name: (r.returned_at is not None, r.nil, r.found) for r in rows}
    assert status == {"枫一社区": (True, False, 1), "永安社区": (False, None, None)}
    # The other town's village is not the concern of 枫桥镇.
    assert "店口社区居委会" not in status


def test_reminders_go_once_to_villages_that_have_not_reported(
    world, village_clerk, other_village_clerk
):
    screening_return_submit(
        actor=village_clerk,
        body=world.bodies["枫一社区"],
        data=ReturnInput(period_start=FIRST_HALF, nil=True),
        at=at(2026, 3, 14),
    )
    # During the period: nobody is late yet for it (the sweep looks at the period before).
    assert screening_reminders(today=date(2026, 3, 15), at=at(2026, 3, 15)) == 3
    assert set(ScreeningReminder.objects.values_list("period_start", flat=True)) == {
        date(2026, 2, 16)
    }
    ScreeningReminder.objects.all().delete()
    # After it: the two villages that have not reported, once, however often the sweep runs.
    assert screening_reminders(today=date(2026, 3, 16), at=at(2026, 3, 16, 1)) == 2
    assert screening_reminders(today=date(2026, 3, 16), at=at(2026, 3, 16, 2)) == 0
    assert screening_reminders(today=date(2026, 3, 20), at=at(2026, 3, 20)) == 0
    reminded = set(ScreeningReminder.objects.values_list("body__name", flat=True))
    assert reminded == {"永安社区村（社区）调处工作组", "店口社区居委会村（社区）调处工作组"}
    try:
        from jiefen.supervision.models import Notification
    except ImportError:
        return
    sent = Notification.objects.filter(kind="screening_missing", key__endswith="2026-03-01")
    assert list(sent.values_list("recipient__username", flat=True)) == ["clerk_yongan"]
