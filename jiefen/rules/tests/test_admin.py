from jiefen.rules.models import DeadlineRule
from jiefen.rules.services import rule_for

URL = "/admin/rules/deadlinerule/add/"


def form(**fields):
    values = {
        "key": "village-resolve-fast",
        "tier": "village",
        "trigger": "accepted",
        "condition": "always",
        "action": "resolve",
        "days": "15",
        "day_kind": "working",
        "priority": "5",
        "active": "on",
        "basis": "测试",
    }
    values.update(fields)
    return values


def test_it_shows_the_field_error_and_saves_nothing(admin_client):
    response = admin_client.post(URL, form(days="0"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["days"] == ["期限天数必须为正整数"]
    assert not DeadlineRule.objects.filter(key="village-resolve-fast").exists()


def test_it_refuses_a_negative_term_with_the_same_words(admin_client):
    response = admin_client.post(URL, form(days="-2"))
    assert response.context["adminform"].form.errors["days"] == ["期限天数必须为正整数"]


def test_it_refuses_a_county_transfer_in_the_form(admin_client):
    response = admin_client.post(
        URL, form(tier="county", trigger="arrived", condition="not_resolved", action="transfer")
    )
    assert "action" in response.context["adminform"].form.errors
    assert not DeadlineRule.objects.filter(key="village-resolve-fast").exists()


def test_it_saves_through_the_service_so_the_cache_follows(admin_client):
    assert rule_for(tier="village", trigger="accepted", facts={"always"}).key == (
        "mediation-resolve-village"
    )
    response = admin_client.post(URL, form())
    assert response.status_code == 302
    assert rule_for(tier="village", trigger="accepted", facts={"always"}).key == (
        "village-resolve-fast"
    )
    rule = DeadlineRule.objects.get(key="village-resolve-fast")
    admin_client.post(f"/admin/rules/deadlinerule/{rule.pk}/delete/", {"post": "yes"})
    assert rule_for(tier="village", trigger="accepted", facts={"always"}).key == (
        "mediation-resolve-village"
    )


def test_it_lists_the_rules(admin_client):
    response = admin_client.get("/admin/rules/deadlinerule/")
    assert response.status_code == 200
    assert "3个工作日" in response.content.decode()
