"""What the three ways into the rollups share: the levels, the columns, a local day, and
what a level stay counts for."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from jiefen.disputes.models import OPEN_STATUSES
from jiefen.metrics.models import StayMark
from jiefen.regions.models import LEVEL_DIGITS, Level

LEVELS = tuple(int(level) for level in Level)  # 1 province … 5 village
VILLAGE = int(Level.VILLAGE)
TALLY_COLUMNS = (
    "received",
    "mass",
    "accepted",
    "resolved",
    "agreed",
    "village_registered_resolved",
    "kept_in_village",
    "at_or_below_town",
    "ratings",
    "ratings_good",
    "reopened",
    "closed",
    "open_delta",
    "overdue_delta",
)
ACCEPTING = frozenset({"accept", "session", "receive", "return"})
MEDIATING = frozenset({"session", "resolve"})
OPEN = frozenset(str(s) for s in OPEN_STATUSES)
LOW_TIERS = frozenset({"village", "town"})


def width(level: int) -> int:
    return 10 ** (12 - LEVEL_DIGITS[Level(level)])


def truncate(code: int, level: int) -> int:
    """The code of the unit at `level` that holds `code` (the code itself if it is coarser)."""
    return code - code % width(level)


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _due(params: Any) -> date | None:
    try:
        return date.fromisoformat(params["due"]) if params and params.get("due") else None
    except (TypeError, ValueError):
        return None


def rating_of(action: str, params: Any) -> int | None:
    """The rating an event gives, if any: a whole number from 1 to 5."""
    key = {"visit": "satisfaction", "rate": "score"}.get(action)
    value = (params or {}).get(key) if key else None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    return None


def stay_state(due: date | None, left_at: datetime | None, met: bool | None) -> str | None:
    if due is None:
        return None
    if left_at is None:
        return StayMark.State.PENDING
    if met is True:
        return StayMark.State.MET
    if met is False:
        return StayMark.State.LATE
    return None
