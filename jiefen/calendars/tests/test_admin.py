from jiefen.calendars.models import CalendarOverride, CalendarYear


def test_it_shows_a_missing_notice_next_to_the_field(admin_client):
    response = admin_client.post(
        "/admin/calendars/calendaroverride/add/",
        {"date": "2025-01-27", "working": "", "notice": ""},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "notice": ["调整 2025-01-27 必须注明依据文件"]
    }
    assert not CalendarOverride.objects.exists()


def test_it_saves_an_override_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        "/admin/calendars/calendaroverride/add/",
        {"date": "2025-01-27", "working": "", "notice": "某市通知"},
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get()
    assert (override.working, override.notice, override.created_by) == (
        False,
        "某市通知",
        admin_user,
    )

    response = admin_client.post(
        f"/admin/calendars/calendaroverride/{override.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()


def test_it_confirms_a_year_in_the_admin(admin_client, admin_user):
    response = admin_client.post(
        "/admin/calendars/calendaryear/add/", {"year": "2027", "confirmed": "on", "notice": ""}
    )
    assert response.context["adminform"].form.errors == {
        "notice": ["确认 2027 年的节假日安排必须注明依据文件"]
    }
    response = admin_client.post(
        "/admin/calendars/calendaryear/add/",
        {"year": "2027", "confirmed": "on", "notice": "国务院办公厅关于2027年部分节假日安排的通知"},
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).confirmed_by == admin_user


def test_it_changes_an_override_but_not_its_date(admin_client, admin_user):
    override = CalendarOverride.objects.create(date="2025-03-01", working=True, notice="旧通知")
    url = f"/admin/calendars/calendaroverride/{override.pk}/change/"
    response = admin_client.post(url, {"working": "", "notice": ""})
    assert response.context["adminform"].form.errors == {
        "notice": ["调整 2025-03-01 必须注明依据文件"]
    }
    response = admin_client.post(url, {"date": "2025-03-08", "working": "", "notice": "新通知"})
    assert response.status_code == 302
    override.refresh_from_db()
    assert str(override.date) == "2025-03-01"
    assert (override.working, override.notice, override.created_by) == (False, "新通知", admin_user)
