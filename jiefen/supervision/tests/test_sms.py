"""Text messages that really go out: through Aliyun's and Tencent Cloud's SDKs to a stand-in
gateway that checks each request as the vendor documents it (sms_standin.py); the record of
each message, its retries with growing waits, the daily cap per number, and the words a text
may never carry."""

import json
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from jiefen.supervision.models import Kind, Notification, SmsMessage, SmsStatus
from jiefen.supervision.notifications import notifications_deliver, notify
from jiefen.supervision.sms import OutboxSmsProvider, refusal
from jiefen.supervision.sms_delivery import sms_queue, sms_retry_due, sms_send
from jiefen.supervision.sweep import sweep_run
from jiefen.supervision.tests.conftest import ID_NUMBER, at
from jiefen.supervision.tests.conftest import register as register_dispute
from jiefen.supervision.tests.sms_standin import KEY_ID, SECRET, StandIn

PHONE = "13900001111"
TEMPLATES = {"urge": "SMS_465123001", "red": "SMS_465123002"}


@pytest.fixture
def clerk_with_phone(village_clerk):
    village_clerk.phone = PHONE
    village_clerk.save()
    return village_clerk


def gateway(settings, vendor, stand_in, **conf):
    settings.JIEFEN_SMS_PROVIDER = vendor
    settings.JIEFEN_SMS = {
        "sign_name": "诸暨解纷",
        "templates": TEMPLATES,
        "access_key_id": KEY_ID,
        "access_key_secret": SECRET,
        "app_id": "1400787878",
        "endpoint": stand_in.endpoint if stand_in else "http://127.0.0.1:9",
        "timeout_seconds": 2,
        **conf,
    }


def urge(world, clerk, key="1", note="请本周内约谈双方"):
    dispute = register_dispute(world, clerk)
    notify(
        recipients=[clerk],
        kind=Kind.URGE,
        dispute=dispute,
        key=key,
        params={"actor": "宣立平", "note": note},
    )
    notifications_deliver()
    return dispute, SmsMessage.objects.get(notification__key=key)


@pytest.mark.parametrize("vendor", ["aliyun", "tencent"])
def test_a_text_goes_out_signed_as_the_gateway_documents_and_is_kept_as_sent(
    settings, world, clerk_with_phone, vendor
):
    with StandIn(vendor) as stand_in:
        gateway(settings, vendor, stand_in)
        dispute, sms = urge(world, clerk_with_phone)
    assert stand_in.faults == []
    [request] = stand_in.seen
    if vendor == "aliyun":
        query = request["query"]
        assert query["PhoneNumbers"] == PHONE
        assert query["SignName"] == "诸暨解纷" and query["TemplateCode"] == "SMS_465123001"
        assert json.loads(query["TemplateParam"]) == {
            "actor": "宣立平",
            "number": dispute.number,
            "note": "请本周内约谈双方",
        }
        assert sms.provider_message_id == "900619746936498440^0"
    else:
        body = json.loads(request["body"])
        assert body["PhoneNumberSet"] == ["+86" + PHONE]
        assert body["SmsSdkAppId"] == "1400787878" and body["SignName"] == "诸暨解纷"
        assert body["TemplateId"] == "SMS_465123001"
        assert body["TemplateParamSet"] == ["宣立平", dispute.number, "请本周内约谈双方"]
        assert sms.provider_message_id == "5000:1045710669157053657849499619"
    assert (sms.status, sms.attempts, sms.provider, sms.template) == (
        SmsStatus.SENT,
        1,
        vendor,
        "SMS_465123001",
    )
    assert sms.sent_at and sms.next_attempt_at is None
    assert sms.phone == PHONE and sms.phone_masked == "139****1111"
    assert sms.text == f"【解纷】催办宣立平 催办纠纷 {dispute.number}：请本周内约谈双方"


@pytest.mark.parametrize("vendor", ["aliyun", "tencent"])
def test_a_request_signed_with_another_secret_is_refused_by_the_stand_in(
    settings, world, clerk_with_phone, vendor
):
    with StandIn(vendor) as stand_in:
        gateway(settings, vendor, stand_in, access_key_secret="not-the-secret")
        _dispute, sms = urge(world, clerk_with_phone)
    assert stand_in.faults == ["signature"] and stand_in.seen == []
    assert sms.status == SmsStatus.FAILED and sms.next_attempt_at
    assert "Signature" in sms.last_error


@pytest.mark.parametrize(
    ("vendor", "code"),
    [("aliyun", "isv.BUSINESS_LIMIT_CONTROL"), ("tencent", "LimitExceeded.PhoneNumberDailyLimit")],
)
def test_a_gateway_error_marks_the_text_failed_and_it_goes_out_on_the_retry(
    settings, world, clerk_with_phone, vendor, code
):
    with StandIn(vendor) as stand_in:
        gateway(settings, vendor, stand_in)
        stand_in.answers.append(code)
        _dispute, sms = urge(world, clerk_with_phone)
        assert (sms.status, sms.attempts) == (SmsStatus.FAILED, 1)
        assert sms.last_error.startswith(code)
        assert sms.next_attempt_at == sms.updated_at + timedelta(seconds=60)
        assert sms_retry_due(now=sms.next_attempt_at - timedelta(seconds=1)) == 0
        assert sms_retry_due(now=sms.next_attempt_at) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (SmsStatus.SENT, 2, "")
    assert len(stand_in.seen) == 2 and not stand_in.faults


@pytest.mark.parametrize("vendor", ["aliyun", "tencent"])
def test_a_network_fault_is_retried_with_doubling_waits_then_given_up(
    settings, world, clerk_with_phone, vendor, caplog
):
    gateway(settings, vendor, None, max_attempts=4)  # nothing listens on port 9
    caplog.set_level(logging.INFO)
    _dispute, sms = urge(world, clerk_with_phone)
    waits = []
    while sms.next_attempt_at:
        assert (sms.status, sms.last_error) == (
            SmsStatus.FAILED,
            "network: no answer from the gateway",
        )
        waits.append((sms.next_attempt_at - sms.updated_at).total_seconds())
        sms_send(sms.pk, now=sms.next_attempt_at)
        sms.refresh_from_db()
    assert waits == [60, 120, 240]
    assert (sms.status, sms.attempts) == (SmsStatus.FAILED, 4)
    assert "given up" in caplog.text
    assert SECRET not in caplog.text and PHONE not in caplog.text


def test_a_retry_is_enqueued_to_run_when_it_is_due(settings, world, clerk_with_phone):
    """With the database task backend (production's), the failed attempt's retry waits in the
    queue with its run_after."""
    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    gateway(settings, "aliyun", None)
    _dispute, sms = urge(world, clerk_with_phone)
    [queued] = DBTaskResult.objects.filter(task_path__endswith="sms_send_task")
    assert queued.run_after == sms.next_attempt_at
    assert queued.args_kwargs["args"] == [sms.pk]


def test_the_sweep_sends_the_retries_that_are_due(settings, world, clerk_with_phone):
    OutboxSmsProvider.outbox.clear()
    settings.JIEFEN_SMS = {"endpoint": "http://127.0.0.1:9"}
    settings.JIEFEN_SMS_PROVIDER = "jiefen.supervision.sms_providers.AliyunSmsProvider"
    _dispute, sms = urge(world, clerk_with_phone)
    assert (sms.status, sms.last_error) == (
        SmsStatus.FAILED,
        "not_configured: JIEFEN_SMS lacks sign_name, access_key_id, access_key_secret",
    )
    assert sms.next_attempt_at is None  # nothing to retry until the operator configures it
    SmsMessage.objects.filter(pk=sms.pk).update(next_attempt_at=timezone.now())
    settings.JIEFEN_SMS_PROVIDER = "outbox"
    counts = sweep_run(now=timezone.now() + timedelta(seconds=1))
    assert counts["sms_retried"] == 1
    assert [phone for phone, _text in OutboxSmsProvider.outbox] == [PHONE]


def test_past_the_daily_cap_a_text_is_not_sent_and_is_marked_capped(
    settings, world, clerk_with_phone, caplog
):
    settings.JIEFEN_SMS = {"daily_cap": 2}
    caplog.set_level(logging.WARNING)
    sent = [urge(world, clerk_with_phone, key=str(k))[1] for k in range(3)]
    assert [s.status for s in sent] == [SmsStatus.SENT, SmsStatus.SENT, SmsStatus.CAPPED]
    assert len(OutboxSmsProvider.outbox) == 2
    assert sent[2].last_error == "daily cap reached: 2 sent today, the cap is 2"
    assert "139****1111 not sent: daily cap reached" in caplog.text
    # Another member of staff's number has its own count.
    other = world.person("clerk_two", "钱丽", "枫一社区")
    other.phone = "13900002222"
    other.save()
    notify(recipients=[other], kind=Kind.URGE, dispute=sent[0].notification.dispute, key="0")
    notifications_deliver()
    assert SmsMessage.objects.get(notification__recipient=other).status == SmsStatus.SENT


def test_the_cap_counts_from_local_midnight(settings, world, clerk_with_phone):
    settings.JIEFEN_SMS = {"daily_cap": 1}
    first = urge(world, clerk_with_phone, key="1")[1]
    SmsMessage.objects.filter(pk=first.pk).update(sent_at=first.sent_at - timedelta(days=1))
    assert urge(world, clerk_with_phone, key="2")[1].status == SmsStatus.SENT


def test_a_notification_sent_again_by_e_mail_does_not_text_twice(
    settings, world, clerk_with_phone, monkeypatch
):
    clerk_with_phone.email = "clerk@example.org"
    clerk_with_phone.save()
    failures = iter([OSError("mail server down")])

    def flaky(*args, **kwargs):
        error = next(failures, None)
        if error:
            raise error
        mail.outbox.append(args)

    monkeypatch.setattr(mail, "send_mail", flaky)
    urge(world, clerk_with_phone)
    assert Notification.objects.get().sent_at is None  # the e-mail failed: sent again
    notifications_deliver()
    assert Notification.objects.get().sent_at and len(mail.outbox) == 1
    assert SmsMessage.objects.count() == 1 and len(OutboxSmsProvider.outbox) == 1


def test_no_text_carries_an_id_number_or_another_persons_mobile():
    assert refusal(phone=PHONE, text="纠纷 330681109-2026-000001 已超期（2026-03-06）") == ""
    assert refusal(phone=PHONE, text="请回电 139 0000 1111") == ""  # the recipient's own
    assert refusal(phone=PHONE, text="申请人 " + ID_NUMBER) == "an ID number in the text"
    assert refusal(phone=PHONE, text="申请人 330681 19900101 123x") == "an ID number in the text"
    other = "a phone number other than the recipient's in the text"
    assert refusal(phone=PHONE, text="请联系 138-1234-5678") == other
    assert refusal(phone=PHONE, text="催办", params={"note": "+8613812345678"}) == other


def test_a_forbidden_text_is_refused_before_the_gateway(settings, world, clerk_with_phone, caplog):
    dispute = register_dispute(world, clerk_with_phone)
    notify(recipients=[clerk_with_phone], kind=Kind.URGE, dispute=dispute, key="1")
    notification = Notification.objects.get()
    with StandIn("aliyun") as stand_in:
        gateway(settings, "aliyun", stand_in)
        sms = sms_queue(
            notification=notification,
            phone=PHONE,
            text="催办：请联系申请人 13812345678",
            params={"note": "请联系申请人"},
        )
        other = sms_queue(
            notification=Notification.objects.create(
                recipient=clerk_with_phone,
                kind=Kind.RED,
                dispute=dispute,
                key="2",
                created_at=at(2026, 3, 2),
            ),
            phone=PHONE,
            text="超期",
            params={"number": ID_NUMBER},
        )
    assert stand_in.seen == [] and stand_in.faults == []
    for message in (sms, other):
        message.refresh_from_db()
        assert message.status == SmsStatus.REFUSED and message.next_attempt_at is None
    assert "refused: a phone number other than the recipient's" in caplog.text
    assert "13812345678" not in caplog.text


def test_the_logging_provider_stays_the_default_and_logs_the_number_masked(settings, caplog):
    import importlib

    from jiefen.supervision.sms import LoggingSmsProvider, sms_provider

    assert importlib.import_module("jiefen.settings").JIEFEN_SMS_PROVIDER == "logging"
    settings.JIEFEN_SMS_PROVIDER = "logging"
    provider = sms_provider()
    assert isinstance(provider, LoggingSmsProvider)
    caplog.set_level(logging.INFO)
    provider.send(phone=PHONE, text="【解纷】催办")
    assert "139****1111" in caplog.text and PHONE not in caplog.text


def test_administrators_see_the_messages_masked(client, settings, world, clerk_with_phone):
    from jiefen.accounts.models import User

    urge(world, clerk_with_phone)
    root = User.objects.create_superuser(username="root", password="correct horse 9")
    client.force_login(root)
    page = client.get("/admin/supervision/smsmessage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "139****1111" in html and PHONE not in html
    sms = SmsMessage.objects.get()
    detail = client.get(f"/admin/supervision/smsmessage/{sms.pk}/change/").content.decode()
    assert "139****1111" in detail and PHONE not in detail
    assert client.post(f"/admin/supervision/smsmessage/{sms.pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    ("vendor", "code"),
    [
        ("aliyun", "isv.MOBILE_NUMBER_ILLEGAL"),
        ("aliyun", "isv.SMS_TEMPLATE_ILLEGAL"),
        ("tencent", "FailedOperation.PhoneNumberInBlacklist"),
        ("tencent", "FailedOperation.TemplateIncorrectOrUnapproved"),
    ],
)
def test_a_refusal_sending_again_cannot_cure_is_given_up_at_once(
    settings, world, clerk_with_phone, vendor, code
):
    with StandIn(vendor) as stand_in:
        gateway(settings, vendor, stand_in)
        stand_in.answers.append(code)
        _dispute, sms = urge(world, clerk_with_phone)
        assert sms_retry_due(now=timezone.now() + timedelta(days=1)) == 0
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.next_attempt_at) == (SmsStatus.FAILED, 1, None)
    assert sms.last_error.startswith(code)
    assert len(stand_in.seen) == 1


def test_a_text_in_flight_to_the_number_holds_its_place_under_the_cap(
    settings, world, clerk_with_phone
):
    """Two senders to one number at the same instant: the first has claimed its text and is
    talking to the provider when the second counts; the second must see the first's place."""
    settings.JIEFEN_SMS = {"daily_cap": 1}
    first = urge(world, clerk_with_phone, key="1")[1]
    # As if the first were still on its way: claimed, its place reserved, not yet answered.
    SmsMessage.objects.filter(pk=first.pk).update(
        status=SmsStatus.QUEUED, send_claim="in-flight", provider_message_id=""
    )
    second = urge(world, clerk_with_phone, key="2")[1]
    assert second.status == SmsStatus.CAPPED


def test_a_failed_attempt_gives_its_place_under_the_cap_back(settings, world, clerk_with_phone):
    settings.JIEFEN_SMS = {"daily_cap": 1}
    gateway(settings, "aliyun", None, daily_cap=1, max_attempts=1)  # nothing listens on port 9
    failed = urge(world, clerk_with_phone, key="1")[1]
    assert failed.status == SmsStatus.FAILED and failed.sent_at is None
    settings.JIEFEN_SMS_PROVIDER = "outbox"
    settings.JIEFEN_SMS = {"daily_cap": 1}
    assert urge(world, clerk_with_phone, key="2")[1].status == SmsStatus.SENT


@pytest.mark.parametrize("vendor", ["aliyun", "tencent"])
def test_a_delivery_report_marks_the_text_delivered_or_undelivered(
    client, settings, world, clerk_with_phone, vendor
):
    with StandIn(vendor) as stand_in:
        gateway(settings, vendor, stand_in, receipt_token="r3ceipt-t0ken-long-and-random")
        reached = urge(world, clerk_with_phone, key="1")[1]
        lost = urge(world, clerk_with_phone, key="2")[1]
    assert reached.provider_message_id  # the stand-in answers one id: give each its own
    SmsMessage.objects.filter(pk=lost.pk).update(provider_message_id="900619746936498441^0")
    lost.refresh_from_db()
    if vendor == "aliyun":
        body = [
            {
                "biz_id": reached.provider_message_id,
                "success": True,
                "err_code": "DELIVERED",
                "report_time": "2026-03-09 10:00:05",
            },
            {
                "biz_id": lost.provider_message_id,
                "success": False,
                "err_code": "MK:0001",
                "report_time": "2026-03-09 10:00:06",
            },
        ]
        answer = {"code": 0, "msg": "成功"}
    else:
        body = [
            {
                "sid": reached.provider_message_id,
                "report_status": "SUCCESS",
                "errmsg": "DELIVRD",
                "user_receive_time": "2026-03-09 10:00:05",
            },
            {
                "sid": lost.provider_message_id,
                "report_status": "FAIL",
                "errmsg": "MK:0001",
                "user_receive_time": "2026-03-09 10:00:06",
            },
        ]
        answer = {"result": 0, "errmsg": "OK"}
    url = f"/supervision/sms/receipts/{vendor}/r3ceipt-t0ken-long-and-random/"
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json() == answer
    reached.refresh_from_db()
    lost.refresh_from_db()
    assert reached.status == SmsStatus.DELIVERED and reached.delivered_at is not None
    assert lost.status == SmsStatus.UNDELIVERED and lost.last_error == "undelivered: MK:0001"
    # The same report again changes nothing; a wrong token finds no such address.
    client.post(url, json.dumps(body), content_type="application/json")
    lost.refresh_from_db()
    assert lost.status == SmsStatus.UNDELIVERED
    wrong = f"/supervision/sms/receipts/{vendor}/guess/"
    assert client.post(wrong, json.dumps(body), content_type="application/json").status_code == 404


def test_without_a_receipt_token_the_report_address_does_not_exist(client, settings):
    settings.JIEFEN_SMS = {}
    response = client.post(
        "/supervision/sms/receipts/aliyun/x/", "[]", content_type="application/json"
    )
    assert response.status_code == 404
