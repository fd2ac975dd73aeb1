"""Wherever a department is chosen, the choice is grouped by the region it serves (the county's
departments before a town's stations) and sorted by department type, then name."""

import re

import pytest

from jiefen.disputes.forms import AssignForm
from jiefen.org.models import Body, BodyKind, DepartmentType

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments(world):
    petition = DepartmentType.objects.create(key="petition", name="信访局", sort=5)
    police = DepartmentType.objects.create(key="police", name="派出所", sort=20)
    land = world.bodies["诸暨市自然资源和规划局"]
    land.department_type.sort = 10
    land.department_type.save()
    made = [
        Body.objects.create(
            kind=BodyKind.DEPARTMENT, name="枫桥派出所", region=world.regions["枫桥镇"],
            department_type=police,
        ),
        Body.objects.create(
            kind=BodyKind.DEPARTMENT, name="诸暨市信访局", region=world.regions["诸暨市"],
            department_type=petition,
        ),
    ]  # fmt: skip
    return Body.objects.filter(pk__in=[land.pk, *(b.pk for b in made)]).order_by("-pk")


def test_the_assign_form_groups_departments_by_region_and_sorts_them_by_type(departments):
    html = str(AssignForm(departments=departments)["department"])
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, re.S)
    assert [label for label, _ in groups] == ["诸暨市的职能部门", "枫桥镇的职能部门"]
    county = re.findall(r">([^<]+)</option>", groups[0][1])
    assert county == ["诸暨市信访局", "诸暨市自然资源和规划局"]


def test_a_department_chosen_from_the_groups_is_still_looked_up_in_reach(departments):
    land = departments.get(name="诸暨市自然资源和规划局")
    form = AssignForm({"version": 1, "department": land.pk, "days": 7}, departments=departments)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["department"] == land
    outside = AssignForm(
        {"version": 1, "department": land.pk, "days": 7}, departments=departments.none()
    )
    assert not outside.is_valid()
