"""The one search box: words, names, codes, phone and ID numbers, number parts, in jurisdiction."""

import logging

import pytest

from jiefen.disputes.selectors import dispute_list
from jiefen.disputes.services import PartyInput
from jiefen.search.index import index_rebuild
from jiefen.search.models import SearchEntry, SearchKey
from jiefen.search.tests.conftest import at, register

ZHANG = "13905751234"
ZHANG_ID = "330681199001011237"


def _zhang(world, clerk, **overrides):
    """张三丰 registers a wage matter at 枫一社区."""
    values = dict(
        title="拖欠工资纠纷",
        description="张三丰在枫桥建筑工地务工，包工头拖欠工资三个月，多次讨要未果。",
        project="枫桥镇安置房二期",
        parties=[
            PartyInput(side="applicant", name="张三丰", phone=ZHANG, id_number=ZHANG_ID),
            PartyInput(
                side="respondent",
                kind="organisation",
                name="绍兴市枫桥建筑工程有限公司",
                id_number="91330681MA2BXXXX11",
            ),
        ],
    )
    values.update(overrides)
    return register(world, clerk, **values)


@pytest.fixture(autouse=True, params=["small jurisdiction", "full-text index"])
def plan(request, monkeypatch):
    """Every test runs both ways a text is searched: a small jurisdiction's entries read one by
    one, and the full-text index (FTS5 or tsvector) of a large one."""
    from jiefen.search import selectors

    if request.param == "full-text index":
        monkeypatch.setattr(selectors, "PROBE", 0)
    return request.param


def _numbers(actor, q, sort="", **filters):
    return [d.number for d in dispute_list(actor, {"q": q, **filters}, sort=sort).rows]


@pytest.fixture
def zhang(world, village_clerk):
    return _zhang(world, village_clerk)


@pytest.fixture
def foreign(world, other_town_head):
    """The same words, name and phone in 店口镇, outside 枫桥镇."""
    return _zhang(world, other_town_head, body="店口镇", region="店口社区居委会")


def test_it_finds_a_word_of_the_description(zhang, village_clerk, registered):
    assert _numbers(village_clerk, "包工头") == [zhang.number]
    assert _numbers(village_clerk, "工资") == [zhang.number]


def test_it_finds_a_word_inside_a_longer_one(zhang, village_clerk):
    # 安置房 is a word of the dictionary; the project is indexed in search mode.
    assert _numbers(village_clerk, "安置房") == [zhang.number]


def test_it_requires_every_word(zhang, registered, village_clerk):
    assert _numbers(village_clerk, "拖欠工资 院墙") == []
    assert _numbers(village_clerk, "院墙") == [registered.number]


def test_it_ranks_the_title_above_the_description_then_newest(world, village_clerk):
    in_text = register(
        world,
        village_clerk,
        title="邻里纠纷",
        description="对方拖欠工资后搬走了。",
        when=at(2026, 3, 3),
    )
    in_title = register(
        world, village_clerk, title="拖欠工资", description="三个月未发。", when=at(2026, 3, 1)
    )
    assert _numbers(village_clerk, "拖欠工资")[:2] == [in_title.number, in_text.number]


def _title_and_text(world, clerk, *, title_on, text_on):
    in_text = register(
        world,
        clerk,
        title="邻里纠纷",
        description="对方拖欠工资后搬走了。",
        when=text_on,
        complex=True,
    )
    in_title = register(
        world, clerk, title="拖欠工资", description="三个月未发。", when=title_on, complex=True
    )
    assert in_text.due_date and in_title.due_date
    return in_title, in_text


def test_a_search_sorted_by_deadline_lists_the_soonest_first(world, village_clerk):
    in_title, in_text = _title_and_text(
        world, village_clerk, title_on=at(2026, 3, 5), text_on=at(2026, 3, 2)
    )
    assert in_text.due_date < in_title.due_date
    assert _numbers(village_clerk, "拖欠工资") == [in_title.number, in_text.number]
    assert _numbers(village_clerk, "拖欠工资", sort="due") == [in_text.number, in_title.number]


def test_a_search_sorted_by_registration_lists_the_newest_first(world, village_clerk, client):
    in_title, in_text = _title_and_text(
        world, village_clerk, title_on=at(2026, 3, 2), text_on=at(2026, 3, 4)
    )
    client.force_login(village_clerk)
    html = client.get("/disputes/", {"q": "拖欠工资", "sort": "registered"}).content.decode()
    assert html.index(in_text.number) < html.index(in_title.number)
    html = client.get("/disputes/", {"q": "拖欠工资"}).content.decode()
    assert html.index(in_title.number) < html.index(in_text.number)


def test_it_highlights_the_words_escaped(world, village_clerk, client):
    register(world, village_clerk, title="<b>拖欠</b>工资", description="工资<script>x</script>")
    client.force_login(village_clerk)
    html = client.get("/disputes/", {"q": "工资"}).content.decode()
    assert "&lt;b&gt;拖欠&lt;/b&gt;<mark>工资</mark>" in html
    assert "<script>x" not in html


def test_it_finds_a_party_by_exact_name_and_prefix(zhang, village_clerk):
    assert _numbers(village_clerk, "张三丰") == [zhang.number]
    assert _numbers(village_clerk, "绍兴市枫桥") == [zhang.number]


def test_a_name_match_comes_before_a_word_match(world, zhang, village_clerk):
    mention = register(world, village_clerk, title="张三丰反映的情况", when=at(2026, 3, 5))
    assert _numbers(village_clerk, "张三丰") == [zhang.number, mention.number]


def test_it_finds_an_organisation_by_credit_code(zhang, village_clerk):
    assert _numbers(village_clerk, "91330681ma2bxxxx11") == [zhang.number]


def test_it_finds_a_phone_number_through_its_digest_only(zhang, village_clerk):
    assert _numbers(village_clerk, ZHANG) == [zhang.number]
    assert _numbers(village_clerk, "139 0575 1234") == [zhang.number]
    assert _numbers(village_clerk, "+86" + ZHANG) == [zhang.number]
    # Nothing the index holds contains the number itself.
    assert not SearchKey.objects.filter(value__contains="1234").exclude(kind__in=["rnum", "num"])
    assert not SearchEntry.objects.filter(body__contains="1390575")


def test_it_finds_an_id_number(zhang, village_clerk):
    assert _numbers(village_clerk, ZHANG_ID.lower()) == [zhang.number]


def test_the_page_shows_a_phone_number_masked_and_keeps_it_out_of_links(
    zhang, village_clerk, client
):
    client.force_login(village_clerk)
    html = client.get("/disputes/", {"q": ZHANG}).content.decode()
    assert zhang.number in html
    assert ZHANG not in html
    assert "139****1234" in html


def test_the_request_log_masks_a_searched_phone_number(caplog):
    from jiefen.ops.logging import MaskPersonalData

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"GET /disputes/?q=%s HTTP/1.1" 200',
        (ZHANG,),
        None,
    )
    MaskPersonalData().filter(record)
    assert ZHANG not in record.getMessage()
    assert "139****1234" in record.getMessage()


@pytest.mark.parametrize("part", ["000001", "001", "2026-000001", "330681109-2026-000001"])
def test_it_finds_a_dispute_by_a_part_of_its_number(zhang, village_clerk, part):
    assert zhang.number == "330681109-2026-000001"
    assert _numbers(village_clerk, part) == [zhang.number]


def test_it_finds_the_numbers_of_a_town_and_year(zhang, registered, village_clerk):
    assert set(_numbers(village_clerk, "330681109-2026")) == {zhang.number, registered.number}


def test_a_foreign_dispute_never_appears(zhang, foreign, village_clerk, town_head, county_officer):
    for actor in (village_clerk, town_head):
        for q in ("拖欠工资", "张三丰", ZHANG, ZHANG_ID, "91330681MA2BXXXX11", foreign.number):
            assert foreign.number not in _numbers(actor, q), (actor, q)
    assert set(_numbers(county_officer, "张三丰")) == {zhang.number, foreign.number}


def test_another_village_of_the_same_town_sees_nothing(zhang, other_village_clerk, town_head):
    assert _numbers(other_village_clerk, "张三丰") == []
    assert _numbers(town_head, "张三丰") == [zhang.number]


def test_the_other_filters_narrow_the_search(zhang, village_clerk):
    assert _numbers(village_clerk, "张三丰", status="open") == [zhang.number]
    assert _numbers(village_clerk, "张三丰", status="closed") == []


@pytest.mark.parametrize(
    "q, message",
    [
        ("", None),
        ("\u200b\u200b", "请输入"),
        ("纠", "至少输入两个字"),
        ("，。！？、", "没有可查的字词"),
        ("张" * 100 + "三" * 100, "不能超过"),
        ("139****1234", "号码已隐去"),
    ],
)
def test_bad_input_gets_a_clear_message(q, message):
    from jiefen.search.query import parse

    query = parse(q)
    assert not query.searchable
    assert (message or "请输入") in query.message


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "\u200b\u200b",
        "纠",
        "，。！？、",
        '" * : ^ OR NEAR(',
        "张" * 200,
        "'; DROP TABLE x; --",
    ],
)
def test_bad_input_never_fails_the_page(zhang, village_clerk, client, q):
    client.force_login(village_clerk)
    response = client.get("/disputes/", {"q": q})
    assert response.status_code == 200
    if len(q) > 100:
        assert 'role="alert"' in response.content.decode()


def test_fts_syntax_is_searched_as_plain_words(zhang, village_clerk):
    assert _numbers(village_clerk, '" * : ^ OR NEAR(') == []
    assert _numbers(village_clerk, '"拖欠" NEAR(工资') == []  # "near" is a word no text holds
    assert _numbers(village_clerk, "工资*") == [zhang.number]
    assert _numbers(village_clerk, '^"工资":') == [zhang.number]


def test_zero_width_characters_and_full_width_digits_are_ignored(zhang, village_clerk):
    assert _numbers(village_clerk, "张\u200b三丰") == [zhang.number]
    assert _numbers(village_clerk, "０００００１") == [zhang.number]


def test_mixed_scripts_are_searched(world, village_clerk):
    mixed = register(world, village_clerk, title="ABC物业公司停车位收费", description="业主投诉。")
    assert _numbers(village_clerk, "abc物业") == [mixed.number]
    assert _numbers(village_clerk, "ABC 停车位") == [mixed.number]


def test_the_api_searches_the_same_way(world, zhang, village_clerk, client):
    from jiefen.api.tokens import token_create

    _token, raw = token_create(user=village_clerk, body=world.bodies["枫一社区"], name="测试")
    response = client.get(
        "/api/v1/disputes", {"q": "张三丰"}, headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200
    assert [item["number"] for item in response.json()["items"]] == [zhang.number]


def test_pages_follow_the_ranking(world, village_clerk):
    for day in range(1, 6):
        register(world, village_clerk, title=f"拖欠工资第{day}件", when=at(2026, 3, day))
    first = dispute_list(village_clerk, {"q": "拖欠工资"}, size=2)
    second = dispute_list(village_clerk, {"q": "拖欠工资"}, size=2, after=first.next_after)
    third = dispute_list(village_clerk, {"q": "拖欠工资"}, size=2, after=second.next_after)
    seen = [d.number for page in (first, second, third) for d in page.rows]
    assert len(seen) == len(set(seen)) == 5
    assert third.next_after is None
    back = dispute_list(village_clerk, {"q": "拖欠工资"}, size=2, before=second.prev_before)
    assert [d.pk for d in back.rows] == [d.pk for d in first.rows]


def test_a_session_record_is_searchable_in_its_transaction(registered, village_clerk):
    from jiefen.disputes.services import SessionInput, dispute_accept, dispute_record_session

    assert _numbers(village_clerk, "退还押金") == []
    accepted = dispute_accept(
        actor=village_clerk, dispute_id=registered.pk, version=None, at=at(2026, 3, 2, 11)
    )
    dispute_record_session(
        actor=village_clerk,
        dispute_id=registered.pk,
        version=accepted.version,
        session=SessionInput(
            held_on=at(2026, 3, 2).date(),
            place="村委会",
            mediators="陈小梅",
            attendees="张三、李四",
            record="双方同意退还押金。",
            agreed="",
        ),
        at=at(2026, 3, 2, 15),
    )
    assert _numbers(village_clerk, "退还押金") == [registered.number]


def test_the_numbers_of_a_town_and_year_come_newest_first(world, village_clerk, monkeypatch):
    from jiefen.search import selectors

    monkeypatch.setattr(selectors, "CANDIDATES", 2)
    for day in (1, 2, 3):
        register(world, village_clerk, when=at(2026, 3, day))
    found = _numbers(village_clerk, "330681109-2026")
    assert found == ["330681109-2026-000003", "330681109-2026-000002"]


def test_an_agreement_is_searchable_once_resolved(registered, village_clerk):
    from jiefen.disputes.services import AgreementInput, dispute_accept, dispute_resolve

    accepted = dispute_accept(actor=village_clerk, dispute_id=registered.pk, version=None)
    dispute_resolve(
        actor=village_clerk,
        dispute_id=registered.pk,
        version=accepted.version,
        outcome="agreement",
        agreement=AgreementInput(
            facts="院墙越界。",
            terms="乙方拆除越界围栏并赔偿八百元。",
            performance="十日内",
            signed_on=at(2026, 3, 2).date(),
        ),
    )
    assert _numbers(village_clerk, "围栏") == [registered.number]


def test_anonymisation_removes_the_names(zhang, village_clerk):
    from django.utils import timezone

    from jiefen.privacy.retention import dispute_anonymise

    dispute_anonymise(zhang, now=timezone.now(), closed_before=at(2026, 3, 3).date())
    assert _numbers(village_clerk, "张三丰") == []
    assert _numbers(village_clerk, "包工头") == []  # the description was removed too
    assert _numbers(village_clerk, zhang.number) == [zhang.number]


def test_rebuild_restores_the_index(zhang, registered, village_clerk):
    SearchKey.objects.all().delete()
    SearchEntry.objects.all().delete()
    assert _numbers(village_clerk, "张三丰") == []
    seen = []
    assert index_rebuild(batch=1, progress=lambda done, total: seen.append((done, total))) == 2
    assert seen == [(1, 2), (2, 2)]
    assert _numbers(village_clerk, "张三丰") == [zhang.number]
    assert _numbers(village_clerk, "包工头") == [zhang.number]


def test_rebuild_first_refreshes_the_dispute_tables_statistics_on_postgresql(zhang, registered):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("the planner statistics are PostgreSQL's")
    with CaptureQueriesContext(connection) as captured:
        index_rebuild()
    analysed = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("ANALYZE")]
    for table in ("disputes_dispute", "disputes_party", "disputes_event", "disputes_session"):
        assert f'ANALYZE "{table}"' in analysed
    first_write = next(
        i for i, q in enumerate(captured.captured_queries) if "search_entry" in q["sql"]
    )
    assert (
        captured.captured_queries.index(
            next(q for q in captured.captured_queries if q["sql"] == 'ANALYZE "disputes_session"')
        )
        < first_write
    )


def test_an_imported_ledger_is_searchable(world, village_clerk):
    from jiefen.spreadsheets.importing import import_file
    from jiefen.spreadsheets.tests.conftest import row, xlsx

    result = import_file(village_clerk, xlsx([row()]), "ledger.xlsx")
    assert result.imported == 1
    (number,) = _numbers(village_clerk, "张三")
    assert _numbers(village_clerk, "公共通道") == [number]
    assert _numbers(village_clerk, "13812345678") == [number]
    assert _numbers(village_clerk, "拆除 占道") == [number]  # the agreement's terms


def test_an_exact_name_comes_before_a_longer_name_beginning_with_it(world, village_clerk):
    longer = register(
        world,
        village_clerk,
        title="相邻通行纠纷",
        parties=[
            PartyInput(side="applicant", name="张三丰"),
            PartyInput(side="respondent", name="李四"),
        ],
        when=at(2026, 3, 5),
    )
    exact = register(
        world,
        village_clerk,
        title="相邻通行纠纷",
        parties=[
            PartyInput(side="applicant", name="张三"),
            PartyInput(side="respondent", name="李四"),
        ],
        when=at(2026, 3, 1),
    )
    assert _numbers(village_clerk, "张三") == [exact.number, longer.number]
