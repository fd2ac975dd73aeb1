"""The OpenAPI document says what the server accepts, as of the request that reads it.

django-ninja writes the document from the schemas (jiefen.api.schemas); this adds what only
the data knows, each time the document is read:

- category keys as enums (the active ones for a registration, all for the list's filter);
- days as exact patterns: a filter's day from 2004-01-01 to 2099-12-31, a day that has
  happened (a session held, an agreement signed) from 2004-01-01 to today — every real
  calendar day in the range, no other;
- links from an answer to the next operation (register → accept → transfer), taking the
  dispute's id and version from the answer, so that a stateful client can chain them.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.utils import timezone
from ninja import NinjaAPI

from jiefen.api.schemas import FIRST_DAY, LAST_DAY


def _days(upto: int) -> str:
    return "|".join(f"{day:02d}" for day in range(1, upto + 1))


# Month-day of a common year, compactly.
_COMMON = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)


def day_pattern(first: date, last: date) -> str:
    """A pattern matching exactly the ISO days from `first` (a 1 January) to `last`."""
    assert first.month == 1 and first.day == 1 and first <= last
    whole = list(range(first.year, last.year + (1 if (last.month, last.day) == (12, 31) else 0)))
    parts = []
    if whole:
        parts.append(f"(?:{'|'.join(map(str, whole))})-{_COMMON}")
        leap = [str(y) for y in whole if calendar.isleap(y)]
        if leap:
            parts.append(f"(?:{'|'.join(leap)})-02-29")
    if last.year not in whole:
        for month in range(1, last.month + 1):
            length = calendar.monthrange(last.year, month)[1]
            upto = last.day if month == last.month else length
            parts.append(f"{last.year}-{month:02d}-(?:{_days(upto)})")
    return "^(?:" + "|".join(parts) + ")$"


def _walk(node: Any, visit: Any) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _with_days(document: dict[str, Any]) -> None:
    patterns = {
        "any": day_pattern(FIRST_DAY, LAST_DAY),
        "past": day_pattern(FIRST_DAY, timezone.localdate()),
    }

    def visit(node: dict[str, Any]) -> None:
        kind = node.pop("x-days", None)
        if kind:
            node["pattern"] = patterns[kind]

    _walk(document, visit)


def _with_categories(document: dict[str, Any], keys: list[tuple[str, bool]]) -> None:
    active = [key for key, on in keys if on]
    schemas = document.get("components", {}).get("schemas", {})
    category = schemas.get("DisputeIn", {}).get("properties", {}).get("category")
    if category is not None and active:
        category["enum"] = active
    for parameter in (
        document["paths"].get("/api/v1/disputes", {}).get("get", {}).get("parameters", [])
    ):
        if parameter.get("name") == "category" and keys:
            for branch in parameter["schema"].get("anyOf", [parameter["schema"]]):
                if branch.get("type") == "string":
                    branch.pop("pattern", None)
                    branch["enum"] = [key for key, _on in keys]


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return document["paths"][path][method]


def _answer(operation: dict[str, Any], status: int) -> dict[str, Any]:
    responses = operation["responses"]
    return responses[status] if status in responses else responses[str(status)]


DISPUTE = "/api/v1/disputes/{ref}"
FROM_ANSWER = {"ref": "$response.body#/id"}


def _with_links(document: dict[str, Any]) -> None:
    def op_id(method: str, path: str) -> str:
        return _operation(document, method, path)["operationId"]

    read = op_id("get", DISPUTE)
    events = op_id("get", DISPUTE + "/events")
    accept = op_id("post", DISPUTE + "/actions/accept")
    transfer = op_id("post", DISPUTE + "/actions/transfer")
    version = "$response.body#/version"

    def link(target: str, description: str, body: dict[str, Any] | None = None) -> dict:
        out: dict[str, Any] = {
            "operationId": target,
            "parameters": {"path.ref": FROM_ANSWER["ref"]},
            "description": description,
        }
        if body is not None:
            out["requestBody"] = body
        return out

    common = {
        "ReadDispute": link(read, "The dispute, by the id in this answer"),
        "DisputeEvents": link(events, "Its history, by the id in this answer"),
    }
    register = _operation(document, "post", "/api/v1/disputes")
    for status in (200, 201):
        _answer(register, status)["links"] = common | {
            "AcceptDispute": link(
                accept, "Accept the dispute just registered, at its version", {"version": version}
            )
        }
    _answer(_operation(document, "post", DISPUTE + "/actions/accept"), 200)["links"] = common | {
        "TransferDispute": link(
            transfer,
            "Transfer the accepted dispute up a level, at its new version",
            {"version": version, "reason": "需上级统筹协调"},
        )
    }
    _answer(_operation(document, "get", DISPUTE), 200)["links"] = {
        "DisputeEvents": common["DisputeEvents"]
    }


class JiefenAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        from jiefen.disputes.models import Category

        categories = list(Category.objects.order_by("sort", "key").values_list("key", "active"))
        return self.document(categories, path_prefix=path_prefix, path_params=path_params)

    def document(
        self,
        categories: list[tuple[str, bool]],
        *,
        path_prefix: Any = None,
        path_params: Any = None,
    ) -> Any:
        """The document with these (key, active) categories."""
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _with_days(document)
        _with_categories(document, categories)
        _with_links(document)
        return document
