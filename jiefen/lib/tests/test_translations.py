"""The English catalogue: complete, faithful to its placeholders, and used at run time.

Chinese is the source language; every msgid in jiefen/locale/en must have an English msgstr
with exactly the placeholders (and HTML tags) of its msgid, or a message would lose a value or
crash on formatting when shown in English.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.template.loader import render_to_string
from django.utils import translation

from jiefen.disputes.lifecycle import Invalid
from jiefen.disputes.models import Status
from jiefen.disputes.services import dispute_transfer
from jiefen.rules.models import DayKind, DeadlineRule, RequiredAction, Tier, Trigger
from jiefen.rules.services import rule_problems

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"

# printf-style placeholders as Python's % operator reads them: %(name)s, %(seconds).1f, %d, %%.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def catalogue():
    with PO.open("rb") as f:
        return read_po(f)


def messages():
    return [m for m in catalogue() if m.id]


def forms(value) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [value]


def marks(text: str) -> tuple[Counter, Counter]:
    return Counter(PLACEHOLDER.findall(text)), Counter(TAG.findall(text))


def test_it_declares_english_with_two_plural_forms():
    cat = catalogue()
    assert str(cat.locale) == "en"
    assert cat.num_plurals == 2
    assert cat.plural_expr.replace(" ", "") == "(n!=1)"
    assert cat.charset.lower() == "utf-8"


def test_it_translates_every_message():
    untranslated = [
        m.id for m in messages() if m.fuzzy or not all((s or "").strip() for s in forms(m.string))
    ]
    assert len(messages()) > 100
    assert untranslated == []


def test_it_keeps_every_placeholder_and_tag():
    wrong = []
    for m in messages():
        expected = marks(forms(m.id)[0])
        for original in forms(m.id)[1:]:
            assert marks(original) == expected, m.id
        for translated in forms(m.string):
            if marks(translated) != expected:
                wrong.append((forms(m.id)[0], translated))
    assert wrong == []


@pytest.fixture
def english(settings, tmp_path):
    """The catalogue in the repository, compiled the way `make` compiles it, active in English.

    Compiling here keeps the test independent of a stale or missing django.mo; changing
    LOCALE_PATHS makes Django drop its cached translations (and restore them afterwards).
    """
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "django.mo").open("wb") as f:
        write_mo(f, catalogue(), use_fuzzy=True)
    settings.LOCALE_PATHS = [tmp_path]
    with translation.override("en"):
        yield


def test_it_shows_a_status_and_an_action_in_english(english):
    assert str(Status.REGISTERED.label) == "Registered"
    assert str(Status.TRANSFERRING.label) == "Being transferred"
    assert str(DayKind.WORKING.label) == "Working days"


def test_it_explains_a_refused_move_in_english(english):
    with pytest.raises(Invalid) as refused:
        dispute_transfer(actor=None, dispute_id=1, version=1, reason="  ")
    assert str(refused.value.message) == "Please give a reason"
    assert [str(m) for m in refused.value.fields["reason"]] == [
        "A reason is required for “Transfer up”"
    ]


def test_it_explains_a_wrong_rule_in_english(english):
    rule = DeadlineRule(
        key="x",
        tier=Tier.VILLAGE,
        trigger=Trigger.REGISTERED,
        condition="complex_or_cross_area",
        action=RequiredAction.TRANSFER,
        days=0,
        day_kind=DayKind.WORKING,
    )
    problems = rule_problems(rule)
    assert [e.message % e.params for e in problems["days"]] == [
        "Days allowed must be a positive whole number"
    ]


def test_it_renders_a_template_in_english(english):
    assert "No disputes" in render_to_string("disputes/_rows.html", {"rows": []})


def test_it_stays_in_chinese_by_default():
    with translation.override("zh-hans"):
        assert str(Status.REGISTERED.label) == "已登记"
