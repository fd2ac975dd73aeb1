"""Dispute helpers shared with the dispute tests (the same fixed moment and village)."""

from jiefen.disputes.tests.conftest import (  # noqa: F401 - fixtures used by name
    _fast_passwords,
    at,
    fresh_calendar,
    register,
    registered,
    village_head,
)
