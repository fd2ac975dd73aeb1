"""Registration checks an organisation's credit code as the subject-access search does, so
that a code the search would refuse is never stored."""

import pytest

from jiefen.disputes.lifecycle import Invalid
from jiefen.disputes.models import Dispute
from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import register


def _parties(code):
    return [
        PartyInput(side="applicant", name="张三", phone="13812345678"),
        PartyInput(side="respondent", name="枫桥建材有限公司", kind="organisation", id_number=code),
    ]


def test_it_registers_a_company_with_a_correct_credit_code(world, village_clerk):
    dispute = register(world, village_clerk, parties=_parties("91330681MA2D8K1L00"))
    assert dispute.parties.get(side="respondent").id_number == "91330681MA2D8K1L00"


def test_it_refuses_a_credit_code_with_a_wrong_check_character(world, village_clerk):
    with pytest.raises(Invalid) as refused:
        register(world, village_clerk, parties=_parties("91330681MA2D8K1L01"))
    assert refused.value.fields == {"parties.1.id_number": ["证件号码不正确（请核对校验位）"]}
    assert not Dispute.objects.exists()
