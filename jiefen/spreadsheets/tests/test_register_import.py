"""`jiefen import --kind mediators|catalogue`: the register and the routing catalogue from a
sheet, each row through the mediators app's own checks; a file with a bad row is refused whole
with a Chinese message per row, --valid-only keeps the good rows, a dry run keeps nothing."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from jiefen.disputes.models import Category
from jiefen.mediators.models import Mediator, RouteEntry
from jiefen.org.models import Body, BodyKind, DepartmentType
from jiefen.spreadsheets.register_import import CATALOGUE_COLUMNS, MEDIATOR_COLUMNS


@pytest.fixture
def keeper(county_officer):
    """周明 of 诸暨市, who may keep the register and the catalogue."""
    county_officer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="mediators", codename__in=["add_mediator", "add_routeentry"]
        )
    )
    return county_officer


@pytest.fixture
def labour(world):
    hrss = DepartmentType.objects.create(key="hrss", name="人力资源和社会保障")
    for county in ("诸暨市", "嵊州市"):
        world.bodies[f"{county}人社局"] = Body.objects.create(
            kind=BodyKind.DEPARTMENT,
            name=f"{county}人力资源和社会保障局",
            region=world.regions[county],
            department_type=hrss,
        )
    world.bodies["诸暨市劳动调委会"] = Body.objects.create(
        kind=BodyKind.COMMITTEE,
        name="诸暨市劳动人事争议人民调解委员会",
        region=world.regions["诸暨市"],
    )
    return Category.objects.get(key="labour")


def _file(tmp_path, columns, rows, name="sheet.csv"):
    headers = [c.header for c in columns]
    path = tmp_path / name
    if name.endswith(".xlsx"):
        book = openpyxl.Workbook()
        book.active.append(headers)
        for values in rows:
            book.active.append([values.get(h, "") for h in headers])
        book.save(path)
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        for values in rows:
            writer.writerow([values.get(h, "") for h in headers])
        path.write_bytes(out.getvalue().encode("utf-8-sig"))
    return str(path)


def _import(path, actor, *more):
    out = io.StringIO()
    call_command("import", path, "--as", actor.username, *more, stdout=out)
    return out.getvalue()


def _mediator(world, name, body="枫一社区", **more):
    values = {
        "姓名": name,
        "聘任单位": world.bodies[body].name,
        "擅长事项": "邻里纠纷",
        "专兼职": "专职",
        "聘任日期": "2024-01-01",
        "可调解日": "12345",
        "联系电话": "13812345678",
    }
    values.update(more)
    return values


def test_a_mediators_sheet_is_imported_with_bodies_matters_and_the_account(
    world, keeper, village_clerk, tmp_path
):
    rows = [
        _mediator(world, "陈小梅", 工作人员账号=village_clerk.username),
        _mediator(
            world,
            "周德明",
            body="枫桥镇",
            所在调解组织=f"{world.bodies['枫桥镇'].name}、{world.bodies['枫一社区'].name}",
            专兼职="",
            聘期届满="2026-12-31",
            在聘="否",
        ),
    ]
    output = _import(
        _file(tmp_path, MEDIATOR_COLUMNS, rows, "register.xlsx"), keeper, "--kind", "mediators"
    )
    assert "已导入 2 行" in output
    chen = Mediator.objects.get(name="陈小梅")
    assert (chen.user, chen.full_time, chen.phone) == (village_clerk, True, "13812345678")
    assert [c.key for c in chen.categories.all()] == ["neighbourhood"]
    assert list(chen.bodies.all()) == [world.bodies["枫一社区"]]
    zhou = Mediator.objects.get(name="周德明")
    assert (zhou.full_time, zhou.active, str(zhou.term_ends)) == (False, False, "2026-12-31")
    assert set(zhou.bodies.all()) == {world.bodies["枫桥镇"], world.bodies["枫一社区"]}


def test_a_sheet_with_bad_rows_is_refused_whole_with_a_chinese_message_per_row(
    world, keeper, tmp_path
):
    rows = [
        _mediator(world, "陈小梅"),
        _mediator(world, "周德明", 可调解日="8", 聘任日期="2024-13-01"),
        _mediator(world, "外县调解员", 聘任单位="嵊州市县级联席会议"),
        _mediator(world, "陈小梅"),  # the first row again
    ]
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import",
            _file(tmp_path, MEDIATOR_COLUMNS, rows),
            "--as",
            keeper.username,
            "--kind",
            "mediators",
            stdout=out,
        )
    assert refused.value.returncode == 1
    table = out.getvalue()
    assert "3\t聘任日期\t日期“2024-13-01”无效" in table
    assert "3\t可调解日\t" in table
    assert "4\t聘任单位\t您的管辖范围内没有名为“嵊州市县级联席会议”的单位" in table
    assert "5\t姓名\t名册中已有该聘任单位的同名调解员" in table
    assert "2\t" not in table
    assert not Mediator.objects.exists()


def test_valid_only_keeps_the_good_rows_and_a_dry_run_keeps_nothing(world, keeper, tmp_path):
    rows = [_mediator(world, "陈小梅"), _mediator(world, "周德明", 可调解日="8")]
    path = _file(tmp_path, MEDIATOR_COLUMNS, rows)
    output = _import(path, keeper, "--kind", "mediators", "--dry-run", "--valid-only")
    assert "1 行可导入（未导入）" in output
    assert not Mediator.objects.exists()
    output = _import(path, keeper, "--kind", "mediators", "--valid-only")
    assert "已导入 1 行，跳过 1 行" in output
    assert list(Mediator.objects.values_list("name", flat=True)) == ["陈小梅"]


def test_an_importer_without_the_right_to_keep_the_register_is_refused(
    world, village_clerk, tmp_path
):
    with pytest.raises(CommandError) as refused:
        _import(
            _file(tmp_path, MEDIATOR_COLUMNS, [_mediator(world, "陈小梅")]),
            village_clerk,
            "--kind",
            "mediators",
        )
    assert refused.value.returncode == 2 and "没有维护人民调解员名册的权限" in str(refused.value)
    assert not Mediator.objects.exists()


def _entry(world, labour, **more):
    values = {
        "适用区划代码": str(world.regions["诸暨市"].code),
        "办理层级": "乡镇",
        "纠纷类别": labour.name,
        "责任部门": "诸暨市人力资源和社会保障局",
        "专业调解组织": "诸暨市劳动人事争议人民调解委员会",
        "职责依据（权责清单事项）": "人社局权责清单第3项",
    }
    values.update(more)
    return values


def test_a_catalogue_sheet_is_imported_and_overlaps_and_foreign_departments_are_refused(
    world, keeper, labour, tmp_path
):
    bad = [
        _entry(world, labour),
        _entry(world, labour),  # the same entry as the row above
        _entry(
            world, labour, 关键词="工伤", 责任部门="嵊州市人力资源和社会保障局", 专业调解组织=""
        ),
        _entry(world, labour, 办理层级="省"),
    ]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import",
            _file(tmp_path, CATALOGUE_COLUMNS, bad),
            "--as",
            keeper.username,
            "--kind",
            "catalogue",
            stdout=out,
        )
    table = out.getvalue()
    assert "3\t纠纷类别\t与已有条目（本文件第 2 行）重叠" in table
    assert "4\t责任部门\t您的管辖范围内没有名为“嵊州市人力资源和社会保障局”的单位" in table
    assert "5\t办理层级\t应填写：乡镇" in table
    assert "2\t" not in table
    assert not RouteEntry.objects.exists()

    good = [
        _entry(world, labour),
        _entry(world, labour, 关键词="欠薪", 办理层级="县", 启用="否", 专业调解组织=""),
    ]
    output = _import(
        _file(tmp_path, CATALOGUE_COLUMNS, good, "ok.csv"), keeper, "--kind", "catalogue"
    )
    assert "已导入 2 行" in output
    entry = RouteEntry.objects.get(keyword="欠薪")
    assert (entry.level, entry.active, entry.committee) == (3, False, None)
    assert entry.department == world.bodies["诸暨市人社局"]


def test_the_help_lists_the_columns_and_the_template_has_them(tmp_path):
    from django.core.management import load_command_class

    command = load_command_class("jiefen.spreadsheets", "import")
    text = command.create_parser("jiefen", "import").format_help()
    assert "聘任单位*" in text and "职责依据（权责清单事项）*" in text and "--kind" in text
    path = tmp_path / "template.xlsx"
    call_command("import", str(path), "--kind", "mediators", "--template", stdout=io.StringIO())
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book.worksheets[0][1]] == [c.header for c in MEDIATOR_COLUMNS]
    assert book.worksheets[1]["A2"].value == "姓名"
