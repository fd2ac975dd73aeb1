"""Import of historical disputes from .xlsx and .csv ledgers.

A file goes through two passes.

1. Check: every row is parsed and validated — category known, region code real and inside the
   importer's jurisdiction, dates real, not in the future and in order, parties' phone and ID
   numbers valid, text lengths — without writing anything. Errors are collected as
   (row number, column name, message). A file with any error is refused as a whole, unless the
   importer explicitly asked for the valid rows only.
2. Write: each row is played through the same services as the web form (register, accept,
   resolve, decline, visit, close in jiefen.disputes.services) with historical timestamps, so
   numbers, events, level stays, deadlines and the KPI rollups (folded in by event_append) are
   exactly those of a dispute registered by hand.

Transactions: rows are written in chunks of CHUNK rows, one transaction each, with the job's
progress committed between chunks. The rule: nothing is written before the whole file has
passed the check, so a chunk can only fail for a reason the check cannot see (the database,
or a category or region changed meanwhile). Then that chunk is rolled back, the job stops as
"failed" and reports how many rows (all before the failing chunk) were imported, with their
numbers. One transaction for the whole file would hold SQLite's single write lock for
minutes, and every clerk registering a dispute meanwhile would wait past the lock timeout.

A dispute is registered at the importer's own body: the most local registering body
(village group, town centre or county joint meeting) where the importer holds a staff role
and whose area contains the row's region — the body that keeps the ledger being imported.
The importer is the actor of every move; nobody is impersonated.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.audit.chain import gathered
from jiefen.audit.services import audit_bulk
from jiefen.disputes import services
from jiefen.disputes.access import roles_by_body
from jiefen.disputes.lifecycle import TABLE, Action
from jiefen.disputes.models import Category, Channel, Outcome, PartyKind, Route, Side
from jiefen.lib.archives import ArchiveLimits, archive_problem
from jiefen.lib.errors import DisputeError
from jiefen.lib.personal import valid_credit_code, valid_phone, valid_resident_id
from jiefen.lib.text import text_check, text_problem
from jiefen.ops.batches import write_batch
from jiefen.ops.worker import TaskStopped, TaskTimedOut
from jiefen.org.models import Body, BodyKind, Role
from jiefen.org.scope import scope_of
from jiefen.regions.models import Region, code_span

# Rows per transaction: a row is about four moves with their events, rollups and audit records
# (≈ 50 ms on SQLite), so a person's write waits at most about half a second behind an import.
CHUNK = 10
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
EARLIEST = date(2000, 1, 1)
STAFF = frozenset({Role.CLERK, Role.MEDIATOR, Role.HEAD})
REGISTERING = (BodyKind.VILLAGE_GROUP, BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING)


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header in the file; also how errors name the column
    required: bool
    help: Any  # explanation in the template's second sheet


COLUMNS = [
    Column("registered", "登记日期", True, gettext_lazy("格式 2025-03-01；不能晚于今天")),
    Column(
        "region",
        "事项所在地区划代码",
        True,
        gettext_lazy("12 位统计用区划代码（村/社区或乡镇），须在您的管辖范围内"),
    ),
    Column("category", "类别", True, gettext_lazy("见“取值说明”中的纠纷类别名称")),
    Column("channel", "来源", False, gettext_lazy("见取值说明；留空为“排查发现”")),
    Column("title", "事由", True, gettext_lazy("不超过 100 字")),
    Column("description", "简要情况", True, gettext_lazy("不超过 5000 字")),
    Column("people", "涉及人数", False, gettext_lazy("整数；留空为当事人人数")),
    Column("amount", "涉及金额（元）", False, gettext_lazy("不小于 0 的数字，可留空")),
    Column(
        "applicants",
        "申请人",
        True,
        gettext_lazy(
            "每人写“姓名，电话，证件号码”（电话、证件号码可空）；多人用“；”分隔。"
            "证件号码为统一社会信用代码的按单位登记"
        ),
    ),
    Column("respondents", "被申请人", False, gettext_lazy("格式同申请人")),
    Column("outcome", "结果", True, gettext_lazy("在办、达成调解协议、未达成协议、不予受理")),
    Column(
        "resolved",
        "办结日期",
        False,
        gettext_lazy("结果为达成调解协议、未达成协议或不予受理时必填；不早于登记日期"),
    ),
    Column(
        "notes",
        "结果说明",
        False,
        gettext_lazy("达成调解协议时填协议内容，不予受理时填理由（必填）；不超过 2000 字"),
    ),
    Column(
        "route", "建议途径", False, gettext_lazy("未达成协议时必填：诉讼、仲裁、行政程序、其他途径")
    ),
    Column("satisfaction", "满意度", False, gettext_lazy("回访满意度 1–5，可留空")),
    Column(
        "closed",
        "结案日期",
        False,
        gettext_lazy("已回访并结案的填写；须同时填写满意度，不早于办结日期"),
    ),
]
HEADERS = {c.header: c for c in COLUMNS}

OPEN = "open"
DECLINED = "declined"
OUTCOMES = {
    "在办": OPEN,
    "达成调解协议": Outcome.AGREEMENT,
    "未达成协议": Outcome.NO_AGREEMENT,
    "不予受理": DECLINED,
}
ROUTES = {
    str(label): value
    for value, label in zip(Route.values, ["诉讼", "仲裁", "行政程序", "其他途径"], strict=True)
}
CHANNELS = {
    "排查发现": Channel.SCREENING,
    "来访": Channel.WALK_IN,
    "来电": Channel.PHONE,
    "网上申请": Channel.ONLINE,
    "其他单位转来": Channel.REFERRAL,
    "12345 热线": Channel.HOTLINE,
    "12345热线": Channel.HOTLINE,
}
_PARTY_SPLIT = re.compile(r"[；;\n]")
_FIELD_SPLIT = re.compile(r"[，,]")


class FileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers, size)."""


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


# ---------------------------------------------------------------------------------------------
# Reading


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise FileError(_("无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV")) from None


def archive_limits() -> ArchiveLimits:
    from django.conf import settings

    return ArchiveLimits(**getattr(settings, "JIEFEN_ARCHIVE_LIMITS", {}))


def read_rows(
    raw: bytes, filename: str, columns: list[Column] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """The header and the data rows of an .xlsx or .csv file, as raw cell values; the required
    `columns` (the disputes' by default) must be in the header."""
    if len(raw) > MAX_BYTES:
        raise FileError(_("文件过大（超过 20 MB），请分成几个文件导入"))
    name = filename.lower()
    if raw[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        import openpyxl

        problem = archive_problem(raw, archive_limits())
        if problem == "damaged":
            raise FileError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式"))
        if problem is not None:
            # Before openpyxl inflates anything: a small file may unpack to gigabytes.
            raise FileError(
                _("该 Excel 文件解压后过大或结构异常，已拒绝；请另存为普通 .xlsx 后重试")
            )
        try:
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged or foreign file
            raise FileError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式")) from None
        sheet = book.worksheets[0]
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
    elif name.endswith(".csv") or name.endswith(".txt"):
        values = [list(r) for r in csv.reader(io.StringIO(_decode(raw)))]
    else:
        raise FileError(_("只支持 .xlsx 和 .csv 文件"))
    if not values:
        raise FileError(_("文件是空的"))
    header = [_text(v) for v in values[0]]
    rows = values[1:]
    # Trailing empty rows (Excel keeps formatted ones) are not data.
    while rows and all(_text(v) == "" for v in rows[-1]):
        rows.pop()
    if len(rows) > MAX_ROWS:
        raise FileError(
            _("一次最多导入 %(max)d 行，该文件有 %(n)d 行") % {"max": MAX_ROWS, "n": len(rows)}
        )
    missing = [c.header for c in columns or COLUMNS if c.required and c.header not in header]
    if missing:
        raise FileError(
            _("缺少必需的列：%(columns)s（请使用导入模板）") % {"columns": "、".join(missing)}
        )
    return header, rows


def digest_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# ---------------------------------------------------------------------------------------------
# Checking


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


# ---------------------------------------------------------------------------------------------
# Writing


def _moments(row: Row, now: datetime) -> list[datetime]:
    """Register, then each move, at office hours of the row's dates; never in the future."""

    def at(day: date, hh: int, mm: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hh, mm)))

    times = [at(row.registered, 9, 0)]
    for move in row.moves:
        if move == Action.ACCEPT:
            times.append(at(row.registered, 9, 5))
        elif move in (Action.RESOLVE, Action.DECLINE):
            assert row.resolved is not None
            times.append(max(at(row.resolved, 16, 0), times[-1] + timedelta(minutes=5)))
        elif move == Action.VISIT:
            visit_day = row.closed or row.resolved
            assert visit_day is not None
            times.append(max(at(visit_day, 16, 30), times[-1] + timedelta(minutes=5)))
        else:
            times.append(times[-1] + timedelta(minutes=10))
    # A row dated today may fall after this moment: pull the whole story back before now.
    overshoot = times[-1] - now
    if overshoot > timedelta(0):
        gap = timedelta(seconds=1)
        times = [min(t, now - gap * (len(times) - i)) for i, t in enumerate(times)]
    return times


def write_row(actor: Any, row: Row, now: datetime) -> str:
    """Play one row through the services; returns the dispute's number."""
    times = _moments(row, now)
    dispute = services.dispute_register(actor=actor, data=row.data, at=times[0])
    pk, version = dispute.pk, dispute.version
    for move, moment in zip(row.moves, times[1:], strict=True):
        if move == Action.ACCEPT:
            d = services.dispute_accept(actor=actor, dispute_id=pk, version=version, at=moment)
        elif move == Action.DECLINE:
            d = services.dispute_decline(
                actor=actor,
                dispute_id=pk,
                version=version,
                reason=row.notes,
                route=row.route,
                at=moment,
            )
        elif move == Action.RESOLVE:
            agreement = None
            if row.outcome == Outcome.AGREEMENT:
                agreement = services.AgreementInput(
                    facts=row.data.description,
                    terms=row.notes,
                    performance=_("见协议内容"),
                    signed_on=row.resolved,
                )
            d = services.dispute_resolve(
                actor=actor,
                dispute_id=pk,
                version=version,
                outcome=row.outcome,
                route=row.route if row.outcome == Outcome.NO_AGREEMENT else "",
                agreement=agreement,
                reason=row.notes if row.outcome == Outcome.NO_AGREEMENT else "",
                at=moment,
            )
        elif move == Action.VISIT:
            d = services.dispute_visit(
                actor=actor,
                dispute_id=pk,
                version=version,
                satisfaction=row.satisfaction,
                held=None,
                at=moment,
            )
        else:
            d = services.dispute_close(actor=actor, dispute_id=pk, version=version, at=moment)
        version = d.version
    return dispute.number


# ---------------------------------------------------------------------------------------------
# The whole file


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


def import_file(
    actor: Any,
    raw: bytes,
    filename: str,
    *,
    valid_only: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Check the file, then (unless refused or a dry run) write it. Raises FileError for a file
    that cannot be read at all."""
    rows, result = check_file(actor, raw, filename, progress)
    if (result.errors and not valid_only) or not rows:
        result.refused = bool(result.errors) or not rows
        return result
    if dry_run:
        return result
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        now = timezone.now()
        numbers: list[str] = []
        current = chunk[0]
        try:
            # The chunk's audit records in one INSERT, sealed after its commit.
            with write_batch(), gathered():
                for current in chunk:
                    numbers.append(write_row(actor, current, now))
        except TaskStopped as stop:
            # The chunk rolled back; what came before it is in. Say so on the job's page.
            stop.partial = result, chunk[0].number  # type: ignore[attr-defined]
            raise
        except DisputeError as error:
            # The check should have caught this; name the row, and say the chunk is not in.
            result.errors.append(
                RowError(
                    current.number,
                    "",
                    _("写入时出错：%(error)s。第 %(from)d–%(to)d 行均未导入")
                    % {"error": error, "from": chunk[0].number, "to": chunk[-1].number},
                )
            )
            result.failed = True
            return result
        result.numbers.extend(numbers)
        result.imported += len(chunk)
        if progress:
            progress("write", result.imported, len(rows))
    return result


def error_rows(errors: list[Any]) -> Iterator[list[Any]]:
    """Errors as [row, column, message] lists, from RowError objects or stored JSON."""
    for e in errors:
        yield e.as_list() if isinstance(e, RowError) else list(e)


KEEP_REFUSED = timedelta(days=1)


def purge_stale_files(now: datetime | None = None) -> int:
    """Forget the bytes of refused files nobody came back to within a day: they hold parties'
    personal data in clear and are kept only for the "import the valid rows" choice."""
    from jiefen.spreadsheets.models import ImportJob

    cutoff = (now or timezone.now()) - KEEP_REFUSED
    stale = list(
        ImportJob.objects.filter(status=ImportJob.State.REFUSED, created_at__lt=cutoff)
        .exclude(content=b"")
        .values_list("pk", flat=True)
    )
    if not stale:
        return 0
    with transaction.atomic():
        purged = ImportJob.objects.filter(pk__in=stale).update(
            content=b"", status=ImportJob.State.DISCARDED
        )
        audit_bulk(model=ImportJob, action="update", pks=stale, fields=["content", "status"])
    return purged


def run_job(job_id: int, progress: Progress | None = None) -> Any:
    """Run an ImportJob to its end, recording progress on it between chunks. Whatever stops
    it — an error, the task's time limit, the worker stopping — the job ends "failed" with the
    reason on its page, and the exception goes on to the task worker."""
    from jiefen.spreadsheets.models import ImportJob

    purge_stale_files()
    job = ImportJob.objects.select_related("actor").get(pk=job_id)
    if not job.running:
        return job
    State = ImportJob.State

    def record(phase: str, done: int, total: int) -> None:
        fields: dict[str, Any] = {"rows_total": total}
        if phase == "check":
            fields |= {"status": State.CHECKING, "rows_checked": done}
        else:
            fields |= {"status": State.IMPORTING, "rows_done": done}
        ImportJob.objects.filter(pk=job.pk).update(**fields)  # audit-exempt: progress counters
        if progress:
            progress(phase, done, total)

    with translation.override(job.language):
        # audit-exempt: the job's own progress; what it imports is recorded row by row
        ImportJob.objects.filter(pk=job.pk).update(status=State.CHECKING)
        done_before = (
            ImportJob.objects.filter(digest=job.digest, status=State.DONE, dry_run=False)
            .exclude(pk=job.pk)
            .exists()
        )
        try:
            if done_before and not job.dry_run:
                raise FileError(_("该文件已经导入过，不会重复导入"))
            result = import_file(
                job.actor,
                bytes(job.content),
                job.filename,
                valid_only=job.valid_only,
                dry_run=job.dry_run,
                progress=record,
            )
        except FileError as error:
            result = Result(errors=[RowError(1, "", str(error))], refused=True)
        except TaskStopped as stop:
            partial, from_row = getattr(stop, "partial", (None, 0))
            job_stopped(job, stop_reason(stop), partial, from_row)
            raise
        except BaseException:
            job_stopped(job, _("导入因系统错误中断。"), None, 0)
            raise
    job.refresh_from_db()
    job.rows_total = result.total
    job.rows_invalid = result.invalid_rows
    job.rows_done = result.imported
    job.errors = [e.as_list() for e in result.errors]
    if result.numbers:
        job.first_number, job.last_number = result.numbers[0], result.numbers[-1]
    if result.failed:
        job.status = State.FAILED
    elif result.refused:
        job.status = State.REFUSED
    else:
        job.status = State.DONE
    # The file carries personal data in clear: keep it only while the importer may still
    # choose to import the valid rows of a refused file.
    if job.status != State.REFUSED or job.dry_run:
        job.content = b""
    job.finished_at = timezone.now()
    job.save()
    return job


def stop_reason(stop: BaseException) -> str:
    if isinstance(stop, TaskTimedOut):
        return _("导入超过 %(minutes)d 分钟的时限，已中止。") % {
            "minutes": max(1, round(stop.seconds / 60))
        }
    return _("导入因系统停止服务而中断。")


def job_stopped(job: Any, reason: str, partial: Result | None, from_row: int) -> None:
    """End a job that was stopped before its end: "failed", with the reason and what is in."""
    from jiefen.spreadsheets.models import ImportJob

    job.refresh_from_db()
    if not job.running:
        return
    if partial is not None and partial.imported:
        job.rows_done = partial.imported
        job.first_number, job.last_number = partial.numbers[0], partial.numbers[-1]
        reason += " " + _(
            "已导入的 %(done)d 行见上方编号；第 %(row)d 行起均未导入，请删去已导入的行后重新上传。"
        ) % {"done": partial.imported, "row": from_row}
    elif job.status == ImportJob.State.IMPORTING:
        reason += " " + _("已导入的行见纠纷列表；请核对后只上传未导入的行。")
    else:
        reason += " " + _("未导入任何一行，请重新上传。")
    job.failure = reason[:500]
    job.status = ImportJob.State.FAILED
    job.content = b""
    job.finished_at = timezone.now()
    job.save()
