"""The evaluation pages: for evaluators, heads and administrators, within their region
(another town's page answers 404, like one that does not exist)."""

from django.urls import reverse

from jiefen.evaluation.models import Assessment, Rating


def test_the_index_links_everything_for_a_city_evaluator(client, city_evaluator):
    client.force_login(city_evaluator)
    response = client.get(reverse("evaluation:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("ratings", "progress", "organisation", "manual_list"):
        assert reverse(f"evaluation:{name}") in html
    assert response.context["region"].name == "绍兴市"
    assert "<script>" not in html


def test_a_clerk_and_an_outsider_have_no_evaluation_pages(client, village_clerk, outsider):
    for user in (village_clerk, outsider):
        client.force_login(user)
        assert client.get(reverse("evaluation:index")).status_code == 404


def test_the_town_page_explains_the_rating(client, world, scheme, march, city_evaluator):
    fengqiao = world.regions["枫桥镇"]
    client.force_login(city_evaluator)
    item = scheme.criteria.get(name="平安建设工作")
    url = reverse("evaluation:assess", args=[fengqiao.code, 2026, item.pk])
    response = client.post(url, {f"c{item.pk}-score": "95", f"c{item.pk}-evidence": "年终检查"})
    assert response.status_code == 302
    response = client.get(reverse("evaluation:town", args=[fengqiao.code, 2026]))
    rating = response.context["rating"]
    assert (rating.total, rating.by_score, rating.rating) == (95, Rating.LEVEL_1, Rating.NOT_MET)
    html = response.content.decode()
    assert "群体性纠纷未化解" in html and "否决" in html and "年终检查" in html


def test_a_score_without_evidence_or_out_of_range_is_refused(client, world, scheme, city_evaluator):
    fengqiao = world.regions["枫桥镇"]
    client.force_login(city_evaluator)
    item = scheme.criteria.get(name="平安建设工作")
    url = reverse("evaluation:assess", args=[fengqiao.code, 2026, item.pk])
    response = client.post(url, {f"c{item.pk}-score": "95"})
    assert response.status_code == 400
    assert "请填写依据（说明、链接或文号至少一项）。" in response.content.decode()
    response = client.post(url, {f"c{item.pk}-score": "101", f"c{item.pk}-evidence": "x"})
    assert "得分必须在 0 到 100 之间。" in response.content.decode()
    assert not Assessment.objects.exists()


def test_another_towns_head_can_neither_see_nor_score_the_town(
    client, world, scheme, other_town_head
):
    fengqiao = world.regions["枫桥镇"]
    item = scheme.criteria.get(name="平安建设工作")
    client.force_login(other_town_head)
    assert client.get(reverse("evaluation:town", args=[fengqiao.code, 2026])).status_code == 404
    url = reverse("evaluation:assess", args=[fengqiao.code, 2026, item.pk])
    response = client.post(url, {f"c{item.pk}-score": "100", f"c{item.pk}-evidence": "x"})
    assert response.status_code == 404
    assert client.get(reverse("evaluation:town", args=[999999999, 2026])).status_code == 404
    assert not Assessment.objects.exists()
    # Their own town, yes.
    own = world.regions["店口镇"]
    assert client.get(reverse("evaluation:town", args=[own.code, 2026])).status_code == 200


def test_a_town_head_sees_the_rating_but_cannot_score_it(client, world, scheme, town_head):
    fengqiao = world.regions["枫桥镇"]
    item = scheme.criteria.get(name="平安建设工作")
    client.force_login(town_head)
    response = client.get(reverse("evaluation:town", args=[fengqiao.code, 2026]))
    assert response.status_code == 200 and not response.context["may_score"]
    url = reverse("evaluation:assess", args=[fengqiao.code, 2026, item.pk])
    response = client.post(url, {f"c{item.pk}-score": "100", f"c{item.pk}-evidence": "x"})
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_the_ratings_and_progress_pages_cover_the_region(client, world, scheme, county_officer):
    client.force_login(county_officer)
    response = client.get(reverse("evaluation:ratings"), {"year": 2026})
    assert response.status_code == 200
    assert [town.name for town, _ in response.context["rows"]] == ["店口镇", "枫桥镇"]
    response = client.get(reverse("evaluation:progress"), {"year": 2026})
    assert response.status_code == 200 and response.context["whole"].towns == 2
    city = world.regions["绍兴市"].code
    assert client.get(reverse("evaluation:progress"), {"region": city}).status_code == 404


def test_the_demo_seed_gives_every_page_something_and_runs_twice(client, world, city_evaluator):
    from jiefen.accounts.models import User
    from jiefen.evaluation.demo import seed
    from jiefen.evaluation.models import BudgetFigure, ManualReport, Scheme

    User.objects.create_superuser(username="admin", password="x" * 12)
    seed(2026)
    seed(2026)
    assert Scheme.objects.get(year=2026).criteria.count() == 7
    assert Assessment.objects.filter(vetoed=False).count() == 2  # 枫桥镇, 店口镇
    assert BudgetFigure.objects.filter(year=2026).count() == 3  # the city and two counties
    assert ManualReport.objects.count() == 1  # two thirds of 枫桥镇's two villages
    client.force_login(city_evaluator)
    for name in ("index", "ratings", "progress", "organisation", "manual_list"):
        assert client.get(reverse(f"evaluation:{name}"), {"year": 2026}).status_code == 200
    fengqiao = world.regions["枫桥镇"].code
    assert client.get(reverse("evaluation:town", args=[fengqiao, 2026])).status_code == 200


def test_the_ratings_open_on_the_latest_year_that_has_a_scheme(
    client, world, city_evaluator, monkeypatch
):
    from datetime import date

    from jiefen.evaluation import views
    from jiefen.evaluation.tests.conftest import make_scheme

    monkeypatch.setattr(views.timezone, "localdate", lambda: date(2027, 1, 5))
    make_scheme(world, year=2025)
    make_scheme(world, year=2026)
    make_scheme(world, year=2028)  # set ahead of time: not the one to open on
    client.force_login(city_evaluator)
    response = client.get(reverse("evaluation:ratings"))
    assert response.context["year"] == 2026
    assert [town.name for town, _rating in response.context["rows"]] == ["店口镇", "枫桥镇"]
    assert client.get(reverse("evaluation:ratings"), {"year": 2025}).context["year"] == 2025
