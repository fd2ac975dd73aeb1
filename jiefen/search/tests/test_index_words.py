"""How texts become index words, and how a jurisdiction becomes words of PostgreSQL's index."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiefen.disputes.selectors import dispute_list
from jiefen.org.scope import Scope, _merge, scope_of
from jiefen.regions.models import LEVEL_DIGITS, Level, code_span
from jiefen.search import segment, selectors
from jiefen.search.tests.conftest import register

TEXTS = [
    "张三丰在枫桥建筑工地务工，包工头拖欠工资三个月，多次讨要未果。",
    "调解员分别听取双方陈述，核实了有关情况。\n调解员分别听取双方陈述，双方同意回去商量。",
    "吴阿根与唐振华离婚后未按约定支付孩子抚养费，累计拖欠13,300元（见附件A-3）。",
    "C++ 与 a.b_c 以及 #5 号楼、100% 的 e-mail：x@y.cn",
    "ＡＢＣ１２３　全角字母，emoji 🏠 和 tab\t之后",
    "",
    "。，！",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_index_words_are_jiebas_words_for_the_whole_text(text):
    whole = " ".join(segment._words(segment._jieba().cut_for_search(segment.clean(text))))
    assert segment.index_tokens(text) == whole
    assert segment.index_tokens(text) == whole  # again, from the remembered clauses


# Codes whose subtrees touch and nest: two provinces, cities, counties, towns and villages.
_CODES = [
    int(f"{p}{c}{k}{t}{v}")
    for p in ("33", "34")
    for c in ("06", "07")
    for k in ("81", "82")
    for t in ("000", "109", "110", "999")
    for v in ("000", "001", "008", "009", "999")
]
_SUBTREES = st.tuples(st.sampled_from(_CODES), st.sampled_from(list(Level)))


def _matches(code, words):
    text = str(code)
    return any(text.startswith(word[1:]) and len(word) - 1 in (2, 4, 6, 9, 12) for word in words)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SUBTREES, min_size=1, max_size=6))
def test_a_jurisdictions_region_words_hold_exactly_its_disputes(subtrees):
    scope = Scope(spans=_merge(code_span(code, level) for code, level in subtrees))
    words = selectors.region_words(scope)
    assert words is not None
    for code in _CODES:
        assert _matches(code, words) == scope.contains(code), (code, scope.spans, words)
    # The prefixes are those of the levels, and a village's word is its whole code.
    assert {len(w) - 1 for w in words} <= set(LEVEL_DIGITS.values())


def test_a_jurisdiction_of_too_many_pieces_is_tested_on_the_rows():
    villages = Scope(spans=((330681109001, 330681109999),))  # 999 villages, no whole town
    assert selectors.region_words(villages) is None
    assert selectors.region_words(Scope(everything=True)) == []
    assert selectors.region_words(Scope(spans=((330681109000, 330681109999),))) == ["~330681109"]


def test_the_selectors_index_expression_is_the_migrations():
    migration = importlib.import_module("jiefen.search.migrations.0002_search_region_words")
    assert selectors.WORDS == migration.WORDS


def _two_towns(world, village_clerk, other_town_head):
    ours = register(world, village_clerk, title="拖欠工资纠纷", description="包工头拖欠工资。")
    theirs = register(
        world,
        other_town_head,
        body="店口镇",
        region="店口社区居委会",
        title="拖欠工资纠纷",
        description="包工头拖欠工资。",
    )
    return ours, theirs


@pytest.mark.parametrize("most", [selectors.MOST_REGION_WORDS, 0])
def test_a_word_is_found_in_the_jurisdiction_only_whichever_way_it_is_tested(
    world, village_clerk, other_town_head, town_head, monkeypatch, most
):
    monkeypatch.setattr(selectors, "MOST_REGION_WORDS", most)
    monkeypatch.setattr(selectors, "PROBE", 0)  # SQLite: the full-text index too
    ours, theirs = _two_towns(world, village_clerk, other_town_head)
    for actor, found in ((town_head, ours), (other_town_head, theirs)):
        numbers = [d.number for d in dispute_list(actor, {"q": "包工头"}).rows]
        assert numbers == [found.number]
        hits = selectors.text_hits(scope_of(actor), ["包工头"], limit=10)
        assert [pk for pk, _score in hits] == [found.pk]


def test_on_postgresql_a_town_is_searched_inside_the_words_index(
    world, village_clerk, other_town_head, town_head
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's index")
    _two_towns(world, village_clerk, other_town_head)
    with CaptureQueriesContext(connection) as captured:
        selectors.text_hits(scope_of(town_head), ["包工头"], limit=10)
    (query,) = [q["sql"] for q in captured.captured_queries if "search_entry" in q["sql"]]
    with connection.cursor() as cursor:
        # Too few rows for the planner to choose an index unless made to.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        cursor.execute("EXPLAIN " + query)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET ALL")
    index_scan = next(line for line in plan.splitlines() if "Index Scan" in line)
    assert "search_entry_words" in index_scan, plan
    condition = plan[plan.index("Index Cond") :].splitlines()[0]
    assert "包工头" in condition and "~330681109" in condition, plan
    assert "BETWEEN" not in plan and "region_code >=" not in plan, plan
