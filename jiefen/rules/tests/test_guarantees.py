"""The rules behind a party's right to an answer (escalation-answer-*, review-answer-*) cannot
be deleted, switched off, renamed, repointed or lengthened beyond the stated maximum; and a
request still gets a deadline if one is missing anyway."""

import logging

import pytest
from django.core.exceptions import ValidationError

from jiefen.rules.models import DeadlineRule
from jiefen.rules.services import (
    GUARANTEE_MAX_DAYS,
    GUARANTEED,
    GuaranteeProtected,
    rule_delete,
    rule_save,
    rules_changed,
    rules_delete,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", sorted(GUARANTEED))
def test_every_guaranteed_rule_exists_and_cannot_be_deleted(key):
    rule = DeadlineRule.objects.get(key=key)
    assert rule.active and rule.day_kind == "working" and rule.days <= GUARANTEE_MAX_DAYS
    with pytest.raises(GuaranteeProtected):
        rule_delete(rule=rule)
    with pytest.raises(GuaranteeProtected):
        rules_delete(rules=DeadlineRule.objects.filter(key__in=[key, "mediation-resolve-town"]))
    assert DeadlineRule.objects.filter(key__in=[key, "mediation-resolve-town"]).count() == 2


def test_it_may_be_shortened_but_not_lengthened_switched_off_or_renamed():
    rule = DeadlineRule.objects.get(key="escalation-answer-village")
    rule.days = 3
    rule_save(rule=rule)
    rule.days = GUARANTEE_MAX_DAYS + 1
    with pytest.raises(ValidationError) as refused:
        rule_save(rule=rule)
    assert "最长 10 个工作日" in str(refused.value)
    rule.days, rule.active = 3, False
    with pytest.raises(ValidationError):
        rule_save(rule=rule)
    rule.active, rule.key = True, "my-own-key"
    with pytest.raises(ValidationError):
        rule_save(rule=rule)
    rule = DeadlineRule.objects.get(key="review-answer-town")
    rule.day_kind = "calendar"
    with pytest.raises(ValidationError):
        rule_save(rule=rule)


def test_the_admin_offers_no_delete_for_a_guaranteed_rule(admin_client):
    rule = DeadlineRule.objects.get(key="review-answer-village")
    response = admin_client.get(f"/admin/rules/deadlinerule/{rule.pk}/delete/")
    assert response.status_code == 403
    assert DeadlineRule.objects.filter(pk=rule.pk).exists()


def test_a_request_gets_a_deadline_even_if_the_rule_went_missing(world, caplog):
    from jiefen.portal.services import escalation_request
    from jiefen.portal.tests.conftest import at, file_dispute

    DeadlineRule.objects.filter(key="escalation-answer-village").delete()  # past the services
    rules_changed()
    dispute, _code = file_dispute(world)
    with caplog.at_level(logging.ERROR):
        asked = escalation_request(dispute=dispute, reason="请上移", at=at(2026, 3, 2))
    assert asked.due_date is not None and asked.due_rule == "fallback"
    assert "guaranteed rule" in caplog.text
