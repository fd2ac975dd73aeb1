"""Parties' phone and ID numbers: masked on screen, encrypted at rest, shown in full only with a
reason, every reveal logged, never copied into the history."""

import json

import pytest
from django.db import connection

from jiefen.disputes import services
from jiefen.disputes.lifecycle import NotFound
from jiefen.disputes.models import Event, Party, Reveal
from jiefen.disputes.tests.conftest import at, register
from jiefen.disputes.tests.steps import perform

PHONE = "13812345678"
ID_NUMBER = "330681199001011237"
PHONE_MASKED = "138****5678"
ID_MASKED = "330681********1237"


@pytest.fixture
def dispute(world, village_clerk):
    return register(world, village_clerk, complex=True, when=at(2026, 3, 2))


@pytest.fixture
def applicant(dispute):
    return dispute.parties.get(side="applicant")


def _reveal_url(dispute, party, field):
    return f"/disputes/{dispute.pk}/parties/{party.pk}/reveal/{field}/"


def test_it_shows_only_masked_numbers_on_the_detail_page(client, village_clerk, dispute):
    client.force_login(village_clerk)
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert PHONE_MASKED in page and ID_MASKED in page
    assert PHONE not in page and ID_NUMBER not in page


def test_it_reveals_a_phone_number_for_a_reason_and_logs_who_saw_it(
    client, village_clerk, dispute, applicant
):
    client.force_login(village_clerk)
    response = client.post(_reveal_url(dispute, applicant, "phone"), {"reason": "电话通知调解时间"})

    assert response.status_code == 200
    page = response.content.decode()
    assert PHONE in page
    assert ID_NUMBER not in page and ID_MASKED in page
    assert response.headers["Cache-Control"].startswith("max-age=0")
    reveal = Reveal.objects.get()
    assert (reveal.actor, reveal.dispute, reveal.party, reveal.field, reveal.reason) == (
        village_clerk,
        dispute,
        applicant,
        "phone",
        "电话通知调解时间",
    )
    # The next page is masked again.
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert PHONE not in page and PHONE_MASKED in page


def test_it_reveals_an_id_number_the_same_way(client, village_clerk, dispute, applicant):
    client.force_login(village_clerk)
    page = client.post(
        _reveal_url(dispute, applicant, "id_number"), {"reason": "核对身份，办理司法确认"}
    ).content.decode()
    assert ID_NUMBER in page and PHONE not in page
    assert Reveal.objects.get().field == "id_number"


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}])
def test_it_reveals_nothing_and_logs_nothing_without_a_reason(
    client, village_clerk, dispute, applicant, data
):
    client.force_login(village_clerk)
    response = client.post(_reveal_url(dispute, applicant, "phone"), data, follow=True)
    assert PHONE not in response.content.decode()
    assert not Reveal.objects.exists()


def test_it_reveals_no_other_field(client, village_clerk, dispute, applicant):
    client.force_login(village_clerk)
    response = client.post(_reveal_url(dispute, applicant, "name"), {"reason": "好奇"}, follow=True)
    assert PHONE not in response.content.decode()
    assert not Reveal.objects.exists()


def test_it_answers_404_to_a_reveal_from_another_village(
    client, world, dispute, applicant, other_village_clerk
):
    own = register(world, other_village_clerk, body="永安社区", region="永安社区")
    client.force_login(other_village_clerk)
    response = client.post(_reveal_url(dispute, applicant, "phone"), {"reason": "核实"})
    assert response.status_code == 404
    # Nor through a dispute of her own with the other village's party in the URL.
    response = client.post(_reveal_url(own, applicant, "phone"), {"reason": "核实"})
    assert response.status_code == 404
    assert not Reveal.objects.exists()


def test_it_answers_a_reveal_from_outside_as_for_a_party_that_does_not_exist(
    applicant, other_village_clerk
):
    with pytest.raises(NotFound) as outside:
        services.party_reveal(
            actor=other_village_clerk, party_id=applicant.pk, field="phone", reason="核实"
        )
    with pytest.raises(NotFound) as missing:
        services.party_reveal(
            actor=other_village_clerk, party_id=applicant.pk + 1000, field="phone", reason="核实"
        )
    assert str(outside.value.message) == str(missing.value.message)
    assert not Reveal.objects.exists()


def test_it_stores_no_plain_phone_or_id_number(dispute):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, id_number FROM disputes_party")
        rows = cursor.fetchall()
    assert {row[0] for row in rows} == {"张三", "李四"}
    stored = json.dumps(rows, default=str, ensure_ascii=False)
    for secret in (PHONE, ID_NUMBER, PHONE[-8:], ID_NUMBER[6:14]):
        assert secret not in stored
    # …while the application reads them back.
    assert Party.objects.get(name="张三").phone == PHONE


def test_it_never_writes_a_phone_or_id_number_into_the_history(
    world, village_clerk, town_head, dispute, applicant, client
):
    client.force_login(village_clerk)
    client.post(_reveal_url(dispute, applicant, "phone"), {"reason": "电话通知调解时间"})
    dispute = perform("accept", actor=village_clerk, dispute=dispute, at=at(2026, 3, 2, 11))
    dispute = perform("session", actor=village_clerk, dispute=dispute, at=at(2026, 3, 3))
    dispute = perform("transfer", actor=village_clerk, dispute=dispute, at=at(2026, 3, 3, 15))
    dispute = perform("receive", actor=town_head, dispute=dispute, at=at(2026, 3, 4))
    dispute = perform("resolve", actor=town_head, dispute=dispute, at=at(2026, 3, 5))

    history = json.dumps(list(Event.objects.values("params", "reason")), ensure_ascii=False)
    assert Event.objects.filter(dispute=dispute).count() == 6
    for secret in (PHONE, ID_NUMBER, PHONE_MASKED, ID_MASKED):
        assert secret not in history
