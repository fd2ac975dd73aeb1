"""The pages: the party's upload in the portal (only as a proved party, only their own), the
staff's application page, the bundle and the send, the panel on the dispute page (one query)
and every refusal shown where the person is looking, with nothing saved."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.courts import services
from jiefen.courts.models import CourtSubmission, IdentityDocument
from jiefen.courts.tests.conftest import pdf, png, portal_client, upload
from jiefen.disputes.models import Reveal
from jiefen.documents.models import Confirmation


def post_identity(client, data: bytes, name: str = "id.png"):
    return client.post(reverse("courts_public:upload"), {"file": upload(name, data)})


def page(client):
    return client.get(reverse("portal:follow")).content.decode()


# --- the party ------------------------------------------------------------------------------


def test_a_proved_party_uploads_and_sees_only_their_own_document(agreed, zhangsan, lisi):
    client = portal_client(agreed, zhangsan)
    response = post_identity(client, png())
    assert response.status_code == 302 and response["Location"].endswith("?court=saved#court")
    assert IdentityDocument.objects.get().party == zhangsan
    html = client.get(response["Location"]).content.decode()
    assert "已上传您的身份证明材料" in html
    assert "张三：<strong>已上传身份证明材料</strong>（您）" in html
    assert "李*：尚未上传身份证明材料" in html
    mine = client.get(reverse("courts_public:identity"))
    assert mine.status_code == 200 and mine.content == png()
    assert mine["X-Content-Type-Options"] == "nosniff" and "no-store" in mine["Cache-Control"]
    # 李四's browser never gets 张三's document: the route takes no party, only the proof.
    other = portal_client(agreed, lisi)
    assert other.get(reverse("courts_public:identity")).status_code == 404
    scan = pdf()
    post_identity(other, scan, "scan.pdf")
    assert other.get(reverse("courts_public:identity")).content == scan
    assert client.get(reverse("courts_public:identity")).content == png()


def test_a_browser_that_only_followed_the_dispute_cannot_upload(agreed):
    client = portal_client(agreed)
    html = page(client)
    assert "申请司法确认" in html and "验证码确认您是哪一方当事人" in html
    assert 'id="court-upload"' not in html
    response = post_identity(client, png())
    assert response["Location"].endswith("?court=proved#court")
    assert not IdentityDocument.objects.exists()
    assert client.get(reverse("courts_public:identity")).status_code == 404


def test_a_stranger_without_the_query_code_gets_nothing(agreed, zhangsan):
    from django.test import Client

    client = Client()
    response = client.post(reverse("courts_public:upload"), {"file": upload("a.png", png())})
    assert response.status_code == 302 and response["Location"] == reverse("portal:follow")
    assert not IdentityDocument.objects.exists()
    assert client.get(reverse("courts_public:identity")).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("id.txt", "身份证".encode(), "只能上传"),
        ("id.png", b"\x89PNG\r\n\x1a\n broken", "无法读取"),
    ],
)
def test_a_wrong_file_is_refused_in_the_section(agreed, zhangsan, name, data, words):
    client = portal_client(agreed, zhangsan)
    response = post_identity(client, data, name)
    html = client.get(response["Location"]).content.decode()
    assert words in html and 'id="court-message"' in html
    assert not IdentityDocument.objects.exists()


def test_a_file_too_big_is_refused_before_it_is_read(settings, agreed, zhangsan):
    settings.JIEFEN_UPLOAD_MAX_BYTES = 1000
    client = portal_client(agreed, zhangsan)
    response = post_identity(client, png(1000, 1000) + b"\0" * 70_000)
    assert response["Location"].endswith("?court=size#court")
    assert "文件过大" in client.get(response["Location"]).content.decode()
    assert not IdentityDocument.objects.exists()


def test_after_the_window_the_party_is_told_what_they_can_still_do(world, village_clerk):
    from jiefen.courts.tests.conftest import agreed_days_ago

    late = agreed_days_ago(world, village_clerk, 40)
    client = portal_client(late, late.parties.get(name="张三"))
    html = page(client)
    assert "已不能再申请司法确认" in html and "提起诉讼" in html
    assert 'id="court-upload"' not in html


def test_the_portal_shows_the_application_once_sent(agreed, zhangsan, lisi, village_clerk):
    for party in (zhangsan, lisi):
        services.identity_upload_by_party(party=party, upload=upload("a.png", png()))
    services.application_send(
        actor=village_clerk, dispute_id=agreed.pk, court="诸暨市人民法院", reason="代为申请"
    )
    html = page(portal_client(agreed, zhangsan))
    assert "向诸暨市人民法院申请司法确认" in html


# --- staff ----------------------------------------------------------------------------------


def test_the_page_lists_what_is_missing_and_disables_sending(client, agreed, village_clerk):
    client.force_login(village_clerk)
    html = client.get(reverse("courts:application", args=[agreed.pk])).content.decode()
    assert "申请人张三的身份证明材料" in html and "被申请人李四的身份证明材料" in html
    assert 'id="court-missing"' in html
    assert 'id="court-submit" disabled' in html
    assert "诸暨市人民法院" in html  # the court offered
    assert "数字签名在合订本中无法验证" in html


def test_staff_upload_for_a_party_and_view_it_with_a_logged_reason(
    client, agreed, lisi, village_clerk
):
    client.force_login(village_clerk)
    url = reverse("courts:upload", args=[agreed.pk, lisi.pk])
    scan = pdf()
    response = client.post(url, {"file": upload("scan.pdf", scan)})
    assert response.status_code == 302
    row = IdentityDocument.objects.get(party=lisi)
    assert row.uploaded_by == village_clerk
    view = reverse("courts:identity", args=[agreed.pk, lisi.pk])
    refused = client.post(view, {"reason": ""})
    assert refused.status_code == 400 and "必须说明理由" in refused.content.decode()
    assert not Reveal.objects.exists()
    shown = client.post(view, {"reason": "核对身份"})
    assert shown.status_code == 200 and shown.content == scan
    assert shown["Content-Type"] == "application/pdf"
    assert Reveal.objects.get().field == services.IDENTITY_REVEAL


def test_a_wrong_file_from_staff_is_shown_beside_that_party(client, agreed, lisi, village_clerk):
    client.force_login(village_clerk)
    url = reverse("courts:upload", args=[agreed.pk, lisi.pk])
    response = client.post(url, {"file": upload("a.docx", b"PK\x03\x04not a zip")})
    assert response.status_code == 400
    html = response.content.decode()
    assert "只能上传" in html
    assert html.index(f'id="party-{lisi.pk}"') < html.index("只能上传")
    assert not IdentityDocument.objects.exists()


def test_the_bundle_downloads_and_send_records_it_as_applied(
    client, agreed, zhangsan, lisi, village_clerk
):
    for party in (zhangsan, lisi):
        services.identity_upload_by_party(party=party, upload=upload("a.png", png()))
    client.force_login(village_clerk)
    form = {"court": "诸暨市人民法院", "reason": "代当事人申请司法确认"}
    response = client.post(reverse("courts:bundle", args=[agreed.pk]), form)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "人民调解协议司法确认申请书" in text and "人民调解协议书" in text
    alone = client.post(reverse("courts:agreement", args=[agreed.pk]), form)
    assert alone.status_code == 200 and alone.content.startswith(b"%PDF-")
    sent = client.post(reverse("courts:send", args=[agreed.pk]), form)
    assert sent.status_code == 302
    assert Confirmation.objects.get(agreement__dispute=agreed).applied_on is not None
    html = client.get(sent["Location"]).content.decode()
    assert "已登记为已申请" in html and 'id="court-applied"' in html
    assert 'id="court-submit"' not in html
    again = client.post(reverse("courts:send", args=[agreed.pk]), form)
    assert again.status_code == 400 and "不能重复提交" in again.content.decode()
    assert CourtSubmission.objects.count() == 1


def test_a_missing_court_is_shown_on_its_field_and_what_was_typed_is_kept(
    client, agreed, zhangsan, lisi, village_clerk
):
    for party in (zhangsan, lisi):
        services.identity_upload_by_party(party=party, upload=upload("a.png", png()))
    client.force_login(village_clerk)
    response = client.post(
        reverse("courts:send", args=[agreed.pk]), {"court": "", "reason": "我的理由"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写受理法院" in html and 'value="我的理由"' in html
    assert not CourtSubmission.objects.exists() and not Reveal.objects.exists()


def test_someone_who_sees_but_does_not_hold_the_dispute_cannot_assemble(
    client, agreed, zhangsan, lisi, town_head
):
    for party in (zhangsan, lisi):
        services.identity_upload_by_party(party=party, upload=upload("a.png", png()))
    client.force_login(town_head)
    html = client.get(reverse("courts:application", args=[agreed.pk])).content.decode()
    assert 'id="court-send"' not in html
    response = client.post(
        reverse("courts:send", args=[agreed.pk]), {"court": "法院", "reason": "x"}
    )
    assert response.status_code == 403
    assert not CourtSubmission.objects.exists() and not Reveal.objects.exists()


def test_the_panel_on_the_dispute_page_costs_one_query(client, agreed, zhangsan, village_clerk):
    from django.template import Context, Template
    from django.test import RequestFactory

    services.identity_upload_by_party(party=zhangsan, upload=upload("a.png", png()))
    request = RequestFactory().get("/")
    request.user = village_clerk
    template = Template('{% include "courts/_panel.html" %}')
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"dispute": agreed, "request": request}))
    assert len(queries) == 1
    assert "1/2 位当事人已上传" in html
    client.force_login(village_clerk)
    page_html = client.get(reverse("disputes:detail", args=[agreed.pk])).content.decode()
    assert (
        'id="court"' in page_html and reverse("courts:application", args=[agreed.pk]) in page_html
    )


def test_the_panel_costs_nothing_without_an_agreement(world, village_clerk):
    from django.template import Context, Template
    from django.test import RequestFactory

    from jiefen.disputes.tests.conftest import register

    d = register(world, village_clerk)
    request = RequestFactory().get("/")
    request.user = village_clerk
    with CaptureQueriesContext(connection) as queries:
        html = Template('{% include "courts/_panel.html" %}').render(
            Context({"dispute": d, "request": request})
        )
    assert len(queries) == 0 and 'id="court"' not in html


def test_the_page_reads_in_english(client, settings, agreed, village_clerk):
    client.force_login(village_clerk)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("courts:application", args=[agreed.pk])).content.decode()
    assert "Judicial confirmation application" in html
    assert "Identity document of" in html and "Send to the court and record as applied" in html
