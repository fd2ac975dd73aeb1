from jiefen.disputes.models import Category, Dispute
from jiefen.disputes.public import PublicFiling, dispute_by_query, dispute_file
from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import at


def _filing(world, **overrides):
    data = PublicFiling(
        region=world.regions["永安社区"],
        category=Category.objects.get(key="labour"),
        title="工资被拖欠",
        description="在村办厂做工三个月，工资未结。",
        parties=[PartyInput(side="applicant", name="王五", phone="13900001111")],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def test_it_files_a_dispute_at_the_village_group_of_the_place(world):
    dispute, code = dispute_file(data=_filing(world), at=at(2026, 3, 2))
    assert dispute.holder == world.bodies["永安社区"]
    assert dispute.registered_by is None and dispute.owner is None
    assert dispute.channel == "online"
    assert len(code) == 10
    stored = Dispute.objects.get(pk=dispute.pk)
    assert code not in stored.query_digest and stored.query_digest
    assert list(stored.events.values_list("action", "actor")) == [("register", None)]


def test_it_finds_a_dispute_only_with_its_own_code(world):
    dispute, code = dispute_file(data=_filing(world), at=at(2026, 3, 2))
    _other, other_code = dispute_file(data=_filing(world), at=at(2026, 3, 2))
    assert dispute_by_query(number=dispute.number, code=code) == dispute
    assert dispute_by_query(number=dispute.number, code=code.lower()) == dispute
    assert dispute_by_query(number=dispute.number, code=other_code) is None
    assert dispute_by_query(number="330681109-2026-999999", code=code) is None


def test_it_never_finds_a_staff_registered_dispute_by_an_empty_code(world, registered):
    assert dispute_by_query(number=registered.number, code="") is None
