"""Circulars: figures for a period from the rollups, Word and Excel files that open and read
right, and a frozen circular that reprints byte for byte after the data has changed."""

import io
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from jiefen.disputes import services
from jiefen.disputes.lifecycle import Invalid
from jiefen.disputes.models import Category, Outcome, Route
from jiefen.disputes.tests.steps import perform
from jiefen.meetings.circulars import circular_figures, circular_files, circular_generate
from jiefen.meetings.models import Circular
from jiefen.meetings.tests.conftest import at, register, transferred_to_town
from jiefen.metrics.periods import Period

pytestmark = pytest.mark.django_db


def play_first_half_of_march(world, clerk, head):
    """枫桥镇, 1–15 March 2026, and the periods it is compared with."""
    register(world, clerk, when=at(2025, 3, 5))  # same period last year
    register(world, clerk, when=at(2026, 2, 20), people_involved=12)  # previous period
    transferred_to_town(world, clerk, head, when=at(2026, 3, 3))  # in time (3 working days)
    late = register(world, clerk, when=at(2026, 3, 2), complex=True)
    services.dispute_transfer(
        actor=clerk, dispute_id=late.pk, version=None, reason="久调不决", at=at(2026, 3, 10)
    )
    agreed = register(
        world, clerk, when=at(2026, 3, 4), category=Category.objects.get(key="labour")
    )
    agreed = perform("accept", actor=clerk, dispute=agreed, at=at(2026, 3, 4, 11))
    agreed = perform("session", actor=clerk, dispute=agreed, at=at(2026, 3, 5))
    perform("resolve", actor=clerk, dispute=agreed, at=at(2026, 3, 6))
    failed = register(world, clerk, when=at(2026, 3, 4))
    perform("accept", actor=clerk, dispute=failed, at=at(2026, 3, 4, 11))
    services.dispute_resolve(
        actor=clerk,
        dispute_id=failed.pk,
        version=None,
        outcome=Outcome.NO_AGREEMENT,
        route=Route.LITIGATION,
        at=at(2026, 3, 9),
    )


def generate(world, head, when=None):
    return circular_generate(
        actor=head,
        body=world.bodies["枫桥镇"],
        period_start=date(2026, 3, 1),
        at=when or at(2026, 3, 16, 9),
    )


def test_it_counts_the_period_and_compares_it(world, village_clerk, town_head):
    play_first_half_of_march(world, village_clerk, town_head)
    circular = generate(world, town_head)
    totals = circular.figures["totals"]
    now = totals["current"]
    assert (now["received"], now["resolved"], now["agreed"], now["not_agreed"]) == (4, 2, 1, 1)
    assert (now["transferred"], now["in_time"], now["late"]) == (2, 1, 1)
    assert now["accepted"] == 3  # the received transfer and the two accepted
    assert totals["previous"]["received"] == 1 and totals["previous"]["mass"] == 1
    assert totals["last_year"]["received"] == 1
    categories = {c["name"]: c["current"] for c in circular.figures["categories"]}
    labour = Category.objects.get(key="labour").name
    assert categories[labour] == 1 and sum(categories.values()) == 4
    units = {u["name"]: u for u in circular.figures["units"]}
    assert units["枫一社区"]["received"] == 4 and units["枫一社区"]["late"] == 1
    assert units["永安社区"]["received"] == 0
    longest = circular.figures["longest_open"]
    assert [d["registered"] for d in longest][:1] == ["2025-03-05"]
    assert (circular.year, circular.seq) == (2026, 1)


def test_a_frozen_circular_reprints_byte_for_byte(client, world, village_clerk, town_head):
    play_first_half_of_march(world, village_clerk, town_head)
    circular = generate(world, town_head)
    client.force_login(town_head)
    first = [
        client.get(f"/meetings/circulars/{circular.pk}/file.{fmt}").content
        for fmt in ("docx", "xlsx")
    ]
    assert first == [bytes(circular.docx), bytes(circular.xlsx)]

    # The data changes afterwards: a registration dated in the period, a transfer.
    register(world, village_clerk, when=at(2026, 3, 12))
    transferred_to_town(world, village_clerk, town_head, when=at(2026, 3, 13))
    fresh = circular_figures(
        world.bodies["枫桥镇"],
        Period("half", date(2026, 3, 1), date(2026, 3, 15)),
        date(2026, 3, 20),
    )
    assert fresh["totals"]["current"]["received"] == 6  # the data did change

    again = [
        client.get(f"/meetings/circulars/{circular.pk}/file.{fmt}").content
        for fmt in ("docx", "xlsx")
    ]
    assert again == first
    # The files are a function of the frozen figures alone: rebuilt, the same bytes.
    circular.refresh_from_db()
    assert circular.figures["totals"]["current"]["received"] == 4
    assert list(circular_files(circular.figures)) == first


def test_it_refuses_a_period_not_over_or_already_circulated(world, village_clerk, town_head):
    generate(world, town_head)
    with pytest.raises(Invalid) as refused:
        generate(world, town_head, when=at(2026, 3, 20))
    assert "已经生成" in str(refused.value.message)
    with pytest.raises(Invalid) as refused:
        circular_generate(
            actor=town_head,
            body=world.bodies["枫桥镇"],
            period_start=date(2026, 3, 16),
            at=at(2026, 3, 20),
        )
    assert "尚未结束" in str(refused.value.message)
    assert Circular.objects.count() == 1


def fonts_of(run):
    fonts = run._element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


def test_the_circular_word_file_reads_like_a_circular(world, village_clerk, town_head):
    play_first_half_of_march(world, village_clerk, town_head)
    circular = generate(world, town_head)
    doc = Document(io.BytesIO(bytes(circular.docx)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "枫桥镇矛盾纠纷化解工作通报"
    assert texts[1].startswith("〔2026〕第1期")
    assert "2026年3月上半月矛盾纠纷排查化解情况通报" in texts
    for heading in (
        "一、总体情况",
        "二、与上期和去年同期对比",
        "三、分类情况",
        "四、各单位情况",
        "五、长期未化解的纠纷",
    ):
        assert heading in texts
    masthead = doc.paragraphs[0].runs[0]
    assert str(masthead.font.color.rgb) == "FF0000"
    assert fonts_of(masthead) == "方正小标宋简体"
    body = next(p for p in doc.paragraphs if p.text.startswith("2026年3月上半月，枫桥镇共登记"))
    assert fonts_of(body.runs[0]) == "仿宋_GB2312"
    assert "移送上级2件，其中按期移送1件、超期移送1件" in body.text
    assert len(doc.tables) == 4 and len(doc.inline_shapes) == 1  # the tables and the chart
    props = doc.core_properties
    assert props.created == props.modified
    assert props.created.isoformat().startswith("2026-03-16T01:00")  # 09:00 in Shanghai


def test_the_circular_excel_file_has_its_sheets_and_chart(world, village_clerk, town_head):
    play_first_half_of_march(world, village_clerk, town_head)
    circular = generate(world, town_head)
    book = load_workbook(io.BytesIO(bytes(circular.xlsx)))
    assert book.sheetnames == ["总体情况", "分类情况", "各单位情况", "长期未化解"]
    overview = book["总体情况"]
    assert overview["A3"].value == "登记" and overview["B3"].value == 4
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(bytes(circular.xlsx))).namelist()
    assert "xl/charts/chart1.xml" in names


def _plan(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return " / ".join(row[3] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = " / ".join(row[0].strip() for row in cursor.fetchall())
        cursor.execute("RESET ALL")
        return plan


def test_the_circulars_event_reads_take_the_events_they_need_alone(world):
    """A circular's transfers up a level, and the disputes that left since the period ended,
    come from partial indexes of those events by time, not from every event of the period or
    since (which grow with every session and move)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiefen.meetings.stats import longest_open, transfer_counts

    period = Period("month", date(2026, 3, 1), date(2026, 3, 31))
    county = world.regions["诸暨市"]
    for call, index in ((transfer_counts, "event_transfer_at"), (longest_open, "event_leave_at")):
        with CaptureQueriesContext(connection) as captured:
            call(county, period)
        plans = [_plan(q["sql"]) for q in captured.captured_queries if "disputes_event" in q["sql"]]
        assert plans and any(index in plan for plan in plans), plans
