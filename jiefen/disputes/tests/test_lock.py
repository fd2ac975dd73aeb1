"""dispute_lock: the one way a writer of a dispute's history locks it, for staff (only a
dispute they may see) and for the system (any)."""

import pytest
from django.db import transaction

from jiefen.disputes.lifecycle import NotFound
from jiefen.disputes.services import dispute_lock


def test_it_locks_a_dispute_for_the_staff_who_hold_it(registered, village_clerk):
    with transaction.atomic():
        locked = dispute_lock(registered.pk, actor=village_clerk)
    assert locked == registered
    assert locked.holder.name == "枫一社区村（社区）调处工作组"


def test_it_answers_a_foreign_dispute_exactly_as_a_missing_one(registered, other_village_clerk):
    with transaction.atomic(), pytest.raises(NotFound) as foreign:
        dispute_lock(registered.pk, actor=other_village_clerk)
    with transaction.atomic(), pytest.raises(NotFound) as missing:
        dispute_lock(registered.pk + 1000, actor=other_village_clerk)
    assert str(foreign.value) == str(missing.value)


def test_the_system_locks_any_dispute_and_refuses_one_that_does_not_exist(registered):
    with transaction.atomic():
        assert dispute_lock(registered.pk).region.name == "枫一社区"
    with transaction.atomic(), pytest.raises(NotFound):
        dispute_lock("not a number")
