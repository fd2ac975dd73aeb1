"""However many rows go into one transaction, an import writes exactly the rows a row-by-row
import writes: the same events, level stays, deadlines, rollups and audit records."""

from collections import Counter

from django.forms.models import model_to_dict

from jiefen.audit.models import Record
from jiefen.disputes.models import Dispute, Event, LevelStay
from jiefen.metrics.models import CategoryTally, DeadlineTally, MediationTally, StayMark, Tally
from jiefen.metrics.rollups import rollups_check
from jiefen.spreadsheets import importing
from jiefen.spreadsheets.importing import import_file
from jiefen.spreadsheets.tests.conftest import row, xlsx

ROWS = [
    row(),
    row(**{"结果": "在办", "办结日期": "", "结果说明": "", "满意度": "", "结案日期": ""}),
    row(**{"结果": "未达成协议", "建议途径": "诉讼", "结果说明": "", "满意度": "", "结案日期": ""}),
    row(**{"结果": "不予受理", "结果说明": "不属于人民调解范围", "满意度": "", "结案日期": ""}),
    row(
        **{
            "事由": "宅基地边界",
            "登记日期": "2025-04-01",
            "办结日期": "2025-04-20",
            "结案日期": "2025-04-25",
        }
    ),
]
TALLIES = (Tally, CategoryTally, DeadlineTally, MediationTally)


def _written(after_id: int) -> dict:
    """What the disputes after `after_id` are made of, without ids, numbers or write times."""
    disputes = list(Dispute.objects.filter(id__gt=after_id).order_by("id"))
    order = {d.pk: i for i, d in enumerate(disputes)}
    drop = {"id", "number", "dispute", "search_digest"}

    def rows(model, *keep_order):
        found = model.objects.filter(dispute_id__in=order).order_by("dispute_id", "id")
        return [
            (order[r.dispute_id], {k: v for k, v in model_to_dict(r).items() if k not in drop})
            for r in found
        ]

    mine = {
        "dispute": list(order),
        "event": Event.objects.filter(dispute_id__in=order).values_list("id", flat=True),
        "levelstay": LevelStay.objects.filter(dispute_id__in=order).values_list("id", flat=True),
    }
    records = [
        r
        for model, pks in mine.items()
        for r in Record.objects.filter(model=model, object_pk__in=[str(pk) for pk in pks])
    ]
    return {
        "disputes": [
            {k: v for k, v in model_to_dict(d).items() if k not in drop} for d in disputes
        ],
        "events": rows(Event),
        "stays": rows(LevelStay),
        "marks": sorted(
            (m.state, m.due_day) for m in StayMark.objects.filter(dispute_id__in=order)
        ),
        "audit": Counter((r.action, r.model, tuple(r.fields or [])) for r in records),
    }


def _tallies() -> dict:
    counts = {}
    for model in TALLIES:
        numbers = [f.name for f in model._meta.fields if f.get_internal_type() == "IntegerField"]
        for r in model.objects.all():
            key = (
                model.__name__,
                *(
                    getattr(r, f.attname)
                    for f in model._meta.fields
                    if f.name not in numbers and f.name != "id"
                ),
            )
            counts[key] = {n: getattr(r, n) for n in numbers}
    return counts


def _delta(before: dict, after: dict) -> dict:
    """What the counts grew by, row by row (rows whose counts did not move left out)."""
    grown = {
        key: {n: v - before.get(key, {}).get(n, 0) for n, v in values.items()}
        for key, values in after.items()
    }
    return {key: counts for key, counts in grown.items() if any(counts.values())}


def test_chunks_of_many_rows_write_what_one_row_at_a_time_writes(world, village_clerk, monkeypatch):
    raw = xlsx(ROWS)
    monkeypatch.setattr(importing.writing, "CHUNK", 1)
    start = _tallies()
    assert import_file(village_clerk, raw, "one.xlsx").imported == len(ROWS)
    one_by_one, middle = _written(0), _tallies()
    last = Dispute.objects.order_by("-id").values_list("id", flat=True).first()

    monkeypatch.setattr(importing.writing, "CHUNK", 200)
    monkeypatch.setattr(importing.writing, "CHUNK_SECONDS", float("inf"))
    assert import_file(village_clerk, raw, "many.xlsx").imported == len(ROWS)
    in_one_chunk, end = _written(last), _tallies()

    assert in_one_chunk == one_by_one
    assert _delta(middle, end) == _delta(start, middle)
    assert rollups_check() == []
