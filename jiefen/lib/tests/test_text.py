"""The one validator of text people send in (lib.text.text_check), and the services of every
door that use it: the same text is refused with the same words wherever it is typed."""

import pytest
from django.utils import translation

from jiefen.lib.errors import Errors, Invalid, text_valid
from jiefen.lib.text import MESSAGE, text_check


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  邻里漏水  ", ("邻里漏水", None)),
        (None, ("", "此项为必填项")),
        ("\u200b \u00a0", ("", "此项为必填项")),
        ("漏水\x00", ("漏水\x00", str(MESSAGE))),
        ("一二三四五六", ("一二三四五六", "不能超过 5 个字")),
        ("一二三四五 ", ("一二三四五", None)),  # what is stored is measured, stripped
    ],
)
def test_it_strips_and_says_what_is_wrong(value, expected):
    with translation.override("zh-hans"):
        assert text_check(value, limit=5) == expected


def test_optional_text_may_be_empty_and_a_required_one_says_what_to_fill_in():
    with translation.override("zh-hans"):
        assert text_check("", limit=5, required=False) == ("", None)
        assert text_check(" ", limit=5, empty="请填写事由") == ("", "请填写事由")
        assert (
            text_check("一二三四五六", limit=5, counted=True)[1] == "不能超过 5 个字（现有 6 个）"
        )


def test_the_messages_are_translated():
    with translation.override("en"):
        assert text_check("一二三四五六", limit=5)[1] == "No more than 5 characters"
        assert "control" in text_check("\x07", limit=5)[1].lower()


def test_a_service_checking_one_text_refuses_it_on_its_field():
    with pytest.raises(Invalid) as refused:
        text_valid("\x00", field="note", limit=200)
    assert refused.value.fields == {"note": [str(MESSAGE)]}
    assert text_valid(" 已约见双方 ", field="note", limit=200) == "已约见双方"


def test_a_form_collects_every_field_s_problem():
    errors = Errors()
    assert errors.text("place", "会议室\x00", 100) == "会议室\x00"
    errors.text("minutes", "", 100, required=True, empty="请填写会议纪要")
    assert set(errors.fields) == {"place", "minutes"}


@pytest.mark.django_db
def test_every_door_refuses_a_control_character_alike(world, filed_for_text):
    """A leader's note, a party's request to go up, a reception matter and an API token name:
    the same refusal as on the registration form (before, only registration refused it)."""
    from jiefen.portal.services import escalation_request
    from jiefen.receptions.services import MatterInput, _check_matter

    with translation.override("zh-hans"):
        with pytest.raises(Invalid) as refused:
            escalation_request(dispute=filed_for_text, reason="村里不管\x00")
        assert refused.value.fields == {"reason": [str(MESSAGE)]}
        problems = _check_matter(
            MatterInput(title="电梯\x1b", description="", contact_name="钱七", contact_phone="")
        )
        assert problems["title"] == [str(MESSAGE)]


@pytest.fixture
def filed_for_text(world):
    from jiefen.portal.tests.conftest import file_dispute

    dispute, _code = file_dispute(world)
    return dispute
