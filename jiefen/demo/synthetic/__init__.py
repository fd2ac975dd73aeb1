"""Synthetic disputes for the demo, `jiefen seed` and the benchmarks: realistic, repeatable, fast.

Every dispute is played through the lifecycle move by move — register, accept, sessions,
transfer, receive, assign, report, resolve, visit, close, now and then decline, return or
reopen — and each move changes the projection, the level stays and the deadline exactly as the
service of the same name in jiefen.disputes.services does, with the same event parameters.
The deadline rules and the working-day calendar are the real ones. The test suite replays
generated disputes through the services and compares the rows.

Calling the services for each move costs milliseconds (locks, a dozen queries); a demo of
100,000 disputes would take an hour. Here the rows are built as plain tuples in memory and
written in batches (executemany on SQLite, COPY on PostgreSQL), with ids assigned in order of
registration, so "newest first" by id stays true. On two cores a child process plays the
disputes while the parent writes; into empty tables everything goes in one transaction with
the secondary indexes built at the end. Rule lookups are made once, up front; due dates are
remembered per rule and day.

What is realistic: categories in the proportions of people's mediation statistics, seasons
(wage arrears in the weeks before Spring Festival, mountains and land in spring), a Zipf-like
spread over villages, most disputes resolved in the village, some transferred to the town and
a few to the county, agreements in about 95 % of resolutions, satisfaction mostly 4–5, late
transfers, declines, reopened cases and mass disputes now and then. Disputes of the last weeks
are still open with their current deadlines and colours. Parties' names, phone and ID numbers
are made up (ID numbers carry a correct GB 11643 check digit) and encrypted like any other.

Deterministic: the same seed, period, regions and moment give the same disputes; nothing
depends on database ids or the order of rows the database returns.

The package, in the order each part depends on the one before: vocabulary (names, numbers,
words, quick draws), world (the regions, bodies, staff and rules, read once), case (one
dispute's moves in memory, each taken from jiefen.disputes.lifecycle's table, and its rows),
story (proportions, seasons, the clock and the moves of one dispute) and loader (the entry
points and the bulk writing).
"""

from jiefen.demo.synthetic.case import COLUMNS, TABLES, check_columns
from jiefen.demo.synthetic.loader import (
    _loading,
    _reset_sequences,
    demo_disputes,
    disputes_generate,
    years_back,
)
from jiefen.demo.synthetic.world import _load_world

__all__ = [
    "COLUMNS",
    "TABLES",
    "_load_world",
    "_loading",
    "_reset_sequences",
    "check_columns",
    "demo_disputes",
    "disputes_generate",
    "years_back",
]
