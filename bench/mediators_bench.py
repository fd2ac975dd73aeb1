"""The register's pages as a clerk gets them, through Django's test client, signed in as the
demo's village clerk: the routing proposal GET /mediators/disputes/<pk>/ (the catalogue's
choice, the ranked mediators of the competent committee and of the holding body, the current
assignments), the register GET /mediators/ (each mediator's figures, the on-time share among
them) and the dispute page GET /disputes/<pk>/ (its session form offers the mediators).

Run against a database with the demo loaded (and optionally `jiefen seed --disputes N`):

    export DATABASE_URL=sqlite:////tmp/mediators_bench.sqlite3   # or postgres://…
    .venv/bin/jiefen migrate && .venv/bin/jiefen createcachetable
    .venv/bin/jiefen demo --disputes 0
    .venv/bin/jiefen seed --disputes 5000
    .venv/bin/python bench/mediators_bench.py --extra-mediators 20000 --runs 200

--extra-mediators adds that many mediators (bulk, once) spread over the demo's towns and the
Zhuji labour committee, so that ranking a body's mediators meets a crowded register. Prints
p50 / p95 / max in milliseconds, a line per page.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra-mediators", type=int, default=0)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from jiefen.accounts.models import User
    from jiefen.disputes.models import Category, Dispute
    from jiefen.disputes.services import DisputeInput, PartyInput, dispute_register
    from jiefen.mediators.models import Mediator
    from jiefen.org.models import Body, BodyKind
    from jiefen.regions.models import Region

    labour = Category.objects.get(key="labour")
    if args.extra_mediators:
        bodies = list(
            Body.objects.filter(kind__in=[BodyKind.TOWN_CENTRE, BodyKind.COMMITTEE]).order_by("pk")
        )
        made = [
            Mediator(
                name=f"压测调解员{i}",
                home_body=bodies[i % len(bodies)],
                region_code=bodies[i % len(bodies)].region_code,
                appointed_on=date(2024, 1, 1),
                weekdays="12345" if i % 3 else "135",
            )
            for i in range(args.extra_mediators)
        ]
        Mediator.objects.bulk_create(made, batch_size=1000)  # audit-exempt: benchmark data
        through = Mediator.bodies.through
        takes = Mediator.categories.through
        through.objects.bulk_create(  # audit-exempt: benchmark data
            [through(mediator_id=m.pk, body_id=m.home_body_id) for m in made], batch_size=2000
        )
        takes.objects.bulk_create(  # audit-exempt: benchmark data
            [takes(mediator_id=m.pk, category_id=labour.pk) for m in made[::2]], batch_size=2000
        )
        if connection.vendor == "postgresql":  # fresh statistics after a bulk load, as autovacuum
            with connection.cursor() as cursor:  # would give them (it may be off or not yet run)
                for model in (Mediator, through, takes):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    clerk = User.objects.get(username="clerk")
    group = Body.objects.get(region_id=330681109008, kind=BodyKind.VILLAGE_GROUP)
    dispute = Dispute.objects.filter(title="压测：拖欠工资", holder=group).order_by(
        "pk"
    ).first() or dispute_register(
        actor=clerk,
        data=DisputeInput(
            body=group,
            category=labour,
            channel="walk_in",
            region=Region.objects.get(pk=330681109008),
            title="压测：拖欠工资",
            description="工人称某厂拖欠三个月工资。",
            people_involved=3,
            parties=[
                PartyInput(side="applicant", name="张三"),
                PartyInput(side="respondent", name="某厂"),
            ],
        ),
        at=timezone.now(),
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(clerk)
    pages = {
        "proposal": f"/mediators/disputes/{dispute.pk}/",
        # the register of the clerk's jurisdiction with each mediator's figures (on-time share)
        "register": "/mediators/",
        # the dispute page, whose session form offers the holder's mediators
        "detail": f"/disputes/{dispute.pk}/",
    }
    for page, url in pages.items():
        assert client.get(url).status_code == 200, url
        times = []
        for _i in range(args.runs):
            start = time.perf_counter()
            answer = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200
        times.sort()
        print(
            f"page={page} disputes={Dispute.objects.count()} "
            f"mediators={Mediator.objects.count()} db={connection.vendor} runs={args.runs} "
            f"p50={statistics.median(times):.1f}ms p95={times[int(len(times) * 0.95) - 1]:.1f}ms "
            f"max={times[-1]:.1f}ms"
        )


if __name__ == "__main__":
    main()
