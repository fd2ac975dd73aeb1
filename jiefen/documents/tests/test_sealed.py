"""A person's facts for the agreement (sex, age, ethnicity, occupation, employer) are encrypted
at rest and in dumps, masked on screen, shown only through a logged reveal, and still printed
in full on the agreement; the migration that sealed them rewrites the rows already stored and
can be undone."""

from datetime import date
from io import StringIO

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from jiefen.disputes import services as disputes
from jiefen.disputes.models import Party, Reveal
from jiefen.documents import services
from jiefen.documents.models import PartyDetail
from jiefen.documents.tests.conftest import at, register, session
from jiefen.documents.tests.pdftext import pdf_text
from jiefen.documents.tests.test_documents import docx_text

PLAIN = ["汉族", "农民", "枫桥镇五金厂"]


def raw_rows():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT gender, age, ethnicity, occupation, employer FROM documents_partydetail"
        )
        return cursor.fetchall()


def test_a_persons_facts_are_ciphertext_in_the_database_and_in_a_dump(complete):
    rows = raw_rows()
    assert len(rows) == 2
    for row in rows:
        assert not {"male", "45", 45, *PLAIN} & set(row), row
        assert all(str(value).startswith("gAAAA") for value in row), row
    dump = StringIO()
    call_command("dumpdata", "documents.partydetail", stdout=dump)
    assert not [value for value in [*PLAIN, '"male"', '"age": 45'] if value in dump.getvalue()]


def test_a_dump_loads_back_with_the_facts_readable(complete):
    text = serializers.serialize("json", PartyDetail.objects.all())
    PartyDetail.objects.all().delete()
    for obj in serializers.deserialize("json", text):
        obj.save()
    detail = PartyDetail.objects.get(party__name="张三")
    assert (detail.gender, detail.age, detail.ethnicity) == ("male", 45, "汉族")
    assert (detail.occupation, detail.employer) == ("农民", "枫桥镇五金厂")


def test_the_agreement_prints_the_decrypted_facts(complete, town_head):
    for fmt, read in (("docx", docx_text), ("pdf", pdf_text)):
        document = services.document_make(
            actor=town_head, dispute_id=complete.pk, kind="agreement", fmt=fmt
        )
        text = read(document.data).replace("\n", "")
        assert "张三，男，45岁，汉族，农民，工作单位：枫桥镇五金厂" in text, fmt
        assert "gAAAA" not in text


def test_an_empty_fact_is_stored_as_nothing(agreed, town_head):
    party = agreed.parties.get(name="张三")
    services.party_detail_save(
        actor=town_head, party_id=party.pk, data=services.PartyDetailInput(occupation="教师")
    )
    detail = PartyDetail.objects.get(party=party)
    assert (detail.gender, detail.age, detail.ethnicity, detail.occupation) == (
        None,
        None,
        None,
        "教师",
    )
    assert detail.recorded == ["职业"]


def test_the_details_page_masks_recorded_facts_until_a_logged_reveal(client, complete, town_head):
    client.force_login(town_head)
    page_url = reverse("documents:details", args=[complete.pk])
    party = complete.parties.get(name="张三")
    page = client.get(page_url).content.decode()
    assert not [value for value in PLAIN if value in page]
    assert 'value="45"' not in page and 'value="male" selected' not in page
    assert "已记录：性别、年龄、民族、职业、工作单位" in page
    target = f"reveal-{party.pk}"
    response = client.post(page_url, {"target": target, f"{target}-reason": ""})
    assert response.status_code == 400
    assert not [value for value in PLAIN if value in response.content.decode()]
    assert not Reveal.objects.filter(field=services.DETAIL_REVEAL).exists()
    response = client.post(page_url, {"target": target, f"{target}-reason": "核对调解协议书"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="汉族"' in page and 'value="45"' in page
    # The other party stays masked.
    assert page.count('value="汉族"') == 1
    reveal = Reveal.objects.get(field=services.DETAIL_REVEAL)
    assert (reveal.actor, reveal.party, reveal.reason) == (town_head, party, "核对调解协议书")
    # Nothing revealed stays: the next page is masked again.
    assert "汉族" not in client.get(page_url).content.decode()


def test_a_reveal_of_another_jurisdictions_party_is_refused_unlogged(complete, other_village_clerk):
    party = complete.parties.get(name="张三")
    with pytest.raises(services.NotFound):
        services.party_detail_reveal(actor=other_village_clerk, party_id=party.pk, reason="看看")
    assert not Reveal.objects.exists()


@pytest.fixture
def mediating_known(world, village_clerk):
    """Mediating in 枫一社区; 张三's facts recorded earlier."""
    d = register(world, village_clerk)
    disputes.dispute_accept(actor=village_clerk, dispute_id=d.pk, version=None, at=at(2026, 3, 2))
    session(village_clerk, d, date(2026, 3, 3), "陈小梅")
    party = d.parties.get(name="张三")
    services.party_detail_save(
        actor=village_clerk,
        party_id=party.pk,
        data=services.PartyDetailInput(gender="male", age=45, ethnicity="汉族", occupation="农民"),
    )
    d.refresh_from_db()
    return d


def test_the_resolve_form_keeps_recorded_facts_masked_and_kept(
    client, mediating_known, village_clerk
):
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", args=[mediating_known.pk])).content.decode()
    assert 'value="汉族"' not in page and 'value="农民"' not in page
    assert 'value="45"' not in page
    assert "已记录（已隐藏）；留空则保留原值" in page
    party = mediating_known.parties.get(name="张三")
    other = mediating_known.parties.exclude(pk=party.pk).get(side="respondent")
    response = client.post(
        reverse("disputes:act", args=[mediating_known.pk, "resolve"]),
        {
            "version": mediating_known.version,
            "outcome": "agreement",
            "facts": "张三与李四因院墙位置发生争执。",
            "responsibility": "李四应负主要责任。",
            "terms": "李四于三十日内将院墙后移。",
            "performance": "李四自行拆除重砌",
            "performed_on_signing": "on",
            "signed_on": "2026-03-09",
            "mediators": "陈小梅",
            f"party-{party.pk}-address": "枫一社区3组12号",
            f"party-{party.pk}-employer": "枫桥中学",
            f"party-{other.pk}-address": "枫一社区3组14号",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    detail = PartyDetail.objects.get(party=party)
    assert (detail.gender, detail.age, detail.ethnicity) == ("male", 45, "汉族")
    assert (detail.occupation, detail.employer) == ("农民", "枫桥中学")


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_stored_rows_and_can_be_undone(world, village_clerk):
    dispute = register(world, village_clerk)
    party = Party.objects.filter(dispute=dispute).first()
    before = [("documents", "0001_initial")]
    after = [("documents", "0002_party_detail_sealed")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("documents", "PartyDetail")
        old.objects.create(
            party_id=party.pk,
            gender="female",
            age=52,
            ethnicity="畲族",
            occupation="",
            employer="枫桥中学",
            updated_at=at(2026, 3, 2),
            updated_by_id=village_clerk.pk,
        )
        assert raw_rows() == [("female", 52, "畲族", "", "枫桥中学")]
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        sealed = raw_rows()[0]
        assert not {"female", "52", 52, "畲族", "枫桥中学"} & set(sealed)
        assert sealed[3] is None  # nothing stays nothing
        detail = PartyDetail.objects.get(party=party)
        assert (detail.gender, detail.age, detail.ethnicity, detail.employer) == (
            "female",
            52,
            "畲族",
            "枫桥中学",
        )
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert raw_rows() == [("female", 52, "畲族", "", "枫桥中学")]
    finally:
        # Every app's latest migration again: going back to 0001 also unapplied the migrations
        # that depend on documents (its later ones, and other apps').
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
