"""Parties of disputes closed long ago are anonymised; the figures do not move."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jiefen.disputes.models import Agreement, Dispute, Event, Party, Reveal, Session
from jiefen.disputes.services import party_reveal
from jiefen.metrics.dashboard import dashboard
from jiefen.metrics.periods import Period
from jiefen.metrics.rollups import rollups_check
from jiefen.privacy import lookup
from jiefen.privacy.models import AnonymiseRun
from jiefen.privacy.retention import (
    REMOVED,
    Scrubber,
    parties_anonymise,
    parties_anonymise_due,
    retention_cutoff,
)
from jiefen.privacy.tests.conftest import at

MARCH = Period.containing("month", date(2026, 3, 1))
COMMAND_TODAY = "jiefen.privacy.management.commands.privacy._today"


def figures(world, actor):
    """The dashboard of 枫桥镇 for March: every figure, every sub-unit's figures, the mix."""
    board = dashboard(actor, world.regions["枫桥镇"], MARCH, date(2026, 4, 15))

    def plain(found):
        return {k: (f.value, f.numerator, f.denominator, f.met) for k, f in found.items()}

    return plain(board.figures), [(r.code, plain(r.figures)) for r in board.rows], board.mix


def anonymised(dispute):
    return list(Party.objects.filter(dispute=dispute).values_list("anonymised_at", flat=True))


def test_statistics_and_rollups_are_the_same_before_and_after(march, world, town_head):
    before = figures(world, town_head)
    assert rollups_check() == []
    done = parties_anonymise(closed_before=date(2026, 3, 31), chunk=1)
    # D1 (closed 7 Mar), D2 (closed 12 Mar), D6 (declined 20 Mar); D7 was reopened.
    assert (done.disputes, done.parties) == (3, 6)
    assert figures(world, town_head) == before
    assert rollups_check() == []
    out = StringIO()
    call_command("rollups", "check", stdout=out)
    assert "一致" in out.getvalue()


def test_it_removes_what_identifies_the_parties_and_keeps_the_facts_counted(
    march, world, village_clerk
):
    d1 = march[1]
    her = Party.objects.get(dispute=d1, side="applicant")
    party_reveal(actor=village_clerk, party_id=her.pk, field="phone", reason="通知回访")
    Event.objects.filter(dispute=d1, action="accept").update(reason="张三来电 13812345678 询问")
    kept = Dispute.objects.filter(pk=d1.pk).values(
        "category", "region_code", "status", "outcome", "satisfaction", "registered_at",
        "closed_at", "people_involved", "amount",
    ).get()  # fmt: skip
    actions = list(Event.objects.filter(dispute=d1).values_list("action", "to_status", "params"))

    parties_anonymise(closed_before=date(2026, 3, 10), now=at(2031, 3, 10))

    parties = list(Party.objects.filter(dispute=d1).order_by("id"))
    assert [p.name for p in parties] == ["当事人甲", "当事人乙"]
    assert all(p.phone is None and p.id_number is None and p.address == "" for p in parties)
    assert all(p.phone_digest == "" and p.id_digest == "" for p in parties)
    assert all(p.anonymised_at == at(2031, 3, 10) for p in parties)
    d1.refresh_from_db()
    assert d1.description == REMOVED and "张三" not in d1.title
    assert (
        Event.objects.get(dispute=d1, action="accept").reason == "当事人甲来电 〔号码已删除〕 询问"
    )
    assert all(s.record == REMOVED for s in Session.objects.filter(dispute=d1))
    assert all(a.terms == REMOVED for a in Agreement.objects.filter(dispute=d1))
    assert Dispute.objects.filter(pk=d1.pk).values(*kept).get() == kept
    after = list(Event.objects.filter(dispute=d1).values_list("action", "to_status", "params"))
    assert after[:-1] == actions
    assert after[-1][:2] == ("anonymise", "closed")
    assert after[-1][2]["parties"] == 2 and after[-1][2]["closed_before"] == "2026-03-10"
    assert Reveal.objects.filter(party=her).count() == 1  # who saw it stays on record
    # Another dispute of the same people, closed later, is untouched.
    assert {p.name for p in Party.objects.filter(dispute=march[2])} == {"张三", "李四"}
    assert Party.objects.get(dispute=march[2], side="applicant").phone == "13812345678"


def test_a_second_run_finds_nothing_to_do(march):
    first = parties_anonymise(closed_before=date(2026, 3, 31))
    events = Event.objects.count()
    second = parties_anonymise(closed_before=date(2026, 3, 31))
    assert (second.disputes, second.parties) == (0, 0) and first.parties > 0
    assert Event.objects.count() == events
    assert Event.objects.filter(action="anonymise").count() == first.disputes


@pytest.mark.parametrize(
    "years, today, due",
    [
        (5, date(2031, 3, 7), []),  # D1 closed 7 Mar 2026: five years are not over that day
        (5, date(2031, 3, 8), [1]),
        (5, date(2031, 3, 13), [1, 2]),
        (3, date(2029, 3, 13), [1, 2]),
        (10, date(2031, 3, 13), []),
    ],
)
def test_it_keeps_parties_for_the_retention_period(march, settings, years, today, due):
    settings.JIEFEN_PARTY_RETENTION_YEARS = years
    parties_anonymise_due(today=today)
    done = [n for n in (1, 2, 6, 7) if any(anonymised(march[n]))]
    assert done == due
    assert retention_cutoff(date(2032, 2, 29), 5) == date(2027, 2, 28)


def test_the_sweep_hook_runs_once_a_day(march, settings):
    settings.JIEFEN_PARTY_RETENTION_YEARS = 5
    assert parties_anonymise_due(today=date(2031, 3, 8)) == 2
    Party.objects.filter(dispute=march[1]).update(anonymised_at=None)
    assert parties_anonymise_due(today=date(2031, 3, 8)) == 0  # done today already
    assert AnonymiseRun.objects.filter(trigger="sweep").count() == 1


def test_the_command_dry_run_counts_and_changes_nothing(march, monkeypatch):
    monkeypatch.setattr(COMMAND_TODAY, lambda: date(2031, 3, 31))
    out = StringIO()
    call_command("privacy", "anonymise", "--dry-run", stdout=out)
    assert "3 件纠纷的 6 名当事人待匿名化" in out.getvalue()
    assert not Party.objects.filter(anonymised_at__isnull=False).exists()
    assert not AnonymiseRun.objects.exists()


def test_the_command_works_in_chunks_and_says_what_it_did(march, monkeypatch):
    monkeypatch.setattr(COMMAND_TODAY, lambda: date(2031, 3, 31))
    out = StringIO()
    call_command("privacy", "anonymise", "--before", "2026-03-13", "--chunk", "1", stdout=out)
    text = out.getvalue()
    assert text.count("…已处理") == 2
    assert "已匿名化 2026-03-13 之前结案的 2 件纠纷的 4 名当事人" in text
    run = AnonymiseRun.objects.get()
    assert (run.disputes, run.parties, run.trigger) == (2, 4, "command")
    assert run.finished_at is not None


def test_the_command_refuses_to_delete_before_the_period_is_over(march, monkeypatch):
    monkeypatch.setattr(COMMAND_TODAY, lambda: date(2031, 3, 1))
    with pytest.raises(CommandError, match="不能提前删除"):
        call_command("privacy", "anonymise", "--before", "2026-03-13", stdout=StringIO())
    assert not Party.objects.filter(anonymised_at__isnull=False).exists()


def test_the_scrubber_replaces_longest_names_first_and_masks_numbers_not_dates():
    scrub = Scrubber({"张三": "当事人甲", "张三丰": "当事人乙", "李": "x"})
    assert scrub.text(
        "张三丰和张三于2026-03-05通话，电话138 1234 5678，身份证33068119870516302X"
    ) == ("当事人乙和当事人甲于2026-03-05通话，电话〔号码已删除〕，身份证〔号码已删除〕")
    assert scrub.data({"held_on": "2026-03-05", "n": 13812345678, "who": ["张三"]}) == {
        "held_on": "2026-03-05",
        "n": 13812345678,
        "who": ["当事人甲"],
    }
    assert lookup.digest("") == ""


def test_anonymisation_records_what_it_replaced_and_never_the_values(march):
    from jiefen.audit.models import Record

    names = set(Party.objects.values_list("name", flat=True))
    parties_anonymise(closed_before=date(2026, 3, 31))
    event = Event.objects.filter(action="anonymise").order_by("id").first()
    replaced = event.params["replaced"]
    assert (
        replaced["disputes.party"]["rows"] >= 1 and "name" in replaced["disputes.party"]["fields"]
    )
    assert replaced["disputes.dispute"] == {"fields": ["title", "description"], "rows": 1}
    records = Record.objects.filter(action="anonymise")
    assert {(r.app_label, r.model) for r in records} >= {("disputes", "party"),
                                                       ("disputes", "dispute")}  # fmt: skip
    text = str(event.params) + " ".join(str(r.params) + str(r.fields) for r in records)
    assert not any(name and name in text for name in names)
