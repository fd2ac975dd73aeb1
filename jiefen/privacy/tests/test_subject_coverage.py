"""The subject-access export covers every table that holds anything about the person: a walk
over every installed model finds each one linked to a party or a dispute (directly or through
another such model) or holding a personal field, and fails unless the export has a section for
it or it is exempt with a reason; then one row of every covered model, made for 周晓燕's
dispute, must come out in her export."""

import json
import re
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from jiefen.disputes.models import Dispute, Party
from jiefen.disputes.services import party_reveal
from jiefen.privacy.subject import COVERED, EXEMPT, SECTIONS
from jiefen.privacy.tests.conftest import RESIDENT_ID

PERSONAL = re.compile(
    r"(phone|id_number|address|contact|e_?mail|ethnicity|gender|employer|occupation|birth"
    r"|full_name|first_name|last_name|user_agent)"
)
ANCHORS = {"disputes.Dispute", "disputes.Party"}


def personal_models() -> dict[str, str]:
    """label → why it counts (the field that makes it personal or links it to a party)."""
    linked: dict[str, str] = {}
    changed = True
    while changed:  # linked through any chain of foreign keys to a dispute or a party
        changed = False
        for model in apps.get_models():
            label = model._meta.label
            for field in model._meta.concrete_fields:
                related = field.related_model
                target = (
                    related._meta.label  # type: ignore[union-attr]
                    if field.is_relation and related not in (None, "self")
                    else None
                )
                if label not in linked and target and (target in ANCHORS or target in linked):
                    linked[label] = f"{field.name} → {target}"
                    changed = True
    found = dict(linked)
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not field.is_relation and PERSONAL.search(field.name):
                found.setdefault(model._meta.label, field.name)
    return found


def test_every_model_about_a_person_is_exported_or_exempt_with_a_reason():
    missing = {
        label: why
        for label, why in personal_models().items()
        if label not in COVERED and not EXEMPT.get(label, "").strip()
    }
    assert not missing, f"not in the subject-access export, nor exempt with a reason: {missing}"


def test_the_lists_name_only_installed_models_and_none_twice():
    installed = {model._meta.label for model in apps.get_models()}
    assert set(COVERED) <= installed and set(EXEMPT) <= installed
    assert not set(COVERED) & set(EXEMPT)
    for section in SECTIONS:
        model = apps.get_model(section.model)
        for name in section.fields:
            model._meta.get_field(name)  # a renamed field fails here


def make(model, world, her, clerk, **given):
    """One row of `model` with every required field filled, linked to her dispute and party."""
    values = dict(given)
    for field in model._meta.concrete_fields:
        if field.auto_created or field.name in values:
            continue
        if field.is_relation:
            target = field.related_model
            if target is Dispute:
                values[field.name] = her.dispute
            elif target is Party:
                values[field.name] = her
            elif field.null:
                continue
            elif target._meta.label == "accounts.User":
                values[field.name] = clerk
            elif target._meta.label == "org.Body":
                values[field.name] = her.dispute.holder
            elif target._meta.label == "regions.Region":
                values[field.name] = her.dispute.region
            else:
                values[field.name] = MADE.get(target) or make(target, world, her, clerk)
            continue
        if field.null or field.has_default() or field.has_db_default():
            continue
        if field.choices:
            values[field.name] = field.choices[0][0]
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.DateField):
            values[field.name] = date(2026, 3, 9)
        elif isinstance(field, models.TimeField):
            values[field.name] = timezone.localtime().time()
        elif isinstance(field, models.DecimalField):
            values[field.name] = Decimal(1)
        elif isinstance(field, models.IntegerField | models.FloatField):
            values[field.name] = 1
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif isinstance(field, models.JSONField):
            values[field.name] = {}
        elif isinstance(field, models.BinaryField):
            values[field.name] = b""
        else:
            values[field.name] = "周晓燕相关记录"[: field.max_length or 100]
    MADE[model] = model._default_manager.create(**values)
    return MADE[model]


MADE: dict = {}


def test_a_row_of_every_covered_model_comes_out_in_her_export(
    client, world, her_disputes, village_clerk
):
    one = her_disputes[0]
    her = Party.objects.get(dispute=one, side="applicant")
    MADE.clear()
    for section in SECTIONS:
        model = apps.get_model(section.model)
        if not model._default_manager.filter(**{f"{section.path}__in": [one.pk]}).exists():
            ids = [her.pk] if section.by_party else [one.pk]
            # A nullable link the section goes through is filled (a staff text's notification).
            given = {}
            first = model._meta.get_field(section.path.split("__")[0])
            if first.is_relation and first.null and first.related_model not in (Dispute, Party):
                target = first.related_model
                given[first.name] = MADE.get(target) or make(target, world, her, village_clerk)
            made = make(model, world, her, village_clerk, **given)
            assert model._default_manager.filter(
                pk=made.pk, **{f"{section.path}__in": ids}
            ).exists(), section.model
    party_reveal(actor=village_clerk, party_id=her.pk, field="phone", reason="电话通知调解")
    client.force_login(village_clerk)
    client.post("/privacy/access/", {"key": RESIDENT_ID, "reason": "本人现场申请"})
    data = json.loads(client.post(reverse("privacy:access_export"), {"fmt": "json"}).content)
    empty = [key for key in {*COVERED.values()} if not data.get(key)]
    assert not empty, f"sections with nothing of hers: {empty}"
    assert {row["dispute"] for row in data["review_requests"]} == {one.number}


def test_a_booking_for_a_new_matter_is_found_by_its_contact_phone(
    client, world, her_disputes, village_clerk
):
    one = her_disputes[0]
    her = Party.objects.get(dispute=one, side="applicant")
    booking_model = apps.get_model("receptions.ReceptionBooking")
    MADE.clear()
    booking = make(booking_model, world, her, village_clerk, contact_phone="139 5701 2468")
    booking_model.objects.filter(pk=booking.pk).update(dispute=None)
    day = booking.slot.day
    type(day).objects.filter(pk=day.pk).update(region_code=one.region_code)
    # The same phone booked at 永安社区's reception: outside this clerk's village.
    MADE.clear()
    elsewhere = make(booking_model, world, her, village_clerk, contact_phone="13957012468")
    booking_model.objects.filter(pk=elsewhere.pk).update(dispute=None)
    type(day).objects.filter(pk=elsewhere.slot.day_id).update(
        region_code=world.regions["永安社区"].code
    )
    client.force_login(village_clerk)
    client.post("/privacy/access/", {"key": "13957012468", "reason": "本人现场申请"})
    data = json.loads(client.post(reverse("privacy:access_export"), {"fmt": "json"}).content)
    assert [row["contact_phone"] for row in data["reception_bookings"]] == ["139 5701 2468"]
