"""Notifications: once per recipient and reason, the bell, the list, and never a party's phone
or ID number in anything shown or sent."""

import re
from datetime import date

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory

from jiefen.disputes.models import Party
from jiefen.disputes.tests.steps import perform
from jiefen.supervision.context import bell
from jiefen.supervision.models import Kind, Notification
from jiefen.supervision.notifications import (
    notification_text,
    notifications_deliver,
    notify,
    register,
    scrub,
)
from jiefen.supervision.services import (
    dispute_urge,
    order_answer,
    order_issue,
    ownership_assign,
    ownership_extend_approve,
    ownership_extend_request,
)
from jiefen.supervision.sms import OutboxSmsProvider
from jiefen.supervision.sweep import sweep_run
from jiefen.supervision.tests.conftest import ID_NUMBER, PHONE, at, at_county
from jiefen.supervision.tests.conftest import register as register_dispute

# Every way a number is commonly written.
FORMS = [PHONE, "138 1234 5678", "138-1234-5678", ID_NUMBER, "330681 19900101 1237"]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_it_writes_one_notification_per_recipient_kind_dispute_and_key(world, village_clerk):
    dispute = register_dispute(world, village_clerk)
    for _ in range(3):
        notify(
            recipients=[village_clerk, village_clerk.pk, None],
            kind=Kind.URGE,
            dispute=dispute,
            key="7",
            params={"actor": "甲", "note": "请抓紧"},
        )
    notify(
        recipients=[village_clerk],
        kind=Kind.URGE,
        dispute=dispute,
        key="8",
        params={"actor": "甲", "note": "再催"},
    )
    notify(recipients=[village_clerk], kind="screening_missing", key="枫一-2026-03")
    notify(recipients=[village_clerk], kind="screening_missing", key="枫一-2026-03")
    assert Notification.objects.count() == 3


def test_scrub_masks_phone_and_id_numbers_but_keeps_dates():
    for number in [*FORMS, "0575-87654321", "+86 138 1234 5678", "33068119900101123X"]:
        assert digits(number)[-4:] not in digits(scrub(f"请联系{number}核实")), number
    assert scrub("请于2026-03-15前报告") == "请于2026-03-15前报告"
    assert scrub("涉及 12 户 35 人") == "涉及 12 户 35 人"
    assert scrub("见纠纷 330681109-2026-000001") == "见纠纷 330681109-2026-000001"
    assert "0101" not in scrub("330681-1990-010112-37")  # an ID number dressed as one


def test_no_notification_shown_or_sent_contains_a_partys_phone_or_id(
    client,
    world,
    village_clerk,
    village_head,
    town_head,
    county_officer,
    county_leader,
    city_leader,
    django_capture_on_commit_callbacks,
):
    """Numbers typed everywhere staff can type: the title, the description, the parties, an
    order's requirement and answer, an urging note, a plan, a reason for more time."""
    for person in (
        village_clerk,
        village_head,
        town_head,
        county_officer,
        county_leader,
        city_leader,
    ):
        person.email = f"{person.username}@example.org"
        person.phone = "13900001111"
        person.save()
    leaky = f"张三（{FORMS[1]}）与李四宅基地纠纷"[:100]
    dispute = register_dispute(
        world,
        village_clerk,
        when=at(2026, 3, 2),
        complex=True,
        title=leaky,
        description=f"申请人电话 {PHONE}，身份证 {ID_NUMBER}",
    )
    assert PHONE in [p.phone for p in Party.objects.filter(dispute=dispute)]
    county = at_county(
        world,
        village_clerk,
        town_head,
        county_officer,
        risk="major",
        title=f"群体讨薪 联系人{FORMS[2]}",
    )
    at_county(
        world,
        village_clerk,
        town_head,
        county_officer,
        people_involved=15,
        title=f"十五户讨薪 {ID_NUMBER}",
    )  # no leader: flagged
    with django_capture_on_commit_callbacks(execute=True):
        order = order_issue(
            actor=county_officer,
            dispute_id=dispute.pk,
            days=1,
            requirement=f"请联系申请人 {PHONE}（身份证 {FORMS[4]}）",
            at=at(2026, 3, 2, 12),
        )
        order_answer(
            actor=village_clerk,
            order_id=order.pk,
            report=f"已电话 {FORMS[2]} 联系",
            at=at(2026, 3, 2, 13),
        )
        second = order_issue(
            actor=county_officer,
            dispute_id=dispute.pk,
            days=1,
            requirement=f"核实 {ID_NUMBER}",
            at=at(2026, 3, 2, 12),
        )
        dispute_urge(
            actor=town_head, dispute_id=dispute.pk, note=f"回电 {FORMS[1]}", at=at(2026, 3, 2, 14)
        )
        owned = ownership_assign(
            actor=county_officer,
            dispute_id=county.pk,
            leader=county_leader,
            plan=f"约谈 {PHONE}",
            target_date=date(2026, 4, 30),
            at=at(2026, 3, 3),
        )
        extension = ownership_extend_request(
            actor=county_leader,
            ownership_id=owned.pk,
            new_date=date(2026, 5, 30),
            reason=f"等 {ID_NUMBER} 回复",
            at=at(2026, 3, 4),
        )
        ownership_extend_approve(
            actor=city_leader, extension_id=extension.pk, note=f"同意 {PHONE}", at=at(2026, 3, 4)
        )
    sweep_run(now=at(2026, 3, 2, 8))
    sweep_run(now=at(2026, 3, 4, 8))
    sweep_run(now=at(2026, 3, 6, 6))
    perform(
        "transfer",
        actor=village_clerk,
        dispute=type(dispute).objects.get(pk=dispute.pk),
        at=at(2026, 3, 6, 7),
    )
    sweep_run(now=at(2026, 3, 6, 8))
    assert second.pk
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds >= {
        "order",
        "order_answered",
        "order_overdue",
        "urge",
        "yellow",
        "red",
        "leader_assigned",
        "extension_requested",
        "extension_decided",
        "leader_missing",
        "transferred",
    }

    shown = []
    for n in Notification.objects.select_related("dispute"):
        shown.append(notification_text(n))
        client.force_login(n.recipient)
        shown.append(client.get("/supervision/notifications/").content.decode())
    shown += [m.subject + m.body for m in mail.outbox]
    shown += [text for _phone, text in OutboxSmsProvider.outbox]
    assert mail.outbox and OutboxSmsProvider.outbox
    for text in shown:
        for number in FORMS:
            assert number not in text
        assert PHONE not in digits(text) and ID_NUMBER[:17] not in digits(text)


def test_other_apps_may_add_kinds(world, village_clerk):
    register("test_kind", "测试", lambda p: f"第 {p['n']} 期未报送")
    notify(recipients=[village_clerk], kind="test_kind", key="1", params={"n": 3})
    assert notification_text(Notification.objects.get()) == "第 3 期未报送"
    notify(recipients=[village_clerk], kind="unknown_kind", key="1")
    assert notification_text(Notification.objects.get(kind="unknown_kind"))


def test_the_bell_counts_unread_notifications(world, village_clerk, outsider):
    dispute = register_dispute(world, village_clerk)
    for key in range(3):
        notify(
            recipients=[village_clerk],
            kind=Kind.URGE,
            dispute=dispute,
            key=str(key),
            params={"actor": "甲", "note": "催"},
        )
    request = RequestFactory().get("/")
    request.user = village_clerk
    html = Template('{% include "supervision/_bell.html" %}').render(Context(bell(request)))
    assert 'href="/supervision/notifications/"' in html and ">3<" in html
    request.user = outsider
    html = Template('{% include "supervision/_bell.html" %}').render(Context(bell(request)))
    assert "badge" not in html


def test_the_list_marks_notifications_read(client, world, village_clerk, other_village_clerk):
    dispute = register_dispute(world, village_clerk)
    notify(
        recipients=[village_clerk, other_village_clerk],
        kind=Kind.URGE,
        dispute=dispute,
        key="1",
        params={"actor": "李卫东", "note": "请抓紧"},
    )
    mine = Notification.objects.get(recipient=village_clerk)
    theirs = Notification.objects.get(recipient=other_village_clerk)
    client.force_login(village_clerk)
    page = client.get("/supervision/notifications/").content.decode()
    assert "李卫东 催办纠纷" in page and f'id="notification-{theirs.pk}"' not in page
    client.post("/supervision/notifications/read/", {"id": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert (
        client.get("/supervision/notifications/?unread=1").content.decode().count('class="row') == 0
    )


def test_it_sends_after_commit_only(world, village_clerk, django_capture_on_commit_callbacks):
    village_clerk.email = "clerk@example.org"
    village_clerk.save()
    dispute = register_dispute(world, village_clerk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(
            recipients=[village_clerk],
            kind=Kind.URGE,
            dispute=dispute,
            key="1",
            params={"actor": "甲", "note": "催"},
        )
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert notifications_deliver() == 0  # nothing left to send


@pytest.mark.parametrize("kind", [k for k in Kind.values])
def test_every_kind_has_words(world, village_clerk, kind):
    dispute = register_dispute(world, village_clerk)
    params = {
        "due": "2026-03-05",
        "due_action": "transfer",
        "body": "枫桥镇矛调中心",
        "note": "请报告",
        "actor": "甲",
        "target": "2026-04-30",
        "date": "2026-05-30",
        "approved": True,
        "campaign": "一季度清理",
    }
    notify(recipients=[village_clerk], kind=kind, dispute=dispute, key="1", params=params)
    text = notification_text(Notification.objects.get())
    assert dispute.number in text


def _arrival(recipient, dispute, key="1"):
    notify(
        recipients=[recipient],
        kind=Kind.TRANSFERRED,
        dispute=dispute,
        key=key,
        params={"number": dispute.number, "body": "枫桥镇"},
        at=at(2026, 3, 2, 12),
    )
    return Notification.objects.get(recipient=recipient, kind=Kind.TRANSFERRED, key=key)


def test_a_transfer_notification_is_done_once_the_transfer_was_received(
    world, village_clerk, town_head
):
    dispute = register_dispute(world, village_clerk, when=at(2026, 3, 2, 9))
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 3, 2, 10))
    dispute = perform("transfer", actor=village_clerk, dispute=dispute, at=at(2026, 3, 2, 11))
    arrival = _arrival(town_head, dispute)
    assert arrival.read_at is None
    perform("receive", actor=town_head, dispute=dispute, at=at(2026, 3, 3, 9))
    arrival.refresh_from_db()
    assert arrival.read_at == at(2026, 3, 3, 9)


def test_an_order_notification_is_done_once_the_order_was_answered(
    world, village_clerk, county_officer
):
    dispute = register_dispute(world, village_clerk, when=at(2026, 3, 2, 9))
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 3, 2, 10))
    order = order_issue(
        actor=county_officer, dispute_id=dispute.pk, requirement="请报告", days=5, at=at(2026, 3, 3)
    )
    mine = Notification.objects.get(recipient=village_clerk, kind=Kind.ORDER)
    assert mine.read_at is None
    order_answer(actor=village_clerk, order_id=order.pk, report="已组织调解", at=at(2026, 3, 4))
    mine.refresh_from_db()
    assert mine.read_at == at(2026, 3, 4)


def test_a_notification_written_after_its_work_was_done_is_done_when_the_list_opens(
    client, world, village_clerk, town_head
):
    dispute = register_dispute(world, village_clerk, when=at(2026, 3, 2, 9))
    for step, actor in (("accept", village_clerk), ("transfer", village_clerk)):
        dispute = perform(step, actor=actor, dispute=dispute, at=at(2026, 3, 2, 10))
    perform("receive", actor=town_head, dispute=dispute, at=at(2026, 3, 2, 11))
    late = _arrival(town_head, dispute, key="late")  # the sweep noticed the transfer late
    client.force_login(town_head)
    client.get("/supervision/notifications/")
    late.refresh_from_db()
    assert late.read_at is not None
