import pytest

from jiefen.lib.personal import valid_credit_code


@pytest.mark.parametrize("code", ["91330681MA2D8K1L00", "91330681000000000D", "91330681ma2d8k1l00"])
def test_it_accepts_a_credit_code_with_its_check_character(code):
    assert valid_credit_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "91330681MA2D8K1L01",  # wrong check character
        "91330681000000000X",
        "330681199003091226",  # a resident ID number has the shape, not the check
        "91330681MA2D8XXXXX",
        "91330681MA2D8K1L0",
    ],
)
def test_it_refuses_a_credit_code_whose_check_character_is_wrong(code):
    assert not valid_credit_code(code)
