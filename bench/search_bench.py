"""The search box: the first results page for each kind of query, for three jurisdictions.

Every figure is GET /disputes/?q=… through Django's test client (middleware, templates and all),
warm, median / p95 in milliseconds, with the number of SQL queries, for the demo's village clerk
(`clerk`, 枫一社区), town head (`townhead`, 枫桥镇) and city evaluator (`evaluator`, 绍兴市):

- a common word (the index's most frequent word of two characters or more),
- a rare word (a word of the village's texts that at most three disputes hold in all),
- a party's name, a party's phone number (digest lookup), a number's last six digits.

Side by side, in the same run: the list's former text filter (number prefix OR title LIKE OR
description LIKE, the first 51 ids newest first, the query the list ran before the index) for
the rare word, timed as a query beside the search's own selector (dispute_list with q).
Then the time the index adds to a registration (registrations through the service with the
index's event follower and without it, alternating, each rolled back), the time a later move
takes to rewrite one dispute's index rows, and the index's size on disk. It
asserts that no COUNT over the dispute table runs.

    make setup && .venv/bin/jiefen demo && .venv/bin/jiefen search rebuild
    .venv/bin/python bench/search_bench.py                       # SQLite var/jiefen.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/i13 .venv/bin/python bench/search_bench.py
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")

COUNT = re.compile(r'SELECT COUNT\(\*\)(?![^;]*LIMIT)[^;]*FROM "disputes_dispute"', re.IGNORECASE)
USERS = ("clerk", "townhead", "evaluator")


def _ms(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    return f"{statistics.median(times):,.1f} / {p95:,.1f}"


def _timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


class _RolledBack(Exception):
    pass


def _registrations(count: int) -> tuple[list[float], list[float]]:
    """`count` registrations by the village clerk with the index's event follower and
    `count` without it, alternating (so the machine's load falls on both alike), each in a
    transaction rolled back: the database is left as it was."""
    from django.db import transaction

    from jiefen.accounts.models import User
    from jiefen.disputes.models import Category
    from jiefen.disputes.services import (
        EVENT_FOLLOWERS,
        DisputeInput,
        PartyInput,
        dispute_register,
    )
    from jiefen.org.models import Body, BodyKind
    from jiefen.search.index import index_follow

    body = Body.objects.get(kind=BodyKind.VILLAGE_GROUP, region_id=330681109008)
    category = Category.objects.get(key="neighbourhood")

    def register(n: int) -> float:
        data = DisputeInput(
            body=body,
            category=category,
            channel="walk_in",
            region=body.region,
            title="相邻通行纠纷",
            description=(
                f"基准测试登记第 {n} 件：村民王某与邻居李某因宅基地边界发生争执，王某称李某"
                "新建围墙占用其宅基地约半米，双方多次协商未果，村调解小组到场查看。"
            ),
            people_involved=2,
            parties=[
                PartyInput(side="applicant", name="张三丰", phone="13812345678"),
                PartyInput(side="respondent", name="李四"),
            ],
        )
        actor = User.objects.get(username="clerk")
        began = time.perf_counter()
        try:
            with transaction.atomic():
                dispute_register(actor=actor, data=data)
                elapsed = (time.perf_counter() - began) * 1000
                raise _RolledBack
        except _RolledBack:
            pass
        return elapsed

    at = EVENT_FOLLOWERS.index(index_follow)
    register(0)
    with_index, without_index = [], []
    for n in range(count):
        with_index.append(register(n))
        EVENT_FOLLOWERS.remove(index_follow)
        try:
            without_index.append(register(n))
        finally:
            EVENT_FOLLOWERS.insert(at, index_follow)
    return with_index, without_index


def _queries() -> dict[str, str]:
    """The words, name, phone and number suffix searched, read from the village's disputes."""
    from jiefen.disputes.models import Dispute, Party
    from jiefen.search.models import SearchEntry

    village = (330681109008, 330681109008)
    entries = SearchEntry.objects.filter(region_code__range=village).values_list("body", flat=True)
    words: Counter[str] = Counter()
    for body in entries[:2000]:
        words.update({w for w in body.split() if len(w) >= 2 and not w.isdigit()})
    common = words.most_common(1)[0][0]
    from jiefen.org.scope import Scope
    from jiefen.search.selectors import text_hits

    # Rare in the whole database, not only in the village: at most three disputes hold it.
    everywhere = Scope(everything=True)
    rare = next(
        w
        for w, n in sorted(words.items(), key=lambda item: (item[1], -len(item[0])))
        if len(text_hits(everywhere, [w], limit=4)) <= 3
    )
    party = (
        Party.objects.filter(
            dispute__region_code__range=village, anonymised_at__isnull=True, kind="person"
        )
        .exclude(phone__isnull=True)
        .exclude(phone="")
        .order_by("-id")
        .first()
    )
    dispute = Dispute.objects.filter(region_code__range=village).order_by("-id").first()
    assert party is not None and dispute is not None
    return {
        "common word": common,
        "rare word": rare,
        "party name": party.name,
        "phone number": party.phone,
        "number suffix": dispute.number[-6:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--registrations", type=int, default=40)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiefen.accounts.models import User
    from jiefen.disputes.access import disputes_for
    from jiefen.disputes.models import Dispute
    from jiefen.disputes.selectors import dispute_list
    from jiefen.search.index import dispute_index, index_size

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    queries = _queries()
    shown = {k: ("(a phone number)" if k == "phone number" else v) for k, v in queries.items()}
    print("searched:", shown, flush=True)
    table: list[tuple[str, str, str, int, int]] = []
    for username in USERS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for kind, q in queries.items():
            url = "/disputes/?" + urlencode({"q": q})

            def get(url: str = url, client: Client = client) -> Any:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            with CaptureQueriesContext(connection) as captured:
                response = get()
            sqls = [c["sql"] for c in captured.captured_queries]
            assert not [s for s in sqls if COUNT.search(s)], f"a COUNT over the disputes: {url}"
            found = response.content.decode().count('<li class="row')
            table.append((username, kind, _ms(_timed(get, args.repeat)), len(sqls), found))
            print(*table[-1], flush=True)

    rare = queries["rare word"]
    like: list[tuple[str, str]] = []
    for username in USERS:
        user = User.objects.get(username=username)

        def scan(user: Any = user) -> list[int]:
            qs = disputes_for(user).filter(
                Q(number__startswith=rare) | Q(title__contains=rare) | Q(description__contains=rare)
            )
            return list(qs.order_by("-registered_at", "-id").values_list("id", flat=True)[:51])

        def search(user: Any = user) -> list[int]:
            return [d.pk for d in dispute_list(user, {"q": rare}, size=50).rows]

        like.append(
            (
                username,
                _ms(_timed(scan, max(3, args.repeat // 4))),
                _ms(_timed(search, args.repeat)),
            )
        )
        print("LIKE / search", *like[-1], flush=True)

    ids = list(Dispute.objects.order_by("-id").values_list("id", flat=True)[:50])
    from django.db import transaction

    def reindex() -> None:
        with transaction.atomic():
            for pk in ids:
                dispute_index(pk)

    per_registration = [t / len(ids) for t in _timed(reindex, 5)]
    with_index, without_index = _registrations(args.registrations)
    sizes = index_size()
    load = os.getloadavg()

    print()
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, "
        f"{Dispute.objects.count():,} disputes"
    )
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| who | query | first page median / p95 ms | queries | rows |")
    print("|---|---|---:|---:|---:|")
    for row in table:
        print("| {} | {} | {} | {} | {} |".format(*row))
    print()
    print("| who | rare word: former LIKE scan | rare word: search selector (ms, median / p95) |")
    print("|---|---:|---:|")
    for username, scanned, searched in like:
        print(f"| {username} | {scanned} | {searched} |")
    print()
    print(f"index rows of one dispute rewritten (a later move's cost): {_ms(per_registration)} ms")
    print(
        f"registration through services.dispute_register, median / p95 ms: with the index "
        f"{_ms(with_index)}, without {_ms(without_index)}; the index adds "
        f"{statistics.median(with_index) - statistics.median(without_index):.1f} ms"
    )
    total = sum(sizes.values())
    print(
        f"index size on disk: {total / 1e6:,.1f} MB "
        + ", ".join(f"{k} {v / 1e6:,.1f}" for k, v in sorted(sizes.items()))
    )


if __name__ == "__main__":
    main()
