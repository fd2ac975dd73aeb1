import pytest

from jiefen.rules.models import DeadlineRule
from jiefen.rules.services import rule_validate

EXPECTED = {
    # key: (tier, trigger, condition, action, days, day_kind)
    "village-transfer-complex": (
        "village",
        "registered",
        "complex_or_cross_area",
        "transfer",
        3,
        "working",
    ),
    "town-transfer-county": ("town", "arrived", "not_resolved", "transfer", 7, "working"),
    "town-transfer-county-registered": (
        "town",
        "registered",
        "not_resolved",
        "transfer",
        7,
        "working",
    ),
    "county-assign-department": (
        "county",
        "arrived",
        "always",
        "assign_department",
        None,
        "next_meeting",
    ),
    "county-assign-leader": (
        "county",
        "arrived",
        "major_or_mass",
        "assign_leader",
        None,
        "next_meeting",
    ),
}
for tier in ("village", "town", "county"):
    EXPECTED[f"mediation-resolve-{tier}"] = (tier, "accepted", "always", "resolve", 30, "calendar")
    EXPECTED[f"escalation-answer-{tier}"] = (
        tier,
        "escalation_requested",
        "always",
        "answer",
        5,
        "working",
    )
    EXPECTED[f"judicial-confirmation-{tier}"] = (
        tier,
        "agreement",
        "always",
        "judicial_confirmation",
        30,
        "calendar",
    )

FIELDS = ("tier", "trigger", "condition", "action", "days", "day_kind")


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_it_seeds_the_plans_default(db, key):
    rule = DeadlineRule.objects.get(key=key)
    assert tuple(getattr(rule, f) for f in FIELDS) == EXPECTED[key]
    assert rule.active
    assert rule.basis
    rule_validate(rule)


def test_it_lets_transfers_win_over_the_thirty_day_mediation_rule(db):
    transfers = DeadlineRule.objects.filter(action="transfer")
    resolves = DeadlineRule.objects.filter(action="resolve")
    assert max(r.priority for r in transfers) < min(r.priority for r in resolves)


def test_it_names_the_law_for_judicial_confirmation(db):
    rule = DeadlineRule.objects.get(key="judicial-confirmation-village")
    assert "人民调解法" in rule.basis
    assert "第三十三条" in rule.basis
