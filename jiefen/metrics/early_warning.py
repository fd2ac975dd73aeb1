"""Early warning (预警研判, 四先四早): signs in the disputes of a region and period that call for
early work. About disputes, never about people: no warning names or counts a person who
complains, and nothing here marks, delays or penalises anyone.

Three kinds, each with its method and numbers in its explanation:

rise      A category registering more disputes than usual in a region (the region itself and
          each of its sub-units). Method: this period's count x (from the rollups,
          CategoryTally) against the counts of the same weeks of earlier years — the period
          shifted back by whole multiples of 52 weeks, so that weekdays and the weeks before
          Spring Festival line up roughly — for up to HISTORY_YEARS years. Only years whose
          window starts after the region's rollups began count as history; with fewer than
          MIN_YEARS such years no z-score is computed, and the report says so.
          z = (x − mean) ÷ sd, where sd is the sample standard deviation of those years, but
          at least √mean (the spread of a Poisson count) and at least 1, so that a flat history
          does not turn one extra dispute into an alarm. Warn when z ≥ Z_THRESHOLD and
          x ≥ MIN_COUNT.
cluster   Several disputes against the same respondent organisation (a party of kind
          "organisation" on the respondent side) — CLUSTER_MIN or more registered within
          CLUSTER_DAYS days, at least one of them in the period: likely to become a mass
          dispute. Names are matched after normalisation (full-width/half-width, spaces,
          punctuation, 有限责任公司 = 有限公司). Natural persons are never matched here.
          Likewise several disputes about the same project (the dispute's 涉及项目: a
          construction site, an estate, a land acquisition), by its normalised name.
repeat    The same matter coming back: disputes reopened in the period, and disputes
          registered again within REPEAT_DAYS days about the same matter — the same category
          and either (1) the same parties on both sides, compared by keyed hashes of their ID
          number (else phone number; an organisation by its normalised name; a person with
          neither by name, and then only where the other side matched by a number or is an
          organisation), never stored or shown, or (2) the same respondent organisation in the same
          village. The output holds dispute numbers only, no party data.

Counts of disputes registered come from the rollups; the lists behind a warning are the disputes
themselves, read by indexed ranges inside the region's code span.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Min, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from jiefen.disputes.models import Category, Party, PartyKind, Side
from jiefen.disputes.reads import disputes_in, events_in, parties_in, parties_of_disputes
from jiefen.lib.days import day_start
from jiefen.metrics.models import CategoryTally, Tally
from jiefen.metrics.rollups import truncate
from jiefen.regions.models import Level, Region, code_span

HISTORY_YEARS = 5
MIN_YEARS = 3
Z_THRESHOLD = 2.0
MIN_COUNT = 5
CLUSTER_DAYS = 30
CLUSTER_MIN = 3
REPEAT_DAYS = 90
LIST_IDS = 200  # disputes named in a warning's link at most
SHOWN = 10  # dispute numbers written out in a warning's words at most

RISE, CLUSTER, REPEAT, REOPENED = "rise", "cluster", "repeat", "reopened"


@dataclass
class Warning:
    """One warning: what it is about (kind, the unit, the disputes) and the parameters its
    words are made from. The words are rendered when shown, in the reader's language, so that a
    stored warning (warnings_store) reads exactly like a freshly computed one."""

    kind: str
    region: int
    region_name: str
    count: int
    url: str
    params: dict[str, Any]
    disputes: Sequence[Mapping[str, Any]] = field(default_factory=list)  # {"id", "number"}

    @property
    def title(self) -> str:
        return _title(self)

    @property
    def explanation(self) -> str:
        return _explanation(self)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with "message" for the agenda (meetings.integration keeps the plain
        values: everything but the list of disputes, which "dispute_ids" and "numbers"
        repeat as text)."""
        data = asdict(self)
        data["title"] = self.title
        data["explanation"] = self.explanation
        data["message"] = warning_message(data)
        data["dispute_ids"] = ",".join(str(d["id"]) for d in self.disputes)
        data["numbers"] = list_sep().join(d["number"] for d in self.disputes)
        return data


def list_sep() -> str:
    """What separates the items of a list in a sentence: 、 in Chinese, a comma in English."""
    return pgettext("list separator", "、")


def warning_message(item: dict[str, Any]) -> str:
    """The one-line words of a warning kept as a dict (on an agenda, say), in the reader's
    language when it kept its kind and parameters; its stored words otherwise."""
    if item.get("kind") and isinstance(item.get("params"), dict):
        fields = ("kind", "region", "region_name", "count", "url", "params")
        w = Warning(**{k: item.get(k) for k in fields}, disputes=[])  # type: ignore[arg-type]
        title, explanation = w.title, w.explanation
    else:
        return str(item.get("message", ""))
    return _("%(title)s：%(explanation)s") % {"title": title, "explanation": explanation}


@dataclass
class Report:
    warnings: list[Warning]
    facts: list[dict[str, Any]]  # what could not be judged: {"place", "have", "need"}

    @property
    def notes(self) -> list[str]:
        """What could not be judged, and why, in words."""
        return [_note(fact) for fact in self.facts]


# --- helpers --------------------------------------------------------------------------------


def _list_url(region_code: int, **filters: Any) -> str:
    query: dict[str, Any] = {"region": region_code}
    for key, value in filters.items():
        query[key] = value.isoformat() if isinstance(value, date) else value
    return reverse("disputes:list") + "?" + urlencode(query)


def _ids_url(region_code: int, ids: Iterable[int]) -> str:
    return _list_url(region_code, ids=",".join(str(i) for i in sorted(ids)[:LIST_IDS]))


def _numbers(disputes: Sequence[Mapping[str, Any]]) -> str:
    shown = list_sep().join(d["number"] for d in disputes[:SHOWN])
    if len(disputes) > SHOWN:
        shown += _("等")
    return shown


def _common_region(codes: Iterable[int], within: Region) -> int:
    """The smallest unit (at or below `within`) holding every code."""
    codes = set(codes)
    for level in range(int(Level.VILLAGE), int(within.level), -1):
        units = {truncate(c, level) for c in codes}
        if len(units) == 1:
            return units.pop()
    return within.code


def _names(codes: Iterable[int]) -> dict[int, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """An organisation's name for matching: NFKC (full-width letters and digits as
    half-width), lower case, no spaces or punctuation, 有限责任公司 as 有限公司."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _PUNCT.sub("", text)
    return text.replace("有限责任公司", "有限公司")


def _hash(kind: str, value: str) -> str:
    """A keyed hash (HMAC-SHA256 with the site's secret), prefixed with what it was made from:
    equal inputs match, nothing can be read back. Kept in memory only."""
    key = settings.SECRET_KEY.encode()
    return kind + ":" + hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _party_key(kind: str, name: str, id_number: str | None, phone: str | None) -> str | None:
    if kind == PartyKind.ORGANISATION:
        return _hash("org", normalise_name(name)) if normalise_name(name) else None
    if id_number and id_number.strip():
        return _hash("id", id_number.strip().upper())
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 7:
        return _hash("phone", digits[-11:])
    # Without a number, the name: a pair matches only if the other side matched by a number.
    return _hash("name", normalise_name(name))


# --- rise -----------------------------------------------------------------------------------


def _windows(start: date, end: date) -> list[tuple[date, date]]:
    """This period, then the same weeks 1, 2 … HISTORY_YEARS years (of 52 weeks) back."""
    return [
        (start - timedelta(weeks=52 * k), end - timedelta(weeks=52 * k))
        for k in range(HISTORY_YEARS + 1)
    ]


def _z(x: int, history: list[int]) -> tuple[float, float, float]:
    mean = sum(history) / len(history)
    var = sum((h - mean) ** 2 for h in history) / (len(history) - 1) if len(history) > 1 else 0
    sd = max(math.sqrt(var), math.sqrt(mean), 1.0)
    return (x - mean) / sd, mean, sd


def _rises(region: Region, start: date, end: date, notes: list[dict[str, Any]]) -> list[Warning]:
    windows = _windows(start, end)
    where = Q(level=region.level, region_code=region.code)
    if region.level < Level.VILLAGE:
        # Each sub-unit; a sub-level row with the region's own code (disputes located at the
        # region itself) is left to the region's own row.
        where |= Q(level=region.level + 1, region_code__range=region.span) & ~Q(
            region_code=region.code
        )
    # When each unit's rollups begin: earlier windows are not history.
    began = {
        (row["level"], row["region_code"]): row["first"]
        for row in Tally.objects.filter(where)
        .values("level", "region_code")
        .annotate(first=Min("day"))
    }
    in_any = Q()
    for a, b in windows:
        in_any |= Q(day__range=(a, b))
    sums = {f"w{i}": Sum("received", filter=Q(day__range=w)) for i, w in enumerate(windows)}
    rows = list(
        CategoryTally.objects.filter(where, in_any)
        .values("level", "region_code", "category_id")
        .annotate(**sums)
        .order_by("level", "region_code", "category_id")
    )
    names = _names([region.code, *[r["region_code"] for r in rows]])
    categories = dict(Category.objects.values_list("pk", "name"))
    found: list[Warning] = []
    own_years = _years_of(began.get((region.level, region.code)), windows)
    if own_years < MIN_YEARS:
        notes.append({"place": region.name, "have": own_years, "need": MIN_YEARS})
    for row in rows:
        level, code = row["level"], row["region_code"]
        years = [
            k
            for k in range(1, HISTORY_YEARS + 1)
            if began.get((level, code)) and windows[k][0] >= began[(level, code)]
        ]
        if len(years) < MIN_YEARS:
            continue
        x = int(row["w0"] or 0)
        history = [int(row[f"w{k}"] or 0) for k in years]
        z, mean, sd = _z(x, history)
        if x < MIN_COUNT or z < Z_THRESHOLD:
            continue
        category = categories.get(row["category_id"], str(row["category_id"]))
        place = names.get(code, str(code))
        params = {
            "place": place,
            "category": category,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "x": x,
            "history": history,
            "mean": mean,
            "sd": sd,
            "z": z,
            "threshold": Z_THRESHOLD,
            "min": MIN_COUNT,
        }
        disputes = list(
            disputes_in(
                code_span(code, level),
                category_id=row["category_id"],
                registered_at__gte=day_start(start),
                registered_at__lt=day_start(end + timedelta(days=1)),
            )
            .order_by("-id")
            .values("id", "number")[:LIST_IDS]
        )
        found.append(
            Warning(
                kind=RISE,
                params=params,
                region=code,
                region_name=place,
                count=x,
                url=_list_url(
                    code,
                    category=row["category_id"],
                    registered_from=start,
                    registered_to=end,
                ),
                disputes=disputes,
            )
        )
    found.sort(key=lambda w: (-w.count, w.region))
    return found


def _years_of(first: date | None, windows: list[tuple[date, date]]) -> int:
    """Earlier windows that start on or after the day the rollups begin."""
    return sum(1 for k in range(1, len(windows)) if first and windows[k][0] >= first)


# --- clusters and repeats -------------------------------------------------------------------


def _respondent_organisations(region: Region, since: date, end: date) -> list[dict[str, Any]]:
    """Respondent organisations of disputes registered from `since` to `end` in the region."""
    rows: Any = parties_in(
        region.span,
        start=day_start(since),
        end=day_start(end + timedelta(days=1)),
        side=Side.RESPONDENT,
        kind=PartyKind.ORGANISATION,
    ).values(
        "name",
        "dispute_id",
        "dispute__number",
        "dispute__registered_at",
        "dispute__region_code",
        "dispute__category_id",
    )
    return list(rows)


def _projects(region: Region, since: date, end: date) -> list[dict[str, Any]]:
    """Disputes registered from `since` to `end` in the region that name a project, in the
    shape of _respondent_organisations' rows."""
    rows = (
        disputes_in(
            region.span,
            registered_at__gte=day_start(since),
            registered_at__lt=day_start(end + timedelta(days=1)),
        )
        .exclude(project="")
        .values_list("project", "id", "number", "registered_at", "region_code", "category_id")
    )
    keys = (
        "name",
        "dispute_id",
        "dispute__number",
        "dispute__registered_at",
        "dispute__region_code",
        "dispute__category_id",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _clusters(region: Region, start: date, end: date) -> list[Warning]:
    since = start - timedelta(days=CLUSTER_DAYS - 1)
    return sorted(
        _gathered(_respondent_organisations(region, since, end), region, start, "organisation")
        + _gathered(_projects(region, since, end), region, start, "project"),
        key=lambda w: (-w.count, w.region),
    )


def _gathered(rows: list[dict[str, Any]], region: Region, start: date, about: str) -> list[Warning]:
    """Warnings for every name (a respondent organisation, or a project) with CLUSTER_MIN or
    more disputes registered within CLUSTER_DAYS, one of them in the period."""
    by_org: defaultdict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    shown_name: dict[str, str] = {}
    for row in rows:
        key = normalise_name(row["name"])
        if not key:
            continue
        shown_name.setdefault(key, row["name"].strip())
        by_org[key][row["dispute_id"]] = row
    period_start = day_start(start)
    found = []
    for key, disputes in by_org.items():
        rows = sorted(
            disputes.values(), key=lambda r: (r["dispute__registered_at"], r["dispute_id"])
        )
        members: dict[int, dict[str, Any]] = {}
        first = 0
        for last, row in enumerate(rows):
            while row["dispute__registered_at"] - rows[first][
                "dispute__registered_at"
            ] >= timedelta(days=CLUSTER_DAYS):
                first += 1
            window = rows[first : last + 1]
            if len(window) >= CLUSTER_MIN and any(
                r["dispute__registered_at"] >= period_start for r in window
            ):
                members.update({r["dispute_id"]: r for r in window})
        if not members:
            continue
        chosen = sorted(members.values(), key=lambda r: r["dispute_id"])
        code = _common_region([r["dispute__region_code"] for r in chosen], region)
        days = [timezone.localtime(r["dispute__registered_at"]).date() for r in chosen]
        listed = [{"id": r["dispute_id"], "number": r["dispute__number"]} for r in chosen]
        found.append((code, shown_name[key], chosen, min(days), max(days), listed))
    names = _names([code for code, *_rest in found])
    warnings = []
    for code, org, chosen, first_day, last_day, listed in found:
        place = names.get(code, str(code))
        warnings.append(
            Warning(
                kind=CLUSTER,
                params={
                    "about": about,
                    "place": place,
                    "org": org,
                    "first": first_day.isoformat(),
                    "last": last_day.isoformat(),
                    "n": len(chosen),
                    "days": CLUSTER_DAYS,
                    "min": CLUSTER_MIN,
                },
                region=code,
                region_name=place,
                count=len(chosen),
                url=_ids_url(code, [d["id"] for d in listed]),
                disputes=listed,
            )
        )
    return warnings


def _reopened(region: Region, start: date, end: date) -> list[Warning]:
    rows = list(
        events_in(
            region.span,
            action="reopen",
            start=day_start(start),
            end=day_start(end + timedelta(days=1)),
        )
        .order_by("dispute_id")
        .values("dispute_id", "dispute__number")
        .distinct()
    )
    if not rows:
        return []
    listed = [{"id": r["dispute_id"], "number": r["dispute__number"]} for r in rows]
    return [
        Warning(
            kind=REOPENED,
            params={
                "place": region.name,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "n": len(listed),
            },
            region=region.code,
            region_name=region.name,
            count=len(listed),
            url=_list_url(region.code, event="reopen", event_from=start, event_to=end),
            disputes=listed,
        )
    ]


def _digests() -> bool:
    names = {f.name for f in Party._meta.get_fields()}
    return {"id_digest", "phone_digest"} <= names


def _keys_of(dispute_ids: set[int]) -> Iterable[tuple[int, str, str]]:
    """(dispute, side, key) for the applicants and respondents of `dispute_ids`: the stored
    lookup digest of the ID (else phone) number where Party keeps one (privacy.lookup), else
    a keyed hash computed in memory from the decrypted number; an organisation by its
    normalised name. Keys are never stored or shown."""
    parties = parties_of_disputes(dispute_ids, side__in=[Side.APPLICANT, Side.RESPONDENT])
    if _digests():
        for row in parties.values(
            "dispute_id", "side", "kind", "name", "id_digest", "phone_digest"
        ):
            if row["kind"] == PartyKind.ORGANISATION:
                key = _party_key(row["kind"], row["name"], None, None)
            elif row["id_digest"]:
                key = "id:" + row["id_digest"]
            elif row["phone_digest"]:
                key = "phone:" + row["phone_digest"]
            else:
                key = _hash("name", normalise_name(row["name"]))
            if key:
                yield row["dispute_id"], row["side"], key
        return
    for p in parties.only("dispute_id", "side", "kind", "name", "phone", "id_number"):
        key = _party_key(p.kind, p.name, p.id_number, p.phone)
        if key:
            yield p.dispute_id, p.side, key


def _repeats(region: Region, start: date, end: date) -> list[Warning]:
    """Disputes registered again about the same matter within REPEAT_DAYS days."""
    since = start - timedelta(days=REPEAT_DAYS)
    disputes = {
        d["id"]: d
        for d in disputes_in(
            region.span,
            registered_at__gte=day_start(since),
            registered_at__lt=day_start(end + timedelta(days=1)),
        ).values("id", "number", "registered_at", "region_code", "category_id")
    }
    if len(disputes) < 2:
        return []
    # Plain-text names only narrow down which parties' keys are worth computing: two disputes
    # can be about the same parties only if a name on each side recurs in the same category.
    parties = list(
        parties_of_disputes(
            disputes,
            side__in=[Side.APPLICANT, Side.RESPONDENT],
            anonymised_at__isnull=True,
        ).values("id", "dispute_id", "side", "kind", "name")
    )
    names: defaultdict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for p in parties:
        names[p["dispute_id"]][p["side"]].add(p["name"].strip())
    seen: defaultdict[tuple[int, str, str], list[int]] = defaultdict(list)
    for dispute_id, sides in names.items():
        category = disputes[dispute_id]["category_id"]
        for a in sides[Side.APPLICANT]:
            for b in sides[Side.RESPONDENT]:
                seen[(category, a, b)].append(dispute_id)
    candidates = {i for ids in seen.values() if len(ids) > 1 for i in ids}

    groups: list[tuple[set[int], str]] = []
    if candidates:
        keys: defaultdict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for dispute_id, side, key in _keys_of(candidates):
            keys[dispute_id][side].add(key)
        same: defaultdict[tuple[int, str, str], set[int]] = defaultdict(set)
        for dispute_id, sides in keys.items():
            category = disputes[dispute_id]["category_id"]
            for a in sides[Side.APPLICANT]:
                for b in sides[Side.RESPONDENT]:
                    if a.startswith("name:") and b.startswith("name:"):
                        continue  # at least one side must match by a number or as a body
                    same[(category, a, b)].add(dispute_id)
        groups += [(ids, "parties") for ids in same.values() if len(ids) > 1]
    org_village: defaultdict[tuple[int, int, str], set[int]] = defaultdict(set)
    for p in parties:
        if p["side"] == Side.RESPONDENT and p["kind"] == PartyKind.ORGANISATION:
            d = disputes[p["dispute_id"]]
            name = normalise_name(p["name"])
            if name:
                org_village[(d["category_id"], d["region_code"], name)].add(d["id"])
    groups += [(ids, "organisation") for ids in org_village.values() if len(ids) > 1]

    period_start = day_start(start)
    found: list[tuple[int, list[dict[str, Any]], str, int]] = []
    done: set[frozenset[int]] = set()
    for ids, how in groups:
        rows = sorted((disputes[i] for i in ids), key=lambda d: (d["registered_at"], d["id"]))
        # Chains of registrations no more than REPEAT_DAYS apart, with one in the period.
        chain: list[dict[str, Any]] = []
        chains = []
        for row in rows:
            if chain and row["registered_at"] - chain[-1]["registered_at"] > timedelta(
                days=REPEAT_DAYS
            ):
                chains.append(chain)
                chain = []
            chain.append(row)  # type: ignore[arg-type]  # the values() row of a query
        chains.append(chain)
        for chain in chains:
            member_ids = frozenset(d["id"] for d in chain)
            if len(chain) < 2 or member_ids in done:
                continue
            if not any(d["registered_at"] >= period_start for d in chain[1:]):
                continue
            done.add(member_ids)
            code = _common_region([d["region_code"] for d in chain], region)
            found.append((code, chain, how, chain[0]["category_id"]))
    place_names = _names([code for code, *_rest in found])
    categories = dict(Category.objects.values_list("pk", "name"))
    warnings = []
    for code, chain, how, category_id in found:
        listed = [{"id": d["id"], "number": d["number"]} for d in chain]
        place = place_names.get(code, str(code))
        first = timezone.localtime(chain[0]["registered_at"]).date()
        last = timezone.localtime(chain[-1]["registered_at"]).date()
        warnings.append(
            Warning(
                kind=REPEAT,
                params={
                    "place": place,
                    "how": how,
                    "category": categories.get(category_id, str(category_id)),
                    "first": first.isoformat(),
                    "last": last.isoformat(),
                    "n": len(listed),
                    "days": REPEAT_DAYS,
                },
                region=code,
                region_name=place,
                count=len(listed),
                url=_ids_url(code, [d["id"] for d in listed]),
                disputes=listed,
            )
        )
    warnings.sort(key=lambda w: (-w.count, w.region, w.disputes[0]["id"]))
    return warnings


def method() -> list[str]:
    """How each kind is judged, in words for the page."""
    return [
        _(
            "同比异常：本期各类别登记数与往年同期（向前推整 52 周，最多 %(years)d 年）比较，"
            "z = (本期 − 往年均值) ÷ 标准差（不小于均值的平方根和 1）；至少需要 %(need)d 年"
            "历史数据，z ≥ %(z).1f 且本期不少于 %(min)d 件时预警。"
        )
        % {"years": HISTORY_YEARS, "need": MIN_YEARS, "z": Z_THRESHOLD, "min": MIN_COUNT},
        _(
            "同一被申请单位：%(days)d 天内以同一单位（名称规范化后相同）为被申请人的纠纷达到 "
            "%(min)d 件，可能演变为群体性纠纷；不比对自然人。"
        )
        % {"days": CLUSTER_DAYS, "min": CLUSTER_MIN},
        _("同一项目：%(days)d 天内涉及同一项目（名称规范化后相同）的纠纷达到 %(min)d 件。")
        % {"days": CLUSTER_DAYS, "min": CLUSTER_MIN},
        _(
            "重复登记与重启：本期重启的纠纷；%(days)d 天内同一类别、当事双方相同（按证件或电话"
            "号码的加密摘要比对）或同一村（社区）同一被申请单位的纠纷再次登记。只列纠纷，"
            "不显示当事人信息。"
        )
        % {"days": REPEAT_DAYS},
    ]


# --- words ----------------------------------------------------------------------------------


def _title(w: Warning) -> str:
    p = _shown(w.params)
    if w.kind == RISE:
        return _("%(place)s%(category)s明显增多") % {"place": p["place"], "category": p["category"]}
    if w.kind == CLUSTER:
        if p["about"] == "project":
            return _("同一项目纠纷集中：%(org)s") % {"org": p["org"]}
        return _("同一被申请单位纠纷集中：%(org)s") % {"org": p["org"]}
    if w.kind == REOPENED:
        return _("%(place)s本期有纠纷重启") % {"place": p["place"]}
    return _("%(place)s同一事项重复登记") % {"place": p["place"]}


def _shown(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters with a category's name in the reader's language."""
    from jiefen.disputes.models import category_label

    p = dict(params)
    if isinstance(p.get("category"), str):
        p["category"] = category_label(p["category"])
    return p


def _explanation(w: Warning) -> str:
    p = _shown(w.params)
    if w.kind == RISE:
        p["n"] = len(p["history"])
        p["history"] = list_sep().join(str(h) for h in p["history"])
        return (
            _(
                "%(place)s%(category)s本期（%(start)s 至 %(end)s）登记 %(x)d 件；往年同期"
                "（向前推整 52 周，共 %(n)d 年）分别为 %(history)s 件，均值 %(mean).1f，"
                "标准差 %(sd).1f（取样本标准差、均值的平方根和 1 中的最大者）；"
                "z = (%(x)d − %(mean).1f) ÷ %(sd).1f = %(z).1f，达到预警阈值 %(threshold).1f"
                "（且本期不少于 %(min)d 件）。"
            )
            % p
        )
    p["numbers"] = _numbers(w.disputes)
    if w.kind == CLUSTER:
        if p["about"] == "project":
            text = _(
                "%(place)s涉及“%(org)s”项目的纠纷，%(first)s 至 %(last)s "
                "登记 %(n)d 件（%(numbers)s），达到 %(days)d 天内 %(min)d 件的预警条件，"
                "可能演变为群体性纠纷，建议提前介入、合并研判。项目名称经规范化后比对（全半角、空格、标点）。"
            )
        else:
            text = _(
                "%(place)s以“%(org)s”为被申请单位的纠纷，%(first)s 至 %(last)s "
                "登记 %(n)d 件（%(numbers)s），达到 %(days)d 天内 %(min)d 件的预警条件，"
                "可能演变为群体性纠纷，建议提前介入、合并研判。单位名称经规范化后比对（全半角、空格、标点）；"
                "不比对自然人。"
            )
        return text % p
    if w.kind == REOPENED:
        return (
            _(
                "%(start)s 至 %(end)s 有 %(n)d 件纠纷在办结后重启（%(numbers)s），"
                "说明前次化解未能巩固，建议复盘办理过程、跟踪协议履行。"
            )
            % p
        )
    p["rule"] = (
        _("当事双方相同（按证件号码或电话号码的加密摘要比对，单位按规范化名称比对）")
        if p["how"] == "parties"
        else _("被申请单位相同且发生在同一村（社区）")
    )
    return (
        _(
            "%(numbers)s：类别均为%(category)s，%(rule)s，%(first)s 至 %(last)s 先后登记 "
            "%(n)d 件，相邻两次相隔不超过 %(days)d 天。建议核查前次处理是否到位、"
            "合并办理；当事人再次申请是其权利，不影响受理。"
        )
        % p
    )


def _note(fact: dict[str, Any]) -> str:
    return (
        ngettext(
            "%(place)s历史数据不足：往年同期有统计数据的只有 %(have)d 年（至少需要 %(need)d "
            "年），本期不做同比异常（z 分数）研判。",
            "%(place)s历史数据不足：往年同期有统计数据的只有 %(have)d 年（至少需要 %(need)d "
            "年），本期不做同比异常（z 分数）研判。",
            fact["have"],
        )
        % fact
    )


# --- entry points ---------------------------------------------------------------------------


def early_warning_report(*, region: Region, start: date, end: date, today: date) -> Report:
    """The warnings for `region` (its whole subtree, nothing outside it) over the local dates
    `start`–`end` (cut at `today`), and notes on what could not be judged. The caller has
    checked that the reader may see the region."""
    end = min(end, today)
    notes: list[dict[str, Any]] = []
    if end < start:
        return Report([], notes)
    warnings = [
        *_rises(region, start, end, notes),
        *_clusters(region, start, end),
        *_reopened(region, start, end),
        *_repeats(region, start, end),
    ]
    return Report(warnings, notes)


def early_warnings(*, region: Region, start: date, end: date, today: date) -> list[dict]:
    """The warnings as JSON-ready dicts (the stored report when nothing has changed since it
    was computed, else computed now) — what meetings.integration puts on an agenda: kind,
    title, explanation, message, region (code), region_name, count, url, disputes
    ([{id, number}]), dispute_ids and numbers (as text)."""
    from jiefen.metrics.warning_reports import report_current  # reads this module

    report = report_current(region=region, start=start, end=end, today=today)
    return [w.as_dict() for w in report.warnings]
