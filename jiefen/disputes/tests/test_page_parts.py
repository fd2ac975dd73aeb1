"""The panels of the dispute page read their rows with the dispute's own row (disputes.page):
what comes back through the JSON array is what the ORM reads, field by field, for every part
any app declared — encrypted numbers decrypted, dates, times, booleans and related rows."""

from datetime import date

from django.urls import reverse

from jiefen.courts.models import IdentityDocument
from jiefen.disputes import page
from jiefen.disputes.models import Agreement, Dispute
from jiefen.disputes.selectors import dispute_page
from jiefen.disputes.services import PartyInput
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.test_detail_queries import _more_of_everything
from jiefen.documents.models import PartyDetail
from jiefen.org.models import Role
from jiefen.supervision.models import Extension, LeaderOwnership, ProgressNote


def _columns(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _same_as_the_orm(instance, related):
    fresh = type(instance).objects.get(pk=instance.pk)
    assert _columns(instance) == _columns(fresh), type(instance).__name__
    for path in related:
        mine, theirs = instance, fresh
        for step in path.split("__"):
            mine, theirs = getattr(mine, step), getattr(theirs, step)
            if theirs is None:
                assert mine is None, path
                break
            assert _columns(mine) == _columns(theirs), path


def _full_dispute(world, clerk, officer):
    dispute = register(
        world,
        clerk,
        parties=[
            PartyInput(
                side="applicant", name="张三", phone="13812345678", id_number="330681199001011237"
            ),
            PartyInput(side="respondent", name="李四"),
        ],
    )
    Agreement.objects.create(
        dispute=dispute,
        facts="院墙",
        terms="后退半米",
        performance="一周内",
        signed_on=date(2026, 3, 4),
    )
    ownership = LeaderOwnership.objects.create(
        dispute=dispute,
        leader=officer,
        leader_body=world.bodies["诸暨市"],
        plan="包案化解",
        target_date=date(2026, 4, 30),
        assigned_by=officer,
        assigned_at=at(2026, 3, 4),
    )
    ProgressNote.objects.create(ownership=ownership, author=clerk, at=at(2026, 3, 5), text="已走访")
    Extension.objects.create(
        ownership=ownership,
        requested_by=officer,
        requested_at=at(2026, 3, 5),
        reason="需更多时间",
        old_date=date(2026, 4, 30),
        new_date=date(2026, 5, 30),
    )
    world.person("leader_zhuji", "吴刚", "诸暨市", Role.LEADER)
    PartyDetail.objects.create(
        party=dispute.parties.get(name="张三"),
        gender="male",
        age=36,
        occupation="农民",
        updated_at=at(2026, 3, 4),
        updated_by=clerk,
    )
    IdentityDocument.objects.create(
        dispute=dispute,
        party=dispute.parties.get(name="张三"),
        kind="pdf",
        size=1024,
        sha256="0" * 64,
        stored_name="identity-zhangsan.pdf",
        uploaded_at=at(2026, 3, 6),
        uploaded_by=clerk,
    )
    _more_of_everything(world, dispute, clerk, officer, 2)
    return dispute


def test_every_declared_part_reads_what_the_orm_reads(world, village_clerk, county_officer):
    dispute = _full_dispute(world, village_clerk, county_officer)
    read = dispute_page(village_clerk, dispute.pk)
    for name, part in page.PARTS.items():
        value = page.part(read, name)
        if not part.is_rows:
            continue
        assert value, name  # the dispute has some of everything
        for row in value:
            _same_as_the_orm(row, part.rows()._paths)
    assert page.part(read, "documents.party_details")[0].age == 36
    # The dispute's own lists are kept as if prefetched, each row pointing at the dispute.
    parties = Dispute.objects.get(pk=dispute.pk).parties.all()
    assert [p.name for p in read.parties.all()] == [p.name for p in parties]
    assert read.parties.all()[0].phone == "13812345678"
    assert all(s.dispute is read for s in read.sessions.all())


def test_a_part_read_outside_the_page_costs_one_query(
    django_assert_num_queries, world, village_clerk, county_officer
):
    dispute = _full_dispute(world, village_clerk, county_officer)
    plain = Dispute.objects.get(pk=dispute.pk)
    with django_assert_num_queries(1):
        orders = page.part(plain, "supervision.orders")
    assert len(orders) == 2
    read = dispute_page(village_clerk, dispute.pk)
    with django_assert_num_queries(0):
        assert [o.pk for o in page.part(read, "supervision.orders")] == [o.pk for o in orders]


def test_the_panels_show_the_rows_read_with_the_dispute(
    client, world, village_clerk, county_officer
):
    dispute = _full_dispute(world, village_clerk, county_officer)
    client.force_login(village_clerk)
    html = client.get(reverse("disputes:detail", args=[dispute.pk])).content.decode()
    for shown in (
        "第三人0",
        "照片1.pdf",
        "请求复核",
        "上移",
        "相邻通行1",
        "限期办结",
        "已走访",
        "需更多时间",
        "包案化解",
    ):
        assert shown in html, shown
    assert "13812345678" not in html  # masked
