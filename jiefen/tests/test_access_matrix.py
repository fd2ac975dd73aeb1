"""The access matrix: every route of the project and every operation of the API, for every
named actor, against disputes and objects outside the actor's jurisdiction.

Three disputes sit in three places: 枫一社区 (village A), 永安社区 (village B, same town) and
店口社区 (another town). Each carries secrets — its number, its title and its parties' names
and phone — that may appear only in answers to actors whose region covers it. For every actor:

- every page without parameters (with probes that point its filters at foreign places) and
  every API list answers without a foreign secret in its body — files (.xlsx, .docx) are
  opened and their text searched too;
- every route with an object in its path, given a foreign object, answers exactly as it
  answers for an object that does not exist (same status, never a success), for GET and POST,
  without a foreign secret, and changes nothing;
- the admin site lets no one in but staff accounts.

A route or operation added without an entry here fails `test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from jiefen.disputes.models import Category
from jiefen.disputes.services import DisputeInput, PartyInput, dispute_register
from jiefen.org.models import Role

MISSING = 987654321
PLACES = ("枫一", "永安", "店口")

# Which places each actor's jurisdiction covers.
COVERS: dict[str, set[str]] = {
    "village_clerk": {"枫一"},
    "other_village_clerk": {"永安"},
    "town_head": {"枫一", "永安"},
    "other_town_head": {"店口"},
    "county_officer": set(PLACES),
    "city_evaluator": set(PLACES),
    "administrator": set(PLACES),
    "outsider": set(),
    "anonymous": set(),
    "party": {"枫一"},  # a party following 枫一's dispute with its query code
}
ACTORS = tuple(COVERS)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_rate_limits(db):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- The land ---------------------------------------------------------------------------------


class Land:
    """The three disputes, their objects in every app, the actors and their clients."""

    def __init__(self, world: Any, people: dict[str, Any]) -> None:
        self.world = world
        self.people = people
        clerk_dk = world.person("clerk_diankou", "郑秀英", "店口社区居委会", Role.CLERK)
        self.clerk_dk = clerk_dk
        homes = {
            "枫一": ("枫一社区", people["village_clerk"], "13811110001"),
            "永安": ("永安社区", people["other_village_clerk"], "13822220002"),
            "店口": ("店口社区居委会", clerk_dk, "13833330003"),
        }
        self.disputes: dict[str, Any] = {}
        self.secrets: dict[str, list[str]] = {}
        for place, (village, clerk, phone) in homes.items():
            dispute = dispute_register(
                actor=clerk,
                data=DisputeInput(
                    body=world.bodies[village],
                    category=Category.objects.get(key="neighbourhood"),
                    channel="walk_in",
                    region=world.regions[village],
                    title=f"{place}秘事院墙",
                    description=f"{place}两户因院墙位置发生争执。",
                    people_involved=2,
                    parties=[
                        PartyInput(side="applicant", name=f"{place}甲方", phone=phone),
                        PartyInput(side="respondent", name=f"{place}乙方"),
                    ],
                ),
                at=datetime(2025, 6, 2, 10, tzinfo=UTC),
            )
            self.disputes[place] = dispute
            self.secrets[place] = [
                dispute.number,
                f"{place}秘事院墙",
                f"{place}甲方",
                f"{place}乙方",
                phone,
                phone[-4:] + "\u200b",  # never matches: the masked tail alone is allowed
            ][:5]
        self.town_body = {
            "枫一": world.bodies["枫桥镇"],
            "永安": world.bodies["枫桥镇"],
            "店口": world.bodies["店口镇"],
        }
        self.objects = {place: self._objects(place) for place in ("永安", "店口")}

    def _objects(self, place: str) -> dict[str, int]:
        """One object of every kind that hangs off `place`'s dispute or town."""
        from jiefen.meetings.models import Circular, Meeting
        from jiefen.portal.models import EscalationRequest
        from jiefen.receptions.models import ReceptionBooking, ReceptionDay, ReceptionSlot
        from jiefen.supervision.models import (
            Campaign,
            CampaignItem,
            Extension,
            LeaderOwnership,
            SupervisionOrder,
        )

        dispute = self.disputes[place]
        town = self.town_body[place]
        county = self.world.bodies["诸暨市"]
        officer = self.people["county_officer"]
        now = timezone.now()
        today = timezone.localdate()
        meeting = Meeting.objects.create(
            body=town,
            period_kind="month",
            period_start=today.replace(day=1),
            period_end=today.replace(day=28),
            date=today,
            starts_at=time(9),
            place=f"{place}会议室",
            created_at=now,
        )
        circular = Circular.objects.create(
            body=town,
            region_code=town.region.code,
            period_kind="month",
            period_start=today.replace(day=1),
            period_end=today.replace(day=28),
            year=today.year,
            seq=1,
            generated_at=now,
            generated_by=officer,
            figures={},
            docx=b"",
            xlsx=b"",
        )
        day = ReceptionDay.objects.create(
            body=town,
            region_code=town.region.code,
            leader=officer,
            kind="fixed",
            date=today + timedelta(days=3),
            starts_at=time(9),
            ends_at=time(11),
            place=f"{place}接访室",
            published_by=officer,
            published_at=now,
        )
        slot = ReceptionSlot.objects.create(day=day, starts_at=time(9), ends_at=time(10))
        booking = ReceptionBooking.objects.create(slot=slot, dispute=dispute, booked_at=now)
        campaign = Campaign.objects.create(
            name=f"{place}专项",
            year=today.year,
            quarter=1,
            region=town.region,
            created_by=officer,
            created_at=now,
        )
        item = CampaignItem.objects.create(
            campaign=campaign,
            dispute=dispute,
            region_code=dispute.region_code,
            status_at_start=dispute.status,
        )
        order = SupervisionOrder.objects.create(
            dispute=dispute,
            issued_by=officer,
            issuer_body=county,
            to_body=dispute.holder,
            region_code=dispute.region_code,
            requirement="限期办结",
            days=3,
            issued_at=now,
            due_date=today + timedelta(days=5),
        )
        ownership = LeaderOwnership.objects.create(
            dispute=dispute,
            leader=officer,
            leader_body=county,
            plan="包案化解",
            target_date=today + timedelta(days=30),
            assigned_by=officer,
            assigned_at=now,
        )
        extension = Extension.objects.create(
            ownership=ownership,
            requested_by=officer,
            requested_at=now,
            reason="需要更多时间",
            old_date=ownership.target_date,
            new_date=ownership.target_date + timedelta(days=10),
        )
        escalation = EscalationRequest.objects.create(
            dispute=dispute,
            body=dispute.holder,
            tier="town",
            requested_at=now,
            reason="请求上移",
        )
        from jiefen.disputes.access import body_above
        from jiefen.portal.models import ReviewRequest

        review = ReviewRequest.objects.create(
            dispute=dispute,
            kind="refusal",
            body=dispute.holder,
            reviewer=body_above(dispute.holder) or dispute.holder,
            tier=dispute.tier,
            requested_at=now,
            reason="请求复核",
            due_date=now.date(),
        )
        party = dispute.parties.order_by("pk").first()
        from jiefen.evaluation.models import Criterion, ManualIndicator, Scheme
        from jiefen.spreadsheets.models import ImportJob

        city = self.world.regions["绍兴市"]
        scheme, _new = Scheme.objects.get_or_create(
            region=city,
            year=2026,
            defaults={
                "region_code": city.code,
                "name": "平安乡镇",
                "basic_min": 60,
                "level2_min": 75,
                "level1_min": 90,
            },
        )
        criterion, _new = Criterion.objects.get_or_create(
            scheme=scheme, name="平安建设工作落实", defaults={"kind": "scored", "weight": 30}
        )
        indicator, _new = ManualIndicator.objects.get_or_create(
            key="campaign-coverage",
            defaults={
                "name": "平安创建覆盖率",
                "unit": "percent",
                "body_kind": town.kind,
                "frequency": "quarter",
                "direction": "at_least",
            },
        )
        self.indicator = indicator.key
        from django.core.files.uploadedfile import SimpleUploadedFile

        from jiefen.attachments.services import attachment_add

        holder_clerk = self.people["other_village_clerk"] if place == "永安" else self.clerk_dk
        attachment = attachment_add(
            actor=holder_clerk,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile(f"{place}.pdf", b"%PDF-1.4\n%%EOF\n"),
            description="现场照片",
        )
        from jiefen.conversations.services import message_from_staff

        message = message_from_staff(
            actor=holder_clerk,
            dispute_id=dispute.pk,
            party_id=party.pk,
            body=f"{place}私信",
            upload=SimpleUploadedFile(f"{place}.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
        from jiefen.mediators.models import MediatorRequest

        mediator_request = MediatorRequest.objects.create(
            dispute=dispute,
            kind="choose",
            body=dispute.holder,
            reason="请求指定调解员",
            made_at=now,
            due_date=today,
        )
        from jiefen.appointments.services import SlotInput, appointment_propose

        appointment = appointment_propose(
            actor=holder_clerk,
            dispute_id=dispute.pk,
            slots=[SlotInput(starts_at=now + timedelta(days=3), remote=True)],
            at=now,
        )
        owner = self.people["town_head"] if place == "永安" else self.clerk_dk
        job = ImportJob.objects.create(actor=owner, filename=f"{place}.xlsx", digest="0" * 64)
        from django.http import QueryDict

        from jiefen.spreadsheets.exporting import run_export
        from jiefen.spreadsheets.services import export_job_start

        export = export_job_start(
            actor=owner, query=QueryDict(), masked=False, reason="核对", language="zh-hans"
        )
        run_export(export.pk)
        from jiefen.disputes.models import Agreement
        from jiefen.documents.models import Assent
        from jiefen.lib.sealed import seal_bytes

        agreement = Agreement.objects.create(
            dispute=dispute, facts="事实", terms=f"{place}协议", performance="转账", signed_on=today
        )
        signed = Assent.objects.create(
            agreement=agreement,
            dispute=dispute,
            party=party,
            text_digest="0" * 64,
            answer="confirmed",
            channel="sms",
            at=now,
            signature=seal_bytes(b"\x89PNG\r\n\x1a\n" + place.encode()),
            signed=True,
        )
        return {
            "dispute": dispute.pk,
            "mediator_request": mediator_request.pk,
            "party": party.pk,
            "body": town.pk,
            "meeting": meeting.pk,
            "circular": circular.pk,
            "reception": day.pk,
            "booking": booking.pk,
            "campaign": campaign.pk,
            "item": item.pk,
            "order": order.pk,
            "ownership": ownership.pk,
            "extension": extension.pk,
            "escalation": escalation.pk,
            "review": review.pk,
            "town_code": town.region.code,
            "criterion": criterion.pk,
            "import": job.pk,
            "export": export.pk,
            "attachment": attachment.pk,
            "message": message.pk,
            "appointment": appointment.pk,
            "assent": signed.pk,
        }

    # -- who asks --

    def client(self, actor: str) -> Client:
        client = Client(HTTP_HOST="localhost")
        if actor == "party":
            from jiefen.disputes.models import Dispute
            from jiefen.disputes.public import query_digest

            dispute = self.disputes["枫一"]
            code = "MATRIX-CODE-1"
            Dispute.objects.filter(pk=dispute.pk).update(query_digest=query_digest(code))
            client.post(reverse("portal:follow"), {"number": dispute.number, "code": code})
        elif actor != "anonymous":
            client.force_login(self.people[actor])
        return client

    def foreign(self, actor: str) -> list[str]:
        return [place for place in PLACES if place not in COVERS[actor]]

    def leaks(self, actor: str, body: str) -> list[str]:
        return [s for place in self.foreign(actor) for s in self.secrets[place] if s in body]


@pytest.fixture
def land(
    settings,
    tmp_path,
    world,
    village_clerk,
    other_village_clerk,
    town_head,
    other_town_head,
    county_officer,
    city_evaluator,
    administrator,
    outsider,
):
    settings.JIEFEN_UPLOAD_ROOT = tmp_path / "uploads"
    people = {
        "village_clerk": village_clerk,
        "other_village_clerk": other_village_clerk,
        "town_head": town_head,
        "other_town_head": other_town_head,
        "county_officer": county_officer,
        "city_evaluator": city_evaluator,
        "administrator": administrator,
        "outsider": outsider,
    }
    return Land(world, people)


def text_of(response: Any) -> str:
    """What a person could read in the answer: the page, or the text inside an Office file."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode("utf-8", "replace")
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    return content.decode("utf-8", "replace")


# --- The matrix: every route ------------------------------------------------------------------

# Routes anyone may use, by design. Their answers still may not carry any party's personal data.
PUBLIC = {
    "set_language",
    "portal:file",
    "portal:regions",
    "portal:follow",
    "portal:escalate",
    "portal:rate",
    "portal:review",
    "portal:forget",
    "portal:mediator_request",
    # The party's identity document for judicial confirmation: only as the proved party of the
    # followed dispute (portal.identity), never another party's (jiefen/courts/tests).
    "courts_public:upload",
    "courts_public:identity",
    "portal:sms_sign_in",
    "portal:sms_code",
    "portal:recover",
    "portal:party_sign_in",
    "portal:party_forget",
    "conversations:party_shared",
    "conversations:party_private",
    "conversations:party_file",
    "assent:page",
    "assent:code",
    "assent:answer",
    "assent:signature",
    "receptions:public",
    "receptions:public_book",
    "open311:discovery",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
    "api:v1:openapi-json",
    "api:v1:openapi-view",
    "api:v1:api-root",
    "login",
    "logout",
    ":<unnamed admin/login/>",
    "accounts:verify",
    "ops:live",
    "ops:ready",
    "supervision:sms_receipt",
    "ops:sweep",
}

# Routes without a name, by their path.
UNNAMED = {":<unnamed admin/login/>": "/admin/login/"}

# Pages without an object in the path, and the probes that point their filters elsewhere.
Probe = Callable[["Land", str], dict[str, Any]]


def _region_probes(land: Land, place: str) -> dict[str, Any]:
    dispute = land.disputes[place]
    return {"region": dispute.region_code}


def _holder_probes(land: Land, place: str) -> dict[str, Any]:
    dispute = land.disputes[place]
    return {"region": dispute.region_code, "holder": dispute.holder_id}


def _search_probes(land: Land, place: str) -> dict[str, Any]:
    return {"q": land.disputes[place].number}


def _name_probes(land: Land, place: str) -> dict[str, Any]:
    return {"field": "holder", "q": land.disputes[place].holder.name}


# The search box, by each kind of query that names a place's dispute (jiefen.search).
def _search_name_probes(land: Land, place: str) -> dict[str, Any]:
    return {"q": f"{place}甲方"}


def _search_phone_probes(land: Land, place: str) -> dict[str, Any]:
    return {"q": land.secrets[place][4]}


def _search_word_probes(land: Land, place: str) -> dict[str, Any]:
    return {"q": f"{place}秘事"}


def _search_suffix_probes(land: Land, place: str) -> dict[str, Any]:
    return {"q": land.disputes[place].number[-11:]}


PAGES: dict[str, list[Probe]] = {
    "disputes:queue": [],
    "disputes:suggest": [_name_probes],
    "disputes:list": [
        _holder_probes,
        _search_probes,
        _search_name_probes,
        _search_phone_probes,
        _search_word_probes,
        _search_suffix_probes,
    ],
    "disputes:register": [],
    "metrics:dashboard": [_region_probes],
    "metrics:export": [_region_probes],
    "metrics:warnings": [_region_probes],
    "supervision:notifications": [],
    "supervision:notifications_read": [],
    "supervision:orders": [],
    "supervision:leader": [],
    "supervision:campaigns": [],
    "meetings:index": [],
    "meetings:screening": [],
    "meetings:screening_status": [_region_probes],
    "meetings:circulars": [_region_probes],
    "meetings:circular_generate": [],
    "receptions:index": [],
    "accounts:devices": [],
    "accounts:enrol": [],
    "accounts:codes": [],
    "audit:index": [],
    "privacy:access": [],
    "privacy:access_export": [],
    "evaluation:index": [],
    "evaluation:ratings": [_region_probes],
    "evaluation:progress": [_region_probes],
    "evaluation:organisation": [_region_probes],
    "evaluation:budget": [],
    "evaluation:manual_list": [],
    "evaluation:report": [],
    "spreadsheets:import": [],
    "spreadsheets:template": [],
    "spreadsheets:export": [_holder_probes],
    "spreadsheets:export_unmasked": [_holder_probes],
    "mediators:index": [],
    "mediators:queue": [],
    "mediators:export": [],
}

# Pages with a parameter that names no object of a place: checked like the pages above.
PAGE_ARGS: dict[str, Callable[[Land], dict[str, Any]]] = {
    "evaluation:manual_detail": lambda land: {"key": land.indicator},
}

# Routes with objects in the path: the object kinds of their parameters.
OBJECTS: dict[str, dict[str, str]] = {
    "disputes:detail": {"pk": "dispute"},
    "disputes:act": {"pk": "dispute", "action": "=accept"},
    "disputes:reveal": {"pk": "dispute", "party": "party", "field": "=phone"},
    "search:link": {"pk": "dispute"},
    "mediators:dispute": {"pk": "dispute"},
    "mediators:answer": {"pk": "mediator_request"},
    "mediators:withdraw": {"pk": "dispute"},
    "portal:staff_answer": {"pk": "escalation"},
    "portal:staff_review_answer": {"pk": "review"},
    "portal:staff_phone_check": {"pk": "dispute", "party": "party"},
    "supervision:campaign": {"pk": "campaign"},
    "supervision:campaign_close": {"pk": "campaign"},
    "supervision:campaign_item": {"pk": "campaign", "item": "item"},
    "supervision:order_issue": {"pk": "dispute"},
    "supervision:order_answer": {"pk": "dispute", "order": "order"},
    "supervision:urge": {"pk": "dispute"},
    "supervision:leader_assign": {"pk": "dispute"},
    "supervision:ownership_note": {"ownership": "ownership"},
    "supervision:ownership_extend": {"ownership": "ownership"},
    "supervision:sign_off": {"ownership": "ownership"},
    "supervision:extension_decide": {"extension": "extension"},
    "meetings:series": {"body": "body"},
    "meetings:detail": {"pk": "meeting"},
    "meetings:refresh": {"pk": "meeting"},
    "meetings:reschedule": {"pk": "meeting"},
    "meetings:cancel": {"pk": "meeting"},
    "meetings:record": {"pk": "meeting"},
    "meetings:decide": {"pk": "meeting", "kind": "=assign"},
    "meetings:agenda_file": {"pk": "meeting"},
    "meetings:minutes_file": {"pk": "meeting"},
    "meetings:circular": {"pk": "circular"},
    "meetings:circular_file": {"pk": "circular", "fmt": "=docx"},
    "receptions:day": {"pk": "reception"},
    "receptions:book": {"pk": "reception"},
    "receptions:booking_record": {"pk": "booking"},
    "receptions:booking_cancel": {"pk": "booking"},
    "documents:details": {"pk": "dispute"},
    "documents:confirmation": {"pk": "dispute", "step": "=apply"},
    "documents:download": {"pk": "dispute", "kind": "=agreement", "fmt": "=docx"},
    "documents:acceptance_with_code": {"pk": "dispute", "fmt": "=docx"},
    "courts:application": {"pk": "dispute"},
    "courts:upload": {"pk": "dispute", "party": "party"},
    "courts:identity": {"pk": "dispute", "party": "party"},
    "courts:bundle": {"pk": "dispute"},
    "courts:agreement": {"pk": "dispute"},
    "courts:send": {"pk": "dispute"},
    "documents:assent": {"pk": "dispute"},
    "documents:assent_signature": {"pk": "dispute", "assent_pk": "assent"},
    "evaluation:town": {"code": "town_code", "year": "=2026"},
    "evaluation:assess": {"code": "town_code", "year": "=2026", "criterion": "criterion"},
    "evaluation:report_save": {"body": "body", "key": "=campaign-coverage"},
    "spreadsheets:job": {"pk": "import"},
    "spreadsheets:progress": {"pk": "import"},
    "spreadsheets:errors": {"pk": "import"},
    "spreadsheets:valid_only": {"pk": "import"},
    "spreadsheets:discard": {"pk": "import"},
    "spreadsheets:export_job": {"pk": "export"},
    "spreadsheets:export_download": {"pk": "export"},
    "attachments:list": {"pk": "dispute"},
    "attachments:upload": {"pk": "dispute"},
    "attachments:download": {"pk": "dispute", "attachment": "attachment"},
    "attachments:withdraw": {"pk": "dispute", "attachment": "attachment"},
    "conversations:staff_shared": {"pk": "dispute"},
    "conversations:staff_shared_open": {"pk": "dispute"},
    "conversations:staff_private": {"pk": "dispute", "party": "party"},
    "conversations:staff_file": {"pk": "dispute", "message": "message"},
    "appointments:propose": {"pk": "dispute"},
    "appointments:confirm": {"pk": "appointment"},
    "appointments:cancel": {"pk": "appointment"},
    "appointments:staff_join": {"pk": "appointment"},
    # The party's own pages: another dispute's appointment answers as a missing one.
    "appointments:public": {"pk": "appointment"},
    "appointments:reply": {"pk": "appointment"},
    "appointments:join": {"pk": "appointment"},
}

# Public routes with a parameter: how to fill it (they are checked for personal data only).
PUBLIC_ARGS: dict[str, Callable[[Land], dict[str, Any]]] = {
    "portal:regions": lambda land: {"code": land.disputes["店口"].region_code},
    "supervision:sms_receipt": lambda land: {"provider": "aliyun", "token": "guess"},
    "conversations:party_file": lambda land: {"message": land.objects["店口"]["message"]},
    "receptions:public_book": lambda land: {"pk": land.objects["店口"]["reception"]},
    # Another dispute's party's drawn signature: never to a browser not proved as that party.
    "assent:signature": lambda land: {"pk": land.objects["店口"]["assent"]},
    "open311:discovery": lambda land: {"fmt": "json"},
    "open311:services": lambda land: {"fmt": "json"},
    "open311:service": lambda land: {"code": "neighbourhood", "fmt": "json"},
    "open311:requests": lambda land: {"fmt": "json"},
    "open311:request": lambda land: {"number": land.disputes["店口"].number, "fmt": "json"},
}


def route_names() -> set[str]:
    """Every named route of the project except the admin site's."""
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, inner)
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    names.add(f"{namespace}:<unnamed {pattern.pattern}>")

    walk(get_resolver(), "")
    return names


API_ROUTES = {
    name
    for name in (
        "api:v1:register",
        "api:v1:list_disputes",
        "api:v1:read_dispute",
        "api:v1:dispute_events",
        "api:v1:categories",
        "api:v1:regions",
        "api:v1:bodies",
        "api:v1:mediators",
        "api:v1:mediator_add",
        "api:v1:routes",
    )
}
API_ACTIONS = "accept decline session transfer receive return_ assign report resolve visit close"
API_ROUTES |= {f"api:v1:{action}" for action in (*API_ACTIONS.split(), "reopen")}


def test_every_route_is_in_the_matrix():
    covered = (
        set(PUBLIC)
        | set(PAGES)
        | set(PAGE_ARGS)
        | set(OBJECTS)
        | API_ROUTES
        | {"api:<unnamed ^v1/(?P<rest>.*)$>", "open311:<unnamed ^(?P<rest>.*)$>", "open311:token"}
    )
    missing = route_names() - covered
    assert not missing, f"routes without an access-matrix entry: {sorted(missing)}"
    assert not covered - route_names() - {"api:<unnamed ^v1/(?P<rest>.*)$>"}, (
        "matrix entries for routes that no longer exist"
    )


def _kwargs(land: Land, name: str, place: str | None) -> dict[str, Any]:
    kwargs = {}
    for key, kind in OBJECTS[name].items():
        if kind.startswith("="):
            kwargs[key] = kind[1:]
        else:
            kwargs[key] = land.objects[place][kind] if place else MISSING  # type: ignore[assignment]
    return kwargs


def _snapshot() -> dict[str, int]:
    """Rows per table of the project's own apps, and every dispute's version."""
    from jiefen.disputes.models import Dispute

    counts = {}
    for model in apps.get_models():
        label = model._meta.app_label
        if model.__module__.startswith("jiefen.") and label not in {"audit"}:
            counts[model._meta.label] = model.objects.count()  # type: ignore[attr-defined]
    counts["versions"] = sum(Dispute.objects.values_list("version", flat=True))
    return counts


@pytest.mark.parametrize("actor", ACTORS)
def test_pages_show_nothing_outside_the_actors_jurisdiction(land, actor):
    client = land.client(actor)
    pages = [(name, reverse(name), probes) for name, probes in PAGES.items()]
    pages += [(name, reverse(name, kwargs=args(land)), []) for name, args in PAGE_ARGS.items()]
    for name, url, probes in pages:
        queries: list[dict[str, Any]] = [{}]
        for probe in probes:
            queries += [probe(land, place) for place in land.foreign(actor)]
        for query in queries:
            response = client.get(url, query)
            assert response.status_code < 500, (name, query)
            # The page may show back what the actor typed: that alone is not a leak.
            typed = {str(value) for value in query.values()}
            leaked = [s for s in land.leaks(actor, text_of(response)) if s not in typed]
            assert not leaked, f"{actor} GET {name} {query}: {leaked}"


@pytest.mark.parametrize("actor", [a for a in ACTORS if a not in ("anonymous", "party")])
def test_exports_hold_nothing_outside_the_actors_jurisdiction(
    land, actor, settings, django_capture_on_commit_callbacks
):
    """The export is built by a task, not in the page: press it (masked, and unmasked with a
    reason) with the list's probes, let the task run, and read the downloaded file."""
    import django_tasks.signals  # noqa: F401 - resets the task backends when TASKS changes

    from jiefen.spreadsheets.models import ExportJob

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = land.client(actor)
    person = land.people[actor]
    queries: list[dict[str, Any]] = [{}]
    for probe in (_holder_probes, _region_probes):
        queries += [probe(land, place) for place in land.foreign(actor)]
    downloads = 0
    for query in queries:
        for name, data in (
            ("spreadsheets:export", {}),
            ("spreadsheets:export_unmasked", {"reason": "核对"}),
        ):
            before = ExportJob.objects.filter(actor=person).count()
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(reverse(name) + "?" + urlencode(query), data)
            where = (actor, name, query)
            assert response.status_code in (302, 404), where
            if ExportJob.objects.filter(actor=person).count() == before:
                continue  # refused (no jurisdiction, or filters not valid here): nothing built
            job = ExportJob.objects.filter(actor=person).latest("id")
            assert job.status == ExportJob.State.DONE, (*where, job.failure)
            file = client.get(reverse("spreadsheets:export_download", args=[job.pk]))
            assert file.status_code == 200, where
            leaked = land.leaks(actor, text_of(file))
            assert not leaked, f"{actor} export {name} {query}: {leaked}"
            downloads += 1
    assert downloads > 0 or not COVERS[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_objects_outside_the_jurisdiction_answer_as_if_they_did_not_exist(land, actor):
    client = land.client(actor)
    foreign = [place for place in land.foreign(actor) if place in land.objects]
    before = _snapshot()
    for name in OBJECTS:
        absent_get = client.get(reverse(name, kwargs=_kwargs(land, name, None)))
        absent_post = client.post(reverse(name, kwargs=_kwargs(land, name, None)), {})
        for place in foreign:
            url = reverse(name, kwargs=_kwargs(land, name, place))
            for method, absent in (("get", absent_get), ("post", absent_post)):
                response = getattr(client, method)(url, {})
                where = f"{actor} {method.upper()} {name} ({place})"
                assert response.status_code == absent.status_code, where
                assert response.status_code in (302, 403, 404, 405), where
                if response.status_code == 302:
                    assert (
                        response["Location"]
                        == absent["Location"].replace(
                            str(MISSING), str(_kwargs(land, name, place).get("pk", MISSING))
                        )
                        or "/login/" in response["Location"]
                    ), where
                assert not land.leaks(actor, text_of(response)), where
    assert _snapshot() == before, f"{actor} changed something outside the jurisdiction"


PERSONAL = re.compile(r"1[3-9]\d{9}")


@pytest.mark.parametrize("actor", ["anonymous", "party"])
def test_public_routes_carry_no_personal_data(land, actor):
    client = land.client(actor)
    for name in sorted(PUBLIC):
        kwargs = PUBLIC_ARGS[name](land) if name in PUBLIC_ARGS else {}
        url = UNNAMED.get(name) or reverse(name, kwargs=kwargs)
        response = client.get(url)
        assert response.status_code < 500, name
        body = re.sub(r'placeholder="[^"]*"', "", text_of(response))
        assert not land.leaks(actor, body), f"{actor} GET {name}"
        assert not PERSONAL.search(body), f"{actor} GET {name}: a phone number"


def test_a_party_cannot_reach_another_partys_private_thread(land):
    """枫一甲方, proved by a one-time code, against 枫一乙方's private thread with the
    mediator on their own dispute: its file answers exactly as a missing one, and its text
    appears nowhere the party can open."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.http import HttpResponse

    from jiefen.conversations.services import message_from_staff, shared_thread_open
    from jiefen.portal import identity

    dispute = land.disputes["枫一"]
    first, second = dispute.parties.order_by("pk")
    clerk = land.people["village_clerk"]
    shared_thread_open(actor=clerk, dispute_id=dispute.pk)
    theirs = message_from_staff(
        actor=clerk,
        dispute_id=dispute.pk,
        party_id=second.pk,
        body="只给乙方的私信",
        upload=SimpleUploadedFile("乙方.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    client = land.client("party")
    response = HttpResponse()
    identity.party_remember(response, first)
    client.cookies[identity.PARTY_COOKIE] = response.cookies[identity.PARTY_COOKIE].value
    for who in (client, land.client("party")):
        missing = who.get(reverse("conversations:party_file", args=[MISSING]))
        foreign = who.get(reverse("conversations:party_file", args=[theirs.pk]))
        assert missing.status_code == foreign.status_code == 404
        assert "乙方" not in text_of(foreign)
        for name in ("conversations:party_private", "conversations:party_shared", "portal:follow"):
            page = who.get(reverse(name))
            assert page.status_code == 200, name
            assert "只给乙方的私信" not in text_of(page) and "乙方.pdf" not in text_of(page)
    before = _snapshot()
    posted = client.post(reverse("conversations:party_private"), {"body": "甲方的话"})
    assert posted.status_code == 302
    from jiefen.conversations.models import Message

    assert Message.objects.filter(body__isnull=False).count() == before["conversations.Message"] + 1
    assert Message.objects.latest("id").thread.party_id == first.pk


ADMIN_PAGES = ["/admin/", "/admin/disputes/dispute/", "/admin/disputes/party/", "/admin/org/body/"]


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "administrator"])
def test_the_admin_site_is_for_staff_accounts_only(land, actor):
    client = land.client(actor)
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302, (actor, url)
        assert response["Location"].startswith("/admin/login/"), (actor, url)


# --- The API ----------------------------------------------------------------------------------

API_ACTORS = {
    "village_clerk": "枫一社区",
    "other_village_clerk": "永安社区",
    "town_head": "枫桥镇",
    "other_town_head": "店口镇",
    "county_officer": "诸暨市",
}


def _operations() -> list[tuple[str, str]]:
    from jiefen.api.rest import api

    schema = api.get_openapi_schema()
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_api_operation_is_in_the_matrix():
    operations = _operations()
    assert len(operations) == len(API_ROUTES), sorted(operations)


@pytest.mark.parametrize("actor", [*API_ACTORS, "anonymous"])
def test_the_api_shows_and_moves_nothing_outside_the_tokens_body(land, actor):
    from jiefen.api.tokens import token_create

    headers: dict[str, str] = {}
    if actor != "anonymous":
        _token, raw = token_create(
            user=land.people[actor], body=land.world.bodies[API_ACTORS[actor]], name="matrix"
        )
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    client = Client(HTTP_HOST="localhost", **headers)
    before = _snapshot()
    for method, path in _operations():
        if "{ref}" in path:
            absent = _api(client, method, path.replace("{ref}", "ZZ-0000-9999"))
            for place in land.foreign(actor):
                response = _api(client, method, path.replace("{ref}", land.disputes[place].number))
                where = f"{actor} {method} {path} ({place})"
                assert response.status_code == absent.status_code, where
                assert response.status_code in (401, 404, 422), where
                if response.status_code == 404:
                    assert response.json()["code"] == absent.json()["code"], where
                assert not land.leaks(actor, text_of(response)), where
        else:
            response = _api(client, method, path)
            assert response.status_code < 500, (actor, method, path)
            if actor == "anonymous" and not path.endswith("openapi.json"):
                assert response.status_code == 401, (method, path)
            assert not land.leaks(actor, text_of(response)), (actor, method, path)
            if method == "GET" and path.endswith("/disputes"):
                for place in land.foreign(actor):
                    query = {"region": land.disputes[place].region_code}
                    probed = client.get(path, query)
                    assert not land.leaks(actor, text_of(probed)), (actor, path, query)
    assert _snapshot() == before, f"{actor} changed something through the API"


def _api(client: Client, method: str, path: str) -> Any:
    if method == "GET":
        return client.get(path)
    body = '{"version": 1, "reason": "矩阵检查"}'
    return client.generic(method, path, data=body.encode(), content_type="application/json")


def test_the_matrix_would_see_a_leak(land):
    """The checks above can fail: a foreign dispute's number in a page is reported."""
    assert land.leaks("village_clerk", f"见 {land.disputes['店口'].number}") == [
        land.disputes["店口"].number
    ]
    assert land.leaks("county_officer", f"见 {land.disputes['店口'].number}") == []
