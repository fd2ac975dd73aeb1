"""The export of a list: pressing export queues a job and answers at once; the task worker
builds the workbook (masked, or unmasked with a reason) into the private storage; the job's
page shows its state and, once done, the download — to its owner only, while their
jurisdiction still covers what it was; each download is recorded; files go after a day."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiefen.audit.models import Record
from jiefen.disputes.models import Category
from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import register
from jiefen.org.models import Membership, Role
from jiefen.spreadsheets import exporting
from jiefen.spreadsheets.models import ExportJob, ExportRecord
from jiefen.spreadsheets.tests.conftest import download, sheet_rows

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


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


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Queued, not built in the request ----------------------------------------------------------


def test_pressing_export_queues_the_job_and_answers_before_any_file_is_built(
    client, world, village_clerk, settings, monkeypatch, django_capture_on_commit_callbacks,
    _private_files,
):  # fmt: skip
    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_BACKEND
    register(world, village_clerk)

    def not_in_the_request(*args, **kwargs):
        raise AssertionError("the workbook was built in the request")

    monkeypatch.setattr(exporting, "write_workbook", not_in_the_request)
    client.force_login(village_clerk)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("spreadsheets:export") + "?status=open")

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("spreadsheets:export_job", args=[job.pk])
    assert job.status == ExportJob.State.QUEUED and job.actor == village_clerk
    assert job.query == "status=open" and job.filters == {"status": "open"}
    task = DBTaskResult.objects.get()
    assert task.task_path == "jiefen.spreadsheets.tasks.export_task"
    assert task.args_kwargs["args"] == [job.pk]
    assert stored_files(_private_files) == [] and not ExportRecord.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and "spreadsheets/export.js" in page
    assert 'http-equiv="refresh"' in page  # without JavaScript the page refreshes itself
    assert reverse("spreadsheets:export_download", args=[job.pk]) not in page


def test_the_done_job_page_offers_the_download_and_stops_refreshing(
    client, world, village_clerk, export
):
    register(world, village_clerk)
    client.force_login(village_clerk)

    _response, job = export("status=open")

    page = client.get(reverse("spreadsheets:export_job", args=[job.pk])).content.decode()
    assert job.status == ExportJob.State.DONE and job.rows == 1 and job.finished_at
    assert "已完成" in page and "<h1>导出</h1>" in page
    assert reverse("spreadsheets:export_download", args=[job.pk]) in page
    assert 'data-running="0"' in page and 'http-equiv="refresh"' not in page
    assert reverse("disputes:list") + "?status=open" in page  # back to the list it came from


def test_the_exports_page_lists_the_persons_own_recent_exports(
    client, world, village_clerk, other_village_clerk, export
):
    register(world, village_clerk)
    client.force_login(other_village_clerk)
    _response, theirs = export()
    client.force_login(village_clerk)
    _response, mine = export()

    page = client.get(reverse("spreadsheets:export")).content.decode()

    assert reverse("spreadsheets:export_job", args=[mine.pk]) in page
    assert reverse("spreadsheets:export_job", args=[theirs.pk]) not in page


# --- Content and records -----------------------------------------------------------------------


def test_the_export_is_masked_by_default_and_each_download_recorded(
    client, world, village_clerk, export
):
    register(world, village_clerk)
    client.force_login(village_clerk)
    _response, job = export()

    response = download(client, job)

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert f'filename="disputes-{job.pk}.xlsx"' in response["Content-Disposition"]
    rows = sheet_rows(response)
    assert rows[0][0] == "编号" and len(rows) == 2
    text = " ".join(str(v) for v in rows[1])
    assert "张*" in text and "138****5678" in text and "330681********1237" in text
    assert "13812345678" not in text and "330681199001011237" not in text and "张三" not in text
    record = ExportRecord.objects.get()
    assert record.masked and record.rows == 1 and record.actor == village_clerk
    assert record.job == job
    download(client, job)
    assert ExportRecord.objects.filter(job=job).count() == 2


def test_an_unmasked_export_needs_a_reason_and_its_download_is_logged_as_a_reveal(
    client, world, village_clerk, export
):
    register(world, village_clerk)
    client.force_login(village_clerk)

    refused, _none = export("status=open", reason="")
    assert refused.status_code == 400 and not ExportJob.objects.exists()

    pressed, job = export("status=open", reason="法院调取卷宗")

    assert pressed["Location"] == reverse("spreadsheets:export_job", args=[job.pk])
    assert not job.masked and job.reason == "法院调取卷宗"
    assert not ExportRecord.objects.exists()  # nothing handed out yet
    response = download(client, job)
    assert f'filename="disputes-unmasked-{job.pk}.xlsx"' in response["Content-Disposition"]
    text = " ".join(str(v) for v in sheet_rows(response)[1])
    assert "张三，13812345678，330681199001011237" in text
    record = ExportRecord.objects.get()
    assert not record.masked and record.reason == "法院调取卷宗" and record.job == job
    assert record.filters == {"status": "open"} and record.rows == 1
    assert "13812345678" not in str(record.filters) + record.reason
    logged = Record.objects.get(model="exportrecord", object_pk=str(record.pk))
    assert logged.action == "create" and logged.actor_user_id == village_clerk.pk
    assert {"masked", "reason", "job"} <= set(logged.fields)


def test_an_unmasked_workbook_is_kept_encrypted_until_its_owner_downloads_it(
    client, world, village_clerk, export, _private_files
):
    register(world, village_clerk)
    client.force_login(village_clerk)
    _pressed, job = export("status=open", reason="法院调取卷宗")

    (kept,) = stored_files(_private_files)
    raw = kept.read_bytes()
    assert not raw.startswith(b"PK")  # not a workbook (a zip) on disk
    assert b"13812345678" not in raw and "张三".encode() not in raw
    text = " ".join(str(v) for v in sheet_rows(download(client, job))[1])
    assert "张三，13812345678，330681199001011237" in text


def test_an_account_without_jurisdiction_cannot_export_unmasked(client, world, outsider):
    client.force_login(outsider)

    response = client.post(reverse("spreadsheets:export_unmasked"), {"reason": "看看"})

    assert response.status_code == 404
    assert not ExportJob.objects.exists() and not ExportRecord.objects.exists()


def test_the_export_respects_jurisdiction(
    client, world, village_clerk, other_village_clerk, export
):
    two_villages(world, village_clerk, other_village_clerk)
    client.force_login(village_clerk)
    _response, job = export()

    rows = sheet_rows(download(client, job))

    assert [r[6] for r in rows[1:]] == ["枫一的纠纷"]


def test_the_export_respects_the_list_filters_as_they_were(
    client, world, village_clerk, other_village_clerk, town_head, export
):
    two_villages(world, village_clerk, other_village_clerk)
    client.force_login(town_head)
    labour = Category.objects.get(key="labour")

    _response, everything = export()
    _response, filtered = export(f"category={labour.pk}&after=5")

    assert {r[6] for r in sheet_rows(download(client, everything))[1:]} == {
        "枫一的纠纷",
        "永安的纠纷",
    }
    assert [r[6] for r in sheet_rows(download(client, filtered))[1:]] == ["永安的纠纷"]
    assert filtered.filters == {"category": "labour"}
    assert filtered.query == f"category={labour.pk}"  # the list's page cursor is not kept
    assert ExportRecord.objects.order_by("id").last().filters == {"category": "labour"}


def test_the_export_walks_every_page(client, world, village_clerk, monkeypatch, export):
    monkeypatch.setattr(exporting, "PAGE", 2)
    for i in range(5):
        register(world, village_clerk, title=f"纠纷{i}")
    client.force_login(village_clerk)
    _response, job = export()

    rows = sheet_rows(download(client, job))

    assert sorted(r[6] for r in rows[1:]) == [f"纠纷{i}" for i in range(5)]
    assert job.rows == 5


def test_a_search_for_a_phone_number_is_not_exported(client, world, village_clerk, export):
    register(world, village_clerk)
    client.force_login(village_clerk)

    response, job = export("q=13812345678")

    assert job is None
    assert response["Location"] == reverse("disputes:list") + "?q=13812345678"
    page = client.get(response["Location"]).content.decode()
    assert "按电话或证件号码查找的结果不能导出" in page


def test_one_person_has_at_most_two_exports_waiting(
    client, world, village_clerk, settings, django_capture_on_commit_callbacks
):
    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes

    settings.TASKS = DB_BACKEND  # queued, no worker runs them
    client.force_login(village_clerk)
    for _i in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("spreadsheets:export"))

    assert ExportJob.objects.count() == 2
    assert response["Location"] == reverse("disputes:list")
    assert "您已有导出正在进行" in client.get(response["Location"]).content.decode()


def test_the_list_page_offers_the_export_with_its_filters(client, world, village_clerk):
    client.force_login(village_clerk)

    page = client.get(reverse("disputes:list") + "?status=open").content.decode()

    assert f'method="post" action="{reverse("spreadsheets:export")}?status=open"' in page
    assert reverse("spreadsheets:export_unmasked") + "?status=open" in page
    assert reverse("spreadsheets:import") in page


# --- Whose download ----------------------------------------------------------------------------


def test_another_persons_export_answers_as_one_that_does_not_exist(
    client, world, village_clerk, town_head, export
):
    register(world, village_clerk)
    client.force_login(village_clerk)
    _response, job = export(reason="核对台账")
    client.force_login(town_head)  # covers the village, but the file is not theirs

    for name in ("spreadsheets:export_job", "spreadsheets:export_download"):
        foreign = client.get(reverse(name, args=[job.pk]))
        missing = client.get(reverse(name, args=[job.pk + 1000]))
        assert foreign.status_code == missing.status_code == 404, name
        assert "13812345678" not in foreign.content.decode()
    assert not ExportRecord.objects.exists()


def test_the_download_is_refused_once_the_jurisdiction_no_longer_covers_the_list(
    client, world, town_head, village_clerk, export
):
    register(world, village_clerk)
    client.force_login(town_head)
    _response, job = export()
    # Moved from the town's centre to one village.
    Membership.objects.filter(user=town_head).delete()
    Membership.objects.create(user=town_head, body=world.bodies["枫一社区"], role=Role.CLERK)

    response = download(client, job)
    page = client.get(reverse("spreadsheets:export_job", args=[job.pk])).content.decode()

    assert response.status_code == 404
    assert "您的管辖范围已变化" in page
    assert reverse("spreadsheets:export_download", args=[job.pk]) not in page
    assert not ExportRecord.objects.exists()


# --- Failure and expiry ------------------------------------------------------------------------


def test_a_failing_export_ends_failed_and_the_person_sees_why(
    client, world, village_clerk, monkeypatch, export, _private_files
):
    register(world, village_clerk)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")
        yield

    monkeypatch.setattr(exporting, "_rows", broken)
    client.force_login(village_clerk)

    _response, job = export()

    job.refresh_from_db()
    assert job.status == ExportJob.State.FAILED and job.finished_at
    page = client.get(reverse("spreadsheets:export_job", args=[job.pk])).content.decode()
    assert "导出因系统错误中断，请重新导出。" in page and "database went away" not in page
    assert 'data-running="0"' in page
    assert download(client, job).status_code == 404
    assert stored_files(_private_files) == []


def test_an_export_stopped_by_its_time_limit_says_so(
    client, world, village_clerk, monkeypatch, export
):
    from jiefen.ops.worker import TaskTimedOut

    register(world, village_clerk)

    def too_long(*args, **kwargs):
        raise TaskTimedOut(15 * 60)
        yield

    monkeypatch.setattr(exporting, "_rows", too_long)
    client.force_login(village_clerk)

    _response, job = export()

    page = client.get(reverse("spreadsheets:export_job", args=[job.pk])).content.decode()
    assert "导出超过 15 分钟的时限，已中止。请缩小筛选范围" in page


def test_export_files_are_removed_after_a_day_by_the_sweep(
    client, world, village_clerk, export, _private_files
):
    from jiefen.supervision import sweep

    register(world, village_clerk)
    client.force_login(village_clerk)
    _response, old = export()
    _response, fresh = export()
    assert len(stored_files(_private_files)) == 2
    ExportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(hours=25))

    assert sweep._hooks["exports_expire"] is exporting.exports_expire
    assert sweep._hooks["exports_expire"](today=timezone.localdate()) == 1

    old.refresh_from_db()
    assert old.status == ExportJob.State.EXPIRED and old.stored_name == ""
    assert len(stored_files(_private_files)) == 1
    assert download(client, old).status_code == 404
    assert download(client, fresh).status_code == 200
    page = client.get(reverse("spreadsheets:export_job", args=[old.pk])).content.decode()
    assert "文件已超过保留时间并被删除" in page


def test_a_job_that_never_ran_within_a_day_ends_failed(world, village_clerk):
    job = ExportJob.objects.create(actor=village_clerk)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=25))

    exporting.exports_expire()

    job.refresh_from_db()
    assert job.status == ExportJob.State.FAILED
    assert job.failure == "导出未能在一天内完成，请重新导出。"


@pytest.mark.parametrize("state", [ExportJob.State.DONE, ExportJob.State.FAILED])
def test_a_job_that_has_ended_is_not_run_again(world, village_clerk, state):
    job = ExportJob.objects.create(actor=village_clerk, status=state)

    exporting.run_export(job.pk)

    job.refresh_from_db()
    assert job.status == state and job.stored_name == ""


def test_the_worker_stops_an_export_past_its_time_limit_and_the_page_says_so(
    client, world, village_clerk, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The project's worker and queue, its real alarm: the job ends "failed" with the limit."""
    import signal
    import time

    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes
    from django_tasks_db.models import DBTaskResult

    from jiefen.ops.worker import GuardedWorker

    settings.TASKS = DB_BACKEND
    settings.JIEFEN_TASK_TIME_LIMITS = {"jiefen.spreadsheets.tasks.export_task": 0.3}
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    for i in range(5):
        register(world, village_clerk, title=f"纠纷{i}")
    rows = exporting._rows

    def slow(*args, **kwargs):
        for row in rows(*args, **kwargs):
            time.sleep(0.2)
            yield row

    monkeypatch.setattr(exporting, "_rows", slow)
    client.force_login(village_clerk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("spreadsheets:export"))
    kept = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}
    try:
        worker = GuardedWorker(
            grace=5, queue_names=["default"], interval=0, batch=True, backend_name="default",
            startup_delay=False, max_tasks=None, worker_id="test-worker",
            excluded_queue_names=[],
        )  # fmt: skip
        worker.configure_signals()
        worker.run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for number, handler in kept.items():
            signal.signal(number, handler)

    job = ExportJob.objects.get()
    assert job.status == ExportJob.State.FAILED
    assert DBTaskResult.objects.get().status == "FAILED"
    page = client.get(reverse("spreadsheets:export_job", args=[job.pk])).content.decode()
    assert "导出超过 1 分钟的时限，已中止。请缩小筛选范围" in page


def test_the_export_pages_read_in_english(client, world, village_clerk, export):
    from jiefen.tests.test_english_pages import leftovers

    client.force_login(village_clerk)
    client.cookies["django_language"] = "en"
    _response, done = export(reason="Court request")
    failed = ExportJob.objects.create(
        actor=village_clerk, status=ExportJob.State.FAILED, failure="The export failed."
    )
    queued = ExportJob.objects.create(actor=village_clerk)

    found = []
    for job in (done, failed, queued):
        html = client.get(reverse("spreadsheets:export_job", args=[job.pk])).content.decode()
        found += leftovers(html)
    html = client.get(reverse("spreadsheets:export")).content.decode()
    found += leftovers(html)
    assert [line for line in found if line != village_clerk.full_name] == []
    assert (
        "Download the spreadsheet (.xlsx)"
        in client.get(reverse("spreadsheets:export_job", args=[done.pk])).content.decode()
    )
