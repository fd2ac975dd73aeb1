"""Helpers for KPI tests: disputes played through the services at explicit moments.

The services fold every event into the rollups themselves (services.event_append calls
rollups.rollup_event in the event's transaction), so the tests only make moves and read.
"""

import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps

from jiefen.disputes import services
from jiefen.disputes.models import Outcome, Route
from jiefen.disputes.tests.conftest import (  # noqa: F401  (fixtures)
    _fast_passwords,
    at,
    register,
    village_head,
)
from jiefen.disputes.tests.steps import perform

TODAY = date(2026, 4, 15)


@pytest.fixture
def seeded(transactional_db):
    """What the migrations seed (categories, rules, the calendar), which a transactional test
    run before this one may have flushed away."""
    from jiefen.conftest import SEEDS

    for module, function in SEEDS:
        getattr(importlib.import_module(module), function)(django_apps, None)


@pytest.fixture
def play(db):
    """`play(action, actor, dispute, when)`: one move through its service."""

    def move(action, actor, dispute, when, **kwargs):
        return perform(action, actor=actor, dispute=dispute, at=when, **kwargs)

    return move


@pytest.fixture
def march(world, village_clerk, other_village_clerk, village_head, town_head, other_town_head,  # noqa: F811
          play):  # fmt: skip
    """A small history in 枫桥镇 (and one dispute in 店口镇), worked out by hand in
    test_indicators.py; the disputes by number.

    D1 枫一  registered 2 Mar, accepted, session 3 Mar, resolved with agreement 5 Mar (village),
             visited 6 Mar (5), scored 4 by a party 8 Mar, closed 7 Mar
    D2 枫一  registered 3 Mar, accepted, resolved without agreement 10 Mar (village), visited
             11 Mar (3), closed 12 Mar
    D3 枫一  complex: registered 4 Mar (transfer due 9 Mar), transferred late 12 Mar, received
             (and so accepted) by the town 13 Mar (due 24 Mar), session 16 Mar, resolved with
             agreement 20 Mar (town)
    D4 永安  12 people (mass): registered and accepted 5 Mar (due 4 Apr), still open
    D5 枫一  registered and accepted 10 Feb (due 12 Mar), still open: overdue
    D6 枫一  registered and declined 20 Mar
    D7 枫一  registered 5 Jan, resolved 20 Jan, visited, closed 22 Jan; reopened 18 Mar,
             resolved with agreement 25 Mar (village), visited 26 Mar (2)
    D8 店口  registered by 店口镇's centre 10 Mar, resolved 11 Mar (town) — another town
    D9 枫一  15 people, registered 15 Mar 2025: the mass dispute of last year, still open
    """

    def reg(when, clerk=village_clerk, **kwargs):
        return register(world, clerk, when=when, **kwargs)

    d = {}
    d[1] = reg(at(2026, 3, 2))
    for action, when in [("accept", at(2026, 3, 2, 11)), ("session", at(2026, 3, 3)),
                         ("resolve", at(2026, 3, 5)), ("visit", at(2026, 3, 6)),
                         ("close", at(2026, 3, 7))]:  # fmt: skip
        d[1] = play(action, village_clerk, d[1], when)
    # A party's own rating, as the portal records it: an event that changes no state.
    services.event_append(
        dispute=d[1], action="rate", actor=None, at=at(2026, 3, 8), from_status="closed",
        to_status="closed", body=d[1].holder, params={"score": 4},
    )  # fmt: skip

    d[2] = reg(at(2026, 3, 3))
    d[2] = play("accept", village_clerk, d[2], at(2026, 3, 3, 11))
    d[2] = services.dispute_resolve(
        actor=village_clerk, dispute_id=d[2].pk, version=d[2].version,
        outcome=Outcome.NO_AGREEMENT, route=Route.LITIGATION, at=at(2026, 3, 10),
    )  # fmt: skip
    d[2] = services.dispute_visit(
        actor=village_clerk, dispute_id=d[2].pk, version=d[2].version, satisfaction=3,
        held=False, at=at(2026, 3, 11),
    )  # fmt: skip
    d[2] = play("close", village_clerk, d[2], at(2026, 3, 12))

    d[3] = reg(at(2026, 3, 4), complex=True)
    d[3] = play("transfer", village_clerk, d[3], at(2026, 3, 12))
    d[3] = play("receive", town_head, d[3], at(2026, 3, 13))
    d[3] = play("session", town_head, d[3], at(2026, 3, 16))
    d[3] = play("resolve", town_head, d[3], at(2026, 3, 20))

    d[4] = reg(at(2026, 3, 5), clerk=other_village_clerk, region="永安社区", body="永安社区",
               people_involved=12)  # fmt: skip
    d[4] = play("accept", other_village_clerk, d[4], at(2026, 3, 5, 11))

    d[5] = reg(at(2026, 2, 10))
    d[5] = play("accept", village_clerk, d[5], at(2026, 2, 10, 11))

    d[6] = reg(at(2026, 3, 20))
    d[6] = play("decline", village_clerk, d[6], at(2026, 3, 20, 15))

    d[7] = reg(at(2026, 1, 5))
    for action, when in [("accept", at(2026, 1, 5, 11)), ("resolve", at(2026, 1, 20)),
                         ("visit", at(2026, 1, 21)), ("close", at(2026, 1, 22))]:  # fmt: skip
        d[7] = play(action, village_clerk, d[7], when)
    d[7] = play("reopen", village_head, d[7], at(2026, 3, 18))
    d[7] = play("resolve", village_clerk, d[7], at(2026, 3, 25))
    d[7] = services.dispute_visit(
        actor=village_clerk, dispute_id=d[7].pk, version=d[7].version, satisfaction=2,
        held=True, at=at(2026, 3, 26),
    )  # fmt: skip

    d[8] = reg(at(2026, 3, 10), clerk=other_town_head, body="店口镇", region="店口社区居委会")
    d[8] = play("accept", other_town_head, d[8], at(2026, 3, 10, 11))
    d[8] = play("resolve", other_town_head, d[8], at(2026, 3, 11))

    d[9] = reg(at(2025, 3, 15), people_involved=15)
    return d
