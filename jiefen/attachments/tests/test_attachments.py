"""Evidence on a dispute: who may upload, see and fetch it, what is accepted, how it is served
and stored."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiefen.attachments import services
from jiefen.attachments.kinds import PNG as PNG_KIND
from jiefen.attachments.kinds import kind_of
from jiefen.attachments.models import Attachment
from jiefen.attachments.names import display_name
from jiefen.attachments.tests.conftest import DOCM, DOCX, EXE, HTML, JPEG, PDF, PNG, SVG, TEXT, XLSX
from jiefen.disputes.lifecycle import Forbidden, NotFound

pytestmark = pytest.mark.django_db


def upload(client, dispute, name, data, description="现场照片"):
    return client.post(
        reverse("attachments:upload", args=[dispute.pk]),
        {
            "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
            "description": description,
        },
    )


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_village_clerk_uploads_lists_and_downloads_evidence(client, dispute, village_clerk):
    client.force_login(village_clerk)
    response = upload(client, dispute, "院墙照片.png", PNG, "院墙现场照片")
    assert response.status_code == 302
    row = Attachment.objects.get()
    assert (row.display_name, row.kind, row.size) == ("院墙照片.png", "png", len(PNG))
    assert row.sha256 == hashlib.sha256(PNG).hexdigest()
    assert row.uploaded_by == village_clerk

    page = client.get(reverse("attachments:list", args=[dispute.pk]))
    assert page.status_code == 200
    assert "院墙照片.png" in page.content.decode() and "院墙现场照片" in page.content.decode()
    detail = client.get(reverse("disputes:detail", args=[dispute.pk]))
    assert reverse("attachments:download", args=[dispute.pk, row.pk]) in detail.content.decode()

    got = client.get(reverse("attachments:download", args=[dispute.pk, row.pk]))
    assert got.status_code == 200
    assert got.content == PNG


def test_the_download_is_never_rendered_inline(client, dispute, village_clerk):
    client.force_login(village_clerk)
    upload(client, dispute, "笔录 <b>.txt", TEXT)
    row = Attachment.objects.get()
    got = client.get(reverse("attachments:download", args=[dispute.pk, row.pk]))
    assert got["Content-Type"] == "text/plain; charset=utf-8"
    assert got["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in got["Content-Disposition"]
    assert "<" not in got["Content-Disposition"]
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Cache-Control"] == "private, no-store"
    assert got["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize("who", ["other_village_clerk", "outsider"])
def test_out_of_jurisdiction_is_the_same_404_as_nonexistent(
    client, dispute, village_clerk, who, request
):
    client.force_login(village_clerk)
    upload(client, dispute, "a.pdf", PDF)
    row = Attachment.objects.get()
    client.force_login(request.getfixturevalue(who))
    missing = dispute.pk + 1000
    for name, args in [
        ("attachments:list", [dispute.pk]),
        ("attachments:download", [dispute.pk, row.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.get(reverse("attachments:list", args=[missing])).status_code == 404
    assert upload(client, dispute, "b.pdf", PDF).status_code == 404
    assert upload(client, type(dispute)(pk=missing), "b.pdf", PDF).status_code == 404
    withdraw = reverse("attachments:withdraw", args=[dispute.pk, row.pk])
    assert client.post(withdraw, {"reason": "x"}).status_code == 404
    assert Attachment.objects.count() == 1
    assert Attachment.objects.get().withdrawn_at is None


def test_an_attachment_is_fetched_only_through_its_own_dispute(
    client, world, dispute, village_clerk
):
    from jiefen.attachments.tests.conftest import register

    client.force_login(village_clerk)
    upload(client, dispute, "a.pdf", PDF)
    row = Attachment.objects.get()
    other = register(world, village_clerk)
    url = reverse("attachments:download", args=[other.pk, row.pk])
    assert client.get(url).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, dispute):
    response = client.get(reverse("attachments:list", args=[dispute.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_town_head_sees_the_evidence_but_only_the_holder_uploads(
    client, dispute, village_clerk, town_head
):
    client.force_login(village_clerk)
    upload(client, dispute, "a.pdf", PDF)
    client.force_login(town_head)
    row = Attachment.objects.get()
    assert client.get(reverse("attachments:download", args=[dispute.pk, row.pk])).status_code == 200
    response = upload(client, dispute, "b.pdf", PDF)
    assert response.status_code == 403
    assert "只有承办主体的工作人员可以上传证据材料" in response.content.decode()
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("协议.pdf", PDF, "pdf"),
        ("照片.png", PNG, "png"),
        ("照片.jpg", JPEG, "jpeg"),
        ("笔录.docx", DOCX, "docx"),
        ("清单.xlsx", XLSX, "xlsx"),
        ("笔录.txt", TEXT, "text"),
    ],
)
def test_each_allowed_kind_is_accepted_by_its_content(
    client, dispute, village_clerk, uploads, name, data, kind
):
    client.force_login(village_clerk)
    assert upload(client, dispute, name, data).status_code == 302
    row = Attachment.objects.get()
    assert row.kind == kind
    assert [p.read_bytes() for p in stored_files(uploads)] == [data]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("协议.pdf", HTML),
        ("照片.png", SVG),
        ("协议.pdf", EXE),
        ("笔录.docx", DOCM),
        ("笔录.txt", "乱码".encode("gbk") + b"\xff"),
        ("笔录.txt", b"abc\x00def"),
        ("照片.png", b"PK\x03\x04not really a zip"),
        ("空.pdf", b" <html>"),
    ],
)
def test_a_disguised_or_unknown_file_is_refused_by_content_and_nothing_is_kept(
    client, dispute, village_clerk, uploads, name, data
):
    client.force_login(village_clerk)
    response = upload(client, dispute, name, data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "仅允许上传" in text and "PDF" in text and "PNG" in text
    assert not Attachment.objects.exists()
    assert stored_files(uploads) == []


def test_an_oversize_file_is_refused_and_nothing_is_kept(
    client, dispute, village_clerk, uploads, settings
):
    client.force_login(village_clerk)
    too_big = PDF + bytes(settings.JIEFEN_UPLOAD_MAX_BYTES)
    response = upload(client, dispute, "大.pdf", too_big)
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(uploads) == []


def test_a_request_body_far_over_the_limit_is_refused_before_it_is_read(
    client, dispute, village_clerk, uploads, settings
):
    client.force_login(village_clerk)
    huge = PDF + bytes(settings.JIEFEN_UPLOAD_MAX_BYTES * 3)
    response = upload(client, dispute, "大.pdf", huge)
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(uploads) == []


def test_a_failed_row_insert_leaves_no_file_behind(dispute, village_clerk, uploads, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Attachment.objects, "create", boom)
    with pytest.raises(RuntimeError):
        services.attachment_add(
            actor=village_clerk,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile("a.pdf", PDF),
            description="协议",
        )
    assert stored_files(uploads) == []


def test_a_description_is_required(client, dispute, village_clerk, uploads):
    client.force_login(village_clerk)
    assert upload(client, dispute, "a.pdf", PDF, description="").status_code == 400
    assert not Attachment.objects.exists() and stored_files(uploads) == []


def test_files_are_stored_under_a_random_name_outside_the_web_root(
    client, dispute, village_clerk, uploads
):
    client.force_login(village_clerk)
    upload(client, dispute, "../../static/evil.pdf", PDF)
    row = Attachment.objects.get()
    assert row.display_name == "evil.pdf"
    [path] = stored_files(uploads)
    assert "evil" not in row.stored_name and "evil" not in path.name and path.suffix == ""
    assert path.resolve().is_relative_to(Path(uploads).resolve())
    assert not path.resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve())


def test_the_default_upload_root_is_outside_static_and_media(settings):
    from jiefen.attachments.storage import upload_root

    del settings.JIEFEN_UPLOAD_ROOT
    root = upload_root().resolve()
    assert root == (Path(settings.VAR_DIR) / "uploads").resolve()
    assert not root.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not str(reverse("attachments:list", args=[1])).startswith(settings.STATIC_URL)


def test_a_withdrawn_file_is_no_longer_listed_or_served_but_kept(
    client, dispute, village_clerk, uploads
):
    client.force_login(village_clerk)
    upload(client, dispute, "错传.pdf", PDF)
    row = Attachment.objects.get()
    url = reverse("attachments:withdraw", args=[dispute.pk, row.pk])
    assert client.post(url, {"reason": ""}).status_code == 302
    assert Attachment.objects.get().withdrawn_at is None
    assert client.post(url, {"reason": "上传错了文件"}).status_code == 302
    row.refresh_from_db()
    assert row.withdrawn_at is not None and row.withdrawn_by == village_clerk
    assert row.withdraw_reason == "上传错了文件"
    page = client.get(reverse("attachments:list", args=[dispute.pk])).content.decode()
    assert "错传.pdf" not in page
    assert client.get(reverse("attachments:download", args=[dispute.pk, row.pk])).status_code == 404
    assert [p.read_bytes() for p in stored_files(uploads)] == [PDF]


def test_only_the_uploader_or_the_holders_head_may_withdraw(world, dispute, village_clerk):
    from jiefen.org.models import Role

    row = services.attachment_add(
        actor=village_clerk,
        dispute_id=dispute.pk,
        upload=SimpleUploadedFile("a.pdf", PDF),
        description="协议",
    )
    colleague = world.person("mediator_fengyi", "周调解", "枫一社区", Role.MEDIATOR)
    with pytest.raises(Forbidden):
        services.attachment_withdraw(
            actor=colleague, dispute_id=dispute.pk, attachment_id=row.pk, reason="x"
        )
    head = world.person("head_fengyi", "陈国强", "枫一社区", Role.HEAD)
    services.attachment_withdraw(
        actor=head, dispute_id=dispute.pk, attachment_id=row.pk, reason="重复"
    )
    with pytest.raises(NotFound):
        services.attachment_withdraw(
            actor=head, dispute_id=dispute.pk, attachment_id=row.pk, reason="again"
        )


def test_a_file_changed_on_disk_is_not_served(client, dispute, village_clerk, uploads):
    client.force_login(village_clerk)
    upload(client, dispute, "a.pdf", PDF)
    [path] = stored_files(uploads)
    path.write_bytes(PDF + b"tampered")
    row = Attachment.objects.get()
    assert client.get(reverse("attachments:download", args=[dispute.pk, row.pk])).status_code == 500


def test_no_file_content_reaches_the_logs(client, dispute, village_clerk, caplog):
    client.force_login(village_clerk)
    with caplog.at_level("DEBUG"):
        upload(client, dispute, "笔录.txt", TEXT)
    assert "调解笔录" not in caplog.text and "笔录.txt" not in caplog.text


def test_kinds_are_decided_by_content_not_name():
    assert kind_of(PNG).key == "png"
    assert kind_of(b"GIF89a" + bytes(10)) is None
    assert kind_of(b"#!/bin/sh\nrm -rf /\n").key == "text"
    assert kind_of(b"") is None


def test_display_names_are_sanitised_and_take_the_kind_extension():
    assert display_name("C:\\Users\\x\\照片.pdf", PNG_KIND) == "照片.png"
    assert display_name('a"\r\nb<>.png', PNG_KIND) == "a_b__.png"
    assert display_name("...", PNG_KIND) == "attachment.png"
    assert len(display_name("长" * 300 + ".png", PNG_KIND)) == 100
