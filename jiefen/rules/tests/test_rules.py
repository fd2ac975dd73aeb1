import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiefen.rules.models import DeadlineRule
from jiefen.rules.services import rule_delete, rule_for, rule_save, rule_validate, rules_for


def make_rule(**fields):
    values = {
        "key": "village-resolve-fast",
        "tier": "village",
        "trigger": "accepted",
        "condition": "always",
        "action": "resolve",
        "days": 15,
        "day_kind": "working",
        "priority": 5,
    }
    values.update(fields)
    return DeadlineRule(**values)


def messages(error: ValidationError, field: str) -> list[str]:
    return [str(m) for m in error.message_dict[field]]


@pytest.mark.parametrize("days", [0, -3, None])
def test_it_refuses_a_term_that_is_not_a_positive_number_of_days(db, days):
    with pytest.raises(ValidationError) as caught:
        rule_save(rule=make_rule(days=days))
    assert messages(caught.value, "days") == ["期限天数必须为正整数"]
    assert not DeadlineRule.objects.filter(key="village-resolve-fast").exists()


def test_it_refuses_days_on_a_next_meeting_rule(db):
    rule = make_rule(
        tier="county", trigger="arrived", action="assign_department", day_kind="next_meeting"
    )
    with pytest.raises(ValidationError) as caught:
        rule_save(rule=rule)
    assert messages(caught.value, "days") == ["按“下一次联席会议前”计算时，期限天数应留空"]
    assert not DeadlineRule.objects.filter(key=rule.key).exists()


def test_it_keeps_next_meeting_rules_at_the_county(db):
    rule = make_rule(tier="town", action="assign_department", days=None, day_kind="next_meeting")
    with pytest.raises(ValidationError) as caught:
        rule_validate(rule)
    assert set(caught.value.message_dict) == {"day_kind"}


def test_it_refuses_a_transfer_above_the_county(db):
    rule = make_rule(tier="county", trigger="arrived", condition="not_resolved", action="transfer")
    with pytest.raises(ValidationError) as caught:
        rule_validate(rule)
    assert messages(caught.value, "action") == [
        "应办事项“移送上一级”不适用于县级：县级是移送的最高一级"
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"action": "assign_department"}, "action"),
        ({"action": "assign_leader"}, "action"),
        ({"trigger": "arrived"}, "trigger"),
        ({"trigger": "assigned"}, "trigger"),
        ({"action": "judicial_confirmation"}, "action"),
        ({"action": "answer"}, "action"),
        ({"trigger": "agreement"}, "action"),
        ({"trigger": "registered", "action": "transfer"}, "condition"),
        ({"days": 400}, "days"),
        ({"tier": "province"}, "tier"),
    ],
)
def test_it_refuses_combinations_that_make_no_sense(db, fields, field):
    with pytest.raises(ValidationError) as caught:
        rule_save(rule=make_rule(**fields))
    assert field in caught.value.message_dict
    assert not DeadlineRule.objects.filter(key="village-resolve-fast").exists()


def test_it_lets_a_party_escalation_be_answered_by_a_transfer(db):
    rule_validate(make_rule(trigger="escalation_requested", action="transfer", key="esc-transfer"))


def test_it_refuses_a_duplicate_key(db):
    with pytest.raises(ValidationError) as caught:
        rule_validate(make_rule(key="village-transfer-complex"))
    assert set(caught.value.message_dict) == {"key"}


def test_it_picks_the_rule_by_condition_and_priority(db):
    assert rule_for(tier="village", trigger="registered", facts={"always"}) is None
    transfer = rule_for(
        tier="village", trigger="registered", facts={"always", "complex_or_cross_area"}
    )
    assert transfer is not None
    assert transfer.key == "village-transfer-complex"

    ordinary = rule_for(tier="county", trigger="arrived", facts={"always"})
    assert ordinary is not None
    assert ordinary.key == "county-assign-department"
    major = rules_for(tier="county", trigger="arrived", facts={"always", "major_or_mass"})
    assert [r.key for r in major] == ["county-assign-leader", "county-assign-department"]


def test_it_adds_always_to_the_facts(db):
    rule = rule_for(tier="village", trigger="accepted", facts=set())
    assert rule is not None
    assert rule.key == "mediation-resolve-village"


def test_it_sees_a_saved_rule_at_once_and_forgets_a_deleted_one(db):
    assert rule_for(tier="village", trigger="accepted", facts={"always"}).key == (
        "mediation-resolve-village"
    )
    faster = rule_save(rule=make_rule())
    assert rule_for(tier="village", trigger="accepted", facts={"always"}).key == faster.key

    faster.active = False
    rule_save(rule=faster)
    assert rule_for(tier="village", trigger="accepted", facts={"always"}).key == (
        "mediation-resolve-village"
    )

    faster.active = True
    faster.priority = 95
    rule_save(rule=faster)
    assert rule_for(tier="village", trigger="accepted", facts={"always"}).key == (
        "mediation-resolve-village"
    )

    rule_delete(rule=DeadlineRule.objects.get(key="mediation-resolve-village"))
    assert rule_for(tier="village", trigger="accepted", facts={"always"}).key == faster.key


def test_it_reads_only_the_stamp_once_the_rules_are_loaded(db):
    rule_for(tier="town", trigger="arrived", facts={"always"})
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            rule_for(tier="town", trigger="arrived", facts={"always", "not_resolved"})
    assert len(queries) == 5
    assert not any("rules_deadlinerule" in q["sql"] for q in queries.captured_queries)
