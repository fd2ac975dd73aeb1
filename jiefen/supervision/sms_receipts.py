"""Delivery reports: the provider tells which sent texts reached the phone.

Both providers push their reports by HTTP to an address the operator registers with them:
`/supervision/sms/receipts/<provider>/<token>/`, where the token is JIEFEN_SMS["receipt_token"]
(a long random string; without one the address does not exist). The token is all that proves a
report came from the provider, so it is compared in constant time, and a report can only move
a message the same provider sent, found by the provider's own message id, from sent to
delivered or undelivered: a forged report cannot make anything be sent, read or lost.

- Aliyun (SmsReport): a JSON array of {"biz_id", "success", "err_code", "report_time", …};
  the answer it expects is {"code": 0, "msg": "成功"}.
- Tencent Cloud (短信下发状态回调): a JSON array of {"sid", "report_status" ("SUCCESS" or
  "FAIL"), "errmsg", "user_receive_time", …}; the answer it expects is
  {"result": 0, "errmsg": "OK"}.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jiefen.supervision.models import SmsMessage, SmsStatus
from jiefen.supervision.sms import sms_settings

PROVIDERS = ("aliyun", "tencent")
ANSWERS = {"aliyun": {"code": 0, "msg": "成功"}, "tencent": {"result": 0, "errmsg": "OK"}}


@dataclass(frozen=True)
class Report:
    message_id: str
    delivered: bool
    code: str
    at: datetime | None


def token_valid(token: str) -> bool:
    expected = str(sms_settings().get("receipt_token") or "")
    return bool(expected) and hmac.compare_digest(expected.encode(), (token or "").encode())


def _when(value: Any) -> datetime | None:
    parsed = parse_datetime(str(value or "").strip())
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # the providers report China time
    return parsed


def reports_read(provider: str, body: bytes) -> list[Report]:
    """The reports in a pushed body; anything unreadable is left out, never an error."""
    try:
        rows = json.loads(body or b"[]")
    except ValueError:
        return []
    if isinstance(rows, dict):
        rows = [rows]
    found = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        if provider == "aliyun":
            success = row.get("success")
            delivered = success is True or str(success).lower() == "true"
            ident, code, at = row.get("biz_id"), row.get("err_code"), row.get("report_time")
        else:
            delivered = str(row.get("report_status", "")).upper() == "SUCCESS"
            ident, code, at = row.get("sid"), row.get("errmsg"), row.get("user_receive_time")
        if ident:
            found.append(Report(str(ident)[:100], delivered, str(code or "")[:60], _when(at)))
    return found


def reports_apply(provider: str, reports: list[Report]) -> int:
    """Mark each reported message delivered or undelivered; returns how many changed. Only a
    message the provider took (sent) moves, once."""
    now = timezone.now()
    changed = 0
    for report in reports:
        status = SmsStatus.DELIVERED if report.delivered else SmsStatus.UNDELIVERED
        error = {} if report.delivered else {"last_error": f"undelivered: {report.code}"[:200]}
        # audit-exempt: delivery bookkeeping (the provider's report)
        changed += SmsMessage.objects.filter(
            provider=provider, provider_message_id=report.message_id, status=SmsStatus.SENT
        ).update(status=status, delivered_at=report.at or now, updated_at=now, **error)
    return changed
