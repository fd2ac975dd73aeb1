"""The pages a person opens, as they get them: lists, queue, dispute page, registration form.

Every figure is a request through Django's test client (middleware, templates and all), warm,
median / p95 in milliseconds, with the number of SQL queries the request ran:

- the list for a city-wide user (the demo `evaluator`) and for a town head (`townhead`), with
  every filter the list offers and both sorts (registration time, deadline): the first page and
  a page about 10,000 rows deep (keyset: `after=` the last row of the page before);
- the queue of the 枫桥镇 centre head;
- the page of the dispute with the longest history in the database;
- registration through the web form by the village clerk (POST and redirect followed).

It asserts that no COUNT over the dispute table runs on these pages.

    cp -a /work/main/var var && .venv/bin/jiefen migrate      # the 100,000-dispute demo
    .venv/bin/python bench/lists_bench.py                      # SQLite var/jiefen.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h19b_1m .venv/bin/python bench/lists_bench.py

--only NAME... picks rows by a word of their label; --explain prints each list query's plan.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--deep", type=int, default=10_000, help="rows before the deep page")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--registrations", type=int, default=10)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    rows = _measure(args)
    load = os.getloadavg()
    from django.db import connection

    print()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| page | median / p95 ms | queries |")
    print("|---|---:|---:|")
    for label, times, queries in rows:
        print(f"| {label} | {_ms(times)} | {queries} |")


def _ms(times: list[float]) -> str:
    if not times:
        return "–"
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    return f"{statistics.median(times):,.0f} / {p95:,.0f}"


def _timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def _captured(call: Callable[[], Any]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries]


# A COUNT over the disputes without a LIMIT (the list's probe counts at most PROBE rows).
COUNT = re.compile(r'SELECT COUNT\(\*\)(?![^;]*LIMIT)[^;]*FROM "disputes_dispute"', re.IGNORECASE)


def _measure(args: argparse.Namespace) -> list[tuple[str, list[float], int]]:
    from django.test import Client

    from jiefen.accounts.models import User
    from jiefen.disputes import selectors
    from jiefen.disputes.models import Category, Dispute, Event

    rows: list[tuple[str, list[float], int]] = []

    def wanted(label: str) -> bool:
        return not args.only or any(word in label for word in args.only)

    def page(label: str, client: Client, url: str) -> None:
        if not wanted(label):
            return

        def get() -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        queries = _captured(get)
        counts = [q for q in queries if COUNT.search(q)]
        assert not counts, f"a COUNT over the disputes on {url}: {counts[0]}"
        if args.explain:
            _explain(label, queries)
        rows.append((label, _timed(get, args.repeat), len(queries)))
        print(rows[-1][0], _ms(rows[-1][1]), rows[-1][2], flush=True)

    category = Category.objects.order_by("sort", "key").first()
    filters: list[tuple[str, str]] = [
        ("every status", ""),
        ("open", "status=open"),
        ("closed", "status=closed"),
        ("declined", "status=declined"),
        ("category", f"category={category.pk if category else ''}"),
        ("town region", "region=330681109000"),
        ("overdue", "warning=overdue"),
        ("yellow", "warning=1"),
        ("registered this year", "registered_from=2026-01-01"),
        ("outcome agreement", "outcome=agreement"),
        ("mass", "mass=on"),
        ("text", "q=工资"),
    ]
    for username in ("evaluator", "townhead"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for sort in ("", "due"):
            for name, query in filters:
                if username == "townhead" and name not in ("every status", "open"):
                    continue
                params = "&".join(p for p in (query, f"sort={sort}" if sort else "") if p)
                label = f"list {username}, {name}, sort {sort or 'registered'}"
                page(f"{label}, first page", client, f"/disputes/?{params}")
                if not wanted(f"{label}, deep page"):
                    continue
                cursor = _deep_cursor(selectors, user, params, args.deep)
                if cursor is None:
                    continue
                page(f"{label}, {args.deep:,} deep", client, f"/disputes/?{params}&after={cursor}")

    townhead = Client()
    townhead.force_login(User.objects.get(username="townhead"))
    page("queue of the 枫桥镇 head", townhead, "/")

    longest = (
        Event.objects.values("dispute_id")
        .order_by()
        .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
        .order_by("-n")
        .first()
    )
    if longest is not None:
        admin = Client()
        admin.force_login(User.objects.get(username="evaluator"))
        dispute = Dispute.objects.get(pk=longest["dispute_id"])
        page(f"dispute page ({longest['n']} events), evaluator", admin, f"/disputes/{dispute.pk}/")
        clerk_dispute = (
            Dispute.objects.filter(region_code__range=(330681109000, 330681109999))
            .order_by("-id")
            .first()
        )
        if clerk_dispute is not None:
            page("dispute page, town head", townhead, f"/disputes/{clerk_dispute.pk}/")

    if wanted("registration") and args.registrations:
        rows.append(_registration(args))
    return rows


def _deep_cursor(selectors: Any, user: Any, params: str, deep: int) -> int | None:
    """The `after` of the page that starts `deep` rows in, read through the selector the view
    uses, one large page at a time."""
    from django.http import QueryDict

    from jiefen.disputes.forms import FilterForm

    form = FilterForm(QueryDict(params))
    filters = form.cleaned_data if form.is_valid() else {}
    sort = QueryDict(params).get("sort", "")
    kwargs: dict[str, Any] = {"sort": sort} if sort else {}
    try:
        result = selectors.dispute_list(user, filters, size=deep, **kwargs)
    except TypeError:  # before sorting existed
        result = selectors.dispute_list(user, filters, size=deep)
    return result.next_after


def _explain(label: str, queries: list[str]) -> None:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    for sql in queries:
        if '"disputes_dispute"' not in sql or "LIMIT" not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
        print(f"  plan ({label}):", *plan, sep="\n    ")


def _registration(args: argparse.Namespace) -> tuple[str, list[float], int]:
    from django.test import Client

    from jiefen.accounts.models import User
    from jiefen.disputes.models import Category
    from jiefen.org.models import Membership

    clerk = User.objects.get(username="clerk")
    body = Membership.objects.filter(user=clerk).select_related("body").first().body
    category = Category.objects.order_by("sort", "key").first()
    client = Client()
    client.force_login(clerk)
    times: list[float] = []
    queries = 0
    for i in range(args.registrations + 1):
        response = client.get("/disputes/new/")
        token = re.search(rb'name="form_token" value="([^"]+)"', response.content)
        data = {
            "body": body.pk,
            "region": body.region_code,
            "category": category.pk,
            "channel": "walk_in",
            "title": f"邻里噪音 {i}",
            "description": "楼上装修噪音，影响休息。",
            "people_involved": 2,
            "risk": "ordinary",
            "parties-TOTAL_FORMS": 2,
            "parties-INITIAL_FORMS": 0,
            "parties-MIN_NUM_FORMS": 0,
            "parties-MAX_NUM_FORMS": 20,
            "parties-0-side": "applicant",
            "parties-0-kind": "person",
            "parties-0-name": "张三",
            "parties-0-phone": "13800138000",
            "parties-1-side": "respondent",
            "parties-1-kind": "person",
            "parties-1-name": "李四",
        }
        if token:
            data["form_token"] = token.group(1).decode()

        def post(data: dict[str, Any] = data) -> Any:
            response = client.post("/disputes/new/", data)
            assert response.status_code == 302, response.content[:2000]
            return response

        if i == 0:
            queries = len(_captured(post))
            continue
        began = time.perf_counter()
        post()
        times.append((time.perf_counter() - began) * 1000)
    return ("registration through the web form (POST)", times, queries)


if __name__ == "__main__":
    main()
