"""Evaluation objects for this actor: fetched through the town (selectors.town_for, 404 outside
the actor's evaluation jurisdiction), so a criterion is found only in the scheme that applies
to a town the actor may see."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from jiefen.evaluation.models import Criterion
from jiefen.evaluation.selectors import scheme_for, town_for
from jiefen.regions.models import Region


def criterion_for(actor: Any, code: Any, year: int, pk: Any) -> tuple[Region, Criterion]:
    """The town `code` and criterion `pk` of the scheme of `year` that applies to it, if the
    actor may see the town; 404 otherwise — the same for another town's scheme."""
    region = town_for(actor, code)
    scheme = scheme_for(region, year)
    try:
        return region, Criterion.objects.get(pk=pk, scheme=scheme)
    except Criterion.DoesNotExist:
        raise Http404 from None
