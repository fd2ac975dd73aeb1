"""The shapes of the REST API's requests and answers.

Limits here mirror the services' (which check again and decide); they are in the schema so
clients and the OpenAPI document know them. Text follows the input rule of every door
(jiefen.lib.text): no control characters, stated in the document as a `pattern`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from jiefen.disputes.models import Channel, Outcome, PartyKind, Risk, Route, Side, Status
from jiefen.lib.text import CONTROL_FREE_PATTERN, text_problem

MAX_ID = 2**63 - 1
MAX_CODE = 999_999_999_999
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def _clean_text(value: str) -> str:
    # The one input rule of every door (jiefen.lib.text), also given as `pattern` below.
    if text_problem(value):
        raise PydanticCustomError("invalid_characters", "control character")
    return value


def _plausible_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError("greater_than_equal", "date out of range")
    return value


Text = Annotated[
    str, AfterValidator(_clean_text), Field(json_schema_extra={"pattern": CONTROL_FREE_PATTERN})
]
Day = Annotated[date, AfterValidator(_plausible_day)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
RegionCode = Annotated[int, Field(ge=100_000_000_000, le=MAX_CODE)]

if TYPE_CHECKING:
    SideKey: TypeAlias = str
    KindKey: TypeAlias = str
    ChannelKey: TypeAlias = str
    RiskKey: TypeAlias = str
    OutcomeKey: TypeAlias = str
    RouteKey: TypeAlias = str
    StatusFilter: TypeAlias = str
else:
    # The choices of the models, as enums in the OpenAPI document.
    SideKey = Literal[tuple(Side.values)]
    KindKey = Literal[tuple(PartyKind.values)]
    ChannelKey = Literal[tuple(Channel.values)]
    RiskKey = Literal[tuple(Risk.values)]
    OutcomeKey = Literal[tuple(Outcome.values)]
    RouteKey = Literal[("", *Route.values)]
    StatusFilter = Literal[("open", *Status.values)]


class Error(Schema):
    code: str = Field(description="stable machine code, e.g. not_found, conflict, invalid")
    message: str = Field(description="for people, in the request's language")
    fields: dict[str, list[str]] = Field(default_factory=dict)
    current: dict[str, Any] | None = Field(
        default=None,
        description="with 409 conflict: the dispute now — version, status, status_label, "
        "holder, holder_name, and last {action, label, by, body, at}, the change you missed; "
        "retry with this version",
    )


# --- registration ------------------------------------------------------------------------------


class PartyIn(Schema):
    side: SideKey
    kind: KindKey = "person"
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    phone: Annotated[Text, Field(max_length=30)] = ""
    id_number: Annotated[Text, Field(max_length=30)] = ""
    address: Annotated[Text, Field(max_length=200)] = ""


class DisputeIn(Schema):
    category: Annotated[Text, Field(min_length=1, max_length=40, description="category key")]
    channel: ChannelKey
    region: RegionCode = Field(description="12-digit code of the village or town where it arose")
    title: Annotated[Text, Field(min_length=1, max_length=100)]
    description: Annotated[Text, Field(min_length=1, max_length=5000)]
    project: Annotated[Text, Field(max_length=100, description="project it is about, if any")] = ""
    people_involved: Annotated[int, Field(ge=1, le=1_000_000)] = 2
    amount: Annotated[Decimal, Field(ge=0, lt=10**12, max_digits=14, decimal_places=2)] | None = (
        None
    )
    risk: RiskKey = "ordinary"
    complex: bool = False
    cross_area: bool = False
    parties: Annotated[list[PartyIn], Field(min_length=1, max_length=50)]


# --- answers -----------------------------------------------------------------------------------


class BodyRef(Schema):
    id: int
    name: str
    kind: str


class PartyOut(Schema):
    id: int
    side: str
    kind: str
    name: str
    phone: str = Field(description="masked: 138****5678")
    id_number: str = Field(description="masked: 330681********1234")
    address: str


class DisputeItem(Schema):
    id: int
    number: str
    version: int
    status: str
    status_label: str
    category: str
    category_name: str
    region: int
    region_name: str
    title: str
    holder: BodyRef
    tier: str
    due_date: date | None
    warning: int
    registered_at: datetime


class DisputeOut(DisputeItem):
    channel: str
    description: str
    project: str
    people_involved: int
    amount: str | None
    risk: str
    complex: bool
    cross_area: bool
    mass: bool
    transfer_to: BodyRef | None
    department: BodyRef | None
    due_action: str
    outcome: str
    route: str
    satisfaction: int | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    parties: list[PartyOut]
    actions: list[str] = Field(description="moves this token may make now")


class DisputePage(Schema):
    items: list[DisputeItem]
    next: str | None = Field(description="pass as `cursor` for the next page; null at the end")


class EventOut(Schema):
    id: int
    at: datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    body: BodyRef
    actor: str | None
    reason: str
    params: dict[str, Any]
    public: bool


class CategoryOut(Schema):
    key: str
    name: str
    active: bool


class RegionOut(Schema):
    code: int
    name: str
    level: int
    parent: int | None


class BodyOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    region: int
    active: bool


class BodyPage(Schema):
    items: list[BodyOut]
    next: str | None


# --- moves -------------------------------------------------------------------------------------


class Versioned(Schema):
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] = Field(
        description="the version you last read; a stale one gets 409 conflict"
    )


Reason = Annotated[Text, Field(max_length=2000)]


class ReasonIn(Versioned):
    reason: Reason = ""


class NeedsReasonIn(Versioned):
    reason: Reason


class DeclineIn(NeedsReasonIn):
    route: RouteKey = ""


class SessionIn(Versioned):
    held_on: Day
    place: Annotated[Text, Field(max_length=100)]
    mediators: Annotated[Text, Field(max_length=200)]
    attendees: Annotated[Text, Field(max_length=300)]
    record: Annotated[Text, Field(max_length=5000)]
    agreed: Annotated[Text, Field(max_length=5000)] = ""


class AssignIn(ReasonIn):
    department: Id = Field(description="id of a department body")
    days: Annotated[int, Field(ge=1, le=60)] = Field(description="working days to report back")


class AgreementIn(Schema):
    facts: Annotated[Text, Field(max_length=5000)]
    terms: Annotated[Text, Field(max_length=5000)]
    performance: Annotated[Text, Field(max_length=2000)]
    signed_on: Day


class ResolveIn(ReasonIn):
    outcome: OutcomeKey
    route: RouteKey = ""
    agreement: AgreementIn | None = None


class VisitIn(ReasonIn):
    satisfaction: Annotated[int, Field(ge=1, le=5)]
    held: bool | None = Field(None, description="was the agreement performed (if there is one)")
