import pytest

from jiefen.accounts.models import User
from jiefen.org.models import Membership, Role
from jiefen.org.scope import Scope, scope_of
from jiefen.org.staffing import StaffingStatus, centre_staffing


def add_staff(world, count, town="枫桥镇", **membership):
    for n in range(count):
        user = User.objects.create_user(username=f"{town}-staff-{n}", full_name=f"职员{n}")
        Membership.objects.create(
            user=user, body=world.bodies[town], role=Role.MEDIATOR, **membership
        )


def row_for(rows, town):
    return next(row for row in rows if row.town.name == town)


@pytest.mark.parametrize(
    ("staff", "status"),
    [(3, StaffingStatus.BELOW), (9, StaffingStatus.WITHIN), (13, StaffingStatus.ABOVE)],
)
def test_it_checks_a_class_one_town_against_eight_to_twelve(world, staff, status):
    add_staff(world, staff)
    row = row_for(centre_staffing(scope=Scope(everything=True)), "枫桥镇")
    assert row.town_class == 1
    assert row.standard == (8, 12)
    assert row.staff == staff
    assert row.status == status
    assert row.out_of_standard == (status != StaffingStatus.WITHIN)


@pytest.mark.parametrize(("staff", "status"), [(7, "below"), (8, "within"), (12, "within")])
def test_it_includes_both_ends_of_the_standard(world, staff, status):
    add_staff(world, staff)
    assert row_for(centre_staffing(scope=Scope(everything=True)), "枫桥镇").status == status


def test_it_counts_a_person_with_two_roles_once(world, town_head):
    # The town head holds two roles (head, mediator): one person.
    add_staff(world, 2)
    assert row_for(centre_staffing(scope=Scope(everything=True)), "枫桥镇").staff == 3


def test_it_leaves_out_staff_who_do_not_count_or_have_left(world):
    for n, (counts, active) in enumerate([(True, True), (False, True), (True, False)]):
        user = User.objects.create_user(username=f"p{n}", is_active=active)
        Membership.objects.create(
            user=user, body=world.bodies["枫桥镇"], role=Role.CLERK, counts_as_centre_staff=counts
        )
    assert row_for(centre_staffing(scope=Scope(everything=True)), "枫桥镇").staff == 1


def test_it_says_when_the_town_class_is_not_set(world):
    row = row_for(centre_staffing(scope=Scope(everything=True)), "店口镇")
    assert row.town_class is None
    assert row.standard is None
    assert row.status == StaffingStatus.CLASS_NOT_SET
    assert not row.out_of_standard


def test_it_lists_only_centres_in_the_scope(world, town_head):
    rows = centre_staffing(scope=scope_of(town_head))
    assert [row.town.name for row in rows] == ["枫桥镇"]
    assert centre_staffing(scope=Scope()) == []


def test_it_needs_one_query(world, django_assert_num_queries):
    add_staff(world, 9)
    add_staff(world, 4, town="店口镇")
    with django_assert_num_queries(1):
        rows = centre_staffing(scope=Scope(everything=True))
        assert [(row.town.name, row.staff) for row in rows] == [("店口镇", 4), ("枫桥镇", 9)]
