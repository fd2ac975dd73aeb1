"""Ethnicity, and every other fact of a person the law does not make the work depend on, is
optional everywhere it can be entered: the model needs no value, no form in jiefen requires
it, the resolve and details pages do not mark it, and the agreement is made without it."""

import importlib
import pkgutil

from django import forms
from django.urls import reverse

import jiefen
from jiefen.documents import services
from jiefen.documents.models import SEALED, PartyDetail
from jiefen.documents.tests.test_resolve_agreement import mediating  # noqa: F401

OPTIONAL = {"ethnicity": "民族", "occupation": "职业", "employer": "工作单位", "gender": "性别"}


def every_form_class() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(jiefen.__path__, "jiefen."):
        skip = (".tests", ".migrations", ".management", "__main__", ".wsgi")
        if any(part in module.name for part in skip):
            continue
        importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("jiefen."):
                found.append(sub)
    return found


def test_the_model_needs_no_value_for_any_personal_fact():
    for name in SEALED:
        field = PartyDetail._meta.get_field(name)
        assert field.blank and field.null, name


def test_no_form_requires_ethnicity_or_another_personal_fact():
    checked = 0
    for cls in every_form_class():
        for name, field in getattr(cls, "base_fields", {}).items():
            label = str(field.label or "")
            if name.split("-")[-1] in OPTIONAL or label in OPTIONAL.values():
                checked += 1
                assert not field.required, f"{cls.__module__}.{cls.__name__}.{name}"
    assert checked >= 4  # the details form at least: the walk found the forms


def not_marked(page: str) -> None:
    assert "民族" in page
    for label in page.split("民族")[1:]:
        assert 'class="req"' not in label[:200].split("</label>")[0]
        assert " required" not in label[:200].split("</label>")[0]


def test_the_details_and_resolve_pages_do_not_mark_ethnicity_required(
    client, agreed, request, town_head, village_clerk
):
    mediated = request.getfixturevalue("mediating")
    client.force_login(town_head)
    not_marked(client.get(reverse("documents:details", args=[agreed.pk])).content.decode())
    client.force_login(village_clerk)
    not_marked(client.get(reverse("disputes:detail", args=[mediated.pk])).content.decode())


def test_the_agreement_is_made_with_no_personal_fact_recorded(agreed, town_head):
    services.agreement_detail_save(
        actor=town_head,
        dispute_id=agreed.pk,
        data=services.AgreementDetailInput(
            responsibility="双方各半",
            performance_method="当场支付",
            performed_on_signing=True,
            mediators="李卫东",
        ),
    )
    assert not PartyDetail.objects.filter(party__dispute=agreed).exists()
    assert services.document_missing(agreed, "agreement") == []
    services.document_make(actor=town_head, dispute_id=agreed.pk, kind="agreement", fmt="docx")
