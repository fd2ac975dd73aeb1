"""The list's filters refuse bad input with a clear message."""

from django.urls import reverse

from jiefen.disputes.forms import FilterForm
from jiefen.disputes.tests.conftest import register


def errors(**data):
    form = FilterForm(data)
    assert not form.is_valid()
    return {key: [str(m) for m in messages] for key, messages in form.errors.items()}


def test_it_refuses_unknown_values_and_reversed_dates(db):
    assert errors(tier="village,moon") == {"tier": ["无法识别的取值：moon"]}
    assert errors(satisfaction="4,9")["satisfaction"] == ["无法识别的取值：9"]
    assert errors(event="resolve,dance")["event"] == ["无法识别的取值：dance"]
    assert errors(accepted_from="2026-03-05", accepted_to="2026-03-01") == {
        "accepted_to": ["结束日期不能早于开始日期"]
    }
    assert errors(event_from="2026-03-01") == {"event": ["按办理日期筛选时须指明办理事项"]}
    assert errors(ids="1,2,x") == {"ids": ["纠纷编号列表格式不正确"]}


def test_it_reads_what_the_dashboard_links_give(db):
    form = FilterForm(
        {"tier": "village,town", "satisfaction": "4,5", "event": "visit,rate", "mass": "1"}
    )
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["tier"] == ["village", "town"] and data["satisfaction"] == ["4", "5"]
    assert data["event"] == ["visit", "rate"] and data["mass"] is True


def test_the_list_shows_bad_filters_and_link_filters_as_chips(client, world, village_clerk):
    dispute = register(world, village_clerk)
    client.force_login(village_clerk)
    html = client.get(reverse("disputes:list"), {"tier": "moon"}).content.decode()
    assert "筛选条件有误" in html and "无法识别的取值：moon" in html
    response = client.get(
        reverse("disputes:list"),
        {"event": "register", "event_from": "2026-03-01", "event_to": "2026-03-31"},
    )
    html = response.content.decode()
    assert 'class="chip"' in html and "登记（2026-03-01 至 2026-03-31）" in html
    assert [d.pk for d in response.context["page"].rows] == [dispute.pk]
    response = client.get(reverse("disputes:list"), {"ids": f"{dispute.pk}"})
    assert [d.pk for d in response.context["page"].rows] == [dispute.pk]
    response = client.get(reverse("disputes:list"), {"ids": f"{dispute.pk + 1}"})
    assert list(response.context["page"].rows) == []
