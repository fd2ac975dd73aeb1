"""The list in the order it shows (registration time or deadline), page after page, read the
way the database can do it at any depth: along an index that matches the order, or — for a
small jurisdiction — its index range sorted; and its count, never a COUNT over the table."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.disputes import selectors
from jiefen.disputes.models import Category, Dispute
from jiefen.disputes.selectors import dispute_list
from jiefen.disputes.tests.conftest import at, register

TODAY = date(2026, 3, 20)


@pytest.fixture
def many(world, village_clerk, other_village_clerk):
    """Twelve disputes in two villages of 枫桥镇, registered in an order that is not their id
    order, half of them with a deadline (also not in id order)."""
    disputes = []
    for i in range(12):
        clerk, body = (village_clerk, "枫一社区") if i % 2 else (other_village_clerk, "永安社区")
        disputes.append(register(world, clerk, body=body, region=body, when=at(2026, 3, 2)))
    for i, dispute in enumerate(disputes):
        registered = at(2026, 3, 2) + timedelta(hours=(i * 5) % 12)  # 0, 5, 10, 3, 8, 1 …
        due = TODAY + timedelta(days=(i * 7) % 6) if i % 2 == 0 else None
        Dispute.objects.filter(pk=dispute.pk).update(
            registered_at=registered, due_date=due, warning=0
        )
    return list(Dispute.objects.filter(pk__in=[d.pk for d in disputes]))


def expected(rows, sort):
    newest = sorted(rows, key=lambda d: (d.registered_at, d.id), reverse=True)
    if sort == "registered":
        return [d.id for d in newest]
    dated = sorted((d for d in rows if d.due_date), key=lambda d: (d.due_date, d.id))
    return [d.id for d in dated] + [d.id for d in newest if d.due_date is None]


def walk(actor, sort, size, **filters):
    """Every page forward, then every page back from the last one."""
    pages = [dispute_list(actor, filters, sort=sort, size=size, today=TODAY)]
    while pages[-1].next_after:
        pages.append(
            dispute_list(
                actor, filters, sort=sort, size=size, after=pages[-1].next_after, today=TODAY
            )
        )
    forward = [d.id for page in pages for d in page.rows]
    back = [pages[-1]]
    while back[-1].prev_before:
        back.append(
            dispute_list(
                actor, filters, sort=sort, size=size, before=back[-1].prev_before, today=TODAY
            )
        )
    backward = [d.id for page in reversed(back) for d in page.rows]
    return forward, backward


@pytest.mark.parametrize("probe", [0, 10_000], ids=["large plan", "small plan"])
@pytest.mark.parametrize("sort", ["registered", "due"])
def test_it_pages_in_the_order_it_shows_forward_and_back(
    many, city_evaluator, monkeypatch, sort, probe
):
    monkeypatch.setattr(selectors, "PROBE", probe)
    want = expected(many, sort)
    assert want != sorted(want) and want != sorted(want, reverse=True)
    for size in (1, 5, 12, 50):
        forward, backward = walk(city_evaluator, sort, size)
        assert forward == want, size
        assert backward == want, size


@pytest.mark.parametrize("probe", [0, 10_000], ids=["large plan", "small plan"])
def test_it_keeps_the_order_under_every_filter(many, city_evaluator, monkeypatch, probe):
    monkeypatch.setattr(selectors, "PROBE", probe)
    fengyi = [d for d in many if d.region.name == "枫一社区"]
    forward, backward = walk(city_evaluator, "due", 2, region=fengyi[0].region_code)
    assert forward == backward == expected(fengyi, "due")
    forward, _ = walk(city_evaluator, "registered", 3, status="open")
    assert forward == expected(many, "registered")
    assert walk(city_evaluator, "registered", 3, status="closed") == ([], [])


def test_it_shows_the_registration_date_and_the_deadline_on_every_row(client, many, city_evaluator):
    client.force_login(city_evaluator)
    html = client.get(reverse("disputes:list"), {"sort": "due"}).content.decode()
    rows = html.split('<ul class="rows">', 1)[1].split("</ul>", 1)[0]
    assert rows.count('class="when"') == 12 and rows.count('class="due"') == 12
    first = expected(many, "due")[0]
    dispute = next(d for d in many if d.id == first)
    assert f"时限 {dispute.due_date:%Y-%m-%d}" in rows.split("</li>", 1)[0]
    assert f"登记时间 {dispute.registered_at:%Y-%m-%d}" in rows.split("</li>", 1)[0]
    assert "共 12 件" in html  # one page: the rows are the count
    assert '<option value="due" selected>' in html


COUNT_WITHOUT_LIMIT = re.compile(r"COUNT\(\*\)(?![^;]*LIMIT)", re.IGNORECASE)


def test_it_counts_cheaply_or_not_at_all(client, many, city_evaluator, monkeypatch):
    client.force_login(city_evaluator)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 5)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("disputes:list")).content.decode()
    assert not [q["sql"] for q in captured if COUNT_WITHOUT_LIMIT.search(q["sql"])]
    if connection.vendor == "sqlite":
        assert "共 12 件" in html  # a jurisdiction under PROBE rows: counted, reading no more
        monkeypatch.setattr(selectors, "PROBE", 3)
        page = dispute_list(city_evaluator, {}, size=5, count=True)
        assert (page.count, page.count_kind) == (3, "over")
        category = {"category": Category.objects.get(key="neighbourhood")}
        assert dispute_list(city_evaluator, category, size=5, count=True).count is None
        monkeypatch.setattr(selectors, "PROBE", 100)
        page = dispute_list(city_evaluator, category, size=5, count=True)
        assert (page.count, page.count_kind) == (12, "exact")
    else:
        page = dispute_list(city_evaluator, {}, size=5, count=True)
        assert page.count_kind == "about" and page.count > 0


# --- the query plans ----------------------------------------------------------------------------


def _plans(call):
    """The plan of each query of `call` that reads disputes in the list's order."""
    with CaptureQueriesContext(connection) as captured:
        call()
    plans = []
    for query in captured:
        sql = query["sql"]
        if "ORDER BY" not in sql or 'FROM "disputes_dispute"' not in sql:
            continue
        if sql.endswith("LIMIT 1"):  # the row the page follows, by its primary key
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plans.append(" / ".join(row[3] for row in cursor.fetchall()))
            else:
                # A test database is too small for the planner to prefer an index: forbid
                # what an index must make unnecessary, and see what remains.
                cursor.execute("SET enable_seqscan = off")
                cursor.execute("SET enable_sort = off")
                cursor.execute("SET enable_bitmapscan = off")
                cursor.execute("EXPLAIN " + sql)
                plans.append(" / ".join(row[0].strip() for row in cursor.fetchall()))
                cursor.execute("RESET ALL")
    assert plans
    return plans


FILTERS = [
    {},
    {"status": "open"},
    {"status": "closed"},
    {"category": "neighbourhood"},
    {"warning": "1"},
    {"warning": "overdue"},
    {"mass": True},
    {"registered_from": date(2026, 3, 1), "registered_to": date(2026, 3, 31)},
    {"accepted_from": date(2026, 3, 1)},
    {"outcome": "agreement"},
    # The search box (q) is answered from the search index, ranked: jiefen/search/tests.
]


@pytest.mark.parametrize("sort", ["registered", "due"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_a_large_jurisdiction_is_read_along_the_sort_index_at_any_depth(
    many, city_evaluator, monkeypatch, sort, filters
):
    monkeypatch.setattr(selectors, "PROBE", 0)  # every jurisdiction is large
    if "category" in filters:
        filters = {"category": Category.objects.get(key=filters["category"])}
    index = "dispute_list_due" if sort == "due" else "dispute_list_registered"
    cursor = expected(many, sort)[3]
    for after in (None, cursor):
        plans = _plans(
            lambda after=after: dispute_list(
                city_evaluator, filters, sort=sort, after=after, today=TODAY
            )
        )
        if connection.vendor == "sqlite":
            assert all("TEMP B-TREE" not in plan for plan in plans), plans
            assert index in plans[0], plans
        else:
            assert all("Sort" not in plan for plan in plans), plans
            assert index in plans[0], plans


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL chooses by its statistics")
def test_a_small_jurisdiction_is_read_through_its_index_range(many, village_clerk):
    plans = _plans(lambda: dispute_list(village_clerk, {}, today=TODAY))
    assert "dispute_region_id (region_code>? AND region_code<?)" in plans[0], plans
    plans = _plans(lambda: dispute_list(village_clerk, {"status": "open"}, today=TODAY))
    assert "dispute_status_region" in plans[0], plans
