"""Import the official division tree from the CSV files of the china-division package.

A folder holds up to five files, one per level (provinces.csv … villages.csv, columns named in
their first line). Everything is read and checked first; only a clean file set is written, in
one transaction, in level order. The import adds new codes and updates changed names or
parents; it never deletes a unit (bodies and disputes point at them) and never touches a town's
class or population, which administrators keep.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.db import transaction
from django.utils.translation import gettext as _

from jiefen.audit.services import audit_bulk
from jiefen.regions.models import LEVEL_DIGITS, Level, Region, code_span

# The Zhejiang extract shipped with jiefen (see data/zhejiang/SOURCE.md).
ZHEJIANG = Path(__file__).resolve().parent / "data" / "zhejiang"


class LevelFile(NamedTuple):
    level: Level
    name: str
    parent_column: str | None


# In level order: a file's parents are always read (and written) before its children.
FILES = (
    LevelFile(Level.PROVINCE, "provinces.csv", None),
    LevelFile(Level.CITY, "cities.csv", "provinceCode"),
    LevelFile(Level.COUNTY, "areas.csv", "cityCode"),
    LevelFile(Level.TOWN, "streets.csv", "areaCode"),
    LevelFile(Level.VILLAGE, "villages.csv", "streetCode"),
)

BATCH_SIZE = 1000
MAX_MESSAGES = 100
NAME_MAX_LENGTH = Region._meta.get_field("name").max_length or 100

Span = tuple[int, int]
Progress = Callable[[str], None]


class RegionImportError(Exception):
    """The file set cannot be imported; `messages` says where and why. Nothing was written."""

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages = [str(message) for message in messages]
        super().__init__("\n".join(self.messages))


@dataclass
class LevelCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows standing for the unit above, where a level does not exist (see _is_placeholder).
    skipped: int = 0


@dataclass
class ImportResult:
    """Units added, updated and unchanged, per level present in the file set."""

    levels: dict[Level, LevelCounts] = field(default_factory=dict)

    @property
    def added(self) -> int:
        return sum(counts.added for counts in self.levels.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.levels.values())

    @property
    def unchanged(self) -> int:
        return sum(counts.unchanged for counts in self.levels.values())

    @property
    def skipped(self) -> int:
        return sum(counts.skipped for counts in self.levels.values())


@dataclass(frozen=True, slots=True)
class _Row:
    level: Level
    code: int
    raw: str
    name: str
    parent: int | None
    file: str
    line: int
    parent_column: str | None
    parent_raw: str


def _pad(raw: str, digits: int) -> int | None:
    """The 12-digit code for `raw` if it is a code of `digits` digits, else None."""
    if len(raw) != digits or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw) * 10 ** (12 - digits)


def _is_placeholder(raw: str) -> bool:
    """Is the unit's own segment all zeros, so that its 12-digit code is its parent's?

    The official tables do this where a level does not exist: 东莞市 (4419) has no counties and
    lists its towns under "county" 441900; 金门县 (350527) has a town 350527000 and a village
    350527000000 standing for itself. Such a row is the unit above, not a unit of its own.
    """
    parent_digits = max((d for d in LEVEL_DIGITS.values() if d < len(raw)), default=0)
    return int(raw[parent_digits:]) == 0


def _span_of(within: str | Span | None) -> Span | None:
    if within is None:
        return None
    if isinstance(within, tuple):
        return within
    text = str(within).strip()
    if not text or len(text) > 12 or not text.isascii() or not text.isdigit():
        raise RegionImportError(
            [_("范围 %(value)s 无效，应为 1 到 12 位数字的区划代码前缀") % {"value": within}]
        )
    width = 10 ** (12 - len(text))
    return int(text) * width, (int(text) + 1) * width - 1


def _in_scope(code: int, level: Level, span: Span | None) -> bool:
    """Is the unit inside `span`, or one of the units above all of it (its province, city …)?"""
    if span is None:
        return True
    low, high = span
    own_low, own_high = code_span(code, level)
    return low <= code <= high or (own_low <= low and high <= own_high)


def _read_text(path: Path, errors: list[str]) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.append(_("%(file)s：无法读取（%(error)s）") % {"file": path.name, "error": exc})
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(
            _("%(file)s 第 %(line)d 行：不是 UTF-8 编码的文本") % {"file": path.name, "line": line}
        )
        return None


def _read_file(
    path: Path, spec: LevelFile, span: Span | None, errors: list[str], counts: LevelCounts
) -> list[_Row] | None:
    """Parse and check one file row by row; the rows in scope, or None if it is unusable."""
    text = _read_text(path, errors)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    file = path.name
    digits = LEVEL_DIGITS[spec.level]
    parent_level = Level(spec.level - 1) if spec.parent_column else None
    rows: list[_Row] = []
    try:
        header = [column.strip() for column in next(reader, [])]
        required = ["code", "name"] + ([spec.parent_column] if spec.parent_column else [])
        missing = [column for column in required if column not in header]
        for column in missing:
            errors.append(
                _("%(file)s 第 %(line)d 行：缺少字段 %(field)s")
                % {"file": file, "line": 1, "field": column}
            )
        if missing:
            return None
        at = {column: header.index(column) for column in required}
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            line = reader.line_num
            cells += [""] * (len(header) - len(cells))
            raw = cells[at["code"]].strip()
            where = {"file": file, "line": line}
            code = _pad(raw, digits)
            if code is None or (spec.parent_column is None and _is_placeholder(raw)):
                errors.append(_code_error(where, "code", raw, digits))
                continue
            if not _in_scope(code, spec.level, span):
                continue
            name = cells[at["name"]].strip()
            if not name:
                errors.append(
                    _("%(file)s 第 %(line)d 行：字段 %(field)s 为空") % {**where, "field": "name"}
                )
            elif len(name) > NAME_MAX_LENGTH:
                errors.append(
                    _("%(file)s 第 %(line)d 行：字段 %(field)s 超过 %(max)d 个字")
                    % {**where, "field": "name", "max": NAME_MAX_LENGTH}
                )
            parent = None
            parent_raw = ""
            if spec.parent_column and parent_level is not None:
                parent_raw = cells[at[spec.parent_column]].strip()
                parent = _pad(parent_raw, LEVEL_DIGITS[parent_level])
                if parent is None:
                    errors.append(
                        _code_error(
                            where, spec.parent_column, parent_raw, LEVEL_DIGITS[parent_level]
                        )
                    )
                    continue
                low, high = code_span(parent, parent_level)
                if not low <= code <= high:
                    errors.append(
                        _(
                            "%(file)s 第 %(line)d 行：区划代码 %(value)s 不在字段 %(field)s "
                            "所指的上级 %(parent)s 之下"
                        )
                        % {**where, "value": raw, "field": spec.parent_column, "parent": parent_raw}
                    )
                    continue
                if _is_placeholder(raw):
                    counts.skipped += 1
                    continue
            rows.append(
                _Row(
                    spec.level, code, raw, name, parent, file, line, spec.parent_column, parent_raw
                )
            )
    except csv.Error as exc:
        errors.append(
            _("%(file)s 第 %(line)d 行：CSV 格式错误（%(error)s）")
            % {"file": file, "line": reader.line_num, "error": exc}
        )
        return None
    return rows


def _code_error(where: dict[str, object], column: str, raw: str, digits: int) -> str:
    if raw and len(raw) == digits and raw.isascii() and raw.isdigit():
        return _(
            "%(file)s 第 %(line)d 行：字段 %(field)s 的区划代码 %(value)s 无效，"
            "本级代码段不能全为 0"
        ) % {**where, "field": column, "value": raw}
    return _(
        "%(file)s 第 %(line)d 行：字段 %(field)s 的区划代码 %(value)s 无效，应为 %(digits)d 位数字"
    ) % {**where, "field": column, "value": raw, "digits": digits}


def _check_tree(
    rows: list[_Row], existing: dict[int, tuple[str, int | None, int]], errors: list[str]
) -> None:
    """Duplicate codes, and parents that are neither in the file set nor in the database."""
    first: dict[int, _Row] = {}
    for row in rows:
        if row.code in first:
            seen = first[row.code]
            errors.append(
                _(
                    "%(file)s 第 %(line)d 行：区划代码 %(value)s 重复"
                    "（已见于 %(first_file)s 第 %(first_line)d 行）"
                )
                % {
                    "file": row.file,
                    "line": row.line,
                    "value": row.raw,
                    "first_file": seen.file,
                    "first_line": seen.line,
                }
            )
        else:
            first[row.code] = row
    for row in rows:
        if row.parent is None:
            continue
        # Usually the level just above; higher where a level is missing (see _is_placeholder).
        in_files = row.parent in first and first[row.parent].level < row.level
        in_database = row.parent in existing and existing[row.parent][2] < row.level
        if not in_files and not in_database:
            errors.append(
                _(
                    "%(file)s 第 %(line)d 行：字段 %(field)s 的上级代码 %(value)s "
                    "既不在导入文件中，也不在数据库中"
                )
                % {
                    "file": row.file,
                    "line": row.line,
                    "field": row.parent_column,
                    "value": row.parent_raw,
                }
            )


def _existing(rows: list[_Row]) -> dict[int, tuple[str, int | None, int]]:
    """What the database holds for the file set: code → (name, parent, level).

    Every code and parent of the file set lies in one range (a parent's code is below its
    children's), so one indexed range read finds it all.
    """
    if not rows:
        return {}
    low = min(min(row.code, row.parent or row.code) for row in rows)
    high = max(row.code for row in rows)
    return {
        code: (name, parent, level)
        for code, name, parent, level in Region.objects.filter(code__range=(low, high)).values_list(
            "code", "name", "parent_id", "level"
        )
    }


def _fail(errors: list[str]) -> RegionImportError:
    shown = errors[:MAX_MESSAGES]
    if len(errors) > MAX_MESSAGES:
        shown.append(_("……另有 %(count)d 处错误未列出") % {"count": len(errors) - MAX_MESSAGES})
    return RegionImportError(shown)


def regions_import(
    *, path: str | Path, within: str | Span | None = None, progress: Progress | None = None
) -> ImportResult:
    """Import the division files in folder `path`; nothing is written if any check fails.

    `within` limits the import to a subtree: a code prefix such as "3306" (Shaoxing) or an
    inclusive range of 12-digit codes. The units above it (its province …) come along so that
    the tree stays whole. Raises RegionImportError listing every problem in the files and rows;
    duplicates and unknown parents are looked for once every row reads well, so that one bad
    town code does not bury the message under one "unknown parent" per village.
    """
    say = progress or (lambda message: None)
    folder = Path(path)
    span = _span_of(within)
    if not folder.is_dir():
        raise RegionImportError([_("%(path)s 不是文件夹") % {"path": folder}])
    present = [spec for spec in FILES if (folder / spec.name).exists()]
    if not present:
        raise RegionImportError(
            [
                _("%(path)s 中没有区划文件（应为 %(files)s 之一）")
                % {"path": folder, "files": "、".join(spec.name for spec in FILES)}
            ]
        )

    errors: list[str] = []
    rows: list[_Row] = []
    result = ImportResult(levels={spec.level: LevelCounts() for spec in present})
    for spec in present:
        parsed = _read_file(folder / spec.name, spec, span, errors, result.levels[spec.level])
        if parsed is not None:
            rows += parsed
            say(_("已读取 %(file)s：%(count)d 个单位") % {"file": spec.name, "count": len(parsed)})
    if errors:
        raise _fail(errors)

    # Read, check and write in one transaction, so that the checks hold for what is written.
    with transaction.atomic():
        existing = _existing(rows)
        _check_tree(rows, existing, errors)
        if errors:
            raise _fail(errors)
        to_add: dict[Level, list[Region]] = {spec.level: [] for spec in present}
        to_update: dict[Level, list[Region]] = {spec.level: [] for spec in present}
        for row in rows:
            region = Region(code=row.code, name=row.name, level=row.level, parent_id=row.parent)
            counts = result.levels[row.level]
            if row.code not in existing:
                to_add[row.level].append(region)
                counts.added += 1
            elif existing[row.code] != (row.name, row.parent, row.level):
                to_update[row.level].append(region)
                counts.updated += 1
            else:
                counts.unchanged += 1
        say(
            _("正在写入：新增 %(added)d 个单位，更新 %(updated)d 个单位")
            % {"added": result.added, "updated": result.updated}
        )
        for spec in present:
            if to_add[spec.level]:
                Region.objects.bulk_create(to_add[spec.level], batch_size=BATCH_SIZE)
                audit_bulk(
                    model=Region, action="create", pks=[r.pk for r in to_add[spec.level]],
                    fields=["name", "parent", "level"],
                )  # fmt: skip
            if to_update[spec.level]:
                # Only these three fields: a town's class and population are never touched.
                Region.objects.bulk_update(
                    to_update[spec.level], ["name", "parent", "level"], batch_size=BATCH_SIZE
                )
                audit_bulk(
                    model=Region, action="update", pks=[r.pk for r in to_update[spec.level]],
                    fields=["name", "parent", "level"],
                )  # fmt: skip
    return result
