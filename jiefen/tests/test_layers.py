"""The upper apps fill, when they load, every slot through which a lower layer reaches up
(jiefen.lib.registry): without them the lower layer would fail loudly."""

from datetime import date

import pytest

from jiefen.disputes import deadlines
from jiefen.lib.registry import NotRegistered
from jiefen.meetings import schedule


def test_meetings_give_the_deadlines_the_next_meeting_date():
    assert deadlines.next_meeting_date._function is schedule.next_meeting_date


def test_a_deadline_to_the_next_meeting_fails_loudly_without_the_meetings_app(monkeypatch):
    monkeypatch.setattr(deadlines.next_meeting_date, "_function", None)
    with pytest.raises(NotRegistered, match=r"jiefen\.meetings"):
        deadlines.next_meeting_date(body=1, after=date(2026, 3, 2))


def test_metrics_fold_every_event_and_moved_deadline_into_the_rollups():
    from jiefen.disputes import services
    from jiefen.metrics import rollups

    assert services.rollup_event._function is rollups.rollup_event
    assert services.rollup_stays._function is rollups.rollup_stays


def test_an_event_is_refused_without_the_rollups(monkeypatch, world, village_clerk):
    from jiefen.disputes import services
    from jiefen.disputes.models import Dispute, Event
    from jiefen.disputes.tests.conftest import register

    monkeypatch.setattr(services.rollup_event, "_function", None)
    with pytest.raises(NotRegistered, match=r"jiefen\.metrics"):
        register(world, village_clerk)
    assert not Dispute.objects.exists()
    assert not Event.objects.exists()


def test_supervision_words_the_parameters_of_its_events_in_the_history():
    from jiefen.disputes.lifecycle import event_detail_more
    from jiefen.supervision import events

    assert event_detail_more._function is events.event_detail


def test_evaluation_gives_the_dashboard_its_targets():
    from jiefen.evaluation import targets
    from jiefen.metrics import dashboard

    assert dashboard.targets_for._function is targets.targets_for


def test_the_api_answers_a_body_too_big_in_its_own_form():
    from jiefen.api.apps import _too_big_api, _too_big_open311
    from jiefen.ops.too_big import DOORS

    # Registered as wrappers that import the API's answers when first needed.
    assert {"/api/": _too_big_api, "/open311/": _too_big_open311} == DOORS


def test_the_sweep_reports_its_hooks_to_the_health_endpoint():
    from jiefen.ops.views import sweep_hooks_health
    from jiefen.supervision.sweep import hooks_health

    assert sweep_hooks_health._function is hooks_health


def test_org_decides_which_audit_records_an_auditor_reads_and_disputes_word_their_events():
    from jiefen.audit import views
    from jiefen.disputes.lifecycle import event_label
    from jiefen.org.scope import audit_records_q

    assert views.auditor_filter._function is audit_records_q
    assert views.event_label._function is event_label


def test_mediators_give_the_assignment_form_its_department_and_the_sweep_its_rise():
    from jiefen.disputes import intake
    from jiefen.disputes.services import EVENT_FOLLOWERS
    from jiefen.mediators import requests, selectors, services
    from jiefen.supervision import sweep

    assert intake.proposed_department._function is selectors.proposed_department
    assert sweep._hooks["mediator_requests_overdue"] is requests.mediator_requests_overdue
    assert services.assignments_follow in EVENT_FOLLOWERS
