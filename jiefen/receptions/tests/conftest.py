"""Helpers for receptions tests: the named people of jiefen/conftest.py, disputes played
through the services at explicit moments (see jiefen/meetings/tests), and a county leader who
receives citizens."""

from jiefen.meetings.tests.conftest import (  # noqa: F401  (fixtures)
    _fast_passwords,
    at,
    county_leader,
    transferred_to_county,
)
