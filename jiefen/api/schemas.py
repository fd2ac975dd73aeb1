"""The shapes of the REST API's requests and answers.

Limits here mirror the services' (which check again and decide); they are in the schema so
clients and the OpenAPI document know them. Text follows the input rule of every door
(jiefen.lib.text): no control characters, stated in the document as a `pattern`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from django.utils import timezone
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from jiefen.disputes.models import Channel, Outcome, PartyKind, Risk, Route, Side, Status
from jiefen.lib.text import CONTROL_FREE_PATTERN, ZERO_WIDTH, text_blank, text_problem

MAX_ID = 2**63 - 1
MAX_CODE = 999_999_999_999
# The working-day calendar (jiefen.metrics.periods) starts in 2004: no dispute is older.
FIRST_DAY = date(2004, 1, 1)
LAST_DAY = date(2099, 12, 31)


def _ecma(chars: str) -> str:
    return "".join(c if c.isalnum() else f"\\u{ord(c):04x}" for c in chars)


# Refused characters and blank ones (spaces and zero-width, jiefen.lib.text), ECMA-262 style.
_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff"
# Python's whitespace (what str.strip drops), less the control characters refused anyway.
_SPACE = r"\u0009\u000a\u000d\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_BLANK = _SPACE + _ecma(ZERO_WIDTH)
# Required text: no refused character, and at least one that is not blank.
FILLED_PATTERN = f"^[^{_CONTROL}]*[^{_CONTROL}{_BLANK}][^{_CONTROL}]*$"
# A phone number as jiefen.lib.personal.valid_phone reads it (blank around it is dropped).
PHONE_PATTERN = (
    f"^(?:|[{_SPACE}]*(?:[+]?86[- ]?)?(?:1[3-9][0-9]{{9}}|0[0-9]{{2,3}}-?[0-9]{{7,8}}"
    f"(?:-[0-9]{{1,6}})?)[{_SPACE}]*)$"
)
# A resident ID (18 characters, the last a check digit that the server checks) or an
# organisation's unified social credit code.
ID_PATTERN = (
    f"^(?:|[{_SPACE}]*(?:[0-9]{{17}}[0-9Xx]|[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{{2}}[0-9]{{6}}"
    f"[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{{10}})[{_SPACE}]*)$"
)


def _clean_text(value: str) -> str:
    # The one input rule of every door (jiefen.lib.text), also given as `pattern` below.
    if text_problem(value):
        raise PydanticCustomError("invalid_characters", "control character")
    return value


def _filled(value: str) -> str:
    if text_blank(value):
        raise PydanticCustomError("missing", "blank")
    return value


def _plausible_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError("date_out_of_range", "date out of range")
    return value


def _past_day(value: date) -> date:
    if not FIRST_DAY <= value <= timezone.localdate():
        raise PydanticCustomError("date_not_past", "date out of range")
    return value


Text = Annotated[
    str, AfterValidator(_clean_text), Field(json_schema_extra={"pattern": CONTROL_FREE_PATTERN})
]
# Text that must say something: spaces or zero-width characters only count as empty.
Filled = Annotated[
    str,
    AfterValidator(_clean_text),
    AfterValidator(_filled),
    Field(min_length=1, json_schema_extra={"pattern": FILLED_PATTERN}),
]
# A day from 2004 to 2099 (a filter); the document's `pattern` lists exactly those days.
Day = Annotated[date, AfterValidator(_plausible_day), Field(json_schema_extra={"x-days": "any"})]
# A day that has happened: from 2004 to today (the document's pattern is made each day).
PastDay = Annotated[date, AfterValidator(_past_day), Field(json_schema_extra={"x-days": "past"})]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

AMOUNT_PATTERN = r"^[0-9]{1,12}([.][0-9]{1,2})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)


def _amount(value: Any) -> Any:
    """Yuan: a whole number, or a string with at most two decimals ("1200.50"); a JSON
    fraction is refused, since a binary number cannot say 0.1 exactly."""
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "amount")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("decimal_type", "amount")
        value = int(value)
    if isinstance(value, int):
        if not 0 <= value < 10**12:
            raise PydanticCustomError("less_than", "amount")
        return Decimal(value)
    if isinstance(value, str) and _AMOUNT.match(value):
        return Decimal(value)
    raise PydanticCustomError("decimal_parsing", "amount")


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 10**12 - 1},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": "yuan: a whole number, or a string with at most two decimals",
        }
    ),
]
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
    name: Annotated[Filled, Field(max_length=100)]
    phone: Annotated[str, Field(max_length=30, pattern=PHONE_PATTERN)] = ""
    id_number: Annotated[
        str,
        Field(
            max_length=30,
            pattern=ID_PATTERN,
            description="resident ID with a valid check digit (GB 11643), or for an "
            "organisation its unified social credit code (GB 32100)",
        ),
    ] = ""
    address: Annotated[Text, Field(max_length=200)] = ""


class DisputeIn(Schema):
    category: Annotated[
        Text,
        Field(min_length=1, max_length=40, description="category key (GET /categories)"),
    ]
    channel: ChannelKey
    region: RegionCode = Field(description="12-digit code of the village or town where it arose")
    title: Annotated[Filled, Field(max_length=100)]
    description: Annotated[Filled, Field(max_length=5000)]
    project: Annotated[Text, Field(max_length=100, description="project it is about, if any")] = ""
    people_involved: Annotated[int, Field(ge=1, le=1_000_000)] = 2
    amount: Amount | None = None
    risk: RiskKey = "ordinary"
    complex: bool = False
    cross_area: bool = False
    parties: Annotated[
        list[PartyIn],
        Field(
            min_length=1,
            max_length=50,
            description="at least one applicant",
            json_schema_extra={
                "contains": {"type": "object", "properties": {"side": {"const": "applicant"}}},
                "minContains": 1,
            },
        ),
    ]

    @field_validator("parties")
    @classmethod
    def _an_applicant(cls, parties: list[PartyIn]) -> list[PartyIn]:
        if not any(p.side == Side.APPLICANT for p in parties):
            raise PydanticCustomError("no_applicant", "no applicant")
        return parties


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
    reason: Annotated[Filled, Field(max_length=2000)]


class DeclineIn(NeedsReasonIn):
    route: RouteKey = ""


class SessionIn(Versioned):
    held_on: PastDay
    place: Annotated[Filled, Field(max_length=100)]
    mediators: Annotated[Filled, Field(max_length=200)]
    attendees: Annotated[Filled, Field(max_length=300)]
    record: Annotated[Filled, Field(max_length=5000)]
    agreed: Annotated[Text, Field(max_length=5000)] = ""
    seated: list[Id] = Field(
        default=[],
        max_length=20,
        description="ids of the register's mediators who sat (on the dispute, or in service at "
        "the holding body); their names are added to `mediators`, which prints",
    )


class AssignIn(ReasonIn):
    department: Id = Field(description="id of a department body")
    days: Annotated[int, Field(ge=1, le=60)] = Field(description="working days to report back")


class AgreementIn(Schema):
    facts: Annotated[Filled, Field(max_length=5000)]
    terms: Annotated[Filled, Field(max_length=5000)]
    performance: Annotated[Filled, Field(max_length=2000)]
    signed_on: PastDay


class ResolveIn(ReasonIn):
    """With an agreement, its text; without, the route the parties were told of."""

    outcome: OutcomeKey
    route: RouteKey = Field("", validate_default=True)
    agreement: AgreementIn | None = Field(None, validate_default=True)

    model_config = {
        "json_schema_extra": {
            "allOf": [
                {
                    "if": {"properties": {"outcome": {"const": "agreement"}}},
                    "then": {
                        "required": ["agreement"],
                        "properties": {"agreement": {"type": "object"}},
                    },
                },
                {
                    "if": {"properties": {"outcome": {"const": "no_agreement"}}},
                    "then": {
                        "required": ["route"],
                        "properties": {"route": {"enum": list(Route.values)}},
                    },
                },
            ]
        }
    }

    @field_validator("route")
    @classmethod
    def _route_told(cls, route: str, info: ValidationInfo) -> str:
        if info.data.get("outcome") == Outcome.NO_AGREEMENT and not route:
            raise PydanticCustomError("route_missing", "route")
        return route

    @field_validator("agreement")
    @classmethod
    def _agreement_given(cls, agreement: AgreementIn | None, info: ValidationInfo) -> Any:
        if info.data.get("outcome") == Outcome.AGREEMENT and agreement is None:
            raise PydanticCustomError("missing", "agreement")
        return agreement


class VisitIn(ReasonIn):
    satisfaction: Annotated[int, Field(ge=1, le=5)]
    held: bool | None = Field(None, description="was the agreement performed (if there is one)")
