"""Every error of the REST API as JSON with a stable code: {"code", "message", "fields"}.

Codes: unauthorized (401), forbidden (403), not_found (404), conflict and illegal_move (409),
invalid and idempotency_mismatch (422), bad_request (400, a body that is not JSON),
method_not_allowed (405), busy (503 with Retry-After: the database did not give a lock in
time; nothing was written), too_large (413, a body over DATA_UPLOAD_MAX_MEMORY_SIZE),
server_error (500, never for bad input). Messages are translated
for the request's language; codes and field names are not.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from jiefen.lib.errors import Conflict, DisputeError
from jiefen.lib.text import MESSAGE as TEXT_MESSAGE

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

STATUS_OF_CODE = {
    "not_found": 404,
    "conflict": 409,
    "illegal_move": 409,
    "forbidden": 403,
    "invalid": 422,
    "idempotency_mismatch": 422,
}


class IdempotencyMismatch(DisputeError):
    code = "idempotency_mismatch"


def error_body(code: str, message: Any, fields: dict[str, list[Any]] | None = None) -> dict:
    return {
        "code": code,
        "message": str(message),
        "fields": {name: [str(m) for m in problems] for name, problems in (fields or {}).items()},
    }


def error_response(
    status: int,
    code: str,
    message: Any,
    fields: dict[str, list[Any]] | None = None,
    current: dict[str, Any] | None = None,
) -> HttpResponse:
    body = error_body(code, message, fields)
    if current:
        body["current"] = current
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="jiefen"'
    return response


def _pydantic_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("此项为必填项")
    if kind == "string_too_long":
        return _("不能超过 %(limit)d 个字") % {"limit": context.get("max_length", 0)}
    if kind == "string_too_short":
        return _("此项为必填项")
    if kind == "no_applicant":
        return _("至少需要一名申请人")
    if kind == "route_missing":
        return _("未达成协议的，须告知当事人其他解决途径")
    if kind == "date_out_of_range":
        return _("日期应在 2004-01-01 至 2099-12-31 之间")
    if kind == "date_not_past":
        return _("日期应在 2004-01-01 至今天之间")
    if kind == "invalid_characters":
        return str(TEXT_MESSAGE)
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("应为整数")
    if kind in ("bool_parsing", "bool_type"):
        return _("应为 true 或 false")
    if kind.startswith(("date", "datetime")):
        return _("日期格式不正确，请写成 YYYY-MM-DD")
    if kind.startswith("decimal") or kind in ("float_parsing", "float_type"):
        return _("应为数字")
    if kind in ("literal_error", "enum"):
        return _("取值无效")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _("超出允许范围")
    if kind in ("too_long", "too_short"):
        return _("条目数量超出允许范围")
    if kind == "string_pattern_mismatch":
        return _("格式不正确")
    if kind in ("model_attributes_type", "dict_type", "model_type", "list_type"):
        return _("结构不正确")
    return _("格式不正确")


def _field_name(loc: list[Any]) -> str:
    """("body", "payload", "parties", 0, "phone") → "parties.0.phone"; ("query", "q") → "q"."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "form", "cookie"):
        where = parts.pop(0)
        if where == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    return ".".join(str(p) for p in parts) or "__all__"


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(_field_name(error.get("loc", [])), []).append(_pydantic_message(error))
    return fields


def install_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DisputeError)
    def dispute_error(request: HttpRequest, exc: DisputeError) -> HttpResponse:
        # A stale version: what the dispute is now (version, state, holder, last change), so
        # the client can show it and retry on the new version.
        current = exc.current if isinstance(exc, Conflict) else None
        return error_response(
            STATUS_OF_CODE.get(exc.code, 422), exc.code, exc.message, dict(exc.fields), current
        )

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            422, "invalid", _("填写有误，请按提示修改"), validation_fields(exc.errors)
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, "unauthorized", _("缺少有效的访问令牌"))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            return error_response(400, "bad_request", _("请求体不是有效的 JSON"))
        if exc.status_code == 429:
            return error_response(429, "too_many_requests", _("请求过于频繁，请稍后再试"))
        return error_response(exc.status_code, "error", _("请求无法处理"))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", _("请求的资源不存在"))

    @api.exception_handler(OperationalError)
    def database_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        from jiefen.ops.errors import RETRY_AFTER, is_busy

        if not is_busy(exc):
            return server_error(request, exc)
        # Nothing was written: the same request (with its Idempotency-Key) may be sent again.
        response = error_response(503, "busy", _("系统繁忙，请稍候重试"))
        response["Retry-After"] = str(RETRY_AFTER)
        return response

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        from jiefen.ops.too_big import too_big_message

        return error_response(413, "too_large", too_big_message())

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(500, "server_error", _("服务器内部错误，请稍后再试"))


def too_big_api(request: HttpRequest) -> HttpResponse:
    """413 in the API's envelope, for a body refused before any view ran (jiefen.ops.too_big)."""
    from jiefen.ops.too_big import too_big_message

    return error_response(413, "too_large", too_big_message())


def too_big_open311(request: HttpRequest) -> HttpResponse:
    """413 as Open311's error array, in XML for a path ending .xml (jiefen.ops.too_big)."""
    from jiefen.api.open311 import to_xml
    from jiefen.ops.too_big import too_big_message

    errors = [{"code": 413, "description": too_big_message()}]
    if request.path.endswith(".xml"):
        return HttpResponse(
            to_xml("errors", "error", errors),
            status=413,
            content_type="text/xml; charset=utf-8",
        )
    return JsonResponse(errors, status=413, safe=False, json_dumps_params={"ensure_ascii": False})
