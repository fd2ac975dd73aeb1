"""The admin, seen by a county administrator (诸暨市) and by a superuser."""

import pytest
from django.contrib.auth.models import Permission

from jiefen.accounts.models import User
from jiefen.org.models import Body, Membership, Role

PERMISSIONS = [
    "org.view_body",
    "org.add_body",
    "org.change_body",
    "org.view_membership",
    "org.add_membership",
    "org.change_membership",
    "accounts.view_user",
    "accounts.add_user",
    "accounts.change_user",
]


@pytest.fixture
def county_admin(world):
    """诸暨市's administrator: staff of the admin site, with a role at the county joint meeting."""
    user = world.person("admin_zhuji", "吴敏", "诸暨市", Role.ADMIN)
    user.is_staff = True
    user.save()
    for name in PERMISSIONS:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def admin_browser(client, county_admin):
    client.force_login(county_admin)
    return client


@pytest.fixture
def shengzhou_clerk(world):
    return world.person("clerk_shengzhou", "郑华", "嵊州市", Role.CLERK)


def listed(response):
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_it_lists_only_the_bodies_of_the_county(admin_browser, world):
    names = {body.name for body in listed(admin_browser.get("/admin/org/body/"))}
    assert names == {
        "诸暨市县级联席会议",
        "诸暨市自然资源和规划局",
        "枫桥镇乡镇（街道）矛调中心",
        "店口镇乡镇（街道）矛调中心",
        "枫一社区村（社区）调处工作组",
        "永安社区村（社区）调处工作组",
        "店口社区居委会村（社区）调处工作组",
    }


def test_it_lists_only_the_staff_of_the_county(
    admin_browser, village_clerk, town_head, city_evaluator, shengzhou_clerk
):
    usernames = {user.username for user in listed(admin_browser.get("/admin/accounts/user/"))}
    assert usernames == {"admin_zhuji", "clerk_fengyi", "head_fengqiao"}


def test_it_lists_only_the_memberships_of_the_county(admin_browser, town_head, shengzhou_clerk):
    rows = listed(admin_browser.get("/admin/org/membership/"))
    assert {m.user.username for m in rows} == {"admin_zhuji", "head_fengqiao"}


def test_it_shows_a_superuser_everything(admin_client, world, town_head, shengzhou_clerk):
    assert len(listed(admin_client.get("/admin/org/body/"))) == Body.objects.count()
    usernames = {u.username for u in listed(admin_client.get("/admin/accounts/user/"))}
    assert {"head_fengqiao", "clerk_shengzhou"} <= usernames


def test_it_does_not_open_a_body_of_another_county(admin_browser, world):
    other = world.bodies["嵊州市"]
    response = admin_browser.get(f"/admin/org/body/{other.pk}/change/")
    assert response.status_code == 302  # the admin's answer for an object that does not exist
    assert admin_browser.get(
        f"/admin/org/body/{world.bodies['枫桥镇'].pk}/change/"
    ).status_code == (200)


def test_it_refuses_a_body_in_a_region_outside_the_county(admin_browser, world):
    response = admin_browser.post(
        "/admin/org/body/add/",
        {
            "name": "嵊州市某部门",
            "kind": "department",
            "region": str(world.regions["嵊州市"].pk),
            "department_type": str(world.bodies["诸暨市自然资源和规划局"].department_type_id),
            "active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    assert not Body.objects.filter(name="嵊州市某部门").exists()


def test_it_refuses_a_town_centre_at_a_village(admin_client, world):
    response = admin_client.post(
        "/admin/org/body/add/",
        {
            "name": "错位的中心",
            "kind": "town_centre",
            "region": str(world.regions["枫一社区"].pk),
            "active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.context["adminform"].form.errors["region"] == [
        "乡镇（街道）矛调中心应设在乡镇级行政区划"
    ]
    assert not Body.objects.filter(name="错位的中心").exists()


def test_it_refuses_a_second_centre_in_one_town(admin_client, world):
    response = admin_client.post(
        "/admin/org/body/add/",
        {
            "name": "第二个中心",
            "kind": "town_centre",
            "region": str(world.regions["枫桥镇"].pk),
            "active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.context["adminform"].form.errors["kind"] == ["枫桥镇已有乡镇（街道）矛调中心"]


def add_user_form(**extra):
    values = {
        "username": "new_mediator",
        "full_name": "新调解员",
        "phone": "0575-87000000",
        "usable_password": "true",
        "password1": "a long enough pass 42",
        "password2": "a long enough pass 42",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "1",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-body": "",
        "memberships-0-role": "",
    }
    values.update(extra)
    return values


def test_it_makes_a_county_admin_give_a_new_person_a_role_in_the_county(admin_browser, world):
    response = admin_browser.post("/admin/accounts/user/add/", add_user_form())
    assert response.status_code == 200
    assert not User.objects.filter(username="new_mediator").exists()

    response = admin_browser.post(
        "/admin/accounts/user/add/",
        add_user_form(**{"memberships-0-body": str(world.bodies["嵊州市"].pk)}),
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="new_mediator").exists()

    centre = world.bodies["枫桥镇"]
    response = admin_browser.post(
        "/admin/accounts/user/add/",
        add_user_form(
            **{
                "memberships-0-body": str(centre.pk),
                "memberships-0-role": "mediator",
                "memberships-0-counts_as_centre_staff": "on",
                "is_superuser": "on",
                "is_staff": "on",
            }
        ),
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_mediator")
    assert user.full_name == "新调解员"
    assert not user.is_superuser
    assert not user.is_staff
    assert list(user.memberships.values_list("body", "role")) == [(centre.pk, "mediator")]


def test_it_keeps_a_county_admin_from_granting_superuser(admin_browser, town_head):
    response = admin_browser.get(f"/admin/accounts/user/{town_head.pk}/change/")
    assert response.status_code == 200
    form_fields = response.context["adminform"].form.fields
    assert "is_superuser" not in form_fields
    assert "user_permissions" not in form_fields
    assert "full_name" in form_fields


def test_it_lets_a_county_admin_only_look_at_someone_who_also_works_above(
    admin_browser, world, town_head
):
    Membership.objects.create(user=town_head, body=world.bodies["绍兴市"], role=Role.EVALUATOR)
    response = admin_browser.get(f"/admin/accounts/user/{town_head.pk}/change/")
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    password = admin_browser.get(f"/admin/accounts/user/{town_head.pk}/password/")
    assert password.status_code == 403


def test_it_shows_the_staffing_check_of_the_county(admin_browser, world, town_head):
    response = admin_browser.get("/admin/org/body/staffing/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.town.name, row.staff, row.status) for row in rows] == [
        ("店口镇", 0, "class_not_set"),
        ("枫桥镇", 1, "below"),
    ]
    page = response.content.decode()
    assert 'class="out-of-standard"' in page
    assert "低于标准" in page
    assert "/admin/org/body/staffing/" in admin_browser.get("/admin/org/body/").content.decode()


def test_it_keeps_the_staffing_check_from_those_without_body_permission(client, town_head):
    town_head.is_staff = True
    town_head.save()
    client.force_login(town_head)
    assert client.get("/admin/org/body/staffing/").status_code == 403
