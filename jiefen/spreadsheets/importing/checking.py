"""Checking an import file, the first of its two passes: every row is parsed and validated —
category known, region code real and inside the importer's jurisdiction, dates real, not in
the future and in order, parties' phone and ID numbers valid, text lengths — without writing
anything. Errors are collected as (row number, column name, message). A file with any error
is refused as a whole, unless the importer explicitly asked for the valid rows only.

A dispute is registered at the importer's own body: the most local registering body
(village group, town centre or county joint meeting) where the importer holds a staff role
and whose area contains the row's region — the body that keeps the ledger being imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes import services
from jiefen.disputes.access import roles_by_body
from jiefen.disputes.lifecycle import TABLE, Action
from jiefen.disputes.models import Category, Channel, Outcome, PartyKind, Side
from jiefen.lib.personal import valid_credit_code, valid_phone, valid_resident_id
from jiefen.lib.text import text_check, text_problem
from jiefen.org.models import Body, BodyKind, Role
from jiefen.org.scope import scope_of
from jiefen.regions.models import Region, code_span
from jiefen.spreadsheets.importing.reading import (
    CHANNELS,
    COLUMNS,
    DECLINED,
    HEADERS,
    OPEN,
    OUTCOMES,
    ROUTES,
    _text,
    read_rows,
)

EARLIEST = date(2000, 1, 1)
STAFF = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})
REGISTERING = (BodyKind.VILLAGE_GROUP, BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING)
_PARTY_SPLIT = re.compile(r"[；;\n]")
_FIELD_SPLIT = re.compile(r"[，,]")


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.message]


@dataclass
class Row:
    number: int  # the row's number in the file, the header being row 1
    body: Body
    data: services.DisputeInput
    registered: date
    outcome: str
    resolved: date | None
    notes: str
    route: str
    satisfaction: int | None
    closed: date | None
    moves: list[Action] = field(default_factory=list)


class _Context:
    """What every row is checked against, loaded once per file."""

    def __init__(self, actor: Any, today: date) -> None:
        self.actor = actor
        self.today = today
        self.categories: dict[str, Category] = {}
        for c in Category.objects.filter(active=True):
            self.categories[c.name] = c
            self.categories[c.key] = c
        self.scope = scope_of(actor)
        qs = Body.objects.filter(kind__in=REGISTERING, active=True).select_related("region")
        if not actor.is_superuser:
            mine = {pk for pk, roles in roles_by_body(actor).items() if roles & STAFF}
            qs = qs.filter(pk__in=mine)
        self.bodies = list(qs)
        self.regions: dict[int, Region | None] = {}

    def region(self, code: int) -> Region | None:
        if code not in self.regions:
            self.regions[code] = Region.objects.filter(code=code).first()
        return self.regions[code]

    def body_for(self, region: Region) -> Body | None:
        """The most local registering body of the importer whose area holds the region."""
        best = None
        for body in self.bodies:
            low, high = code_span(body.region_code, body.region.level)
            if low <= region.code <= high and (
                best is None or body.region.level > best.region.level
            ):
                best = body
        return best

    def roles_in(self, body: Body) -> set[str]:
        if self.actor.is_superuser:
            return set(Role.values)
        return roles_by_body(self.actor).get(body.pk, set())


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    text = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-")
    text = text.rstrip("日").split(" ")[0].split("T")[0]
    try:
        y, m, d = (int(part) for part in text.split("-"))
        return date(y, m, d)
    except ValueError:
        raise ValueError(text) from None


def _parties(text: str, side: str) -> tuple[list[services.PartyInput], list[str]]:
    parties: list[services.PartyInput] = []
    problems: list[str] = []
    for chunk in _PARTY_SPLIT.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        parts = [p.strip() for p in _FIELD_SPLIT.split(chunk)]
        if len(parts) > 3:
            problems.append(_("每位当事人最多三项：姓名，电话，证件号码"))
            continue
        name, phone, id_number = ([*parts, "", ""])[:3]
        n = len(parties) + 1
        kind = PartyKind.PERSON
        if not name:
            problems.append(_("第 %(n)d 位当事人缺少姓名") % {"n": n})
        elif len(name) > 100:
            problems.append(_("第 %(n)d 位当事人姓名超过 100 字") % {"n": n})
        if phone and not valid_phone(phone):
            problems.append(_("第 %(n)d 位当事人的联系电话格式不正确") % {"n": n})
        if id_number:
            # 17 digits and a digit or X reads as a resident ID (checked by its check digit);
            # anything else of 18 characters as an organisation's credit code.
            if re.fullmatch(r"\d{17}[\dXx]", id_number):
                if not valid_resident_id(id_number):
                    problems.append(
                        _("第 %(n)d 位当事人的证件号码不正确（请核对校验位）") % {"n": n}
                    )
            elif valid_credit_code(id_number):
                kind = PartyKind.ORGANISATION
            else:
                problems.append(_("第 %(n)d 位当事人的证件号码不正确（请核对校验位）") % {"n": n})
        parties.append(
            services.PartyInput(
                side=side, name=name, kind=kind, phone=phone, id_number=id_number.upper()
            )
        )
    return parties, problems


def check_row(
    ctx: _Context, number: int, cells: dict[str, Any]
) -> tuple[Row | None, list[RowError]]:
    errors: list[RowError] = []

    def err(key: str, message: str) -> None:
        header = next(c.header for c in COLUMNS if c.key == key)
        errors.append(RowError(number, header, message))

    # The one input rule of every door (jiefen.lib.text), on every cell of the row.
    for column in COLUMNS:
        problem = text_problem(_text(cells.get(column.key)))
        if problem:
            err(column.key, problem)

    def text(key: str, limit: int, required: bool) -> str:
        value, problem = text_check(_text(cells.get(key)), limit=limit, required=required)
        if problem and not text_problem(_text(cells.get(key))):  # a refused character: above
            err(key, problem)
        return value

    def day(key: str, required: bool) -> date | None:
        try:
            value = _date(cells.get(key))
        except ValueError:
            err(key, _("不是有效日期（格式 2025-03-01）"))
            return None
        if value is None:
            if required:
                err(key, _("此项为必填项"))
            return None
        if value > ctx.today:
            err(key, _("日期不能晚于今天"))
        elif value < EARLIEST:
            err(key, _("日期不能早于 2000-01-01"))
        return value

    registered = day("registered", True)

    region = body = None
    code_text = _text(cells.get("region"))
    if not code_text:
        err("region", _("此项为必填项"))
    elif not re.fullmatch(r"\d{12}", code_text):
        err("region", _("区划代码应为 12 位数字"))
    else:
        region = ctx.region(int(code_text))
        # Not in the tree and outside the jurisdiction answer the same: no probing of codes.
        if region is None or not ctx.scope.contains(region.code):
            err("region", _("区划代码不存在或不在您的管辖范围内"))
            region = None
        else:
            body = ctx.body_for(region)
            if body is None:
                err("region", _("您不是该地所属调处工作组、矛调中心或联席会议的工作人员，不能登记"))

    category = None
    category_text = _text(cells.get("category"))
    if not category_text:
        err("category", _("此项为必填项"))
    else:
        category = ctx.categories.get(category_text)
        if category is None:
            err("category", _("未知的纠纷类别“%(value)s”") % {"value": category_text[:20]})

    channel_text = _text(cells.get("channel"))
    channel = CHANNELS.get(channel_text, Channel.SCREENING if not channel_text else "")
    if not channel:
        err("channel", _("未知的来源“%(value)s”") % {"value": channel_text[:20]})

    title = text("title", 100, True)
    description = text("description", 5000, True)

    applicants, problems = _parties(_text(cells.get("applicants")), Side.APPLICANT)
    for problem in problems:
        err("applicants", problem)
    if not applicants and not problems:
        err("applicants", _("至少需要一名申请人"))
    respondents, problems = _parties(_text(cells.get("respondents")), Side.RESPONDENT)
    for problem in problems:
        err("respondents", problem)
    parties = applicants + respondents

    people: int | None = len(parties) or 1
    people_text = _text(cells.get("people"))
    if people_text:
        try:
            people = int(people_text)
            if not 1 <= people <= 1_000_000:
                raise ValueError
        except ValueError:
            err("people", _("涉及人数应为 1 以上的整数"))
            people = None

    amount: Decimal | None = None
    amount_text = _text(cells.get("amount")).replace(",", "").replace("，", "")
    if amount_text:
        try:
            amount = Decimal(amount_text)
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
        except InvalidOperation:
            err("amount", _("涉及金额应为不小于 0 的数字"))

    outcome_text = _text(cells.get("outcome"))
    outcome = OUTCOMES.get(outcome_text, "")
    if not outcome_text:
        err("outcome", _("此项为必填项"))
    elif not outcome:
        err("outcome", _("结果应为：在办、达成调解协议、未达成协议或不予受理"))
    resolved = day("resolved", outcome not in ("", OPEN))
    if outcome == OPEN and resolved is not None:
        err("resolved", _("结果为“在办”的不应填写办结日期"))
    if registered and resolved and resolved < registered:
        err("resolved", _("办结日期不能早于登记日期"))

    notes = text("notes", 2000, outcome in (Outcome.AGREEMENT, DECLINED))
    route_text = _text(cells.get("route"))
    route = ROUTES.get(route_text, "")
    if route_text and not route:
        err("route", _("建议途径应为：诉讼、仲裁、行政程序或其他途径"))
    elif outcome == Outcome.NO_AGREEMENT and not route_text:
        err("route", _("未达成协议的，须填写建议途径"))

    satisfaction: int | None = None
    satisfaction_text = _text(cells.get("satisfaction"))
    if satisfaction_text:
        try:
            satisfaction = int(satisfaction_text)
            if not 1 <= satisfaction <= 5:
                raise ValueError
        except ValueError:
            err("satisfaction", _("满意度为 1 至 5 分"))
            satisfaction = None
        if outcome not in (Outcome.AGREEMENT, Outcome.NO_AGREEMENT):
            err("satisfaction", _("只有已办结（达成或未达成协议）的纠纷才有回访满意度"))
    closed = day("closed", False)
    if closed is not None:
        if not satisfaction_text:
            err("satisfaction", _("填写结案日期的，须填写回访满意度"))
        if resolved and closed < resolved:
            err("closed", _("结案日期不能早于办结日期"))

    moves = [Action.ACCEPT]
    if outcome == DECLINED:
        moves = [Action.DECLINE]
    elif outcome in (Outcome.AGREEMENT, Outcome.NO_AGREEMENT):
        moves.append(Action.RESOLVE)
        if satisfaction is not None:
            moves.append(Action.VISIT)
            if closed is not None:
                moves.append(Action.CLOSE)
    if body is not None:
        roles = ctx.roles_in(body)
        for move in moves:
            if not roles & TABLE[move].roles:
                err(
                    "outcome",
                    _("您在 %(body)s 没有“%(action)s”的权限")
                    % {"body": body.name, "action": TABLE[move].label},
                )
                break

    if errors:
        return None, errors
    assert registered is not None and body is not None and region is not None
    data = services.DisputeInput(
        body=body,
        category=category,
        channel=channel,
        region=region,
        title=title,
        description=description,
        people_involved=people,
        amount=amount,
        parties=parties,
    )
    return (
        Row(
            number=number,
            body=body,
            data=data,
            registered=registered,
            outcome=outcome,
            resolved=resolved,
            notes=notes,
            route=route,
            satisfaction=satisfaction,
            closed=closed,
            moves=moves,
        ),
        [],
    )


Progress = Callable[[str, int, int], None]  # phase ("check" | "write"), done, total


@dataclass
class Result:
    total: int = 0
    valid: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    refused: bool = False
    failed: bool = False

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})


def _cells(header: list[str], values: list[Any]) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for index, name in enumerate(header):
        column = HEADERS.get(name)
        if column is not None and index < len(values):
            cells[column.key] = values[index]
    return cells


def check_file(
    actor: Any, raw: bytes, filename: str, progress: Progress | None = None
) -> tuple[list[Row], Result]:
    header, values = read_rows(raw, filename)
    ctx = _Context(actor, timezone.localdate())
    result = Result(total=len(values))
    rows: list[Row] = []
    for index, row_values in enumerate(values):
        row, errors = check_row(ctx, index + 2, _cells(header, row_values))
        if row is not None:
            rows.append(row)
        result.errors.extend(errors)
        if progress and (index + 1) % 200 == 0:
            progress("check", index + 1, len(values))
    result.valid = len(rows)
    if progress:
        progress("check", len(values), len(values))
    return rows, result
