"""Two sweeps reminding at the same moment (two workers): each village is reminded once.

The database is shared the way production processes share it (see shared_database in
jiefen/conftest.py): on PostgreSQL both insert at once and one waits
for the other's row; on SQLite one writer goes at a time."""

import threading
from datetime import date

import pytest
from django.db import connection

from jiefen.meetings.models import ScreeningReminder
from jiefen.meetings.screening import screening_reminders
from jiefen.meetings.tests.conftest import at

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("shared_database")]


def test_two_workers_remind_each_village_once(world, village_clerk, other_village_clerk):
    barrier = threading.Barrier(2)
    created: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            created.append(screening_reminders(today=date(2026, 3, 16), at=at(2026, 3, 16, 1)))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    villages = 3  # 枫一社区, 永安社区, 店口社区居委会: none has returned
    assert sum(created) == villages
    assert ScreeningReminder.objects.count() == villages
    try:
        from jiefen.supervision.models import Notification
    except ImportError:
        return
    # One notification per clerk of a reminded village, not two.
    assert Notification.objects.filter(kind="screening_missing").count() == 2
