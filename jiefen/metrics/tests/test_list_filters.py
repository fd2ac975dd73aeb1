"""Every number on the dashboard links to the dispute list behind it, and that list holds exactly
the disputes the number counts — checked against an independent reading of the history."""

from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from jiefen.disputes.models import OPEN_STATUSES, Dispute, Event, LevelStay
from jiefen.metrics.dashboard import links
from jiefen.metrics.periods import Period

MARCH = Period.containing("month", date(2026, 3, 1))
TODAY = date(2026, 4, 15)


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def listed(client, url: str) -> set[int]:
    """Every dispute the list shows for `url`, following its pages."""
    ids: set[int] = set()
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["form"].errors, response.context["form"].errors
    while True:
        page = response.context["page"]
        ids |= {d.pk for d in page.rows}
        if page.next_after is None:
            return ids
        response = client.get(url + f"&after={page.next_after}")


def counted(region_span, period: Period) -> dict[str, tuple[set[int], int]]:
    """For each count, the disputes behind it and the count itself, read from the disputes and
    their events without the rollups or the list."""
    low, high = region_span
    start, end = _start(period.start), _start(period.end + timedelta(days=1))
    disputes = Dispute.objects.filter(region_code__range=(low, high))
    events = Event.objects.filter(dispute__in=disputes, at__gte=start, at__lt=end)

    def of(qs):
        ids = list(qs.values_list("dispute_id", flat=True))
        return set(ids), len(ids)

    def plain(qs):
        ids = set(qs.values_list("pk", flat=True))
        return ids, len(ids)

    registered = disputes.filter(registered_at__gte=start, registered_at__lt=end)
    accepted = disputes.filter(accepted_at__gte=start, accepted_at__lt=end)
    mediated = {
        d.pk
        for d in accepted
        if d.events.filter(action__in=["session", "resolve"], at__lt=end).exists()
    }
    village_registered = set(
        LevelStay.objects.filter(arrived_how="registered", tier="village").values_list(
            "dispute_id", flat=True
        )
    )
    resolves = list(events.filter(action="resolve").values_list("dispute_id", "params"))
    kept = [i for i, p in resolves if p.get("tier") == "village" and i in village_registered]
    low_tier = [i for i, p in resolves if p.get("tier") in ("village", "town")]
    good = [
        e.dispute_id
        for e in events.filter(action__in=["visit", "rate"])
        if (e.params.get("satisfaction") if e.action == "visit" else e.params.get("score"))
        in (4, 5)
    ]
    return {
        "received": plain(registered),
        "accepted": plain(accepted),
        "mediation_rate": (mediated, len(mediated)),
        "success_rate": of(events.filter(action="resolve", params__outcome="agreement")),
        "village_share": (set(kept), len(kept)),
        "town_share": (set(low_tier), len(low_tier)),
        "satisfaction": (set(good), len(good)),
        "mass": plain(registered.filter(mass=True)),
        "reopen_rate": of(events.filter(action="reopen")),
        "open": plain(disputes.filter(status__in=OPEN_STATUSES)),
        "overdue_open": plain(
            disputes.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
        ),
    }


@pytest.mark.parametrize(
    "who, code", [("town_head", 330681109000), ("county_officer", 330681000000)]
)
def test_the_list_behind_each_tile_holds_exactly_the_disputes_it_counts(
    client, march, request, who, code
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(
        reverse("metrics:dashboard"), {"region": code, "period": "month", "on": "2026-03-01"}
    )
    board = response.context["board"]
    expected = counted(board.region.span, board.period)
    tiles = {t.indicator.key: t for t in [*board.tiles, *board.workload]}
    checked = []
    for key, (ids, n) in expected.items():
        tile = tiles[key]
        if tile.numerator_url is None:  # open and overdue at a past moment: no list can say
            continue
        assert tile.figure.numerator == n, key
        assert listed(client, tile.numerator_url) == ids, key
        checked.append(key)
    # The March history has something behind each of these.
    assert {"received", "success_rate", "village_share", "satisfaction", "mass"} <= {
        k for k in checked if expected[k][0]
    }
    assert len(checked) >= 9


def test_the_denominators_list_their_disputes_too(client, march, town_head):
    client.force_login(town_head)
    region = march[1].region.parent
    _numerator, denominator = links("success_rate", region, MARCH, TODAY)
    assert listed(client, denominator) == {march[1].pk, march[2].pk, march[3].pk, march[7].pk}
    _numerator, denominator = links("satisfaction", region, MARCH, TODAY)
    assert listed(client, denominator) == {march[1].pk, march[2].pk, march[7].pk}


def test_a_tier_filter_on_resolutions_is_the_level_that_resolved(client, march, town_head):
    client.force_login(town_head)
    url = reverse("disputes:list") + (
        "?event=resolve&event_from=2026-03-01&event_to=2026-03-31&tier=town"
    )
    assert listed(client, url) == {march[3].pk}
    # Without an event filter the tier is the level holding the dispute now.
    assert march[3].pk in listed(client, reverse("disputes:list") + "?tier=town")
    assert march[1].pk not in listed(client, reverse("disputes:list") + "?tier=town")


def test_the_list_links_stay_inside_the_jurisdiction(client, march, other_town_head):
    """店口镇's head following 枫桥镇's link sees none of 枫桥镇's disputes."""
    client.force_login(other_town_head)
    url, _denominator = links("received", march[1].region.parent, MARCH, TODAY)
    assert listed(client, url) == set()
    query = parse_qs(urlparse(url).query)
    assert query["region"] == ["330681109000"]
