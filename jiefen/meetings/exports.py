"""The Word and Excel files: a meeting's agenda and minutes, a circular. Words are rendered
here, in the active language (Chinese for official files), from JSON and rows that hold only
keys, numbers and names."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.disputes.models import Risk, Status, category_label
from jiefen.lib import cells
from jiefen.lib.office import Word, bar_chart, cn_date, cn_number, workbook_bytes
from jiefen.meetings import integration
from jiefen.meetings.agenda import SECTION_LABELS, SECTIONS, meeting_title
from jiefen.meetings.models import AttendanceKind, DecisionKind, Meeting
from jiefen.metrics.indicators import display
from jiefen.metrics.periods import Period


def _rate(numerator: int, denominator: int) -> str:
    return display(Fraction(numerator, denominator) if denominator else None)


def _status(value: str) -> str:
    return str(Status(value).label) if value in Status.values else value


def _number(year: int | None, seq: int | None) -> str:
    if not seq:
        return ""
    return _("〔%(year)s〕第%(seq)s期") % {"year": year, "seq": seq}


def period_of(data: dict[str, str]) -> Period:
    return Period(data["kind"], date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))


# --- meetings --------------------------------------------------------------------------------

ITEM_HEAD = ("编号", "事由", "类别", "发生地", "承办主体", "状态", "时限")


def _item_head() -> list[str]:
    return [
        _("编号"),
        _("事由"),
        _("类别"),
        _("发生地"),
        _("承办主体"),
        _("状态"),
        _("时限"),
    ]


def _item_row(item: dict[str, Any]) -> list[str]:
    flags = []
    if item.get("risk") == Risk.MAJOR:
        flags.append(_("重大"))
    if item.get("mass"):
        flags.append(_("群体性"))
    title = item["title"] + (f"（{'、'.join(flags)}）" if flags else "")
    return [
        item["number"],
        title,
        item["category"],
        item["region"],
        item["holder"],
        _status(item["status"]),
        item["due"] or "—",
    ]


def stats_sentence(stats: dict[str, int], previous: dict[str, int]) -> str:
    return _(
        "本期登记%(received)d件（上期%(prev_received)d件），受理%(accepted)d件，办结%(resolved)d件，"
        "其中达成调解协议%(agreed)d件，调处成功率%(success)s；在办%(open)d件，超期未办结%(overdue)d件；"
        "群体性纠纷%(mass)d件。"
    ) % {
        "received": stats.get("received", 0),
        "prev_received": previous.get("received", 0),
        "accepted": stats.get("accepted", 0),
        "resolved": stats.get("resolved", 0),
        "agreed": stats.get("agreed", 0),
        "success": _rate(stats.get("agreed", 0), stats.get("resolved", 0)),
        "open": stats.get("open_end", 0),
        "overdue": stats.get("overdue_end", 0),
        "mass": stats.get("mass", 0),
    }


def trend_lines(trends: list[dict[str, Any]]) -> list[str]:
    return [
        _("%(category)s：本期%(now)d件，上期同期%(before)d件")
        % {"category": category_label(t["category"]), "now": t["now"], "before": t["before"]}
        for t in trends
    ]


def _meeting_word(meeting: Meeting, what: str, moment: datetime) -> Word:
    title = meeting_title(meeting) + what
    word = Word(title=title, author=meeting.body.name, moment=moment)
    word.masthead(
        meeting.body.name + what,
        _number(meeting.year, meeting.seq),
        cn_date(meeting.held_on or meeting.date),
    )
    word.title(title)
    return word


def agenda_docx(meeting: Meeting) -> bytes:
    """The agenda (会议议程) as built for the meeting."""
    agenda = meeting.agenda or {}
    moment = meeting.agenda_built_at or meeting.created_at
    word = _meeting_word(meeting, _("议程"), moment)
    word.labelled(_("时间"), f"{cn_date(meeting.date)} {meeting.starts_at:%H:%M}")
    word.labelled(_("地点"), meeting.place)
    n = 1
    word.heading(f"{cn_number(n)}、{_('通报本期情况')}")
    word.text(stats_sentence(agenda.get("stats", {}), agenda.get("stats_previous", {})))
    for key in SECTIONS:
        section = (agenda.get("sections") or {}).get(key, {"total": 0, "items": []})
        n += 1
        word.heading(f"{cn_number(n)}、{_('研究')}{SECTION_LABELS[key]}")
        if section["total"] is None:
            word.text(_("（包案信息暂不可用）"))
        elif not section["items"]:
            word.text(_("无。"))
        else:
            if section["total"] > len(section["items"]):
                word.text(
                    _("共%(total)d件，列出前%(shown)d件。")
                    % {"total": section["total"], "shown": len(section["items"])}
                )
            word.table(_item_head(), [_item_row(i) for i in section["items"]])
    n += 1
    word.heading(f"{cn_number(n)}、{_('分析新动向')}")
    lines = trend_lines(agenda.get("trends", []))
    word.text("\n".join(lines) if lines else _("各类纠纷无明显上升。"))
    if agenda.get("warnings"):
        n += 1
        word.heading(f"{cn_number(n)}、{_('预警提示')}")
        word.text("\n".join(integration.warning_words(w) for w in agenda["warnings"]))
    return word.bytes()


def decision_effect(decision: Any, names: dict[str, dict[int, str]]) -> str:
    p = decision.params or {}
    if decision.kind == DecisionKind.DEPARTMENT:
        return _("交由%(department)s牵头办理，%(days)s个工作日内反馈办理结果") % {
            "department": names["bodies"].get(int(p.get("department") or 0), "—"),
            "days": p.get("days"),
        }
    if decision.kind == DecisionKind.LEADER:
        return _("由%(leader)s包案，化解目标日期%(date)s") % {
            "leader": names["users"].get(int(p.get("leader") or 0), "—"),
            "date": p.get("target_date"),
        }
    return _("督办：%(requirement)s，%(days)s个工作日内报告办理情况") % {
        "requirement": p.get("requirement", ""),
        "days": p.get("days"),
    }


def decision_names(decisions: list[Any]) -> dict[str, dict[int, str]]:
    from jiefen.accounts.models import User
    from jiefen.org.models import Body

    body_ids = {d.params.get("department") for d in decisions} | {
        d.params.get("to_body") for d in decisions
    }
    user_ids = {d.params.get("leader") for d in decisions}
    return {
        "bodies": dict(Body.objects.filter(pk__in=body_ids - {None}).values_list("pk", "name")),
        "users": {
            u.pk: u.full_name or u.username for u in User.objects.filter(pk__in=user_ids - {None})
        },
    }


def minutes_docx(meeting: Meeting) -> bytes:
    """The minutes (会议纪要) of a held meeting: time, place, chair, attendance, agenda items,
    what was discussed and the decisions with their effects."""
    moment = meeting.recorded_at or meeting.created_at
    word = _meeting_word(meeting, _("纪要"), moment)
    people = list(meeting.attendance.select_related("user"))

    def names(kind: str) -> str:
        listed = [p.name + (f"（{p.unit}）" if p.unit else "") for p in people if p.kind == kind]
        return "、".join(listed) or _("无")

    chair = meeting.chair.full_name or meeting.chair.username if meeting.chair else "—"
    recorder = (
        meeting.recorded_by.full_name or meeting.recorded_by.username
        if meeting.recorded_by
        else "—"
    )
    word.labelled(
        _("时间"), f"{cn_date(meeting.held_on or meeting.date)} {meeting.starts_at:%H:%M}"
    )
    word.labelled(_("地点"), meeting.place)
    word.labelled(_("主持"), chair)
    word.labelled(_("出席"), names(AttendanceKind.PRESENT))
    word.labelled(_("列席"), names(AttendanceKind.OBSERVER))
    if any(p.kind == AttendanceKind.ABSENT for p in people):
        word.labelled(_("缺席"), names(AttendanceKind.ABSENT))
    word.labelled(_("记录"), recorder)
    agenda = meeting.agenda or {}
    word.heading(_("一、会议议题"))
    topics = [_("通报本期情况")]
    for key in SECTIONS:
        total = ((agenda.get("sections") or {}).get(key) or {}).get("total")
        if total:
            topics.append(_("研究%(what)s（%(n)d件）") % {"what": SECTION_LABELS[key], "n": total})
    if agenda.get("trends"):
        topics.append(_("分析新动向"))
    for i, topic in enumerate(topics, 1):
        word.text(f"（{cn_number(i)}）{topic}")
    word.heading(_("二、会议内容"))
    word.text(meeting.minutes)
    word.heading(_("三、决定事项"))
    decisions = list(meeting.decisions.select_related("dispute").order_by("id"))
    if not decisions:
        word.text(_("本次会议未作交办、包案或督办决定。"))
    lookups = decision_names(decisions)
    for i, decision in enumerate(decisions, 1):
        word.text(
            _("（%(n)s）%(number)s“%(title)s”：%(text)s（%(effect)s）")
            % {
                "n": cn_number(i),
                "number": decision.dispute.number,
                "title": decision.dispute.title,
                "text": decision.text,
                "effect": decision_effect(decision, lookups),
            }
        )
    word.signature(meeting.body.name, meeting.held_on or meeting.date)
    return word.bytes()


# --- circulars -------------------------------------------------------------------------------


def _change(now: int, before: int) -> str:
    if now == before:
        return _("持平")
    diff = now - before
    if before:
        percent = f"{abs(diff) * 100 / before:.1f}%"
        if diff > 0:
            return _("增加%(n)d件（%(p)s）") % {"n": diff, "p": percent}
        return _("减少%(n)d件（%(p)s）") % {"n": -diff, "p": percent}
    return _("增加%(n)d件") % {"n": diff}


def _signed(now: int, before: int) -> str:
    diff = now - before
    return f"+{diff}" if diff > 0 else str(diff)


def circular_rows() -> list[tuple[str, str]]:
    return [
        ("received", _("登记")),
        ("accepted", _("受理")),
        ("mediated", _("已开展调处")),
        ("resolved", _("办结")),
        ("agreed", _("其中达成调解协议")),
        ("not_agreed", _("其中未达成协议")),
        ("transferred", _("移送上级")),
        ("late", _("其中超期移送")),
        ("open", _("期末在办")),
        ("overdue", _("期末超期未办结")),
        ("mass", _("群体性纠纷（10人以上）")),
    ]


def circular_title(figures: dict[str, Any]) -> str:
    period = period_of(figures["periods"]["current"])
    return _("%(period)s矛盾纠纷排查化解情况通报") % {"period": period.label()}


def circular_summary(figures: dict[str, Any]) -> str:
    t = figures["totals"]["current"]
    period = period_of(figures["periods"]["current"])
    return _(
        "%(period)s，%(region)s共登记矛盾纠纷%(received)d件，受理%(accepted)d件，其中已开展调处"
        "%(mediated)d件，调处率%(mediation_rate)s；办结%(resolved)d件，其中达成调解协议%(agreed)d件、"
        "未达成协议%(not_agreed)d件，调处成功率%(success_rate)s。移送上级%(transferred)d件，其中按期"
        "移送%(in_time)d件、超期移送%(late)d件。截至期末，在办%(open)d件，超期未办结%(overdue)d件。"
    ) % {
        "period": period.label(),
        "region": figures["region"]["name"],
        **t,
        "mediation_rate": _rate(t["mediated"], t["accepted"]),
        "success_rate": _rate(t["agreed"], t["resolved"]),
    }


def circular_comparison(figures: dict[str, Any]) -> str:
    totals = figures["totals"]
    now, prev, ly = totals["current"], totals["previous"], totals["last_year"]
    return _(
        "与上期相比，登记数%(received_prev)s，办结数%(resolved_prev)s，期末超期未办结%(overdue_prev)s；"
        "与去年同期相比，登记数%(received_ly)s，办结数%(resolved_ly)s，群体性纠纷%(mass_ly)s。"
    ) % {
        "received_prev": _change(now["received"], prev["received"]),
        "resolved_prev": _change(now["resolved"], prev["resolved"]),
        "overdue_prev": _change(now["overdue"], prev["overdue"]),
        "received_ly": _change(now["received"], ly["received"]),
        "resolved_ly": _change(now["resolved"], ly["resolved"]),
        "mass_ly": _change(now["mass"], ly["mass"]),
    }


def _unit_name(unit: dict[str, Any]) -> str:
    return _("%(name)s（本级）") % {"name": unit["name"]} if unit.get("own") else unit["name"]


UNIT_KEYS = (
    "received",
    "accepted",
    "mediated",
    "resolved",
    "agreed",
    "transferred",
    "late",
    "overdue",
)


def _unit_head() -> list[str]:
    return [
        _("单位"),
        _("登记"),
        _("受理"),
        _("调处"),
        _("办结"),
        _("达成协议"),
        _("移送上级"),
        _("超期移送"),
        _("超期未办结"),
    ]


def _longest_head() -> list[str]:
    return [
        _("序号"),
        _("编号"),
        _("事由"),
        _("类别"),
        _("承办主体"),
        _("登记日期"),
        _("已历时（天）"),
    ]


def circular_chart(figures: dict[str, Any]) -> bytes:
    top = figures["categories"][:10]
    return bar_chart(
        title=_("各类纠纷登记数（本期与上期）"),
        labels=[c["name"] for c in top],
        series=[
            (_("本期"), [c["current"] for c in top]),
            (_("上期"), [c["previous"] for c in top]),
        ],
    )


def _moment(figures: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(figures["generated_at"])


def circular_docx(figures: dict[str, Any]) -> bytes:
    moment = _moment(figures)
    number = figures["number"]
    body = figures["body"]["name"]
    title = circular_title(figures)
    word = Word(title=title, author=body, moment=moment)
    word.masthead(
        _("%(region)s矛盾纠纷化解工作通报") % {"region": figures["region"]["name"]},
        _number(number["year"], number["seq"]),
        f"{body}　{cn_date(timezone.localtime(moment))}",
    )
    word.title(title)
    word.heading(_("一、总体情况"))
    word.text(circular_summary(figures))
    word.heading(_("二、与上期和去年同期对比"))
    word.text(circular_comparison(figures))
    totals = figures["totals"]
    word.table(
        [_("项目"), _("本期"), _("上期"), _("环比"), _("去年同期"), _("同比")],
        [
            [
                label,
                totals["current"][key],
                totals["previous"][key],
                _signed(totals["current"][key], totals["previous"][key]),
                totals["last_year"][key],
                _signed(totals["current"][key], totals["last_year"][key]),
            ]
            for key, label in circular_rows()
        ],
    )
    word.heading(_("三、分类情况"))
    if figures["categories"]:
        word.table(
            [_("序号"), _("类别"), _("本期"), _("上期"), _("去年同期")],
            [
                [i, c["name"], c["current"], c["previous"], c["last_year"]]
                for i, c in enumerate(figures["categories"], 1)
            ],
        )
        word.picture(circular_chart(figures))
    else:
        word.text(_("本期及对比期均无登记。"))
    word.heading(_("四、各单位情况"))
    word.table(
        _unit_head(),
        [[_unit_name(u), *(u[k] for k in UNIT_KEYS)] for u in figures["units"]],
    )
    word.heading(_("五、长期未化解的纠纷"))
    longest = figures["longest_open"]
    if longest:
        word.table(
            _longest_head(),
            [
                [i, d["number"], d["title"], d["category"], d["holder"], d["registered"], d["days"]]
                for i, d in enumerate(longest, 1)
            ],
        )
    else:
        word.text(_("期末无未化解的纠纷。"))
    word.text(_("请各单位对照通报情况，抓紧办理超期和长期未化解的纠纷，按时报送排查情况。"))
    word.signature(body, timezone.localtime(moment).date())
    return word.bytes()


def circular_xlsx(figures: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font

    moment = _moment(figures)
    title = circular_title(figures)
    workbook = Workbook()
    bold = Font(name="宋体", bold=True)
    plain = Font(name="宋体")

    def sheet(ws: Any, heading: str, head: list[str], rows: list[list[Any]]) -> None:
        ws.append(cells.row(ws, [heading]))
        ws["A1"].font = Font(name="宋体", bold=True, size=14)
        ws.append(cells.row(ws, head))
        for cell in ws[2]:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            ws.append(cells.row(ws, row))
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                cell.font = plain
        ws.column_dimensions["A"].width = 24
        for letter in "BCDEFGHI":
            ws.column_dimensions[letter].width = 14

    totals = figures["totals"]
    overview = workbook.active
    overview.title = _("总体情况")
    sheet(
        overview,
        title,
        [_("项目"), _("本期"), _("上期"), _("去年同期")],
        [
            [label, totals["current"][k], totals["previous"][k], totals["last_year"][k]]
            for k, label in circular_rows()
        ],
    )
    n = overview.max_row + 2
    cells.put(overview, row=n, column=1, value=circular_summary(figures)).font = plain
    cells.put(overview, row=n + 1, column=1, value=circular_comparison(figures)).font = plain

    categories = workbook.create_sheet(_("分类情况"))
    sheet(
        categories,
        _("分类情况"),
        [_("类别"), _("本期"), _("上期"), _("去年同期")],
        [[c["name"], c["current"], c["previous"], c["last_year"]] for c in figures["categories"]],
    )
    if figures["categories"]:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("各类纠纷登记数（本期与上期）")
        last = 2 + min(10, len(figures["categories"]))
        chart.add_data(
            Reference(categories, min_col=2, max_col=3, min_row=2, max_row=last),
            titles_from_data=True,
        )
        chart.set_categories(Reference(categories, min_col=1, min_row=3, max_row=last))
        chart.height, chart.width = 10, 18
        categories.add_chart(chart, "F2")

    units = workbook.create_sheet(_("各单位情况"))
    sheet(
        units,
        _("各单位情况"),
        _unit_head(),
        [[_unit_name(u), *(u[k] for k in UNIT_KEYS)] for u in figures["units"]],
    )
    longest = workbook.create_sheet(_("长期未化解"))
    sheet(
        longest,
        _("长期未化解的纠纷"),
        _longest_head(),
        [
            [i, d["number"], d["title"], d["category"], d["holder"], d["registered"], d["days"]]
            for i, d in enumerate(figures["longest_open"], 1)
        ],
    )
    return workbook_bytes(workbook, title=title, author=figures["body"]["name"], moment=moment)
