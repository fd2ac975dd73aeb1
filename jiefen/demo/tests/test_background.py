"""The demo's disputes loaded in the background: the same disputes as at once, in committed
batches, resumable, consistent with the rollups and the search index, shown on every page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.demo import background
from jiefen.demo.background import load_plan, load_run, progress_read
from jiefen.demo.models import DemoLoad
from jiefen.demo.synthetic import disputes_generate, years_back
from jiefen.demo.tests.test_synthetic import digest, forget_disputes
from jiefen.disputes.models import Agreement, Dispute, Event, NumberCounter, Session
from jiefen.disputes.tests.conftest import register
from jiefen.metrics.rollups import rollups_check
from jiefen.search.models import SearchEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI)
COUNT, BATCH = 450, 150


@pytest.fixture(autouse=True)
def progress_file(settings, tmp_path):
    settings.JIEFEN_DEMO_PROGRESS = tmp_path / "demo-progress.json"
    return settings.JIEFEN_DEMO_PROGRESS


def plan():
    return load_plan(count=COUNT, seed=7, batch=BATCH, now=NOW)


def at_once_digest() -> str:
    """What disputes_generate writes for the same plan in one go, then forgotten again."""
    disputes_generate(count=COUNT, seed=7, start=years_back(NOW.date(), 2), end=NOW.date(), now=NOW)
    found = digest()
    forget_disputes()
    return found


def sessions_named_right() -> bool:
    """Every session event names a session of its own dispute."""
    sessions = dict(Session.objects.values_list("pk", "dispute_id"))
    found = Event.objects.filter(action="session").values_list("dispute_id", "params")
    return bool(found) and all(sessions.get(p["session"]) == d for d, p in found)


class Interrupted(Exception):
    pass


def interrupt_after(monkeypatch, batches: int) -> None:
    """The load stops, as if killed, in the transaction of batch number `batches` + 1."""
    real = background.rollups_add
    seen = []

    def failing(first: int, last: int):
        seen.append(first)
        if len(seen) > batches:
            raise Interrupted
        return real(first, last)

    monkeypatch.setattr(background, "rollups_add", failing)


def test_the_background_load_writes_the_disputes_the_generator_writes_at_once(world):
    expected = at_once_digest()
    plan()

    load = load_run(parallel=False)

    assert load.finished_at is not None and load.written == load.indexed == COUNT
    assert digest() == expected
    assert sessions_named_right()
    assert rollups_check() == []
    assert SearchEntry.objects.count() == COUNT
    assert not Agreement.objects.filter(
        document_detail__isnull=True, dispute__outcome="agreement"
    ).exists()


def test_an_interrupted_load_resumes_after_its_last_batch_without_duplicates(
    world, monkeypatch, progress_file
):
    expected = at_once_digest()
    plan()
    interrupt_after(monkeypatch, 1)
    with pytest.raises(Interrupted):
        load_run(parallel=False)
    load = DemoLoad.objects.get()
    assert (load.written, load.indexed, load.finished_at) == (BATCH, BATCH, None)
    assert Dispute.objects.count() == BATCH
    assert rollups_check() == []  # what is written counts, and nothing else
    assert progress_read() == (BATCH, COUNT)
    monkeypatch.undo()

    load_run(parallel=False)

    assert Dispute.objects.count() == COUNT
    assert digest() == expected
    assert sessions_named_right()
    assert rollups_check() == []
    assert SearchEntry.objects.count() == COUNT
    assert progress_read() is None and not progress_file.exists()


def test_a_second_start_neither_plans_nor_loads_again(world):
    first = plan()
    load_run(parallel=False)
    events = Event.objects.count()

    assert plan().pk == first.pk
    assert load_run(parallel=False).finished_at is not None
    assert Dispute.objects.count() == COUNT
    assert Event.objects.count() == events


def test_a_registration_during_the_load_is_numbered_after_the_planned_disputes(
    world, village_clerk, monkeypatch
):
    plan()
    interrupt_after(monkeypatch, 1)
    with pytest.raises(Interrupted):
        load_run(parallel=False)
    monkeypatch.undo()
    registered = register(world, village_clerk, when=NOW)

    load_run(parallel=False)

    assert registered.pk > DemoLoad.objects.get().first_dispute + COUNT - 1
    numbers = list(Dispute.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == COUNT + 1
    last: dict[str, int] = {}
    for number in numbers:
        prefix, sequence = number.rsplit("-", 1)
        last[prefix] = max(last.get(prefix, 0), int(sequence))
    assert dict(NumberCounter.objects.values_list("prefix", "last")) == last
    assert Event.objects.filter(dispute=registered).count() == 1
    assert rollups_check() == []
    assert SearchEntry.objects.count() == COUNT + 1


def test_no_plan_over_disputes_loaded_otherwise(world, village_clerk):
    register(world, village_clerk, when=NOW)

    assert plan() is None
    assert load_run() is None


def test_every_page_shows_how_far_the_load_has_come_without_a_query(client, world):
    with CaptureQueriesContext(connection) as quiet:
        page = client.get("/login/")
    assert "示例数据正在生成" not in page.content.decode()
    plan()
    DemoLoad.objects.update(written=BATCH)
    background.progress_write(DemoLoad.objects.get())

    with CaptureQueriesContext(connection) as loading:
        page = client.get("/login/")

    assert "示例数据正在生成：已生成 150 / 450 件" in page.content.decode()
    assert len(loading) == len(quiet)


def test_the_banner_of_another_database_is_not_shown(client, world, progress_file):
    progress_file.write_text('{"database": "elsewhere", "done": 1, "total": 2}')

    assert "示例数据正在生成" not in client.get("/login/").content.decode()
