"""The main pages in English carry no Chinese and no full-width punctuation but what users
typed. Everything users typed here is in Latin letters (the places, bodies, people, the
dispute), so any Chinese character or full-width mark on the page is a leftover of the
product's own words: a label, a sentence built in code, a category or a body kind."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jiefen.disputes import services
from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import register
from jiefen.meetings.services import SeriesInput, series_save
from jiefen.org.models import Body, DepartmentType
from jiefen.regions.models import Region

pytestmark = pytest.mark.django_db

LATIN = {
    "浙江省": "Zhejiang",
    "绍兴市": "Shaoxing",
    "诸暨市": "Zhuji",
    "嵊州市": "Shengzhou",
    "枫桥镇": "Fengqiao",
    "店口镇": "Diankou",
    "枫一社区": "Fengyi",
    "永安社区": "Yongan",
    "店口社区居委会": "Diankou Community",
}
# CJK ideographs, CJK punctuation (、。「」 …) and the full-width forms (，：（）！？).
LEFTOVER = re.compile(
    r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\U00020000-\U0003134f]"
)


@pytest.fixture
def latin_world(world, village_clerk, town_head, county_officer):
    for region in Region.objects.all():
        region.name = LATIN[region.name]
        region.save(update_fields=["name"])
    for body in Body.objects.select_related("region"):
        body.name = f"{body.region.name} {body.kind}"
        body.save(update_fields=["name"])
    DepartmentType.objects.filter(key="land").update(name="Land bureau")
    for user, name in ((village_clerk, "Chen Xiaomei"), (town_head, "Li Weidong"),
                       (county_officer, "Zhou Ming")):  # fmt: skip
        user.full_name = name
        user.save(update_fields=["full_name"])
    from jiefen.calendars.models import CalendarYear

    # The official notice each confirmed year cites: typed by administrators.
    for year in CalendarYear.objects.all():
        year.notice = f"State Council notice on the holidays of {year.year}"
        year.save(update_fields=["notice"])
    return world


@pytest.fixture
def dispute(latin_world, village_clerk, town_head):
    when = timezone.now() - timedelta(hours=3)
    dispute = register(
        latin_world,
        village_clerk,
        when=when,
        complex=True,
        title="Boundary wall",
        description="Two households disagree on where the wall stands.",
        parties=[
            PartyInput(side="applicant", name="Zhang San", phone="13812345678"),
            PartyInput(side="respondent", name="Li Si"),
        ],
    )
    dispute = services.dispute_transfer(
        actor=village_clerk, dispute_id=dispute.pk, version=dispute.version,
        reason="Land of the next village", at=when,
    )  # fmt: skip
    return services.dispute_receive(
        actor=town_head, dispute_id=dispute.pk, version=dispute.version, at=when
    )


def leftovers(html: str) -> list[str]:
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    html = re.sub(r'<[^>]*\slang="zh[^"]*"[^>]*>[^<]*', "", html)  # the language switch
    text = re.sub(r"<[^>]+>", "\n", html)
    lines = {line.strip() for line in text.splitlines() if LEFTOVER.search(line)}
    return sorted(lines)


def test_the_main_pages_in_english_have_no_chinese_of_the_products_own(
    client, latin_world, dispute, village_clerk, town_head, county_officer
):
    series_save(
        actor=town_head,
        body=latin_world.bodies["枫桥镇"],
        data=SeriesInput(cadence="half", place="Room 1"),
    )
    register(
        latin_world, village_clerk, title="Unpaid wages", description="Wages owed.",
        parties=[PartyInput(side="applicant", name="Wang Wu")],
    )  # fmt: skip
    from jiefen.meetings.models import Meeting

    meeting = Meeting.objects.filter(body=latin_world.bodies["枫桥镇"]).order_by("date").first()
    found: list[str] = []
    for person, urls in (
        (village_clerk, ["/", "/disputes/", "/disputes/new/"]),
        (town_head, ["/", "/disputes/", f"/disputes/{dispute.pk}/", "/meetings/",
                     f"/meetings/{meeting.pk}/", "/metrics/", "/supervision/notifications/"]),
        (county_officer, ["/", "/meetings/", "/metrics/"]),
    ):  # fmt: skip
        client.force_login(person)
        client.cookies["django_language"] = "en"
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            found += [
                f"{person.username} {url}: {line}" for line in leftovers(response.content.decode())
            ]
    assert not found, "\n".join(found)


def test_a_note_on_one_earlier_year_reads_in_the_singular():
    from django.utils import translation

    from jiefen.metrics.early_warning import _note

    with translation.override("en"):
        one = _note({"place": "Fengqiao", "have": 1, "need": 3})
        two = _note({"place": "Fengqiao", "have": 2, "need": 3})
    assert "only 1 earlier year has figures" in one
    assert "only 2 earlier years have figures" in two


def test_an_agenda_warning_is_said_in_the_readers_language_with_the_category_in_english():
    from django.utils import translation

    from jiefen.meetings.integration import warning_words

    stored = {
        "kind": "rise",
        "region": 330681109000,
        "region_name": "Fengqiao",
        "count": 7,
        "url": "/disputes/",
        "message": "枫桥镇邻里纠纷明显增多：……",
        "params": {
            "place": "Fengqiao", "category": "邻里纠纷", "start": "2026-03-01",
            "end": "2026-03-15", "x": 7, "history": [1, 2, 1], "mean": 1.3, "sd": 1.2,
            "z": 4.7, "threshold": 3.0, "min": 5,
        },
    }  # fmt: skip
    with translation.override("en"):
        words = warning_words(stored)
    assert words.startswith("Fengqiao: Neighbours markedly up: ")
    assert not LEFTOVER.search(words), words
    with translation.override("zh-hans"):
        assert warning_words(stored).startswith("Fengqiao邻里纠纷明显增多：")


def test_event_rows_say_what_was_done(client, latin_world, dispute, town_head):
    client.force_login(town_head)
    client.cookies["django_language"] = "en"
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    labels = re.findall(r"</time> <strong>([^<]+)</strong>", html)
    assert {"Registered", "Transferred up one level", "Transfer received"} <= set(labels)
    assert "Register" not in labels


def _walk(client, visits) -> list[str]:
    found: list[str] = []
    for person, urls in visits:
        if person is None:
            client.logout()
        else:
            client.force_login(person)
        client.cookies["django_language"] = "en"
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, f"{url}: {response.status_code}"
            who = person.username if person is not None else "party"
            found += [f"{who} {url}: {line}" for line in leftovers(response.content.decode())]
    return found


@pytest.fixture
def supervised(latin_world, dispute, village_clerk, town_head, county_officer):
    """An order on the town's dispute, a clean-up campaign of the county and a dispute
    resolved with an agreement in the village."""
    from jiefen.supervision.services import campaign_create, order_issue

    order_issue(
        actor=county_officer, dispute_id=dispute.pk, requirement="Report within five days",
        days=5, to_body=latin_world.bodies["枫桥镇"],
    )  # fmt: skip
    campaign = campaign_create(
        actor=county_officer, name="Second quarter clean-up", year=timezone.localdate().year,
        quarter=(timezone.localdate().month - 1) // 3 + 1, region=latin_world.regions["诸暨市"],
        open_days=None, min_transfers=1, reopened=False,
    )  # fmt: skip
    return campaign


def test_the_evaluation_supervision_and_document_pages_in_english_have_no_chinese(
    client, latin_world, dispute, supervised, village_clerk, town_head, county_officer,
    city_evaluator,
):  # fmt: skip
    city_evaluator.full_name = "Sun Li"
    city_evaluator.save(update_fields=["full_name"])
    item = supervised.items.first()
    agreed = register(
        latin_world, village_clerk, title="Wall on the boundary",
        description="The wall stands on the neighbour's land.",
        parties=[PartyInput(side="applicant", name="Zhang San", address="1 East Road"),
                 PartyInput(side="respondent", name="Li Si", address="2 East Road")],
    )  # fmt: skip
    services.dispute_accept(actor=village_clerk, dispute_id=agreed.pk, version=None)
    services.dispute_resolve(
        actor=village_clerk, dispute_id=agreed.pk, version=None, outcome="agreement",
        agreement=services.AgreementInput(
            facts="The two households disagree on the wall.", terms="Li Si moves the wall.",
            performance="Li Si rebuilds it", signed_on=timezone.localdate(),
        ),
    )  # fmt: skip
    year = timezone.localdate().year
    town = latin_world.regions["枫桥镇"].code
    from jiefen.org.models import Role
    from jiefen.supervision.services import ownership_assign

    leader = latin_world.person("leader_x", "Wu Guoqiang", "诸暨市", Role.LEADER)
    ownership_assign(
        actor=county_officer, dispute_id=dispute.pk, leader=leader, plan="Meet both sides",
        target_date=timezone.localdate() + timedelta(days=20),
    )  # fmt: skip
    found = _walk(
        client,
        [
            (leader, ["/supervision/leader/", f"/disputes/{dispute.pk}/"]),
            (county_officer, ["/supervision/orders/", "/supervision/campaigns/",
                              f"/supervision/campaigns/{supervised.pk}/",
                              f"/supervision/campaigns/{supervised.pk}/items/{item.pk}/",
                              f"/disputes/{dispute.pk}/"]),
            (town_head, ["/supervision/orders/", f"/documents/disputes/{dispute.pk}/details/"]),
            (village_clerk, [f"/disputes/{agreed.pk}/",
                             f"/documents/disputes/{agreed.pk}/details/"]),
            (city_evaluator, ["/evaluation/", "/evaluation/ratings/",
                              f"/evaluation/towns/{town}/{year}/", "/evaluation/progress/",
                              "/evaluation/organisation/",
                              "/evaluation/indicators/", "/evaluation/report/"]),
        ],
    )  # fmt: skip
    assert not found, "\n".join(found)


def test_the_portal_in_english_has_no_chinese(client, latin_world, village_clerk):
    from jiefen.portal.tests.conftest import file_dispute

    filed, code = file_dispute(
        latin_world, title="Unpaid wages", description="Three months of wages owed.",
        parties=[PartyInput(side="applicant", name="Wang Wu", phone="13900001111"),
                 PartyInput(side="respondent", name="Li Si")],
        when=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    found = _walk(client, [(None, ["/public/", "/public/follow/"])])
    client.cookies["django_language"] = "en"
    response = client.post("/public/follow/", {"number": filed.number, "code": code})
    assert response.status_code in (200, 302)
    found += _walk(client, [(None, ["/public/follow/", "/public/follow/recover/"])])
    # With 王五's phone verified: the way to prove which party one is, and its page.
    from jiefen.portal.tests.conftest import phone_verify

    phone_verify(filed.parties.get(name="Wang Wu"), by=village_clerk)
    client.cookies["django_language"] = "en"
    client.post("/public/follow/", {"number": filed.number, "code": code})
    # (The dispute's page names its category, which is data, in Chinese.)
    assert "I am a party: prove who I am" in client.get("/public/follow/").content.decode()
    response = client.get("/public/follow/party/")
    assert response.status_code == 200
    found += [f"party page: {line}" for line in leftovers(response.content.decode())]
    assert not found, "\n".join(found)


def test_the_admin_pages_staff_use_in_english_have_no_chinese(client, latin_world, dispute):
    from jiefen.accounts.models import User

    admin = User.objects.create_superuser(username="admin_x", password="correct horse 9")
    admin.full_name = "Qian Jin"
    admin.save(update_fields=["full_name"])
    body = latin_world.bodies["枫桥镇"]
    pages = ["/admin/", "/admin/org/body/", f"/admin/org/body/{body.pk}/change/",
             "/admin/org/membership/", "/admin/accounts/user/",
             f"/admin/accounts/user/{admin.pk}/change/", "/admin/calendars/calendaroverride/",
             "/admin/calendars/calendaroverride/add/", "/admin/calendars/calendaryear/",
             "/admin/rules/deadlinerule/", "/admin/disputes/category/",
             "/admin/regions/region/", "/admin/evaluation/target/",
             "/admin/evaluation/scheme/", "/admin/meetings/meetingseries/"]  # fmt: skip
    found = _walk(client, [(admin, pages)])
    assert not found, "\n".join(found)
