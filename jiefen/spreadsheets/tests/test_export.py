import io

import openpyxl
from django.urls import reverse

from jiefen.disputes.models import Category
from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import register
from jiefen.spreadsheets.models import ExportRecord


def sheet_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def two_villages(world, village_clerk, other_village_clerk):
    register(world, village_clerk, title="枫一的纠纷")
    register(
        world,
        other_village_clerk,
        body="永安社区",
        region="永安社区",
        title="永安的纠纷",
        category=Category.objects.get(key="labour"),
        parties=[PartyInput(side="applicant", name="王五", phone="13900001111")],
    )


def test_the_export_is_masked_by_default_and_recorded(client, world, village_clerk):
    register(world, village_clerk)
    client.force_login(village_clerk)

    response = client.get(reverse("spreadsheets:export"))

    rows = sheet_rows(response)
    assert rows[0][0] == "编号" and len(rows) == 2
    text = " ".join(str(v) for v in rows[1])
    assert "张*" in text and "138****5678" in text and "330681********1237" in text
    assert "13812345678" not in text and "张三" not in text
    record = ExportRecord.objects.get()
    assert record.masked and record.rows == 1 and record.actor == village_clerk


def test_an_unmasked_export_needs_a_reason_and_is_logged_without_values(
    client, world, village_clerk
):
    register(world, village_clerk)
    client.force_login(village_clerk)
    url = reverse("spreadsheets:export_unmasked") + "?status=open"

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and not ExportRecord.objects.exists()

    response = client.post(url, {"reason": "法院调取卷宗"})

    text = " ".join(str(v) for v in sheet_rows(response)[1])
    assert "张三，13812345678，330681199001011237" in text
    record = ExportRecord.objects.get()
    assert not record.masked and record.reason == "法院调取卷宗"
    assert record.filters == {"status": "open"}
    assert "13812345678" not in str(record.filters) + record.reason


def test_an_account_without_jurisdiction_cannot_export_unmasked(client, world, outsider):
    client.force_login(outsider)

    response = client.post(reverse("spreadsheets:export_unmasked"), {"reason": "看看"})

    assert response.status_code == 404
    assert not ExportRecord.objects.exists()


def test_the_export_respects_jurisdiction(client, world, village_clerk, other_village_clerk):
    two_villages(world, village_clerk, other_village_clerk)
    client.force_login(village_clerk)

    rows = sheet_rows(client.get(reverse("spreadsheets:export")))

    assert [r[6] for r in rows[1:]] == ["枫一的纠纷"]


def test_the_export_respects_the_list_filters(
    client, world, village_clerk, other_village_clerk, town_head
):
    two_villages(world, village_clerk, other_village_clerk)
    client.force_login(town_head)

    everything = sheet_rows(client.get(reverse("spreadsheets:export")))
    labour = Category.objects.get(key="labour")
    filtered = sheet_rows(client.get(reverse("spreadsheets:export") + f"?category={labour.pk}"))

    assert {r[6] for r in everything[1:]} == {"枫一的纠纷", "永安的纠纷"}
    assert [r[6] for r in filtered[1:]] == ["永安的纠纷"]
    assert ExportRecord.objects.order_by("id").last().filters == {"category": "labour"}


def test_the_export_walks_every_page(client, world, village_clerk, monkeypatch):
    from jiefen.spreadsheets import exporting

    monkeypatch.setattr(exporting, "PAGE", 2)
    for i in range(5):
        register(world, village_clerk, title=f"纠纷{i}")
    client.force_login(village_clerk)

    rows = sheet_rows(client.get(reverse("spreadsheets:export")))

    assert sorted(r[6] for r in rows[1:]) == [f"纠纷{i}" for i in range(5)]


def test_the_list_page_links_to_the_export_with_its_filters(client, world, village_clerk):
    client.force_login(village_clerk)

    page = client.get(reverse("disputes:list") + "?status=open").content.decode()

    assert reverse("spreadsheets:export") + "?status=open" in page
    assert reverse("spreadsheets:import") in page


def slow_rows(monkeypatch, seconds_per_row: float):
    """Each row of the export takes this long to read (a list far too long for one request)."""
    import time

    from jiefen.spreadsheets import exporting

    rows = exporting._rows

    def slow(*args, **kwargs):
        for row in rows(*args, **kwargs):
            time.sleep(seconds_per_row)
            yield row

    monkeypatch.setattr(exporting, "_rows", slow)


def test_an_export_past_its_time_limit_stops_and_says_so_on_the_list(
    client, world, village_clerk, settings, monkeypatch
):
    settings.JIEFEN_EXPORT_TIME_LIMIT = 0.2
    for i in range(5):
        register(world, village_clerk, title=f"纠纷{i}")
    slow_rows(monkeypatch, 0.1)
    client.force_login(village_clerk)

    response = client.get(reverse("spreadsheets:export") + "?status=open", follow=True)

    assert response.redirect_chain[-1][0] == reverse("disputes:list") + "?status=open"
    page = response.content.decode()
    assert "导出超过 0.2 秒仍未完成，已停止" in page
    assert "请缩小筛选范围" in page
    assert not ExportRecord.objects.exists()


def test_an_unmasked_export_past_its_time_limit_keeps_the_reason_and_says_so(
    client, world, village_clerk, settings, monkeypatch
):
    settings.JIEFEN_EXPORT_TIME_LIMIT = 0.2
    for i in range(5):
        register(world, village_clerk, title=f"纠纷{i}")
    slow_rows(monkeypatch, 0.1)
    client.force_login(village_clerk)

    response = client.post(reverse("spreadsheets:export_unmasked"), {"reason": "核对台账"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "仍未完成，已停止" in page and 'value="核对台账"' in page
    assert not ExportRecord.objects.exists()
