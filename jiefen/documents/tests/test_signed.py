"""What an official checks before signing or sealing a document: the acceptance notice in the
name of the body that accepted, worded for how the dispute came in, with the query code on the
applicant's copy and a place for the seal; the transfer letter's table, headings kept with
what follows and only what happened before the transfer; room to sign on the agreement."""

import io
from datetime import date

import pytest
from django.urls import reverse

from jiefen.disputes import services as disputes
from jiefen.disputes.models import Event
from jiefen.disputes.public import dispute_by_query
from jiefen.documents import services
from jiefen.documents.tests.conftest import at, register, session
from jiefen.documents.tests.pdftext import poppler_text
from jiefen.documents.tests.test_documents import docx_text


def make(actor, dispute, kind, fmt="docx"):
    return services.document_make(actor=actor, dispute_id=dispute.pk, kind=kind, fmt=fmt).data


def pdf_layout_text(data: bytes) -> str:
    return poppler_text(data, layout=True)


def test_it_issues_the_acceptance_notice_in_the_name_of_the_body_that_accepted(
    complete, town_head, village_clerk
):
    # Accepted by 枫一社区's group, now held by 枫桥镇's centre.
    text = docx_text(make(town_head, complete, "acceptance"))
    accepted_by = Event.objects.get(dispute=complete, action="accept").body.name
    assert accepted_by != complete.holder.name
    foot = text.rsplit("承办人", 1)[-1]
    assert accepted_by in foot and complete.holder.name not in foot
    assert "2026年3月2日" in foot  # the day it was accepted


def test_it_words_the_notice_after_how_the_dispute_came_in(world, village_clerk):
    applied = register(world, village_clerk)
    found = register(world, village_clerk, channel="screening", title="排查发现的山林纠纷")
    for d in (applied, found):
        disputes.dispute_accept(
            actor=village_clerk, dispute_id=d.pk, version=None, at=at(2026, 3, 3)
        )
    assert "申请调解的“宅基地边界争议”纠纷" in docx_text(make(village_clerk, applied, "acceptance"))
    text = docx_text(make(village_clerk, found, "acceptance"))
    assert "申请调解" not in text
    assert "在矛盾纠纷排查中发现" in text and "第十七条" in text


def test_the_plain_notice_promises_no_code_it_does_not_print(world, village_clerk):
    d = register(world, village_clerk)
    disputes.dispute_accept(actor=village_clerk, dispute_id=d.pk, version=None, at=at(2026, 3, 3))
    text = docx_text(make(village_clerk, d, "acceptance"))
    assert "凭纠纷编号和查询码" not in text
    assert "可向本单位索取查询码" in text


def test_the_applicants_copy_prints_a_query_code_that_works(client, world, village_clerk):
    d = register(world, village_clerk)
    disputes.dispute_accept(actor=village_clerk, dispute_id=d.pk, version=None, at=at(2026, 3, 3))
    client.force_login(village_clerk)
    response = client.post(reverse("documents:acceptance_with_code", args=[d.pk, "docx"]))
    assert response.status_code == 200
    text = docx_text(response.content)
    code = text.split("查询码", 1)[1][:10]
    assert dispute_by_query(number=d.number, code=code) == d
    assert Event.objects.filter(dispute=d, action=services.QUERY_CODE, public=False).count() == 1
    # Issued again, the earlier code stops working.
    client.post(reverse("documents:acceptance_with_code", args=[d.pk, "pdf"]))
    assert dispute_by_query(number=d.number, code=code) is None


def test_only_staff_of_the_holding_body_may_issue_a_code(client, complete, village_clerk):
    client.force_login(village_clerk)  # handed it up; sees it, may not issue
    response = client.post(reverse("documents:acceptance_with_code", args=[complete.pk, "docx"]))
    assert response.status_code == 302
    assert not Event.objects.filter(action=services.QUERY_CODE).exists()


@pytest.mark.parametrize("kind", ["acceptance", "transfer", "agreement"])
def test_documents_that_are_sealed_have_a_place_for_the_seal(complete, town_head, kind):
    for fmt, read in (("docx", docx_text), ("pdf", pdf_layout_text)):
        assert "（盖章）" in read(make(town_head, complete, kind, fmt)), (kind, fmt)


def test_the_transfer_letter_lists_only_sessions_before_the_transfer(
    world, village_clerk, town_head
):
    d = register(world, village_clerk)
    disputes.dispute_accept(actor=village_clerk, dispute_id=d.pk, version=None, at=at(2026, 3, 2))
    session(village_clerk, d, date(2026, 3, 3), "陈小梅")
    disputes.dispute_transfer(
        actor=village_clerk, dispute_id=d.pk, version=None, reason="疑难复杂", at=at(2026, 3, 4, 9)
    )
    disputes.dispute_receive(actor=town_head, dispute_id=d.pk, version=None, at=at(2026, 3, 4, 10))
    # The town mediates the same afternoon: after the transfer, not part of the letter.
    disputes.dispute_record_session(
        actor=town_head,
        dispute_id=d.pk,
        version=None,
        session=disputes.SessionInput(
            held_on=date(2026, 3, 4),
            place="枫桥镇矛调中心",
            mediators="李卫东",
            attendees="张三、李四",
            record="镇矛调中心组织双方调解。",
            agreed="",
        ),
        at=at(2026, 3, 4, 15),
    )
    text = docx_text(make(town_head, d, "transfer"))
    cells = "".join(c.text for t in _docx(make(town_head, d, "transfer")).tables for c in t._cells)
    assert "陈小梅" in cells
    assert "镇矛调中心组织双方调解" not in cells and "枫桥镇矛调中心" not in cells
    assert "2026-03-03" in cells
    assert "移交前未开展调解" not in text


def _docx(data):
    from docx import Document

    return Document(io.BytesIO(data))


def test_the_transfer_letter_table_has_set_widths_and_dates_on_one_line(complete, town_head):
    document = _docx(make(town_head, complete, "transfer"))
    table = document.tables[0]
    widths = [gc.w.mm for gc in table._tbl.tblGrid.gridCol_lst]
    assert round(widths[0]) >= 24 and round(widths[2]) >= 25  # date and mediators, in mm
    assert round(sum(widths)) == 156
    date_cell = table._tbl.tr_lst[1].tc_lst[0]
    assert (
        date_cell.tcPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}noWrap")
        is not None
    )
    # In the PDF the date and the mediators' names are read on one line each.
    text = pdf_layout_text(make(town_head, complete, "transfer", "pdf"))
    row = next(line for line in text.splitlines() if "2026-03-03" in line)
    assert "陈小梅" in row


HEADINGS = ("一、移交理由", "四、已开展的调解工作", "协议内容", "当事人", "调解情况：")


def test_headings_are_kept_with_what_follows(complete, town_head):
    for kind in ("transfer", "agreement", "record"):
        document = _docx(make(town_head, complete, kind))
        headings = [p for p in document.paragraphs if p.text in HEADINGS]
        assert headings, kind
        assert all(p.paragraph_format.keep_with_next for p in headings), kind


def test_the_pdf_keeps_a_heading_with_what_follows(complete, town_head):
    from jiefen.documents.pdf import Pdf

    pdf = Pdf(title="t", author="a", moment=at(2026, 3, 9))
    pdf.heading("四、已开展的调解工作")
    pdf.text("内容")
    assert pdf.story[0].style.keepWithNext
    assert not pdf.story[1].style.keepWithNext


def test_the_agreement_leaves_room_to_sign(complete, town_head):
    document = _docx(make(town_head, complete, "agreement"))
    places = [p for p in document.paragraphs if "（签名" in p.text]
    assert len(places) == 3  # two parties and the mediator
    for p in places:
        assert p.text.endswith("：")  # nothing printed where the signature goes
        assert p.paragraph_format.space_after is not None
        assert p.paragraph_format.space_after.pt >= 36
