"""/api/: the REST API, version 1, at /api/v1/ (OpenAPI document at /api/v1/openapi.json)."""

from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from jiefen.api.errors import error_response
from jiefen.api.rest import api

app_name = "api"


def _json_405(view: Any) -> Any:
    """django-ninja answers a wrong method in plain text; the API answers in JSON."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = error_response(405, "method_not_allowed", _("不支持该请求方法"))
            response["Allow"] = allowed
        return response

    return wrapped


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", _("请求的资源不存在"))


_patterns, _app, namespace = api.urls
for _pattern in _patterns:
    _pattern.callback = _json_405(_pattern.callback)

urlpatterns = [
    path("v1/", (_patterns, _app, namespace)),
    re_path(r"^v1/(?P<rest>.*)$", unknown),
]
