"""The register's pages: the proposal and assignment of a dispute, the register of one's
jurisdiction, a mediator's queue; the admin refuses a catalogue entry of another county."""

from django.urls import reverse

from jiefen.disputes.models import Category, Event
from jiefen.mediators.catalogue import route_entry_save
from jiefen.mediators.models import Assignment, RouteEntry
from jiefen.mediators.tests.conftest import make_mediator, register
from jiefen.regions.models import Level


def test_the_clerk_sees_the_proposal_with_its_reason_and_assigns(
    client, world, bodies, village_clerk
):
    route_entry_save(
        entry=RouteEntry(
            region=world.regions["诸暨市"],
            level=Level.TOWN,
            category=Category.objects.get(key="labour"),
            department=bodies["诸暨市人社局"],
            committee=bodies["诸暨市劳动调委会"],
            source="人社局权责清单第3项",
        )
    )
    make_mediator(bodies["诸暨市劳动调委会"], "孙调解")
    own = make_mediator(world.bodies["枫一社区"], "陈小梅", user=village_clerk)
    dispute = register(world, village_clerk, category=Category.objects.get(key="labour"))
    client.force_login(village_clerk)
    url = reverse("mediators:dispute", args=[dispute.pk])
    page = client.get(url).content.decode()
    assert "诸暨市劳动人事争议人民调解委员会" in page and "人社局权责清单第3项" in page
    assert "孙调解" in page

    refused = client.post(url, {"mediators": [], "reason": "先请本村调解"})
    assert refused.status_code == 400
    assert "请选择调解员" in refused.content.decode()
    assert "先请本村调解" in refused.content.decode()

    client.post(url, {"mediators": [own.pk]})
    assert Assignment.objects.filter(dispute=dispute, mediator=own).exists()
    assert Event.objects.filter(dispute=dispute, action="mediator_assigned").exists()
    queue = client.get(reverse("mediators:queue")).content.decode()
    assert dispute.number in queue


def test_the_register_shows_only_the_jurisdiction_and_masks_numbers(
    client, world, bodies, village_clerk
):
    make_mediator(world.bodies["枫一社区"], "本村调解员", phone="13812345678")
    make_mediator(world.bodies["店口镇"], "外镇调解员")
    client.force_login(village_clerk)
    page = client.get(reverse("mediators:index")).content.decode()
    assert "本村调解员" in page and "外镇调解员" not in page
    assert "13812345678" not in page and "5678" in page


def test_the_admin_refuses_a_department_of_another_county(client, world, bodies, administrator):
    administrator.is_staff = True
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    answer = client.post(
        reverse("admin:mediators_routeentry_add"),
        {
            "region": world.regions["诸暨市"].pk,
            "level": Level.TOWN,
            "category": Category.objects.get(key="labour").pk,
            "department": bodies["嵊州市人社局"].pk,
            "source": "权责清单",
            "active": "on",
        },
    )
    assert answer.status_code == 200
    assert "责任部门不属于适用区划" in answer.content.decode()
    assert not RouteEntry.objects.exists()


def test_the_register_exports_to_excel_with_the_figures_and_no_numbers(
    client, world, bodies, village_clerk
):
    import io

    from openpyxl import load_workbook

    from jiefen.mediators.services import mediators_assign

    own = make_mediator(
        world.bodies["枫一社区"], "本村调解员", phone="13812345678", id_number="330681199001011237"
    )
    make_mediator(world.bodies["店口镇"], "外镇调解员")
    for title in ("院墙", "水沟"):
        dispute = register(world, village_clerk, title=title)
        mediators_assign(actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[own.pk])
    client.force_login(village_clerk)
    answer = client.get(reverse("mediators:export"))
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "姓名" and rows[0][11] == "承办纠纷"
    assert len(rows) == 2 and rows[1][0] == "本村调解员"
    # open now, handled, resolved, agreements
    assert rows[1][10:14] == [2, 2, 0, 0]
    text = str(rows)
    assert "13812345678" not in text and "330681199001011237" not in text


def test_the_assignment_form_starts_on_the_catalogues_department_with_the_reason(
    client, world, bodies, village_clerk, county_officer
):
    from jiefen.disputes.services import dispute_receive, dispute_transfer

    route_entry_save(
        entry=RouteEntry(
            region=world.regions["诸暨市"],
            level=Level.COUNTY,
            category=Category.objects.get(key="labour"),
            department=bodies["诸暨市人社局"],
            source="人社局权责清单第7项",
        )
    )
    head = world.person("head_fengqiao2", "李卫东", "枫桥镇", "head")
    dispute = register(world, village_clerk, category=Category.objects.get(key="labour"))
    dispute_transfer(actor=village_clerk, dispute_id=dispute.pk, version=None, reason="需镇里协调")
    dispute_receive(actor=head, dispute_id=dispute.pk, version=None)
    dispute_transfer(actor=head, dispute_id=dispute.pk, version=None, reason="需县里协调")
    # Waiting at the county: the proposal is the county's.
    client.force_login(county_officer)
    page = client.get(reverse("mediators:dispute", args=[dispute.pk])).content.decode()
    assert "人社局权责清单第7项" in page
    dispute_receive(actor=county_officer, dispute_id=dispute.pk, version=None)
    page = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    hrss = bodies["诸暨市人社局"].pk
    assert f'<option value="{hrss}" selected>' in page
    assert "归口建议" in page and "人社局权责清单第7项" in page


def test_a_mediator_withdraws_from_the_page_and_the_body_sees_it(
    client, world, bodies, village_clerk
):
    from jiefen.mediators.models import MediatorRequest
    from jiefen.mediators.services import mediators_assign

    dispute = register(world, village_clerk)
    own = make_mediator(world.bodies["枫一社区"], "陈小梅", user=village_clerk)
    mediators_assign(actor=village_clerk, dispute_pk=dispute.pk, mediator_pks=[own.pk])
    client.force_login(village_clerk)
    url = reverse("mediators:dispute", args=[dispute.pk])
    assert "申请回避" in client.get(url).content.decode()
    client.post(reverse("mediators:withdraw", args=[dispute.pk]), {"reason": "申请人是我表哥"})
    asked = MediatorRequest.objects.get()
    assert (asked.kind, asked.mediator) == ("withdraw", own)
    assert "申请人是我表哥" in client.get(url).content.decode()
