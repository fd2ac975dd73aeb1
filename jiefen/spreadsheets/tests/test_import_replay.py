"""An import's chunk replayed in memory and written table by table leaves exactly the rows that
playing each row through the services one move at a time leaves: disputes and their numbers,
parties, events, level stays, deadlines, agreements, the rollups and stay marks, the audit
records and the search index. The same file is imported both ways on the same database, the
first import rolled back before the second."""

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from jiefen.audit.models import Record
from jiefen.disputes.models import Agreement, Dispute, Event, LevelStay, NumberCounter, Party
from jiefen.lib import rows as rows_module
from jiefen.lib.errors import Invalid
from jiefen.metrics.models import CategoryTally, DeadlineTally, MediationTally, StayMark, Tally
from jiefen.metrics.rollups import rollups_check
from jiefen.search.models import SearchEntry, SearchKey
from jiefen.spreadsheets import importing
from jiefen.spreadsheets.importing import import_file
from jiefen.spreadsheets.tests.conftest import row, xlsx

OPEN = {"结果": "在办", "办结日期": "", "结果说明": "", "满意度": "", "结案日期": ""}
NO_AGREEMENT = {"结果": "未达成协议", "建议途径": "诉讼", "结果说明": "", "结案日期": ""}
DECLINED = {"结果": "不予受理", "结果说明": "不属于人民调解范围", "满意度": "", "结案日期": ""}
COMPANY = "诸暨市枫桥建材有限公司，0575-87654321，91330681MA2D8K1L00"

# Every result the ledger knows, organisations as parties, a project and an amount, a mass
# dispute, rows registered and resolved on the same day, and (for the county) several towns.
VILLAGE_ROWS = [
    row(),
    row(**OPEN),
    row(**NO_AGREEMENT, **{"满意度": ""}),
    row(**NO_AGREEMENT, **{"满意度": "3"}),
    row(**DECLINED),
    row(**{"结案日期": ""}),
    row(**{"被申请人": COMPANY, "涉及金额（元）": "12000.50"}),
    row(**{"申请人": COMPANY, "涉及人数": "12", "类别": "劳动争议纠纷"}),
    row(**{"登记日期": "2025-04-01", "办结日期": "2025-04-01", "结案日期": "2025-04-01"}),
    row(**{"事由": "宅基地边界", "登记日期": "2024-12-30", "办结日期": "2025-01-20"}),
]
COUNTY_ROWS = [
    *VILLAGE_ROWS,
    row(**{"事项所在地区划代码": "330681104004"}),
    row(**{"事项所在地区划代码": "330681104004", **OPEN}),
    row(**{"事项所在地区划代码": "330681109009", **DECLINED}),
    row(**{"事项所在地区划代码": "330681104000", **NO_AGREEMENT, "满意度": ""}),
]
TALLIES = (Tally, CategoryTally, DeadlineTally, MediationTally)


def _fields(instance, *drop):
    return {k: v for k, v in model_to_dict(instance).items() if k not in {"id", *drop}}


def _written() -> dict:
    """Every row the import wrote, with each id replaced by what names the row (a dispute's
    number, the place of an event or a stay in its dispute's history): ids are not compared."""
    disputes = list(Dispute.objects.order_by("id"))
    number = {d.pk: d.number for d in disputes}
    events: list[tuple] = []
    stays: list[tuple] = []
    names: dict[tuple, tuple] = {}
    for model, found, rows in ((Event, "event", events), (LevelStay, "stay", stays)):
        place: dict[int, int] = {}
        for written in model.objects.order_by("id"):
            place[written.dispute_id] = place.get(written.dispute_id, 0) + 1
            names[(model._meta.model_name, written.pk)] = (
                found,
                number[written.dispute_id],
                place[written.dispute_id],
            )
            rows.append((number[written.dispute_id], _fields(written, "dispute")))
    for d in disputes:
        names[("dispute", d.pk)] = ("dispute", d.number)
    for a in Agreement.objects.all():
        names[("agreement", a.pk)] = ("agreement", number[a.dispute_id])
    audit = []
    for record in Record.objects.order_by("id"):
        params = dict(record.params or {})
        if "dispute" in params:
            params["dispute"] = number[params["dispute"]]
        audit.append(
            (
                record.actor_kind,
                record.actor_user_id,
                record.actor_system,
                record.ip,
                record.action,
                record.app_label,
                record.model,
                names.get((record.model, int(record.object_pk)), record.object_pk),
                record.region_code,
                record.fields,
                params,
            )
        )
    tallies = sorted(
        (
            (model.__name__, sorted(_fields(r).items()))
            for model in TALLIES
            for r in model.objects.all()
        ),
        key=str,
    )
    return {
        "disputes": [_fields(d) for d in disputes],
        "counters": sorted(NumberCounter.objects.values_list("prefix", "last")),
        "parties": sorted(
            (
                (number[p.dispute_id], sorted(_fields(p, "dispute").items()))
                for p in Party.objects.all()
            ),
            key=str,
        ),
        "events": events,
        "stays": stays,
        "agreements": sorted(
            (
                (number[a.dispute_id], sorted(_fields(a, "dispute").items()))
                for a in Agreement.objects.all()
            ),
            key=str,
        ),
        "marks": sorted(
            (names[("levelstay", m.stay_id)], number[m.dispute_id], m.due_day, m.state)
            for m in StayMark.objects.all()
        ),
        "tallies": tallies,
        "audit": audit,
        "search": sorted(
            (number[e.dispute_id], e.region_code, e.registered_at, e.title, e.body)
            for e in SearchEntry.objects.all()
        ),
        "keys": sorted(
            (number[k.dispute_id], k.region_code, k.kind, k.value, k.side)
            for k in SearchKey.objects.all()
        ),
    }


class Undone(Exception):
    pass


@pytest.mark.parametrize(
    ("importer", "rows"),
    [("village_clerk", VILLAGE_ROWS), ("county_officer", COUNTY_ROWS)],
)
def test_a_replayed_chunk_writes_what_the_services_write_one_move_at_a_time(
    request, world, importer, rows, monkeypatch
):
    actor = request.getfixturevalue(importer)
    raw = xlsx(rows)
    # One earlier dispute of each town, so that the numbers and the counts go on from it.
    import_file(actor, xlsx([rows[0], rows[-1]]), "earlier.xlsx", one_by_one=True)
    marks = Record.objects.order_by("-id").values_list("id", flat=True).first()

    try:
        with transaction.atomic():
            through_services = import_file(actor, raw, "ledger.xlsx", one_by_one=True)
            assert through_services.imported == len(rows)
            one_by_one = _written()
            raise Undone
    except Undone:
        pass
    assert Record.objects.order_by("-id").values_list("id", flat=True).first() == marks

    # Every table of the replayed chunk by COPY on PostgreSQL, however few its rows.
    monkeypatch.setattr(rows_module, "COPY_ROWS", 1)
    replayed = import_file(actor, raw, "ledger.xlsx")

    assert replayed.imported == len(rows)
    assert replayed.numbers == through_services.numbers
    written = _written()
    assert written.keys() == one_by_one.keys()
    for table in written:
        assert written[table] == one_by_one[table], table
    assert rollups_check() == []


def test_a_chunk_that_fails_while_written_leaves_nothing_of_itself_and_keeps_the_chunks_before(
    world, village_clerk, monkeypatch
):
    monkeypatch.setattr(importing.writing, "CHUNK", 3)
    replay = importing.writing.replay_row

    def refused_at_row_6(chunk, actor, parsed, now):
        if parsed.number == 6:
            raise Invalid("该类别已停用")
        return replay(chunk, actor, parsed, now)

    monkeypatch.setattr(importing.writing, "replay_row", refused_at_row_6)

    result = import_file(village_clerk, xlsx(VILLAGE_ROWS[:7]), "ledger.xlsx")

    assert result.failed and result.imported == 3 and len(result.numbers) == 3
    assert [e.row for e in result.errors] == [6]
    assert "第 5–6 行均未导入" in result.errors[0].message
    assert sorted(Dispute.objects.values_list("number", flat=True)) == sorted(result.numbers)
    assert NumberCounter.objects.get().last == 3
    assert SearchEntry.objects.count() == 3
    assert not Event.objects.exclude(dispute__number__in=result.numbers).exists()
    assert rollups_check() == []
