"""In Chromium: a town centre's clerk registers a labour dispute, the page proposes 诸暨市's labour
committee and mediators with the reasons, the clerk puts a centre mediator on it; the party asks
on the portal (on a phone) for another mediator; the town head answers from the queue and the
party reads the answer.

Screenshots go to $JIEFEN_SHOTS when it is set (a directory), otherwise to the test's tmp_path.
"""

import os
from pathlib import Path

import pytest

from jiefen.conftest import sign_in
from jiefen.disputes.models import Category, Dispute
from jiefen.disputes.public import query_digest
from jiefen.mediators.catalogue import route_entry_save
from jiefen.mediators.models import Assignment, MediatorRequest, RequestState, RouteEntry
from jiefen.mediators.tests.conftest import make_mediator
from jiefen.org.models import Role
from jiefen.regions.models import Level

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

CODE = "K7M2Q9TX"


def shoot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("JIEFEN_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(
        path=str(folder / f"{name}-{size['width']}x{size['height']}.png"), full_page=True
    )


def test_a_labour_dispute_gets_the_committee_proposed_and_the_party_another_mediator(
    live_server, chromium, phone_page, world, bodies, town_head, tmp_path
):
    world.person("clerk_fengqiao", "何晓红", "枫桥镇", Role.CLERK)
    route_entry_save(
        entry=RouteEntry(
            region=world.regions["诸暨市"],
            level=Level.TOWN,
            category=Category.objects.get(key="labour"),
            department=bodies["诸暨市人社局"],
            committee=bodies["诸暨市劳动调委会"],
            source="诸暨市人社局权责清单第12项：劳动争议调解",
        )
    )
    make_mediator(bodies["诸暨市劳动调委会"], "孙调解")
    centre = world.bodies["枫桥镇"]
    first = make_mediator(centre, "李卫东", user=town_head)
    second = make_mediator(centre, "王调解", open_cases=2)

    desk = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = desk.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, "clerk_fengqiao")
    page.click("text=登记纠纷")
    page.select_option("select[name=category]", label="劳动争议纠纷")
    page.select_option("select[name=channel]", value="walk_in")
    page.fill("input[name=title]", "拖欠工资")
    page.fill("textarea[name=description]", "工人张三称某厂拖欠三个月工资。")
    page.fill("input[name=parties-0-name]", "张三")
    page.fill("input[name=parties-1-name]", "某纺织厂")
    page.click("button.primary:has-text('登记')")
    page.wait_for_selector("text=已登记，编号")
    dispute = Dispute.objects.get()

    page.click("#mediators-link a")
    assert "诸暨市劳动人事争议人民调解委员会" in page.inner_text("#route-committee")
    assert "诸暨市人力资源和社会保障局" in page.inner_text("#route-department")
    assert "权责清单第12项" in page.inner_text("#route-reason")
    candidates = page.inner_text(".candidates")
    assert "孙调解" in candidates and "李卫东" in candidates and "在办 0 件" in candidates
    shoot(page, tmp_path, "mediators-proposal")
    page.check(f".candidates input[value='{first.pk}']")
    page.click("#assign button[type=submit]")
    page.wait_for_selector("text=已指派调解员")
    assert "李卫东" in page.inner_text("#assigned")

    # The applicant holds the acceptance notice with its query code.
    Dispute.objects.filter(pk=dispute.pk).update(query_digest=query_digest(CODE))
    party = phone_page
    party.goto(f"{live_server.url}/public/follow/")
    party.fill("input[name=number]", dispute.number)
    party.fill("input[name=code]", CODE)
    party.click("button.primary:has-text('查询')")
    party.wait_for_selector("#mediators")
    assert "李卫东" in party.inner_text("#mediators")
    party.click("#mediator-request summary")
    party.select_option("#mediator-request select[name=mediator]", value=str(first.pk))
    party.select_option("#mediator-request select[name=wanted]", value=str(second.pk))
    party.fill("#mediator-request textarea[name=reason]", "调解员与厂方负责人是同学，希望更换")
    shoot(party, tmp_path, "mediators-party-asks")
    party.click("#mediator-request button[type=submit]")
    party.wait_for_selector("text=已提交申请")
    assert "待答复" in party.inner_text("#mediators")
    asked = MediatorRequest.objects.get()
    assert asked.kind == "change" and asked.wanted == second

    head_context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    head = head_context.new_page()
    head.set_default_timeout(15000)
    sign_in(head, live_server, "head_fengqiao")
    head.goto(f"{live_server.url}/mediators/queue/")
    head.click(f"text={dispute.number}")
    head.fill(f"#request-{asked.pk} textarea[name=answer]", "同意更换，由王调解员调解")
    shoot(head, tmp_path, "mediators-head-answers")
    head.click(f"#request-{asked.pk} button[value=yes]")
    head.wait_for_selector("text=已答复")
    assert "王调解" in head.inner_text("#assigned")
    asked.refresh_from_db()
    assert asked.state == RequestState.GRANTED
    assert list(
        Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).values_list(
            "mediator", flat=True
        )
    ) == [second.pk]

    party.reload()
    panel = party.inner_text("#mediators")
    assert "已同意" in panel and "同意更换，由王调解员调解" in panel and "王调解" in panel
    shoot(party, tmp_path, "mediators-party-reads")
    head_context.close()
    desk.close()
