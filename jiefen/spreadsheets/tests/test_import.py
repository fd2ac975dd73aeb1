import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from jiefen.disputes.models import Agreement, Dispute, Event, Party, Status
from jiefen.metrics.rollups import rollups_check
from jiefen.spreadsheets.importing import import_file
from jiefen.spreadsheets.models import ImportJob
from jiefen.spreadsheets.tests.conftest import csv_bytes, row, xlsx


def errors_of(result):
    return [(e.row, e.column) for e in result.errors]


# --- Round trip and real disputes ---------------------------------------------------------------


def test_it_imports_the_filled_in_template_downloaded_from_the_page(
    client, village_clerk, django_capture_on_commit_callbacks
):
    client.force_login(village_clerk)
    response = client.get(reverse("spreadsheets:template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[1] == "取值说明"
    values = [r[0] for r in book.worksheets[1].iter_rows(values_only=True)]
    assert "邻里纠纷" in values and "达成调解协议" in values
    sheet = book.worksheets[0]
    sheet.append([c.value for c in sheet[2]])  # a second row like the example
    sheet.cell(row=3, column=5, value="另一件纠纷")
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "filled.xlsx"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("spreadsheets:import"), {"file": out})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportJob.State.DONE, job.errors
    assert job.rows_done == 2
    assert job.content == b""  # the file's personal data is not kept once imported
    assert set(Dispute.objects.values_list("title", flat=True)) == {"院墙位置争议", "另一件纠纷"}


def test_imported_disputes_are_real_disputes_with_history_and_rollups(world, village_clerk):
    rows = [
        row(),
        row(**{"结果": "在办", "办结日期": "", "结果说明": "", "满意度": "", "结案日期": ""}),
        row(
            **{
                "结果": "未达成协议",
                "建议途径": "诉讼",
                "结果说明": "",
                "满意度": "",
                "结案日期": "",
            }
        ),
        row(**{"结果": "不予受理", "结果说明": "不属于人民调解范围", "满意度": "", "结案日期": ""}),
    ]

    result = import_file(village_clerk, xlsx(rows), "ledger.xlsx")

    assert result.errors == [] and result.imported == 4
    closed, open_, no_agreement, declined = Dispute.objects.order_by("id")
    assert closed.status == Status.CLOSED and closed.satisfaction == 5
    assert closed.number.startswith("330681109-2025-")
    assert timezone.localdate(closed.registered_at).isoformat() == "2025-03-01"
    assert timezone.localdate(closed.resolved_at).isoformat() == "2025-03-10"
    assert Agreement.objects.get(dispute=closed).terms.startswith("李四拆除")
    assert list(closed.events.values_list("action", flat=True)) == [
        "register",
        "accept",
        "resolve",
        "visit",
        "close",
    ]
    assert closed.registered_by == village_clerk
    assert open_.status == Status.ACCEPTED
    # The deadline of its own time; the sweep colours it overdue, as any other late dispute.
    assert open_.due_date is not None and open_.due_date.isoformat() < "2025-04-15"
    assert no_agreement.status == Status.RESOLVED and no_agreement.route == "litigation"
    assert declined.status == Status.DECLINED
    party = Party.objects.get(dispute=closed, side="applicant")
    assert party.phone == "13812345678" and party.id_number == "330681199001011237"
    assert rollups_check() == []


def test_it_registers_at_the_importers_body_when_a_town_imports_a_village_dispute(world, town_head):
    result = import_file(town_head, xlsx([row()]), "ledger.xlsx")

    assert result.errors == []
    dispute = Dispute.objects.get()
    assert dispute.holder == world.bodies["枫桥镇"]
    assert dispute.region == world.regions["枫一社区"]
    assert rollups_check() == []


# --- Validation: row and column -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"类别": "吵架纠纷"}, "类别"),
        ({"类别": ""}, "类别"),
        ({"事项所在地区划代码": "33068110900"}, "事项所在地区划代码"),
        ({"事项所在地区划代码": "330681109999"}, "事项所在地区划代码"),
        ({"登记日期": "2025-02-30"}, "登记日期"),
        ({"登记日期": "2999-01-01"}, "登记日期"),
        ({"办结日期": "2025-02-01"}, "办结日期"),
        ({"结案日期": "2025-03-05"}, "结案日期"),
        ({"结果": "差不多"}, "结果"),
        ({"结果": "达成调解协议", "结果说明": ""}, "结果说明"),
        ({"结果": "未达成协议", "建议途径": ""}, "建议途径"),
        ({"申请人": "张三，1381234"}, "申请人"),
        ({"申请人": "张三，13812345678，330681199001011234"}, "申请人"),
        ({"申请人": ""}, "申请人"),
        ({"被申请人": "李四，，12345"}, "被申请人"),
        ({"事由": "长" * 101}, "事由"),
        ({"简要情况": ""}, "简要情况"),
        ({"涉及人数": "0"}, "涉及人数"),
        ({"涉及金额（元）": "-5"}, "涉及金额（元）"),
        ({"满意度": "6"}, "满意度"),
        ({"来源": "托梦"}, "来源"),
    ],
)
def test_it_names_the_row_and_column_of_each_error(world, village_clerk, changes, column):
    result = import_file(village_clerk, xlsx([row(), row(**changes)]), "bad.xlsx")

    assert (3, column) in errors_of(result)
    assert all(r == 3 for r, _c in errors_of(result))
    assert result.refused
    assert not Dispute.objects.exists()


def test_a_region_outside_the_jurisdiction_is_refused_like_an_unknown_one(world, village_clerk):
    outside = import_file(
        village_clerk, xlsx([row(**{"事项所在地区划代码": "330681109009"})]), "a.xlsx"
    )
    unknown = import_file(
        village_clerk, xlsx([row(**{"事项所在地区划代码": "330681109999"})]), "b.xlsx"
    )

    assert [e.message for e in outside.errors] == [e.message for e in unknown.errors]
    assert errors_of(outside) == [(2, "事项所在地区划代码")]
    assert not Dispute.objects.exists()


def test_an_evaluator_without_a_registering_role_cannot_import(world, city_evaluator):
    result = import_file(city_evaluator, xlsx([row()]), "a.xlsx")

    assert errors_of(result) == [(2, "事项所在地区划代码")]
    assert not Dispute.objects.exists()


def test_a_file_with_one_bad_row_imports_nothing(world, village_clerk):
    rows = [row() for _ in range(5)] + [row(**{"类别": "未知"})]

    result = import_file(village_clerk, xlsx(rows), "a.xlsx")

    assert result.refused and result.imported == 0
    assert not Dispute.objects.exists() and not Event.objects.exists()


def test_valid_only_imports_the_good_rows_and_skips_the_bad(world, village_clerk):
    rows = [row(), row(**{"类别": "未知"}), row()]

    result = import_file(village_clerk, xlsx(rows), "a.xlsx", valid_only=True)

    assert result.imported == 2 and errors_of(result) == [(3, "类别")]
    assert Dispute.objects.count() == 2
    assert rollups_check() == []


def test_a_missing_required_column_refuses_the_file(
    client, village_clerk, django_capture_on_commit_callbacks
):
    client.force_login(village_clerk)
    book = openpyxl.Workbook()
    book.active.append(["登记日期", "类别"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "wrong.xlsx"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("spreadsheets:import"), {"file": out})

    job = ImportJob.objects.get()
    assert job.status == ImportJob.State.REFUSED
    assert "事项所在地区划代码" in job.errors[0][2]


# --- Encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_it_reads_csv_in_the_encodings_excel_writes(world, village_clerk, encoding):
    result = import_file(village_clerk, csv_bytes([row()], encoding), "ledger.csv")

    assert result.errors == [] and result.imported == 1
    assert Dispute.objects.get().title == "院墙位置争议"


# --- The page: refusal, the error table, the confirmed valid-only import -------------------------


def upload(client, content, name="ledger.xlsx"):
    f = io.BytesIO(content)
    f.name = name
    return client.post(reverse("spreadsheets:import"), {"file": f})


def test_the_page_shows_errors_and_imports_valid_rows_only_after_confirmation(
    client, village_clerk, django_capture_on_commit_callbacks
):
    client.force_login(village_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, xlsx([row(), row(**{"类别": "未知"}), row()]))
    job = ImportJob.objects.get()
    page = client.get(reverse("spreadsheets:job", args=[job.pk])).content.decode()

    assert job.status == ImportJob.State.REFUSED
    assert "未知的纠纷类别" in page and "跳过 1 行" in page
    report = client.get(reverse("spreadsheets:errors", args=[job.pk])).content.decode("utf-8-sig")
    assert "3,类别," in report
    assert not Dispute.objects.exists()

    # A confirmation that does not match what the page said imports nothing.
    client.post(reverse("spreadsheets:valid_only", args=[job.pk]), {"skip": "0"})
    assert not Dispute.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("spreadsheets:valid_only", args=[job.pk]), {"skip": "1"})
    retry = ImportJob.objects.exclude(pk=job.pk).get()
    assert response.url == reverse("spreadsheets:job", args=[retry.pk])
    assert retry.status == ImportJob.State.DONE and retry.rows_done == 2
    assert Dispute.objects.count() == 2
    job.refresh_from_db()
    assert job.content == b"" and job.status == ImportJob.State.DISCARDED


def test_progress_is_reported_as_json_to_its_owner_only(
    client, village_clerk, other_village_clerk, django_capture_on_commit_callbacks
):
    client.force_login(village_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, xlsx([row()]))
    job = ImportJob.objects.get()

    data = client.get(reverse("spreadsheets:progress", args=[job.pk])).json()
    assert data["status"] == "done" and data["percent"] == 100 and data["rows_done"] == 1

    client.force_login(other_village_clerk)
    assert client.get(reverse("spreadsheets:progress", args=[job.pk])).status_code == 404
    assert client.get(reverse("spreadsheets:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("spreadsheets:progress", args=[job.pk + 99])).status_code == 404


def test_the_same_file_is_not_imported_twice(
    client, village_clerk, django_capture_on_commit_callbacks
):
    client.force_login(village_clerk)
    content = xlsx([row()])
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, content)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, content)

    assert response.status_code == 200
    assert "已经导入过" in response.content.decode()
    assert Dispute.objects.count() == 1


def test_the_running_page_refreshes_without_javascript(client, village_clerk):
    client.force_login(village_clerk)
    upload(client, xlsx([row()]))  # not run: the on-commit hook is not executed
    job = ImportJob.objects.get()
    page = client.get(reverse("spreadsheets:job", args=[job.pk])).content.decode()

    assert job.status == ImportJob.State.QUEUED
    assert 'http-equiv="refresh"' in page and "spreadsheets/progress.js" in page
    assert "<script>" not in page


# --- The command --------------------------------------------------------------------------------


def write(tmp_path, content, name="ledger.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_the_command_imports_and_exits_zero(world, village_clerk, tmp_path, capsys):
    call_command("import", write(tmp_path, xlsx([row(), row()])), "--as", "clerk_fengyi")

    assert Dispute.objects.count() == 2
    assert rollups_check() == []


def test_the_command_refuses_a_bad_file_with_exit_code_1_and_the_table(
    world, village_clerk, tmp_path
):
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import",
            write(tmp_path, xlsx([row(), row(**{"类别": "未知"})])),
            "--as",
            "clerk_fengyi",
            stdout=out,
        )

    assert refused.value.returncode == 1
    assert "3\t类别\t" in out.getvalue()
    assert not Dispute.objects.exists()


def test_the_command_valid_only_and_dry_run(world, village_clerk, tmp_path):
    path = write(tmp_path, xlsx([row(), row(**{"类别": "未知"})]))
    call_command(
        "import",
        write(tmp_path, xlsx([row()]), "ok.xlsx"),
        "--as",
        "clerk_fengyi",
        "--dry-run",
        stdout=io.StringIO(),
    )
    assert not Dispute.objects.exists()

    call_command("import", path, "--as", "clerk_fengyi", "--valid-only", stdout=io.StringIO())
    assert Dispute.objects.count() == 1


def test_the_command_exits_2_for_an_unknown_user_or_unreadable_file(world, tmp_path):
    with pytest.raises(CommandError) as unknown:
        call_command("import", write(tmp_path, xlsx([row()])), "--as", "nobody")
    with pytest.raises(CommandError) as unreadable:
        call_command("import", write(tmp_path, b"not a spreadsheet", "x.pdf"), "--as", "nobody")
    assert unknown.value.returncode == 2 and unreadable.value.returncode == 2


def test_a_row_dated_today_is_never_stamped_in_the_future(world, village_clerk):
    today = timezone.localdate().isoformat()
    rows = [row(**{"登记日期": today, "办结日期": today, "结案日期": today})]

    import_file(village_clerk, xlsx(rows), "today.xlsx")

    latest = Event.objects.order_by("-at").first()
    assert latest.at <= timezone.now()
    assert Event.objects.filter(at__gt=timezone.now() + timedelta(seconds=1)).count() == 0


def test_the_command_refuses_a_file_already_imported(world, village_clerk, tmp_path):
    path = write(tmp_path, xlsx([row()]))
    call_command("import", path, "--as", "clerk_fengyi", stdout=io.StringIO())

    with pytest.raises(CommandError) as again:
        call_command("import", path, "--as", "clerk_fengyi", stdout=io.StringIO())

    assert again.value.returncode == 1
    assert Dispute.objects.count() == 1


def test_a_refused_file_is_forgotten_after_a_day(world, village_clerk):
    from jiefen.spreadsheets.importing import purge_stale_files

    job = ImportJob.objects.create(
        actor=village_clerk,
        filename="a.xlsx",
        digest="x",
        content=b"personal data",
        status=ImportJob.State.REFUSED,
    )

    assert purge_stale_files() == 0
    assert purge_stale_files(now=timezone.now() + timedelta(days=2)) == 1
    job.refresh_from_db()
    assert job.content == b"" and job.status == ImportJob.State.DISCARDED


def test_an_account_without_a_registering_role_gets_no_import_page(client, world, outsider):
    client.force_login(outsider)

    assert client.get(reverse("spreadsheets:import")).status_code == 404
    assert not ImportJob.objects.exists()
