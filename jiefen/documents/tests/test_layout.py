"""Typesetting an official would reject: a line that begins with a comma or a colon, and
signatures split from one another across a page break (a page 2 holding only the recorder's
signature and the issuer's name)."""

import re
from datetime import UTC, date, datetime

import pytest

from jiefen.documents.pdf import Pdf, embedded
from jiefen.documents.tests.pdftext import poppler_text

pytestmark = pytest.mark.skipif(not embedded(), reason="needs an embedded CJK font")

NOT_AT_LINE_START = re.compile(r"^[，。、：；！？）》”’]", re.M)


def pdf() -> Pdf:
    return Pdf(
        title="测试", author="枫一社区调处工作组", moment=datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    )


@pytest.mark.parametrize("mark", list("，：；！？"))
def test_no_line_begins_with_chinese_punctuation(mark):
    document = pdf()
    # Whatever the length of the text before it, the mark stays at the end of its line.
    for n in range(20, 40):
        document.text("经" * n + mark + "当事人自愿达成如下协议")
    lines = poppler_text(document.bytes()).splitlines()
    assert not [line for line in lines if NOT_AT_LINE_START.match(line)]


def pages(document: Pdf) -> list[str]:
    return poppler_text(document.bytes()).split("\f")


@pytest.mark.parametrize("lines", range(8, 24))
def test_the_signatures_stay_on_one_page_with_the_line_above_them(lines):
    document = pdf()
    document.title("调解笔录")
    for i in range(lines):
        document.text(f"第{i}行记录的内容。")
    document.text("以上笔录经当事人核对（已向当事人宣读），确认无误。")
    for who in ("申请人张三", "被申请人李四", "调解员", "记录人"):
        document.sign(f"{who}（签名）")
    document.signature("枫一社区调处工作组", date(2026, 3, 9))
    (page,) = [p for p in pages(document) if "记录人（签名）" in p]
    for text in ("确认无误", "申请人张三（签名）", "调解员（签名）", "枫一社区调处工作组"):
        assert text in page


def test_the_word_file_keeps_the_signatures_with_the_line_above_and_the_issuer():
    from jiefen.documents.word import LegalWord

    document = LegalWord(
        title="测试", author="枫一社区调处工作组", moment=datetime(2026, 3, 9, tzinfo=UTC)
    )
    document.text("以上笔录经当事人核对（已向当事人宣读），确认无误。")
    document.sign("申请人张三（签名）")
    document.sign("记录人（签名）")
    document.signature("枫一社区调处工作组", date(2026, 3, 9))
    paragraphs = [p for p in document.doc.paragraphs if p.text or p.paragraph_format.space_before]
    start = next(i for i, p in enumerate(paragraphs) if "确认无误" in p.text)
    # Every paragraph from the line above the signatures to the issuer's name keeps with the next.
    chain = paragraphs[start:-1]
    assert [p.text for p in chain][-1].startswith("枫一社区调处工作组")
    assert all(p.paragraph_format.keep_with_next for p in chain)


@pytest.mark.parametrize("lines", [3, 60, 130])
def test_every_page_says_its_number_and_how_many_there_are(lines):
    document = pdf()
    document.title("调解笔录")
    for i in range(lines):
        document.text(f"第{i}行记录的内容，当事人陈述了纠纷的经过。")
    found = [p for p in pages(document) if p.strip()]
    total = len(found)
    assert total == 1 if lines == 3 else total >= 2
    for n, page in enumerate(found, start=1):
        assert f"第 {n} 页 共 {total} 页" in page, f"page {n} of {total} has no number"


def test_the_page_number_is_in_the_readers_language():
    from django.utils import translation

    with translation.override("en"):
        document = pdf()
        for i in range(60):
            document.text(f"第{i}行记录的内容，当事人陈述了纠纷的经过。")
        found = [p for p in pages(document) if p.strip()]
    total = len(found)
    assert total >= 2
    assert f"Page 1 of {total}" in found[0] and f"Page {total} of {total}" in found[-1]
