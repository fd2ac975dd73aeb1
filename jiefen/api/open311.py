"""Open311 GeoReport v2 at /open311/v2/, so 311 clients and the 12345 hotline can file and follow
disputes. Services are the active dispute categories (service_code = category key); service
requests are disputes (service_request_id = dispute number); jurisdiction_id is a 12-digit
region code. Every resource answers in JSON or XML by its suffix.

Choices where the specification leaves room (see also README):

- POST requests: without api_key the dispute is filed as a party's own online filing (channel
  "online", rate-limited per address); with the api_key of a live API token it is filed as a
  12345-hotline filing (channel "hotline_12345") and jurisdiction_id must lie in the token's
  jurisdiction. An api_key that is not a live token is refused (403), never silently demoted.
  jurisdiction_id (a village or town code) is required and gives the place. As the standard
  requires, a request must also give a location — lat and long together, address_string or
  address_id — or is refused with the error array: lat/long must be WGS-84 degrees in range
  and are checked but not kept; address_string is added to the description; address_id is a
  12-digit region code within jurisdiction_id and becomes the place. first_name and last_name
  are optional (a filing without them has the applicant 未留姓名); numeric attributes take
  whole numbers in range or are refused; email is not kept (a party has no email field).
  The reply (200, as GeoReport servers commonly answer) carries the standard
  service_request_id and service_notice and, as an extension, `query_code`: the code the party
  needs (with the number) to follow the dispute — also spelled out in service_notice for
  operators who read it to the caller. The code is shown once and never stored.
- GET requests: disputes are confidential, so there is no public list. Without api_key a
  caller gets a dispute only with its number and query code (service_request_id and the
  extension parameter `query_code`), and sees what the portal shows a party: status, holder,
  dates — no description. Wrong codes count in the portal's counters, per caller's address
  (jiefen.portal.guard), never per dispute alone. With api_key the caller searches
  within the token's jurisdiction by jurisdiction_id, service_code, status and dates (default
  and maximum window 90 days, at most 1000 requests, newest first), or by a list of numbers.
- services.json with a jurisdiction_id that is not a region code here answers 404 with the
  error array; tokens/{token} answers 404 (no tokens are issued: a filing gets its
  service_request_id at once); a method a resource does not take answers 405, every error
  in the standard error array.
- status is open/closed; status_notes is the detailed status label in the request's language;
  agency_responsible is the name of the body holding the dispute; expected_datetime is the end
  of the current deadline's day.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from jiefen.api.tokens import limited_actor, token_check
from jiefen.disputes.access import disputes_for
from jiefen.disputes.models import OPEN_STATUSES, Category, Channel, Dispute, Side
from jiefen.disputes.public import PublicFiling, dispute_by_query, dispute_file
from jiefen.disputes.reads import events_of
from jiefen.disputes.services import PartyInput
from jiefen.lib.errors import DisputeError
from jiefen.lib.text import CONTROL, MESSAGE, text_blank, text_problem
from jiefen.org.scope import scope_of
from jiefen.portal import guard
from jiefen.regions.models import Region

WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_IDS = 100
DESCRIPTION_LIMIT = 4000  # the specification's limit for description
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot carry at all, even escaped; text stored through other doors may.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _rates() -> dict[str, str]:
    # Wrong number/code pairs are counted with the portal's (jiefen.portal.guard).
    return {"file": "10/h"} | getattr(settings, "JIEFEN_OPEN311_RATES", {})  # filings per address


# --- rendering ---------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    child = ET.SubElement(parent, tag)
    if isinstance(value, list):
        item_tag = {"attributes": "attribute", "values": "value"}.get(tag, "item")
        for item in value:
            _xml_item(child, item_tag, item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(child, key, inner)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = XML_INVALID.sub("", str(value))


def _xml_item(parent: ET.Element, tag: str, item: dict[str, Any]) -> None:
    element = ET.SubElement(parent, tag)
    for key, value in item.items():
        _xml_value(element, key, value)


def to_xml(root: str, item_tag: str | None, data: Any) -> bytes:
    """A GeoReport document: a root holding one element per item (or one object's fields)."""
    element = ET.Element(root)
    if item_tag is None:
        for key, value in data.items():
            _xml_value(element, key, value)
    else:
        for item in data:
            _xml_item(element, item_tag, item)
    return _xml_document(element)


def _xml_document(element: ET.Element) -> bytes:
    # The declaration exactly as the specification shows it (ElementTree writes single quotes).
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8")


def _render(fmt: str, data: Any, root: str, item_tag: str | None, status: int = 200) -> Any:
    if fmt == "xml":
        return HttpResponse(
            to_xml(root, item_tag, data), status=status, content_type="text/xml; charset=utf-8"
        )
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, status: int, *descriptions: Any) -> Any:
    errors = [{"code": status, "description": str(d)} for d in descriptions]
    return _render(fmt, errors, "errors", "error", status=status)


# The services name fields as the staff form does; an Open311 client knows its own names.
FIELD_NAMES = {
    "region": "jurisdiction_id",
    "category": "service_code",
    "title": "attribute[title]",
    "description": "description",
    "people_involved": "attribute[people_involved]",
    "parties": "last_name",
    "parties.0.name": "last_name",
    "parties.0.phone": "phone",
    "parties.1.name": "attribute[respondent]",
}


def _invalid(fmt: str, error: DisputeError) -> Any:
    problems = [
        f"{FIELD_NAMES.get(name, name)}: {'；'.join(str(m) for m in messages)}"
        for name, messages in error.fields.items()
    ]
    return _error(fmt, 400, *(problems or [str(error.message)]))


# --- services ----------------------------------------------------------------------------------

ATTRIBUTES = [
    ("title", "string", False, "事由（一句话概括，不填则取自描述）"),
    ("respondent", "string", False, "对方当事人姓名或名称"),
    ("people_involved", "number", False, "涉及人数"),
]


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.key,
        "service_name": category.name,
        "description": category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


def _methods(*allowed: str) -> Any:
    """Only these methods, else 405 with the standard error array. CSRF does not apply: no
    resource acts on a session's cookies (a write needs an api_key or is anonymous)."""

    def decorate(view: Any) -> Any:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method not in allowed:
                fmt = kwargs.get("fmt", "json")
                response = _error(fmt, 405, _("不支持该请求方法"))
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return csrf_exempt(wrapped)

    return decorate


@_methods("GET", "HEAD")
def services(request: HttpRequest, fmt: str) -> Any:
    jurisdiction = request.GET.get("jurisdiction_id")
    if jurisdiction is not None and _region(jurisdiction) is None:
        return _error(fmt, 404, _("jurisdiction_id 不存在：应为本服务器所辖的 12 位区划代码"))
    rows = [_service(c) for c in Category.objects.filter(active=True).order_by("sort", "key")]
    return _render(fmt, rows, "services", "service")


@_methods("GET", "HEAD")
def service_definition(request: HttpRequest, code: str, fmt: str) -> Any:
    category = Category.objects.filter(key=code, active=True).first()
    if category is None:
        return _error(fmt, 404, _("服务代码不存在：%(code)s") % {"code": code})
    attributes = [
        {
            "variable": True,
            "code": key,
            "datatype": datatype,
            "required": required,
            "datatype_description": "",
            "order": order,
            "description": description,
        }
        for order, (key, datatype, required, description) in enumerate(ATTRIBUTES, start=1)
    ]
    data = {"service_code": category.key, "attributes": attributes}
    return _render(fmt, data, "service_definition", None)


# --- requests ----------------------------------------------------------------------------------


def _api_token(request: HttpRequest) -> tuple[bool, Any]:
    """(given, token): whether an api_key was given, and its live token if it is one."""
    key = request.POST.get("api_key") if request.method == "POST" else None
    key = key or request.GET.get("api_key")
    if not key:
        return False, None
    return True, token_check(key)


def _region(value: str | None) -> Region | None:
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) != 12:
        return None
    return Region.objects.filter(code=int(value)).first()


# The applicant of a filing that gives no name (first_name and last_name are optional).
NO_NAME = "未留姓名"


def _coordinate(value: str | None, limit: float) -> float | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def _location(data: Any, jurisdiction: Region) -> tuple[Region, list[str]]:
    """The place of a filing and what is wrong with its location parameters. GeoReport v2
    requires a location: lat and long together, address_string or address_id. lat/long must
    be WGS-84 degrees in range and are checked but not kept (a dispute's place is its region);
    address_string is added to the description; address_id is a 12-digit region code within
    jurisdiction_id and becomes the dispute's place."""
    problems: list[str] = []
    lat_raw, long_raw = data.get("lat"), data.get("long")
    if lat_raw or long_raw:
        if _coordinate(lat_raw, 90) is None:
            problems.append(_("lat 应为 -90 至 90 之间的纬度（WGS-84 十进制度）"))
        if _coordinate(long_raw, 180) is None:
            problems.append(_("long 应为 -180 至 180 之间的经度（WGS-84 十进制度）"))
    place = jurisdiction
    address_id = _clean(data.get("address_id"))
    if address_id:
        found = _region(address_id)
        low, high = jurisdiction.span
        if found is None or not low <= found.code <= high:
            problems.append(_("address_id 应为 jurisdiction_id 辖区内的 12 位区划代码"))
        else:
            place = found
    if not ((lat_raw and long_raw) or _clean(data.get("address_string")) or address_id):
        problems.append(_("须提供位置：lat 和 long，或 address_string，或 address_id"))
    return place, problems


def _clean(value: str | None) -> str:
    # Parameters have passed _refused: no control characters are left to remove.
    return "" if text_blank(value) else (value or "").strip()


def _refused(fmt: str, params: Any) -> Any:
    """The error array for parameters that break the input rule of every door
    (jiefen.lib.text), or None."""
    problems = [
        f"{CONTROL.sub('', name)[:40]}: {MESSAGE}"
        for name in params
        for value in params.getlist(name)
        if text_problem(name) or text_problem(value)
    ]
    return _error(fmt, 400, *problems) if problems else None


def _local_iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _ip_limited(request: HttpRequest, group: str, rate: str, increment: bool) -> bool:
    return is_ratelimited(
        request, group=f"jiefen.open311.{group}", key="ip", rate=rate, increment=increment
    )


@_methods("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str) -> Any:
    refused = _refused(fmt, request.GET) or _refused(fmt, request.POST)
    if refused is not None:
        return refused
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


def _post_request(request: HttpRequest, fmt: str) -> Any:
    given, token = _api_token(request)
    if given and token is None:
        return _error(fmt, 403, _("api_key 无效或已吊销"))
    data = request.POST
    region = _region(data.get("jurisdiction_id"))
    if region is None:
        return _error(fmt, 400, _("jurisdiction_id 应为村（社区）或乡镇（街道）的 12 位区划代码"))
    if token is not None and not scope_of(limited_actor(token)).contains(region.code):
        return _error(fmt, 403, _("jurisdiction_id 不在该 api_key 的管辖范围内"))
    category = Category.objects.filter(key=_clean(data.get("service_code")), active=True).first()
    if category is None:
        return _error(fmt, 400, _("service_code 无效"))
    if token is None and _ip_limited(request, "file", _rates()["file"], increment=True):
        return _error(fmt, 429, _("提交过于频繁，请稍后再试"))

    place, problems = _location(data, region)
    people = _clean(data.get("attribute[people_involved]"))
    if people and not (people.isascii() and people.isdigit() and 1 <= int(people[:8]) <= 10**6):
        problems.append(_("attribute[people_involved] 应为 1 至 1000000 的整数"))
    if problems:
        return _error(fmt, 400, *problems)
    region = place
    description = _clean(data.get("description"))
    if len(description) > DESCRIPTION_LIMIT:
        return _error(fmt, 400, _("description 不能超过 %(limit)d 个字") % {"limit": 4000})
    address = _clean(data.get("address_string"))[:200]
    if address:
        description = f"{description}\n{_('地点')}：{address}" if description else address
    title = _clean(data.get("attribute[title]")) or description.split("\n")[0][:30]
    # Chinese names are written family name first; the standard makes both optional.
    name = _clean(data.get("last_name")) + _clean(data.get("first_name")) or NO_NAME
    parties = [PartyInput(side=Side.APPLICANT, name=name, phone=_clean(data.get("phone"))[:30])]
    respondent = _clean(data.get("attribute[respondent]"))
    if respondent:
        parties.append(PartyInput(side=Side.RESPONDENT, name=respondent))
    try:
        dispute, code = dispute_file(
            data=PublicFiling(
                region=region,
                category=category,
                title=title,
                description=description,
                parties=parties,
                channel=Channel.HOTLINE if token is not None else Channel.ONLINE,
                people_involved=int(people) if people else 2,
            )
        )
    except DisputeError as error:
        return _invalid(fmt, error)
    notice = _(
        "已登记，编号 %(number)s，查询码 %(code)s。"
        "请凭编号和查询码查询办理进度，查询码不会再次显示。"
    ) % {"number": dispute.number, "code": code}
    reply = [
        {
            "service_request_id": dispute.number,
            "service_notice": notice,
            "account_id": None,
            "query_code": code,
        }
    ]
    return _render(fmt, reply, "service_requests", "request")


def _with_updated(queryset: Any) -> Any:
    latest = events_of(OuterRef("pk")).order_by("-id").values("at")[:1]
    return queryset.select_related("category", "holder", "region").annotate(
        updated=Subquery(latest)
    )


def _as_request(dispute: Dispute, *, staff: bool) -> dict[str, Any]:
    expected = None
    if dispute.due_date is not None and dispute.is_open:
        end = timezone.make_aware(datetime.combine(dispute.due_date, time(23, 59, 59)))
        expected = _local_iso(end)
    return {
        "service_request_id": dispute.number,
        "status": "open" if dispute.status in OPEN_STATUSES else "closed",
        "status_notes": str(dispute.get_status_display()),
        "service_name": dispute.category.name,
        "service_code": dispute.category.key,
        "description": dispute.description if staff else None,
        "agency_responsible": dispute.holder.name,
        "service_notice": None,
        "requested_datetime": _local_iso(dispute.registered_at),
        "updated_datetime": _local_iso(getattr(dispute, "updated", None) or dispute.registered_at),
        "expected_datetime": expected,
        "address": dispute.region.name,
        "address_id": str(dispute.region_code),
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _public_lookup(request: HttpRequest, fmt: str, number: str, code: str) -> Any:
    """The dispute for a number and query code, or None; wrong pairs count against the
    caller in the portal's counters (guard.guess_failed), and past the limit the caller's
    lookups are refused for a while — never the party's, who comes from elsewhere."""
    if guard.guess_used_up(request, number, browser=False):
        return _error(fmt, 429, _("查询过于频繁，请稍后再试"))
    dispute = dispute_by_query(number=number, code=code) if number and code else None
    if dispute is None:
        guard.guess_failed(request, number, browser=False)
        return None
    return dispute


def _get_requests(request: HttpRequest, fmt: str) -> Any:
    given, token = _api_token(request)
    if given and token is None:
        return _error(fmt, 403, _("api_key 无效或已吊销"))
    query = request.GET
    ids = [i.strip() for i in _clean(query.get("service_request_id")).split(",") if i.strip()]
    if token is None:
        code = _clean(query.get("query_code"))
        if len(ids) != 1 or not code:
            return _error(
                fmt,
                403,
                _("查询纠纷须提供 api_key，或提供编号（service_request_id）和查询码（query_code）"),
            )
        found = _public_lookup(request, fmt, ids[0][:32], code[:32])
        if isinstance(found, HttpResponse):
            return found
        rows = [] if found is None else [_as_request(found, staff=False)]
        return _render(fmt, rows, "service_requests", "request")

    actor = limited_actor(token)
    queryset = disputes_for(actor)
    if ids:
        if len(ids) > MAX_IDS:
            return _error(fmt, 400, _("一次最多查询 %(n)d 件") % {"n": MAX_IDS})
        queryset = queryset.filter(number__in=[i[:32] for i in ids])
    else:
        jurisdiction = query.get("jurisdiction_id")
        if jurisdiction:
            region = _region(jurisdiction)
            if region is None:
                return _error(fmt, 400, _("jurisdiction_id 应为 12 位区划代码"))
            queryset = queryset.filter(region_code__range=region.span)
        if query.get("service_code"):
            queryset = queryset.filter(category__key=_clean(query.get("service_code"))[:40])
        statuses = {s.strip() for s in _clean(query.get("status")).split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            return _error(fmt, 400, _("status 只能是 open 或 closed"))
        if statuses == {"open"}:
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        elif statuses == {"closed"}:
            queryset = queryset.exclude(status__in=OPEN_STATUSES)
        start, end, problem = _window(query.get("start_date"), query.get("end_date"))
        if problem:
            return _error(fmt, 400, problem)
        queryset = queryset.filter(registered_at__gte=start, registered_at__lte=end)
    rows = _with_updated(queryset).order_by("-registered_at", "-id")[:MAX_REQUESTS]
    return _render(fmt, [_as_request(d, staff=True) for d in rows], "service_requests", "request")


def _parse_when(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value or len(value) > 40:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None or not 2000 <= parsed.year <= 2099:
        return None  # also keeps the 90-day arithmetic away from the ends of the calendar
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _window(start_raw: str | None, end_raw: str | None) -> tuple[Any, Any, Any]:
    """The period searched: the given one, or the 90 days up to the end given or to now."""
    start, end = _parse_when(start_raw), _parse_when(end_raw)
    if (start_raw and start is None) or (end_raw and end is None):
        return (
            None,
            None,
            _("start_date / end_date 应为 ISO 8601 时间，例如 2026-03-02T08:00:00+08:00"),
        )
    if start is not None and end is None:
        end = start + WINDOW
    elif end is None:
        end = timezone.now()
    if start is None:
        start = end - WINDOW
    if end < start or end - start > WINDOW:
        return None, None, _("查询时间段不能超过 90 天，且结束不能早于开始")
    return start, end, None


@_methods("GET", "HEAD")
def request_detail(request: HttpRequest, number: str, fmt: str) -> Any:
    refused = _refused(fmt, request.GET)
    if refused is not None:
        return refused
    given, token = _api_token(request)
    if given and token is None:
        return _error(fmt, 403, _("api_key 无效或已吊销"))
    not_found = _("纠纷不存在，或编号与查询码不符")
    if token is None:
        found = _public_lookup(
            request, fmt, number[:32], _clean(request.GET.get("query_code"))[:32]
        )
        if isinstance(found, HttpResponse):
            return found
        if found is None:
            return _error(fmt, 404, not_found)
        return _render(fmt, [_as_request(found, staff=False)], "service_requests", "request")
    found = _with_updated(disputes_for(limited_actor(token)).filter(number=number[:32])).first()
    if found is None:
        return _error(fmt, 404, not_found)
    return _render(fmt, [_as_request(found, staff=True)], "service_requests", "request")


@_methods("GET", "HEAD")
def token(request: HttpRequest, token: str, fmt: str) -> Any:
    """GeoReport's tokens/{token_id}: this server answers every filing with its
    service_request_id at once and issues no tokens, so every token is unknown."""
    return _error(
        fmt, 404, _("令牌不存在：本服务器在提交时直接返回 service_request_id，不发放令牌")
    )


def unknown(request: HttpRequest, rest: str = "") -> Any:
    fmt = "xml" if rest.endswith(".xml") else "json"
    return _error(fmt, 404, _("请求的资源不存在"))


@_methods("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> Any:
    base = request.build_absolute_uri("/open311/v2/")
    data: dict[str, Any] = {
        "changeset": "2026-03-01T00:00:00+08:00",
        "contact": _("请联系当地矛盾纠纷调处化解中心"),
        "key_service": _("向所在地县级联席会议办公室申请接口令牌"),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-03-01T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    if fmt == "xml":
        root = ET.Element("discovery")
        for key in ("changeset", "contact", "key_service"):
            ET.SubElement(root, key).text = str(data[key])
        endpoints = ET.SubElement(root, "endpoints")
        for endpoint in data["endpoints"]:
            element = ET.SubElement(endpoints, "endpoint")
            for key, value in endpoint.items():
                if key == "formats":
                    formats = ET.SubElement(element, "formats")
                    for f in value:
                        ET.SubElement(formats, "format").text = f
                else:
                    ET.SubElement(element, key).text = str(value)
        return HttpResponse(_xml_document(root), content_type="text/xml; charset=utf-8")
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
