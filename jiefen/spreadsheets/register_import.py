"""Import of the mediator register (人民调解员名册) and the routing catalogue (归口目录) from
.xlsx and .csv sheets, for `jiefen import --kind mediators|catalogue`.

Each row is turned into a Mediator or a RouteEntry and saved through the mediators app's own
services (mediator_save, route_entry_save), so a row is refused for exactly what the admin
would refuse, in Chinese, with the column named. The whole file is written in one transaction,
each row in its own savepoint: a row that fails rolls back alone and is reported, and at the
end the transaction commits only if no row failed (or the importer asked for the valid rows
only) and it is not a dry run. Rows therefore see the rows above them — two rows for the same
mediator, or two overlapping catalogue entries, are caught as they would be one after another
in the admin — and nothing is saved half-way.

Registers are small (a county's is a few hundred people), so one file holds at most MAX_ROWS
rows and its one transaction stays short.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.audit.chain import gathered
from jiefen.audit.context import PROCESS, Actor, acting
from jiefen.disputes.models import Category
from jiefen.lib.errors import DisputeError, Errors, Invalid
from jiefen.mediators.catalogue import entry_problems, route_entry_save
from jiefen.mediators.models import Mediator, RouteEntry
from jiefen.mediators.services import mediator_problems, mediator_save
from jiefen.org.models import Body
from jiefen.org.scope import bodies_for, scope_of
from jiefen.regions.models import Level, Region
from jiefen.spreadsheets.importing import (
    Column,
    FileError,
    Progress,
    Result,
    RowError,
    _date,
    _text,
    read_rows,
)

MAX_ROWS = 5000
_LIST_SPLIT = re.compile(r"[、，,；;\n]")

MEDIATOR_COLUMNS = [
    Column("name", "姓名", True, gettext_lazy("不超过 50 字")),
    Column(
        "home_body",
        "聘任单位",
        True,
        gettext_lazy("调处主体或调解组织的全称，须在您的管辖范围内"),
    ),
    Column(
        "bodies",
        "所在调解组织",
        False,
        gettext_lazy("全称，多个用“、”分隔，须包括聘任单位；留空为聘任单位"),
    ),
    Column("categories", "擅长事项", False, gettext_lazy("纠纷类别名称，多个用“、”分隔")),
    Column("languages", "语言和方言", False, gettext_lazy("如：普通话、诸暨话；不超过 100 字")),
    Column("full_time", "专兼职", False, gettext_lazy("专职或兼职；留空为兼职")),
    Column("appointed_on", "聘任日期", True, gettext_lazy("格式 2024-01-01")),
    Column("term_ends", "聘期届满", False, gettext_lazy("格式 2026-12-31，须晚于聘任日期")),
    Column(
        "weekdays", "可调解日", False, gettext_lazy("1 为周一，7 为周日，如 12345；留空为 12345")
    ),
    Column("phone", "联系电话", False, gettext_lazy("数字，可留空")),
    Column("id_number", "证件号码", False, gettext_lazy("18 位居民身份证号码，可留空")),
    Column("user", "工作人员账号", False, gettext_lazy("调解员登录本系统所用的用户名，可留空")),
    Column("active", "在聘", False, gettext_lazy("是或否；留空为是")),
]

CATALOGUE_COLUMNS = [
    Column("region", "适用区划代码", True, gettext_lazy("12 位统计用区划代码，须在您的管辖范围内")),
    Column("level", "办理层级", True, gettext_lazy("乡镇、县或市")),
    Column("category", "纠纷类别", True, gettext_lazy("纠纷类别名称")),
    Column("keyword", "关键词", False, gettext_lazy("事由或情况中含此词时适用；不超过 30 字")),
    Column("amount_min", "金额起（含）", False, gettext_lazy("元，不小于 0，可留空")),
    Column("amount_max", "金额止（不含）", False, gettext_lazy("元，须大于金额起，可留空")),
    Column("people_min", "人数起（含）", False, gettext_lazy("整数，可留空")),
    Column("people_max", "人数止（不含）", False, gettext_lazy("整数，须大于人数起，可留空")),
    Column("department", "责任部门", False, gettext_lazy("职能部门全称；与专业调解组织至少填一项")),
    Column(
        "committee",
        "专业调解组织",
        False,
        gettext_lazy("专业性人民调解委员会、特邀调解组织或律师调解工作室的全称"),
    ),
    Column("source", "职责依据（权责清单事项）", True, gettext_lazy("不超过 200 字")),
    Column("active", "启用", False, gettext_lazy("是或否；留空为是")),
]

YES = {"是": True, "否": False, "": None}
FULL_TIME = {"专职": True, "兼职": False, "": False}
LEVELS = {
    "乡镇": Level.TOWN,
    "乡镇级": Level.TOWN,
    "县": Level.COUNTY,
    "县级": Level.COUNTY,
    "市": Level.CITY,
    "市级": Level.CITY,
}


class _Rollback(Exception):
    """Leaves the file's transaction without committing (a dry run, or a refused file)."""


@dataclass(frozen=True)
class Kind:
    key: str
    title: Any  # the sheet's name in the template
    columns: list[Column]
    permission: str


KINDS = {
    "mediators": Kind(
        "mediators", gettext_lazy("人民调解员名册"), MEDIATOR_COLUMNS, "mediators.add_mediator"
    ),
    "catalogue": Kind(
        "catalogue", gettext_lazy("归口目录"), CATALOGUE_COLUMNS, "mediators.add_routeentry"
    ),
}


class _Context:
    """What every row is looked up in, loaded once per file: the importer's bodies by name,
    the categories, the accounts."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.scope = scope_of(actor)
        self.bodies: dict[str, list[Body]] = {}
        for body in bodies_for(actor).filter(active=True):
            self.bodies.setdefault(body.name, []).append(body)
        self.entries: dict[int, int] = {}  # catalogue entries saved by the file → row number
        self.categories: dict[str, Category] = {}
        for c in Category.objects.filter(active=True):
            self.categories[c.name] = c
            self.categories[c.key] = c

    def body(self, name: str) -> tuple[Body | None, str]:
        found = self.bodies.get(name, [])
        if len(found) == 1:
            return found[0], ""
        if found:
            return None, _("有多个名为“%(name)s”的单位，请联系管理员区分") % {"name": name}
        return None, _("您的管辖范围内没有名为“%(name)s”的单位") % {"name": name}

    def category(self, name: str) -> tuple[Category | None, str]:
        found = self.categories.get(name)
        return found, "" if found else _("没有名为“%(name)s”的纠纷类别") % {"name": name}


def _names(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


class _Row:
    """The cells of one row, and its problems by column header."""

    def __init__(self, number: int, cells: dict[str, Any], columns: list[Column]) -> None:
        self.number = number
        self.cells = cells
        self.headers = {c.key: c.header for c in columns}
        self.errors: list[RowError] = []

    def text(self, key: str) -> str:
        return _text(self.cells.get(key))

    def add(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.headers.get(key, ""), message))

    def date(self, key: str) -> Any:
        try:
            return _date(self.cells.get(key))
        except ValueError as bad:
            self.add(key, _("日期“%(value)s”无效，应为 2024-01-01 的格式") % {"value": bad})
            return None

    def choice(self, key: str, values: dict[str, Any], default: Any = None) -> Any:
        text = self.text(key)
        if text not in values:
            allowed = "、".join(v for v in values if v)
            self.add(key, _("应填写：%(allowed)s") % {"allowed": allowed})
            return default
        value = values[text]
        return default if value is None else value

    def decimal(self, key: str) -> Decimal | None:
        text = self.text(key).replace(",", "")
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            self.add(key, _("“%(value)s”不是数字") % {"value": text})
            return None

    def whole(self, key: str) -> int | None:
        text = self.text(key)
        if not text:
            return None
        if not text.isdigit():
            self.add(key, _("“%(value)s”不是不小于 0 的整数") % {"value": text})
            return None
        return int(text)

    def also(self, problems: Errors) -> None:
        """The service's own problems of a row already in error, for the columns not yet
        named: every problem of the row is reported at once."""
        named = {e.column for e in self.errors}
        for name, messages in problems.fields.items():
            if self.headers.get(name, "") not in named:
                for message in messages:
                    self.add(name, str(message))

    def refused(self, error: DisputeError) -> None:
        """A service's refusal: each field's problem under its column, or the message."""
        fields = error.fields if isinstance(error, Invalid) else {}
        if not fields:
            self.add("", str(error.message))
        for name, messages in fields.items():
            for message in messages:
                self.add(name, str(message))


def _mediator_row(ctx: _Context, row: _Row) -> None:
    """Check and save one mediator through mediator_save; problems go on the row."""
    home, problem = ctx.body(row.text("home_body")) if row.text("home_body") else (None, "")
    if not row.text("home_body"):
        row.add("home_body", _("请填写聘任单位"))
    elif problem:
        row.add("home_body", problem)
    bodies = []
    for name in _names(row.text("bodies")):
        body, problem = ctx.body(name)
        if body is None:
            row.add("bodies", problem)
        else:
            bodies.append(body)
    if not row.text("bodies") and home is not None:
        bodies = [home]
    categories = []
    for name in _names(row.text("categories")):
        category, problem = ctx.category(name)
        if category is None:
            row.add("categories", problem)
        else:
            categories.append(category)
    user = None
    if row.text("user"):
        user = get_user_model().objects.filter(username=row.text("user"), is_active=True).first()
        if user is None:
            row.add("user", _("没有用户名为“%(name)s”的在用账号") % {"name": row.text("user")})
        elif Mediator.objects.filter(user=user).exists():
            row.add("user", _("该账号已关联名册中的另一名调解员"))
    mediator = Mediator(
        name=row.text("name"),
        home_body=home,
        languages=row.text("languages"),
        full_time=row.choice("full_time", FULL_TIME, False),
        appointed_on=row.date("appointed_on"),
        term_ends=row.date("term_ends"),
        weekdays=row.text("weekdays") or "12345",
        phone=row.text("phone") or None,
        id_number=row.text("id_number") or None,
        user=user,
        active=row.choice("active", YES, True),
    )
    duplicate = Mediator.objects.filter(home_body=home, name=mediator.name)
    if home is not None and mediator.name and duplicate.exists():
        row.add("name", _("名册中已有该聘任单位的同名调解员"))
    if row.errors:
        row.also(mediator_problems(mediator, bodies if home is not None else None))
        return
    try:
        mediator_save(mediator=mediator, bodies=bodies, categories=categories)
    except DisputeError as error:
        row.refused(error)


def _catalogue_row(ctx: _Context, row: _Row) -> None:
    """Check and save one catalogue entry through route_entry_save."""
    region = None
    code = row.text("region")
    if not code.isdigit():
        row.add("region", _("请填写 12 位统计用区划代码"))
    else:
        region = Region.objects.filter(code=int(code)).first()
        if region is None:
            row.add("region", _("区划代码 %(code)s 不存在") % {"code": code})
        elif not ctx.actor.is_superuser and not ctx.scope.contains(region.code):
            row.add("region", _("区划 %(region)s 不在您的管辖范围内") % {"region": region})
            region = None
    category, problem = ctx.category(row.text("category"))
    if category is None:
        row.add("category", problem if row.text("category") else _("请填写纠纷类别"))
    bodies: dict[str, Body | None] = {}
    for key in ("department", "committee"):
        bodies[key] = None
        if row.text(key):
            bodies[key], problem = ctx.body(row.text(key))
            if problem:
                row.add(key, problem)
    entry = RouteEntry(
        region=region,
        level=row.choice("level", LEVELS),
        category=category,
        keyword=row.text("keyword"),
        amount_min=row.decimal("amount_min"),
        amount_max=row.decimal("amount_max"),
        people_min=row.whole("people_min"),
        people_max=row.whole("people_max"),
        department=bodies["department"],
        committee=bodies["committee"],
        source=row.text("source"),
        active=row.choice("active", YES, True),
    )
    if row.errors:
        if entry.level is not None:
            row.also(entry_problems(entry))
        return
    try:
        route_entry_save(entry=entry)
    except DisputeError as error:
        row.refused(error)
        # A rival saved by a row above is not in the catalogue yet: name its row instead.
        for e in row.errors:
            for pk, number in ctx.entries.items():
                e.message = e.message.replace(
                    f" #{pk} ", _("（本文件第 %(row)d 行）") % {"row": number}
                )
    else:
        ctx.entries[entry.pk] = row.number


WRITERS: dict[str, Callable[[_Context, _Row], None]] = {
    "mediators": _mediator_row,
    "catalogue": _catalogue_row,
}


def register_import(
    actor: Any,
    raw: bytes,
    filename: str,
    *,
    kind: str,
    valid_only: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Import a mediators or catalogue sheet (see the module's docstring). Raises FileError for
    a file that cannot be read at all, or an importer without the right to keep the register."""
    sheet = KINDS[kind]
    if not actor.has_perm(sheet.permission):
        raise FileError(_("您没有维护%(what)s的权限") % {"what": sheet.title})
    header, values = read_rows(raw, filename, sheet.columns)
    if len(values) > MAX_ROWS:
        raise FileError(
            _("一次最多导入 %(max)d 行，该文件有 %(n)d 行") % {"max": MAX_ROWS, "n": len(values)}
        )
    keys = {c.header: c.key for c in sheet.columns}
    ctx = _Context(actor)
    result = Result(total=len(values))
    write = WRITERS[kind]
    try:
        # The register's records name the importer (a command has no request).
        who = Actor(kind="user", user_id=actor.pk, system=PROCESS)
        with acting(who), transaction.atomic(), gathered():
            for index, cells in enumerate(values):
                row = _Row(
                    index + 2,
                    {keys[h]: v for h, v in zip(header, cells, strict=False) if h in keys},
                    sheet.columns,
                )
                try:
                    with transaction.atomic(), gathered():
                        write(ctx, row)
                        if row.errors:
                            raise _Rollback
                except _Rollback:
                    pass
                result.errors.extend(row.errors)
                result.imported += not row.errors
                if progress and (index + 1) % 200 == 0:
                    progress("check", index + 1, len(values))
            result.valid = result.imported
            result.refused = (bool(result.errors) and not valid_only) or not result.valid
            if result.refused or dry_run:
                raise _Rollback
    except _Rollback:
        result.imported = 0
    if progress:
        progress("check", len(values), len(values))
    return result


def register_template(kind: str) -> bytes:
    """The template of a sheet: the header row and a sheet explaining each column."""
    from django.utils import timezone
    from openpyxl import Workbook

    from jiefen.lib.cells import row
    from jiefen.lib.office import workbook_bytes

    sheet = KINDS[kind]
    book = Workbook(write_only=True)
    data = book.create_sheet(str(sheet.title))
    data.append(row(data, [c.header for c in sheet.columns]))
    notes = book.create_sheet(_("填写说明"))
    notes.append(row(notes, [_("列"), _("必填"), _("说明")]))
    for c in sheet.columns:
        notes.append(row(notes, [c.header, _("是") if c.required else _("否"), str(c.help)]))
    return workbook_bytes(book, title=str(sheet.title), author="jiefen", moment=timezone.now())


def columns_help(kind: str) -> str:
    """The columns of a sheet, one a line, for the command's help."""
    sheet = KINDS[kind]
    lines = [f"{sheet.title}（--kind {kind}）:"]
    for c in sheet.columns:
        lines.append(f"  {c.header}{'*' if c.required else ''}: {c.help}")
    return "\n".join(lines)
