from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jiefen.regions.models import Level, Region
from jiefen.regions.services import ZHEJIANG, RegionImportError, regions_import

HEADERS = {
    "provinces.csv": "code,name",
    "cities.csv": "code,name,provinceCode",
    "areas.csv": "code,name,cityCode,provinceCode",
    "streets.csv": "code,name,areaCode,provinceCode,cityCode",
    "villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode",
}

# A small piece of the real tree, in the package's own format.
ROWS = {
    "provinces.csv": ['33,"浙江省"'],
    "cities.csv": ['3306,"绍兴市",33'],
    "areas.csv": ['330681,"诸暨市",3306,33', '330683,"嵊州市",3306,33'],
    "streets.csv": ['330681109,"枫桥镇",330681,33,3306', '330683001,"剡湖街道",330683,33,3306'],
    "villages.csv": [
        '330681109008,"枫一社区",330681109,33,3306,330681',
        '330681109009,"永安社区",330681109,33,3306,330681',
        '330683001001,"东门社区",330683001,33,3306,330683',
    ],
}


def write(folder, rows=None, headers=None, only=None):
    """Write the five files (or `only` some) to `folder`, with rows and headers overridden."""
    rows = {**ROWS, **(rows or {})}
    headers = {**HEADERS, **(headers or {})}
    folder.mkdir(exist_ok=True)
    for name in only or HEADERS:
        text = "\n".join([headers[name], *rows[name]]) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def snapshot():
    return list(Region.objects.order_by("code").values_list())


def fails(folder, **kwargs):
    """Import `folder`, expect a refusal, check that nothing was written; the messages."""
    before = snapshot()
    with pytest.raises(RegionImportError) as caught:
        regions_import(path=folder, **kwargs)
    assert snapshot() == before
    return caught.value.messages


@pytest.fixture
def imported(db, tmp_path):
    """The small tree, imported once."""
    regions_import(path=write(tmp_path / "first"))


def test_it_imports_the_tree_with_12_digit_codes_and_parents(db, tmp_path):
    result = regions_import(path=write(tmp_path / "a"))

    assert {level: c.added for level, c in result.levels.items()} == {
        Level.PROVINCE: 1,
        Level.CITY: 1,
        Level.COUNTY: 2,
        Level.TOWN: 2,
        Level.VILLAGE: 3,
    }
    fengyi = Region.objects.get(code=330681109008)
    assert (fengyi.name, fengyi.level, fengyi.parent_id) == (
        "枫一社区",
        Level.VILLAGE,
        330681109000,
    )
    zhejiang = Region.objects.get(code=330000000000)
    assert (zhejiang.level, zhejiang.parent_id) == (Level.PROVINCE, None)
    assert Region.objects.get(code=330681000000).parent_id == 330600000000


def test_it_is_idempotent(imported, tmp_path):
    before = snapshot()

    result = regions_import(path=write(tmp_path / "again"))

    assert (result.added, result.updated, result.unchanged) == (0, 0, 9)
    assert snapshot() == before


def test_it_updates_changed_names_and_keeps_town_class_and_population(imported, tmp_path):
    Region.objects.filter(code=330681109000).update(town_class=1, population=80000)
    rows = {
        "streets.csv": ['330681109,"枫桥镇（新）",330681,33,3306', ROWS["streets.csv"][1]],
        "villages.csv": [
            '330681109008,"枫一村",330681109,33,3306,330681',
            *ROWS["villages.csv"][1:],
        ],
    }

    result = regions_import(path=write(tmp_path / "renamed", rows=rows))

    assert result.levels[Level.TOWN].updated == 1
    assert result.levels[Level.VILLAGE].updated == 1
    assert result.updated == 2
    assert result.unchanged == 7
    town = Region.objects.get(code=330681109000)
    assert (town.name, town.town_class, town.population) == ("枫桥镇（新）", 1, 80000)
    assert Region.objects.get(code=330681109008).name == "枫一村"


def test_it_corrects_a_wrong_parent(imported, tmp_path):
    Region.objects.filter(code=330681109000).update(parent_id=330600000000)

    result = regions_import(path=write(tmp_path / "again"))

    assert result.levels[Level.TOWN].updated == 1
    assert Region.objects.get(code=330681109000).parent_id == 330681000000


def test_it_never_deletes_units_missing_from_the_files(imported, tmp_path):
    rows = {"villages.csv": ROWS["villages.csv"][:1]}

    result = regions_import(path=write(tmp_path / "fewer", rows=rows))

    assert result.levels[Level.VILLAGE].unchanged == 1
    assert Region.objects.filter(code__in=[330681109009, 330683001001]).count() == 2
    assert Region.objects.count() == 9


def test_it_imports_the_files_that_are_there(db, tmp_path):
    folder = write(tmp_path / "top", only=["provinces.csv", "cities.csv"])

    result = regions_import(path=folder)

    assert set(result.levels) == {Level.PROVINCE, Level.CITY}
    assert Region.objects.count() == 2


def test_it_takes_parents_from_the_database(imported, tmp_path):
    rows = {"villages.csv": ['330681109010,"新村",330681109,33,3306,330681']}
    folder = write(tmp_path / "villages", rows=rows, only=["villages.csv"])

    result = regions_import(path=folder)

    assert result.added == 1
    assert Region.objects.get(code=330681109010).parent_id == 330681109000


def test_it_imports_only_a_subtree_and_the_units_above_it(db, tmp_path):
    result = regions_import(path=write(tmp_path / "a"), within="330681")

    assert set(Region.objects.values_list("code", flat=True)) == {
        330000000000,
        330600000000,
        330681000000,
        330681109000,
        330681109008,
        330681109009,
    }
    assert result.added == 6


def test_it_takes_a_zero_segment_for_the_unit_above_where_a_level_is_missing(db, tmp_path):
    # 东莞市 has no counties: the tables list its towns under "county" 441900, the city itself.
    rows = {
        "provinces.csv": ['44,"广东省"'],
        "cities.csv": ['4419,"东莞市",44'],
        "areas.csv": ['441900,"东莞市",4419,44'],
        "streets.csv": ['441900003,"东城街道",441900,44,4419'],
        "villages.csv": ['441900003001,"花园新村社区居委会",441900003,44,4419,441900'],
    }

    result = regions_import(path=write(tmp_path / "dongguan", rows=rows))

    assert result.levels[Level.COUNTY].skipped == 1
    assert result.added == 4
    town = Region.objects.get(code=441900003000)
    assert (town.level, town.parent_id) == (Level.TOWN, 441900000000)
    assert Region.objects.get(code=441900000000).level == Level.CITY
    assert list(town.ancestors().values_list("name", flat=True)) == ["广东省", "东莞市"]


def test_it_refuses_a_bad_within(db, tmp_path):
    messages = fails(write(tmp_path / "a"), within="33x")
    assert "33x" in messages[0]


def test_it_refuses_a_malformed_code_naming_file_line_and_field(imported, tmp_path):
    rows = {
        "villages.csv": [
            '330681109008,"枫一村",330681109,33,3306,330681',
            '33068110901,"短代码村",330681109,33,3306,330681',
        ]
    }

    messages = fails(write(tmp_path / "bad", rows=rows))

    assert messages == [
        "villages.csv 第 3 行：字段 code 的区划代码 33068110901 无效，应为 12 位数字"
    ]
    assert Region.objects.get(code=330681109008).name == "枫一社区"


@pytest.mark.parametrize(
    ("file", "row", "expected"),
    [
        ("streets.csv", '33068110A,"甲镇",330681,33,3306', "字段 code 的区划代码 33068110A 无效"),
        ("provinces.csv", '00,"零省"', "字段 code 的区划代码 00 无效，本级代码段不能全为 0"),
        ("areas.csv", '330681,"诸暨市",33060,33', "字段 cityCode 的区划代码 33060 无效"),
        ("areas.csv", '330781,"义乌市",3306,33', "330781 不在字段 cityCode 所指的上级 3306 之下"),
        (
            "villages.csv",
            '330681199001,"无主村",330681199,33,3306,330681',
            "streetCode 的上级代码 330681199 既不在导入文件中",
        ),
        (
            "villages.csv",
            '330681109008,"又一个枫一",330681109,33,3306,330681',
            "330681109008 重复（已见于 villages.csv 第 2 行）",
        ),
        ("villages.csv", '330681109011," ",330681109,33,3306,330681', "字段 name 为空"),
    ],
)
def test_it_refuses_a_bad_row(db, tmp_path, file, row, expected):
    rows = {file: [*ROWS[file], row]}
    line = len(ROWS[file]) + 2

    messages = fails(write(tmp_path / "bad", rows=rows))

    assert len(messages) == 1
    assert messages[0].startswith(f"{file} 第 {line} 行：")
    assert expected in messages[0]
    assert Region.objects.count() == 0


def test_it_refuses_a_missing_column(imported, tmp_path):
    headers = {"villages.csv": "code,name,provinceCode,cityCode,areaCode"}
    rows = {"villages.csv": ['330681109010,"新村",33,3306,330681']}

    messages = fails(write(tmp_path / "bad", rows=rows, headers=headers))

    assert messages == ["villages.csv 第 1 行：缺少字段 streetCode"]


def test_it_refuses_a_file_that_is_not_utf8(imported, tmp_path):
    folder = write(tmp_path / "gbk")
    text = "\n".join(
        [
            HEADERS["villages.csv"],
            *ROWS["villages.csv"],
            '330681109010,"新村",330681109,33,3306,330681',
        ]
    )
    (folder / "villages.csv").write_bytes(text.encode("gbk"))

    messages = fails(folder)

    assert messages == ["villages.csv 第 2 行：不是 UTF-8 编码的文本"]


def test_it_refuses_an_unreadable_file(imported, tmp_path):
    folder = write(tmp_path / "unreadable", only=["provinces.csv", "cities.csv"])
    (folder / "areas.csv").mkdir()  # exists, but cannot be read as a file

    messages = fails(folder)

    assert len(messages) == 1
    assert messages[0].startswith("areas.csv：无法读取")


def test_it_reports_every_problem_at_once(db, tmp_path):
    rows = {
        "streets.csv": ['330681109,"",330681,33,3306', '330683001,"剡湖街道",330683,33,3306'],
        "villages.csv": ['330681109008,"枫一社区",330681109,33,3306,330681', 'x,"坏",330681109,,,'],
    }

    messages = fails(write(tmp_path / "bad", rows=rows))

    assert messages == [
        "streets.csv 第 2 行：字段 name 为空",
        "villages.csv 第 3 行：字段 code 的区划代码 x 无效，应为 12 位数字",
    ]


def test_it_refuses_a_folder_without_division_files(db, tmp_path):
    messages = fails(tmp_path)
    assert "没有区划文件" in messages[0]


def test_it_answers_subtree_and_ancestor_queries(imported):
    zhuji = Region.objects.get(code=330681000000)
    fengqiao = Region.objects.get(code=330681109000)

    assert list(zhuji.subtree().values_list("code", flat=True)) == [
        330681000000,
        330681109000,
        330681109008,
        330681109009,
    ]
    assert set(fengqiao.subtree().values_list("name", flat=True)) == {
        "枫桥镇",
        "枫一社区",
        "永安社区",
    }
    assert Region.objects.get(code=330600000000).subtree().count() == 8
    assert list(
        Region.objects.get(code=330681109008).ancestors().values_list("name", flat=True)
    ) == [
        "浙江省",
        "绍兴市",
        "诸暨市",
        "枫桥镇",
    ]


def test_it_imports_the_shipped_zhejiang_extract(db):
    result = regions_import(path=ZHEJIANG)

    assert {level: c.added for level, c in result.levels.items()} == {
        Level.PROVINCE: 1,
        Level.CITY: 11,
        Level.COUNTY: 90,
        Level.TOWN: 1387,
        Level.VILLAGE: 25547,
    }
    shaoxing = Region.objects.get(code=330600000000)
    assert shaoxing.subtree().filter(level=Level.COUNTY).count() == 6
    assert shaoxing.subtree().filter(level=Level.TOWN).count() == 103
    assert shaoxing.subtree().filter(level=Level.VILLAGE).count() == 2168


def test_the_command_prints_counts(db, tmp_path):
    out = StringIO()

    call_command("regions", "import", str(write(tmp_path / "a")), stdout=out)

    assert "村社区：新增 3，更新 0，未变 0" in out.getvalue()
    assert "导入完成：新增 9，更新 0，未变 0" in out.getvalue()


def test_the_command_prints_errors_and_fails(db, tmp_path):
    rows = {"villages.csv": ['330681199001,"无主村",330681199,33,3306,330681']}
    err = StringIO()

    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("regions", "import", str(write(tmp_path / "bad", rows=rows)), stderr=err)

    assert "villages.csv 第 2 行：字段 streetCode" in err.getvalue()
    assert Region.objects.count() == 0


def test_the_admin_finds_units_by_code_prefix(imported, admin_client):
    response = admin_client.get("/admin/regions/region/", {"q": "330681"})

    names = [region.name for region in response.context["cl"].result_list]
    assert names == ["诸暨市", "枫桥镇", "枫一社区", "永安社区"]


def test_the_admin_finds_units_by_name(imported, admin_client):
    response = admin_client.get("/admin/regions/region/", {"q": "枫"})

    names = [region.name for region in response.context["cl"].result_list]
    assert names == ["枫桥镇", "枫一社区"]


def test_the_command_imports_the_shipped_extract_without_a_path(db):
    out = StringIO()

    call_command("regions", "import", "--within", "330681109", stdout=out)

    assert "导入完成：新增 " in out.getvalue()
    fengqiao = Region.objects.get(code=330681109000)
    assert fengqiao.name == "枫桥镇"
    assert fengqiao.subtree().filter(level=Level.VILLAGE).count() > 20
    assert not Region.objects.filter(code=330683000000).exists()
