import pytest

from jiefen.calendars.services import calendar_forget


@pytest.fixture(autouse=True)
def fresh_calendar():
    """Each test starts from its own tables, not a calendar an earlier test left cached."""
    calendar_forget()
    yield
    calendar_forget()
