"""The deadline rules of the city plan and the law, as defaults administrators may adjust."""

import uuid

from django.db import migrations

PLAN = "市工作方案"
TIERS = ("village", "town", "county")

DEFAULT_RULES = [
    # (key, tier, trigger, condition, action, days, day_kind, priority, basis)
    (
        "village-transfer-complex",
        "village", "registered", "complex_or_cross_area", "transfer", 3, "working", 10,
        PLAN + "：疑难复杂或跨区域纠纷，村（社区）调处工作组3个工作日内移送乡镇（街道）矛调中心并说明理由",
    ),
    (
        "town-transfer-county",
        "town", "arrived", "not_resolved", "transfer", 7, "working", 10,
        PLAN + "：乡镇（街道）矛调中心未能化解的纠纷，7个工作日内移送县级联席会议",
    ),
    (
        "town-transfer-county-registered",
        "town", "registered", "not_resolved", "transfer", 7, "working", 10,
        PLAN + "：乡镇（街道）矛调中心未能化解的纠纷，7个工作日内移送县级联席会议",
    ),
    (
        "county-assign-leader",
        "county", "arrived", "major_or_mass", "assign_leader", None, "next_meeting", 20,
        PLAN + "：重大或跨区域、跨部门纠纷由联席会议明确包案领导，实行督查督办",
    ),
    (
        "county-assign-department",
        "county", "arrived", "always", "assign_department", None, "next_meeting", 30,
        PLAN + "：县级联席会议每月召开，对乡镇移送的纠纷明确牵头部门归口调处",
    ),
]
for tier in TIERS:
    DEFAULT_RULES += [
        (
            f"escalation-answer-{tier}",
            tier, "escalation_requested", "always", "answer", 5, "working", 40,
            "解纷约定：当事人可随时申请上移，本级须在5个工作日内答复（可由管理员调整）",
        ),
        (
            f"judicial-confirmation-{tier}",
            tier, "agreement", "always", "judicial_confirmation", 30, "calendar", 50,
            "《中华人民共和国人民调解法》第三十三条：自调解协议生效之日起三十日内"
            "共同向人民法院申请司法确认",
        ),
        (
            f"mediation-resolve-{tier}",
            tier, "accepted", "always", "resolve", 30, "calendar", 90,
            "人民调解实务：调解一般自受理之日起30日内办结（非法定期限，可由管理员调整）",
        ),
    ]

FIELDS = ("tier", "trigger", "condition", "action", "days", "day_kind", "priority", "basis")


def seed(apps, schema_editor):
    DeadlineRule = apps.get_model("rules", "DeadlineRule")
    RulesStamp = apps.get_model("rules", "RulesStamp")
    for key, *values in DEFAULT_RULES:
        DeadlineRule.objects.get_or_create(key=key, defaults=dict(zip(FIELDS, values)))
    RulesStamp.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def unseed(apps, schema_editor):
    DeadlineRule = apps.get_model("rules", "DeadlineRule")
    RulesStamp = apps.get_model("rules", "RulesStamp")
    DeadlineRule.objects.filter(key__in=[row[0] for row in DEFAULT_RULES]).delete()
    RulesStamp.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [
        ("rules", "0002_rules_stamp"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
