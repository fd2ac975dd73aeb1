from datetime import date

from django.core.management import call_command

from jiefen.calendars.services import override_set
from jiefen.disputes.models import Dispute
from jiefen.disputes.services import deadlines_recompute
from jiefen.disputes.tests.conftest import at, register


def test_it_moves_stored_deadlines_when_the_calendar_changes(world, village_clerk, administrator):
    dispute = register(world, village_clerk, complex=True, when=at(2026, 3, 2))
    assert dispute.due_date == date(2026, 3, 5)  # Tue 3, Wed 4, Thu 5
    override_set(
        date=date(2026, 3, 4), working=False, notice="县政府临时通知（演练）", actor=administrator
    )

    assert deadlines_recompute(at=at(2026, 3, 2, 12)) == 1
    assert Dispute.objects.get(pk=dispute.pk).due_date == date(2026, 3, 6)
    assert deadlines_recompute(at=at(2026, 3, 2, 12)) == 0
    # The level-deadline rollups moved with it: they still equal the history.
    from jiefen.metrics.rollups import rollups_check

    assert rollups_check() == []


def test_it_reports_the_recolouring_on_the_command_line(world, village_clerk, capsys):
    register(world, village_clerk, complex=True, when=at(2026, 3, 2))
    call_command("deadlines", "refresh")
    assert "变为红色 1 件" in capsys.readouterr().out
