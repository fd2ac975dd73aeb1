"""The dispute page's supervision forms are written by hand; one sent back with a problem shows
it the way every form does: in the summary at the top, linked to its field, the field marked
required, the form open again with what was typed."""

import re

import pytest

from jiefen.supervision.models import SupervisionOrder
from jiefen.supervision.tests.conftest import at_county

pytestmark = pytest.mark.django_db


def test_an_order_without_a_requirement_comes_back_with_the_summary_and_what_was_typed(
    client, world, county_officer, village_clerk, town_head
):
    dispute = at_county(world, village_clerk, town_head, county_officer)
    town = world.bodies["枫桥镇"]
    client.force_login(county_officer)
    response = client.post(
        f"/supervision/disputes/{dispute.pk}/order/",
        {"to_body": town.pk, "requirement": "   ", "days": "12"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'href="#sv-order-requirement"' in summary
    assert 'id="sv-order-requirement"' in html
    assert re.search(r'<details id="supervision-order" open>', html)
    assert 'value="12"' in re.search(r'<input id="sv-order-days"[^>]*>', html).group(0)
    assert re.search(rf'<option value="{town.pk}" selected>', html)
    assert '<span class="req" aria-hidden="true">*</span>' in html
    assert not SupervisionOrder.objects.exists()


def test_a_refusal_by_the_service_is_said_at_the_top_with_the_text_kept(
    client, world, county_officer, village_clerk, town_head
):
    dispute = at_county(world, village_clerk, town_head, county_officer)
    client.force_login(county_officer)
    response = client.post(
        f"/supervision/disputes/{dispute.pk}/order/",
        {
            "to_body": world.bodies["店口镇"].pk,
            "requirement": "请于五日内报告调处进展",
            "days": "5",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "请于五日内报告调处进展</textarea>" in html
    assert not SupervisionOrder.objects.exists()


def test_a_good_order_still_goes_back_to_the_dispute_page(
    client, world, county_officer, village_clerk, town_head
):
    dispute = at_county(world, village_clerk, town_head, county_officer)
    client.force_login(county_officer)
    response = client.post(
        f"/supervision/disputes/{dispute.pk}/order/",
        {"to_body": world.bodies["枫桥镇"].pk, "requirement": "请报告进展", "days": "5"},
    )
    assert response.status_code == 302
    assert SupervisionOrder.objects.count() == 1
