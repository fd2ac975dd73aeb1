"""What a person gets: the pages as they are served, timed through Django's test client with
every panel, on the database in use (the README's figures: the SQLite demo of 100,000 disputes
and PostgreSQL at 1,000,000).

    .venv/bin/python bench/pages_bench.py                       # the SQLite demo under var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h19a_1m .venv/bin/python bench/pages_bench.py
    .venv/bin/python bench/pages_bench.py --repeat 20 --only dashboard

Times, after one warm-up request each: the dashboard (/metrics/, this year, the default period)
for the city, a county, a town and a village, signed in as a city evaluator; last year's
dashboard of the city; the full list of early warnings (first page); the ratings page of the
city for a year; the county's monthly circular (its figures, and the whole generation through
the service, the row deleted again; the generation through the form's POST and the page it
leads to; a generated circular's page; the list of circulars); the dispute page (the county's
longest history, the town's newest open dispute) for a county officer and a town head, every
panel included. Prints median and 95th percentile in milliseconds, the number of SQL queries and
the size of the answer. The list's export is a background job, timed by bench/export_bench.py.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")

CITY, COUNTY, TOWN, VILLAGE = 330600000000, 330681000000, 330681109000, 330681109008


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per page")
    parser.add_argument("--year", type=int, default=2025, help="year of the ratings page")
    parser.add_argument("--only", default="", help="comma-separated names to run (prefixes)")
    return parser.parse_args()


def _queries(call: Callable[[], Any]) -> tuple[int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured.captured_queries), result


def _size(result: Any) -> int:
    if hasattr(result, "streaming_content"):
        return sum(len(chunk) for chunk in result.streaming_content)
    return len(getattr(result, "content", b"") or b"")


def main() -> None:
    options = _arguments()
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    import jiefen.wsgi  # noqa: F401  # as in the app processes: views loaded, gc.freeze
    from jiefen.accounts.models import User
    from jiefen.disputes.models import Dispute
    from jiefen.meetings.circulars import KIND_OF_BODY, circular_figures, circular_generate
    from jiefen.meetings.models import Circular
    from jiefen.metrics.periods import Period
    from jiefen.org.models import Body, BodyKind

    today = timezone.localdate()
    now = timezone.now()
    evaluator = User.objects.get(username="evaluator")
    townhead = User.objects.get(username="townhead")
    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(evaluator)
    town_client = Client(HTTP_HOST="127.0.0.1")
    town_client.force_login(townhead)
    county_body = Body.objects.get(region_id=COUNTY, kind=BodyKind.COUNTY_MEETING)
    month = Period.containing(KIND_OF_BODY[BodyKind(county_body.kind)], today).previous()
    admin = User.objects.filter(is_superuser=True).first() or evaluator

    def page(client: Any, url: str) -> Callable[[], Any]:
        def get() -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            if hasattr(response, "streaming_content"):
                response.content_size = _size(response)
            return response

        return get

    def generate() -> Any:
        with transaction.atomic():
            Circular.objects.filter(body=county_body, period_start=month.start).delete()
            circular = circular_generate(
                actor=admin, body=county_body, period_start=month.start, at=now
            )
            Circular.objects.filter(pk=circular.pk).delete()
        return None

    county_user = User.objects.get(username="county")
    county_client = Client(HTTP_HOST="127.0.0.1")
    county_client.force_login(county_user)
    from django.db.models import Count

    from jiefen.disputes.models import OPEN_STATUSES, Event

    # The county's dispute with the longest history, and the newest open dispute of the town
    # (its page has the moves' forms, the supervision choices and the related suggestions).
    longest = (
        Event.objects.filter(dispute__region_code__range=(COUNTY, COUNTY + 999_999))
        .values("dispute_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    newest_open = (
        Dispute.objects.filter(region_code__range=(TOWN, TOWN + 999), status__in=OPEN_STATUSES)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )

    def post_generation() -> Any:
        """The generation as a person asks for it: the form's POST, then the circular's page."""
        with transaction.atomic():
            Circular.objects.filter(body=county_body, period_start=month.start).delete()
            response = county_client.post(
                "/meetings/circulars/generate/",
                {"body": county_body.pk, "period": month.start.isoformat()},
            )
            assert response.status_code == 302, response.status_code
            page_response = county_client.get(response["Location"])
            assert page_response.status_code == 200
            Circular.objects.filter(body=county_body, period_start=month.start).delete()
        return page_response

    stored: dict[str, int] = {}

    def stored_page() -> Any:
        """The page of a circular already generated (its figures are read as stored)."""
        if not stored:
            with transaction.atomic():
                Circular.objects.filter(body=county_body, period_start=month.start).delete()
                circular = circular_generate(
                    actor=admin, body=county_body, period_start=month.start, at=now
                )
            stored["pk"] = circular.pk
        return page(county_client, f"/meetings/circulars/{stored['pk']}/")()

    last_year = f"period=year&on={today.year - 1}-01-01"
    pages: list[tuple[str, Callable[[], Any]]] = [
        ("dashboard city", page(staff, f"/metrics/?region={CITY}")),
        ("dashboard county", page(staff, f"/metrics/?region={COUNTY}")),
        ("dashboard town", page(staff, f"/metrics/?region={TOWN}")),
        ("dashboard village", page(staff, f"/metrics/?region={VILLAGE}")),
        ("dashboard city, last year", page(staff, f"/metrics/?region={CITY}&{last_year}")),
        ("dashboard town, last year", page(staff, f"/metrics/?region={TOWN}&{last_year}")),
        ("early warnings city, all (page 1)", page(staff, f"/metrics/warnings/?region={CITY}")),
        ("ratings city", page(staff, f"/evaluation/ratings/?region={CITY}&year={options.year}")),
        ("circular county monthly: figures", lambda: circular_figures(county_body, month, today)),
        ("circular county monthly: generation", generate),
        ("circular county monthly: generation through the page", post_generation),
        ("circular county monthly: a generated circular's page", stored_page),
        ("circular list of the county", page(county_client, "/meetings/circulars/")),
    ]
    if longest is not None:
        pages.append(
            (
                f"dispute detail, longest history ({longest['n']} events), county officer",
                page(county_client, f"/disputes/{longest['dispute_id']}/"),
            )
        )
    if newest_open is not None:
        pages.append(
            (
                "dispute detail, newest open of the town, county officer",
                page(county_client, f"/disputes/{newest_open}/"),
            )
        )
        pages.append(
            (
                "dispute detail, newest open of the town, town head",
                page(town_client, f"/disputes/{newest_open}/"),
            )
        )
    only = [o.strip() for o in options.only.split(",") if o.strip()]
    size = Dispute.objects.count()
    print(
        f"{connection.vendor} · {platform.python_version()} · {os.cpu_count()} CPUs · "
        f"{size:,} disputes · load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print()
    print("| page | median ms | p95 ms | queries | bytes |")
    print("|---|---:|---:|---:|---:|")
    for name, call in pages:
        if only and not any(name.startswith(o) for o in only):
            continue
        try:
            call()  # warm-up
        except Exception as error:  # a page this version does not have
            print(f"| {name} | — | — | — | {type(error).__name__}: {error} |")
            continue
        times = []
        for _ in range(options.repeat):
            began = time.perf_counter()
            call()
            times.append((time.perf_counter() - began) * 1000)
        queries, result = _queries(call)
        size = getattr(result, "content_size", None) or _size(result)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"| {name} | {statistics.median(times):,.0f} | {p95:,.0f} | {queries} | {size:,} |",
            flush=True,
        )
    if stored:
        Circular.objects.filter(pk=stored["pk"]).delete()
    print()
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
