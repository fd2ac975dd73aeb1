"""Helpers for evaluation tests: a safe-township scheme for 绍兴市, and the metrics tests'
March history (worked out by hand in jiefen/metrics/tests/test_indicators.py)."""

from datetime import date
from decimal import Decimal

import pytest

from jiefen.disputes.tests.conftest import (  # noqa: F401  (fixtures)
    _fast_passwords,
    at,
    register,
    village_head,
)
from jiefen.evaluation.models import Criterion, CriterionKind, Rating, Scheme
from jiefen.metrics.tests.conftest import march, play  # noqa: F401  (fixtures)

TODAY = date(2026, 4, 15)


def make_scheme(world, year=2026, region="绍兴市", **thresholds):
    scheme = Scheme.objects.create(
        region=world.regions[region],
        year=year,
        name=f"{year}年平安乡镇考核",
        basic_min=Decimal(thresholds.get("basic", 60)),
        level2_min=Decimal(thresholds.get("level2", 80)),
        level1_min=Decimal(thresholds.get("level1", 90)),
    )
    return scheme


def criterion(scheme, name, kind, weight=0, indicator="", cap=Rating.NOT_MET, sort=100):
    return Criterion.objects.create(
        scheme=scheme,
        name=name,
        kind=kind,
        weight=Decimal(weight),
        indicator=indicator,
        cap=cap,
        sort=sort,
    )


@pytest.fixture
def scheme(world):
    """Work (office score, weight 100), a veto for unresolved mass disputes capping at 'not
    met', and a veto the office records capping at 'basic'."""
    s = make_scheme(world)
    criterion(s, "平安建设工作", CriterionKind.SCORED, weight=100, sort=1)
    criterion(s, "群体性纠纷未化解", CriterionKind.VETO_MASS, cap=Rating.NOT_MET, sort=2)
    criterion(s, "重大责任事故", CriterionKind.VETO_RECORDED, cap=Rating.BASIC, sort=3)
    return s
