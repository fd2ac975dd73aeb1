"""Every form, through the shared rendering (jiefen/ui.py): an error summary at the top of the
page with a link to each field in error, required fields marked, phone keypads, defaults."""

import re

from django.utils import timezone

from jiefen.disputes.models import Category
from jiefen.disputes.services import dispute_accept
from jiefen.disputes.tests.conftest import register


def _registration(client, parties, **fields):
    """POST the registration form with `parties` (dicts of a party form's fields) and the
    dispute's `fields` over a filled-in default."""
    data = {
        "category": Category.objects.first().pk,
        "channel": "walk_in",
        "title": "院墙边界争议",
        "description": "两户因院墙位置发生争执。",
        "people_involved": "2",
        "risk": "ordinary",
        "parties-TOTAL_FORMS": str(len(parties)),
        "parties-INITIAL_FORMS": "0",
        **fields,
    }
    for i, party in enumerate(parties):
        data |= {f"parties-{i}-{key}": value for key, value in party.items()}
    return client.post("/disputes/new/", data)


def _summary(html):
    return re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)


def test_it_lists_the_errors_at_the_top_with_links_to_their_fields(client, village_clerk):
    client.force_login(village_clerk)
    response = _registration(
        client,
        [{"side": "applicant", "kind": "person", "name": ""}],
        title="",
        description="",
    )
    html = response.content.decode()
    main = html[html.index("<main>") :]
    summary = re.search(r'<div class="error-summary".*?</div>', main, re.S)
    assert summary, "no error summary"
    # Before the form itself, first thing on the page.
    assert main.index("error-summary") < main.index("<form")
    links = re.findall(r'href="#([^"]+)"', summary.group(0))
    assert "id_title" in links and "id_description" in links and "id_parties-0-name" in links
    for anchor in links:
        assert f'id="{anchor}"' in html, f"the summary links to #{anchor}, which is not on the page"


def test_it_shows_no_summary_on_a_fresh_form(client, village_clerk):
    client.force_login(village_clerk)
    assert "error-summary" not in client.get("/disputes/new/").content.decode()


def test_it_marks_required_fields_and_asks_for_the_right_keypad(client, village_clerk):
    client.force_login(village_clerk)
    html = client.get("/disputes/new/").content.decode()
    title = re.search(r"<input[^>]*name=\"title\"[^>]*>", html).group(0)
    assert "required" in title and 'aria-required="true"' in title
    assert re.search(r'<label[^>]*>[^<]*事由 <span class="req"', html)
    phone = re.search(r"<input[^>]*name=\"parties-0-phone\"[^>]*>", html).group(0)
    assert 'inputmode="tel"' in phone and "aria-required" not in phone
    people = re.search(r"<input[^>]*name=\"people_involved\"[^>]*>", html).group(0)
    assert 'inputmode="numeric"' in people
    amount = re.search(r"<input[^>]*name=\"amount\"[^>]*>", html).group(0)
    assert 'inputmode="decimal"' in amount


def test_it_fills_in_the_registering_body_the_mediator_and_today(client, village_clerk, world):
    client.force_login(village_clerk)
    html = client.get("/disputes/new/").content.decode()
    body = world.bodies["枫一社区"]
    assert re.search(rf'<option value="{body.pk}" selected>', html)
    dispute = register(world, village_clerk)
    dispute_accept(actor=village_clerk, dispute_id=dispute.pk, version=None)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    session = page[page.index('id="action-session"') :]
    assert re.search(r'name="mediators"[^>]*value="陈小梅"', session)
    assert f'value="{timezone.localdate().isoformat()}"' in session


def test_the_summary_says_which_party_a_refusal_is_about(client, village_clerk):
    client.force_login(village_clerk)
    response = _registration(
        client,
        [
            {"side": "applicant", "kind": "person", "name": ""},
            {"side": "respondent", "kind": "person", "name": ""},
        ],
    )
    summary = _summary(response.content.decode())
    assert "当事人 1 姓名或名称" in summary and "当事人 2 姓名或名称" in summary


def test_a_wrong_id_number_or_phone_shows_with_the_other_errors_in_one_submit(
    client, village_clerk
):
    # Before, the ID and phone checks ran only in the service, after every other field was
    # right: the clerk fixed the form, sent it again, and only then heard about the ID number.
    client.force_login(village_clerk)
    response = _registration(
        client,
        [
            {
                "side": "applicant",
                "kind": "person",
                "name": "王大伟",
                "phone": "1381234",
                "id_number": "330681199001011235",
            },
            {
                "side": "respondent",
                "kind": "organisation",
                "name": "枫桥建材有限公司",
                "id_number": "91330681MA2D3E4F5X",
            },
        ],
        title="",
    )
    html = response.content.decode()
    summary = _summary(html)
    links = re.findall(r'href="#([^"]+)"', summary)
    assert "id_title" in links
    assert "id_parties-0-id_number" in links and "id_parties-0-phone" in links
    assert "id_parties-1-id_number" in links
    assert "证件号码不正确" in summary and "联系电话格式不正确" in summary
    # The field carries its message too, and what was typed stays.
    field = html[html.index('id="id_parties-0-id_number"') - 600 :]
    assert "证件号码不正确" in html[html.index("parties-0-id_number") :]
    assert 'value="330681199001011235"' in field[:1200]
    assert 'value="枫桥建材有限公司"' in html


def test_it_asks_for_an_applicant_together_with_the_other_errors(client, village_clerk):
    client.force_login(village_clerk)
    response = _registration(
        client, [{"side": "respondent", "kind": "person", "name": "李四"}], title=""
    )
    summary = _summary(response.content.decode())
    assert "至少需要一名申请人" in summary and "id_title" in summary
