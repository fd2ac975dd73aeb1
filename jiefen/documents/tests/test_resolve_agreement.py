"""The agreement in one step: the resolve form with the outcome "agreement" takes everything
Article 29 needs, prefilled from what the dispute already has, and the people's mediation
agreement can be printed the moment the dispute is resolved."""

from datetime import date

import pytest
from django.urls import reverse

from jiefen.disputes import services as disputes
from jiefen.disputes.models import Party, PartyKind, Status
from jiefen.documents import services
from jiefen.documents.resolve import id_facts
from jiefen.documents.tests.conftest import at, register, session
from jiefen.documents.tests.test_documents import docx_text


@pytest.fixture
def mediating(world, village_clerk):
    """In 枫一社区's hands, mediated once; the respondent is a company with no address yet."""
    d = register(world, village_clerk)
    Party.objects.filter(dispute=d, side="respondent").update(
        kind=PartyKind.ORGANISATION, name="诸暨市枫桥五金有限公司"
    )
    disputes.dispute_accept(actor=village_clerk, dispute_id=d.pk, version=None, at=at(2026, 3, 2))
    session(village_clerk, d, date(2026, 3, 3), "陈小梅、王建国")
    d.refresh_from_db()
    return d


def form_data(dispute, **changes):
    applicant = dispute.parties.get(side="applicant")
    company = dispute.parties.get(side="respondent")
    data = {
        "version": dispute.version,
        "outcome": "agreement",
        "facts": "张三与五金公司因院墙位置发生争执。",
        "responsibility": "五金公司砌墙越过界址，应负主要责任。",
        "terms": "五金公司于三十日内将院墙后移至证载界址。",
        "performance": "五金公司自行拆除重砌，费用自理",
        "performance_deadline": "2026-04-08",
        "signed_on": "2026-03-09",
        "mediators": "陈小梅、王建国",
        "committee": "枫一社区人民调解委员会",
        f"party-{applicant.pk}-address": "枫一社区3组12号",
        f"party-{company.pk}-address": "诸暨市枫桥镇工业区8号",
        f"party-{company.pk}-legal_representative": "赵大海",
        f"party-{company.pk}-representative_title": "执行董事",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def resolve_url(dispute):
    return reverse("disputes:act", args=[dispute.pk, "resolve"])


def test_the_agreement_is_ready_the_moment_the_dispute_is_resolved(
    client, mediating, village_clerk
):
    client.force_login(village_clerk)
    response = client.post(resolve_url(mediating), form_data(mediating))
    assert response.status_code == 302, response.content.decode()[:3000]
    mediating.refresh_from_db()
    assert mediating.status == Status.RESOLVED
    assert services.document_missing(mediating, "agreement") == []
    text = docx_text(
        services.document_make(
            actor=village_clerk, dispute_id=mediating.pk, kind="agreement", fmt="docx"
        ).data
    )
    for item in (
        "诸暨市枫桥五金有限公司，住所地：诸暨市枫桥镇工业区8号",
        "法定代表人：赵大海（执行董事）",
        "张三，住枫一社区3组12号",
        "五金公司砌墙越过界址，应负主要责任",
        "五金公司自行拆除重砌，费用自理",
        "2026年4月8日前履行完毕",
        "主持调解的人民调解员：陈小梅、王建国",
        "经枫一社区人民调解委员会主持调解",
    ):
        assert item in text, item
    # Personal facts the law does not name were not asked for and are not needed.
    assert "民族" not in text


def test_it_refuses_to_resolve_without_what_the_law_requires_and_keeps_the_dispute_open(
    client, mediating, village_clerk
):
    client.force_login(village_clerk)
    company = mediating.parties.get(side="respondent")
    response = client.post(
        resolve_url(mediating),
        form_data(
            mediating,
            responsibility="",
            performance_deadline="",
            **{
                f"party-{company.pk}-address": "",
                f"party-{company.pk}-legal_representative": "",
            },
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "达成调解协议的，须填写此项" in page
    assert "请填写履行期限，或勾选签订时当场履行完毕" in page
    assert "请填写单位的住所" in page and "请填写法定代表人或者负责人" in page
    assert "五金公司于三十日内将院墙后移至证载界址" in page  # what was typed is kept
    mediating.refresh_from_db()
    assert mediating.status == Status.MEDIATING


def test_performed_on_signing_needs_no_deadline(client, mediating, village_clerk):
    client.force_login(village_clerk)
    data = form_data(mediating, performance_deadline="", performed_on_signing="on")
    assert client.post(resolve_url(mediating), data).status_code == 302
    text = docx_text(
        services.document_make(
            actor=village_clerk, dispute_id=mediating.pk, kind="agreement", fmt="docx"
        ).data
    )
    assert "本协议已于签订时当场履行完毕" in text


def test_the_form_is_prefilled_from_what_the_dispute_has(client, mediating, village_clerk):
    client.force_login(village_clerk)
    page = client.get(reverse("disputes:detail", args=[mediating.pk])).content.decode()
    applicant = mediating.parties.get(side="applicant")
    company = mediating.parties.get(side="respondent")
    assert 'name="mediators"' in page and 'value="陈小梅、王建国"' in page
    assert f'name="party-{company.pk}-legal_representative"' in page
    assert f'name="party-{company.pk}-address"' in page
    # Sex and age from the resident ID number 330681199001011237.
    assert f'name="party-{applicant.pk}-age"' in page
    assert 'value="male" selected' in page
    assert "两户因院墙位置发生争执。" in page  # the facts start from the description


def test_id_facts_reads_sex_and_age():
    assert id_facts("330681199001011237", date(2026, 3, 9)) == ("male", 36)
    assert id_facts("330681199003091226", date(2026, 3, 8)) == ("female", 35)
    assert id_facts("", date(2026, 3, 9)) == ("", None)
    assert id_facts("91330681MA2D8XXXXX", date(2026, 3, 9)) == ("", None)


def test_the_api_path_still_resolves_and_the_details_page_completes_it(
    client, mediating, village_clerk
):
    """A resolution through the service alone (API, import) leaves the items to the details
    page, which names what is missing."""
    disputes.dispute_resolve(
        actor=village_clerk,
        dispute_id=mediating.pk,
        version=None,
        outcome="agreement",
        agreement=disputes.AgreementInput(
            facts="事实", terms="内容", performance="方式", signed_on=date(2026, 3, 9)
        ),
    )
    mediating.refresh_from_db()
    missing = services.document_missing(mediating, "agreement")
    assert "各方当事人的责任" in missing and "履行期限" in missing
    assert any("住所" in item and "法定代表人或者负责人" in item for item in missing)
    client.force_login(village_clerk)
    company = mediating.parties.get(side="respondent")
    response = client.post(
        reverse("documents:details", args=[mediating.pk]),
        {
            "target": f"party-{company.pk}",
            f"party-{company.pk}-address": "诸暨市枫桥镇工业区8号",
            f"party-{company.pk}-legal_representative": "赵大海",
        },
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.address == "诸暨市枫桥镇工业区8号"
    assert not any("住所" in item for item in services.document_missing(mediating, "agreement"))
