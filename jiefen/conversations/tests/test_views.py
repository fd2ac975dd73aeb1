"""The pages: a party's threads in the portal, staff's threads on the dispute page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.conversations import services
from jiefen.conversations.models import Message
from jiefen.conversations.tests.conftest import party_client
from jiefen.disputes.models import Dispute

SHARED = "/public/conversations/shared/"
PRIVATE = "/public/conversations/private/"


def test_wang_wu_proved_writes_to_his_private_thread_and_reads_the_answer(
    dispute, wang_wu, village_clerk
):
    client = party_client(dispute, wang_wu)
    response = client.post(PRIVATE, {"body": "院墙的事想请调解员来看一下"})
    assert response.status_code == 302
    services.message_from_staff(
        actor=village_clerk, dispute_id=dispute.pk, party_id=wang_wu.pk, body="明天上午到现场"
    )
    page = client.get(PRIVATE).content.decode()
    assert "院墙的事想请调解员来看一下" in page and "明天上午到现场" in page
    assert "陈小梅" not in page  # staff are shown by their body, never by name
    assert "调解员（" in page


def test_li_si_never_sees_wang_wus_private_thread(dispute, wang_wu, li_si, village_clerk):
    services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body="王五的私话")
    page = party_client(dispute, li_si).get(PRIVATE).content.decode()
    assert "王五的私话" not in page
    assert "王五的私话" not in party_client(dispute).get(PRIVATE).content.decode()


def test_li_si_gets_404_for_a_file_of_wang_wus_private_thread(dispute, wang_wu, li_si):
    message = services.message_from_party(
        dispute=dispute,
        party=wang_wu,
        shared=False,
        body="合同",
        upload=SimpleUploadedFile("合同.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    url = reverse("conversations:party_file", args=[message.pk])
    assert party_client(dispute, wang_wu).get(url).status_code == 200
    missing = reverse("conversations:party_file", args=[987654])
    for client in (party_client(dispute, li_si), party_client(dispute)):
        assert client.get(url).status_code == 404
        assert client.get(missing).status_code == 404


def test_without_a_proved_party_the_shared_thread_is_read_only_with_a_way_to_prove(
    dispute, village_clerk
):
    services.shared_thread_open(actor=village_clerk, dispute_id=dispute.pk)
    services.message_from_staff(actor=village_clerk, dispute_id=dispute.pk, body="各位好，周三调解")
    client = party_client(dispute)
    page = client.get(SHARED).content.decode()
    assert "各位好，周三调解" in page
    assert "短信验证身份后可发送消息" in page and 'href="/public/follow/"' in page
    assert 'id="message-form"' not in page
    response = client.post(SHARED, {"body": "我想说两句"})
    assert response.status_code == 403
    assert Message.objects.count() == 1


def test_a_party_cannot_open_the_shared_thread(dispute, wang_wu):
    client = party_client(dispute, wang_wu)
    page = client.get(SHARED).content.decode()
    assert "共同会话尚未由调解员开启" in page
    response = client.post(SHARED, {"body": "我来开一个"})
    assert response.status_code == 400
    assert "共同会话尚未由调解员开启" in response.content.decode()
    assert not Message.objects.exists()


def test_an_empty_message_is_a_field_error_and_a_long_one_keeps_what_was_typed(dispute, wang_wu):
    client = party_client(dispute, wang_wu)
    response = client.post(PRIVATE, {"body": "  "})
    assert response.status_code == 400
    assert "请输入消息内容" in response.content.decode()
    long = "说" * 2001
    response = client.post(PRIVATE, {"body": long})
    page = response.content.decode()
    assert response.status_code == 400 and "不能超过 2000 个字" in page and long in page
    assert not Message.objects.exists()


def test_a_message_to_a_finished_dispute_is_refused_keeping_the_text(dispute, wang_wu):
    Dispute.objects.filter(pk=dispute.pk).update(status="resolved")
    response = party_client(dispute, wang_wu).post(PRIVATE, {"body": "协议没有履行"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "不能再发送消息" in page
    assert not Message.objects.exists()


def test_a_file_of_a_kind_not_allowed_is_refused_on_the_file_field(dispute, wang_wu):
    response = party_client(dispute, wang_wu).post(
        PRIVATE,
        {"body": "看附件", "file": SimpleUploadedFile("a.svg", b"<svg onload=alert(1)></svg>")},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "仅允许上传" in page and "看附件" in page
    assert not Message.objects.exists()


def test_thirty_messages_an_hour_then_a_clear_refusal(dispute, wang_wu, settings):
    client = party_client(dispute, wang_wu)
    for i in range(30):
        assert client.post(PRIVATE, {"body": f"第{i}条"}).status_code == 302
    response = client.post(PRIVATE, {"body": "第31条"})
    assert response.status_code == 429
    assert "已达上限" in response.content.decode() and "第31条" in response.content.decode()
    assert Message.objects.count() == 30


def test_without_following_the_party_is_sent_to_the_follow_page(dispute):
    from django.test import Client

    response = Client().get(SHARED)
    assert response.status_code == 302 and response["Location"] == reverse("portal:follow")


def test_the_portal_page_says_what_happens_next_and_who_to_call(dispute, wang_wu, world):
    from jiefen.org.models import Body

    Body.objects.filter(pk=dispute.holder_id).update(
        address="诸暨市枫桥镇枫一社区文化礼堂二楼", public_phone="0575-87654321"
    )
    page = party_client(dispute).get(reverse("portal:follow")).content.decode()
    assert "诸暨市枫桥镇枫一社区文化礼堂二楼" in page and "0575-87654321" in page
    assert 'id="next-due"' in page and "您没有尚需答复的申请" in page
    assert "短信验证身份后可发送消息" in page
    from jiefen.portal.services import escalation_request

    escalation_request(dispute=dispute, reason="村里调不下来")
    page = party_client(dispute, wang_wu).get(reverse("portal:follow")).content.decode()
    assert "申请由上一级处理" in page and 'id="next-requests"' in page
    assert 'id="talk-private"' in page


# --- staff ---


def test_staff_see_every_thread_on_the_dispute_page_and_answer(
    client, dispute, wang_wu, li_si, village_clerk
):
    services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body="王五来信")
    services.message_from_party(dispute=dispute, party=li_si, shared=False, body="李四来信")
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert "王五来信" in page and "李四来信" in page and 'id="open-shared"' in page
    url = reverse("conversations:staff_private", args=[dispute.pk, li_si.pk])
    response = client.post(url, {"body": "收到，周三见"})
    assert response.status_code == 302 and response["Location"].endswith(f"#conv-p{li_si.pk}")
    assert Message.objects.get(author=village_clerk).thread.party == li_si
    response = client.post(url, {"body": ""})
    assert response.status_code == 400 and "请输入消息内容" in response.content.decode()


def test_staff_open_the_shared_thread_from_the_dispute_page(client, dispute, village_clerk):
    client.force_login(village_clerk)
    client.post(reverse("conversations:staff_shared_open", args=[dispute.pk]))
    response = client.post(
        reverse("conversations:staff_shared", args=[dispute.pk]), {"body": "各位好"}
    )
    assert response.status_code == 302
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert "各位好" in page and 'id="open-shared"' not in page


def test_a_town_head_reads_but_may_not_answer(client, dispute, wang_wu, town_head):
    services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body="王五来信")
    client.force_login(town_head)
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    assert "王五来信" in page and "写消息" not in page
    url = reverse("conversations:staff_private", args=[dispute.pk, wang_wu.pk])
    response = client.post(url, {"body": "我来答"})
    assert response.status_code == 403
    assert Message.objects.count() == 1


def _panel_queries(user, dispute) -> int:
    from django.template import Context

    from jiefen.conversations.templatetags.conversations_tags import conversations_panel

    class Request:
        pass

    request = Request()
    request.user = user  # type: ignore[attr-defined]
    parties = list(dispute.parties.all())
    with CaptureQueriesContext(connection) as ctx:
        conversations_panel(Context({"request": request}), dispute, parties)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("with_messages", [False, True])
def test_the_panel_costs_one_query_without_messages_and_two_with(
    dispute, wang_wu, village_clerk, with_messages
):
    from jiefen.disputes.access import dispute_for

    if with_messages:
        services.shared_thread_open(actor=village_clerk, dispute_id=dispute.pk)
        for i in range(3):
            services.message_from_party(dispute=dispute, party=wang_wu, shared=False, body=f"{i}")
            services.message_from_staff(actor=village_clerk, dispute_id=dispute.pk, body=f"s{i}")
    # As on the dispute page: the dispute fetched for the user, whose roles the page has read.
    seen = dispute_for(village_clerk, dispute.pk)
    assert _panel_queries(village_clerk, seen) == (2 if with_messages else 1)
