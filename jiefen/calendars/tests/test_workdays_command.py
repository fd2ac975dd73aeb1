from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jiefen.calendars.models import CalendarOverride


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_only_the_date(db):
    assert run("add", "2025-01-24", "3") == ("2025-02-05\n", "")
    assert run("add", "2026-09-30", "3") == ("2026-10-10\n", "")
    assert run("add", "2025-01-30", "0") == ("2025-01-30\n", "")
    assert run("add", "2025-02-05", "-1") == ("2025-01-27\n", "")


def test_it_warns_on_stderr_about_a_provisional_year(db):
    out, err = run("add", "2027-09-30", "3")
    assert out == "2027-10-08\n"
    assert "2027" in err and "暂定" in err


def test_it_counts_working_days_between_two_dates(db):
    assert run("between", "2025-01-24", "2025-02-05") == ("3\n", "")
    assert run("between", "2025-02-05", "2025-01-24") == ("-3\n", "")


def test_it_lists_a_years_days_off_and_make_up_days(db):
    CalendarOverride.objects.create(date="2025-03-01", working=True, notice="某县通知")
    out, _err = run("year", "2025")
    lines = out.splitlines()
    assert lines[0] == "2025 年（已确认：国务院办公厅关于2025年部分节假日安排的通知）"
    assert "2025-01-26 周日 上班 春节调休上班" in lines
    assert "2025-01-29 周三 休息 春节" in lines
    assert "2025-02-08 周六 上班 春节调休上班" in lines
    assert "2025-03-01 周六 上班 调整：某县通知" in lines
    assert "2025-10-11 周六 上班 国庆节调休上班" in lines
    assert "暂定" in run("year", "2028")[0].splitlines()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "2025-02-30", "3"], "不是有效日期"),
        (["add", "tomorrow", "3"], "不是有效日期"),
        (["add", "2025-01-24", "three"], "不是整数"),
        (["add", "2025-01-24", "1.5"], "不是整数"),
        (["add", "1999-01-04", "3"], "超出工作日历范围"),
        (["add", "2029-12-20", "30"], "后第 30 个工作日超出工作日历范围"),
        (["between", "2025-01-24", "2031-01-01"], "超出工作日历范围"),
        (["year", "twenty"], "不是年份"),
        (["year", "1990"], "超出工作日历范围"),
    ],
)
def test_it_explains_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
