import pytest

from jiefen.lib.registry import NotRegistered, Slot


def test_it_refuses_a_call_nobody_registered_and_names_the_provider():
    slot: Slot[..., int] = Slot("next_meeting_date", provider="jiefen.meetings")
    with pytest.raises(NotRegistered, match=r"next_meeting_date.*jiefen\.meetings"):
        slot(body=1)
    assert not slot.registered


def test_it_calls_what_the_provider_registered():
    slot: Slot[..., int] = Slot("double", provider="a test")
    slot.register(lambda *, x: 2 * x)
    assert slot.registered
    assert slot(x=21) == 42
