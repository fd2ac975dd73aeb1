"""Keeping the rollups (models.py) equal to what the dispute history says: the hook
(hook.py), the rebuild (rebuild.py) and the check (check.py), on what they share (common.py).

Three ways in, one meaning:

- `rollup_event(event, dispute)`: the services call it for every event they write, in the same
  transaction, after the event row and the move's changes to the dispute and its level stays.
  It reads the dispute's earlier events and its stays (two indexed lookups), works out what
  this event changes, and adds it with one multi-row INSERT … ON CONFLICT DO UPDATE per table
  (SQLite ≥ 3.24 and PostgreSQL), at every level of the region tree. Increments commute, and
  rows are written in one global order (table, level, code, day), so concurrent transactions
  queue on the rows they share and never deadlock or lose a count.
- `rollups_rebuild()`: recomputes every table from the dispute, event and level-stay tables
  with set-based INSERT … SELECT … GROUP BY — for bulk loads (the synthetic generator), after a
  rule change, or to repair.
- `rollups_add(first, last)`: what the disputes first…last by id count for, added at every
  level — for disputes loaded in batches around the services (the demo's background load).
- `rollups_check()`: the rebuild's queries compared with the stored rows, and the dashboard's
  figures compared with the raw aggregate of raw.py; reports every difference.

What each Tally column counts for a region and local day D (the same words as indicators.py):

received, mass    disputes registered on D (mass: 10+ people)
accepted          disputes first accepted on D (Dispute.accepted_at: set by the first accept,
                  session, receive or return)
resolved, agreed  resolve events on D; agreed: with outcome "agreement"
village_registered_resolved / kept_in_village
                  resolve events of disputes registered by a village group (their first level
                  stay is at village level) / of those, made at village level (param "tier")
at_or_below_town  resolve events made at village or town level
ratings, ratings_good
                  visit events with param "satisfaction" and rate events with param "score";
                  good: 4 or 5
reopened, closed  reopen and close events
open_delta        + disputes that became open on D, − those that stopped being open
overdue_delta     the difference form of "open and past its deadline at the end of the day":
                  a dispute whose state since an event on day s is open with deadline X (the
                  event's "due" param) is overdue at the end of every day from
                  a = max(X + 1, s) until its next event on day E (exclusive): +1 on a, −1 on
                  max(a, E). So the count at the end of any day — past, or today — is a sum
                  over days ≤ it, with no daily snapshot job, exact for any past day.

DeadlineTally counts level stays with a due date by that date and tier: met, late (left after
it) and pending (not left yet; a pending stay counts as missed once its due date has passed).
StayMark remembers what each stay counts for, so that a change of due date or state moves one
count. MediationTally counts disputes by the day they were accepted and the day mediation
started (first session or resolution), because the mediation rate needs both.

Assumptions: a dispute's events are written in time order (ids and `at` agree). Level
deadlines changed without an event (services.deadlines_recompute) reach DeadlineTally through
`rollup_stays(dispute)`, the dispute's next event, or a rebuild; "overdue" always follows the
deadline recorded with the events, as the history says it was at the time.
"""

from jiefen.metrics.rollups.check import (
    rollups_check,
)
from jiefen.metrics.rollups.common import (
    ACCEPTING,
    LEVELS,
    LOW_TIERS,
    MEDIATING,
    OPEN,
    TALLY_COLUMNS,
    VILLAGE,
    local_day,
    rating_of,
    stay_state,
    truncate,
    width,
)
from jiefen.metrics.rollups.hook import (
    _add,
    rollup_event,
    rollup_replay,
    rollup_stays,
)
from jiefen.metrics.rollups.rebuild import (
    TABLES,
    rollups_add,
    rollups_rebuild,
)

__all__ = [
    "ACCEPTING",
    "LEVELS",
    "LOW_TIERS",
    "MEDIATING",
    "OPEN",
    "TABLES",
    "TALLY_COLUMNS",
    "VILLAGE",
    "_add",
    "local_day",
    "rating_of",
    "rollup_event",
    "rollup_replay",
    "rollup_stays",
    "rollups_add",
    "rollups_check",
    "rollups_rebuild",
    "stay_state",
    "truncate",
    "width",
]
