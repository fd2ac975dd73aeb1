"""Sending text messages and keeping how it went: one SmsMessage per notification sent by SMS.

- `sms_queue()` records the message (once per notification: a notification whose e-mail is
  sent again does not text twice) and makes the first attempt.
- `sms_send()` claims the message with a compare-and-swap update (so two workers send it
  once), checks it — the words (sms.refusal: no ID number, no other person's mobile; refused)
  and the number's daily cap (JIEFEN_SMS["daily_cap"] texts sent to one number since local
  midnight; capped, with the reason logged) — and hands it to the provider. A provider's error
  or a network fault marks it failed and due again after retry_seconds × 2^(attempts − 1)
  (60 s, 2 min, 4 min, 8 min by default), up to max_attempts; the retry is enqueued to run
  then, where the task backend can defer work, and the sweep (`sms_retry_due`) sends
  whatever is due in any case, so a lost task or a dead worker delays a message, no more.
  A worker that dies mid-send leaves the claim to expire (LEASE) and the message is tried
  again: a text may, rarely, arrive twice, never silently not at all.

Statuses: queued → sent (the provider took it; delivered once a delivery report says so),
failed (due again, or given up when next_attempt_at is empty), capped, refused.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from jiefen.lib import sealed
from jiefen.lib.days import day_start
from jiefen.lib.personal import mask_phone
from jiefen.supervision.models import Notification, SmsMessage, SmsStatus
from jiefen.supervision.sms import SmsError, provider_name, refusal, sms_provider, sms_settings

log = logging.getLogger(__name__)

# How long a claimed message is left to its sender before another may try it again.
LEASE = timedelta(minutes=5)
WAITING = (SmsStatus.QUEUED, SmsStatus.FAILED)


def sms_queue(
    *, notification: Notification, phone: str, text: str, params: Mapping[str, str]
) -> SmsMessage:
    """The text message carrying `notification` to `phone`, recorded once and sent at once
    (the delivery loop calls it outside any transaction, so the record of the attempt is
    kept whatever happens next); the retries are the worker's and the sweep's."""
    now = timezone.now()
    message, created = SmsMessage.objects.get_or_create(
        notification=notification,
        defaults={
            "phone": sealed.normalise(phone),
            "phone_digest": sealed.digest(phone),
            "phone_masked": mask_phone(sealed.normalise(phone)),
            "kind": notification.kind,
            "text": text[:500],
            "params": json.dumps(dict(params), ensure_ascii=False),
            "queued_at": now,
            "next_attempt_at": now,
            "updated_at": now,
        },
    )
    if created:
        sms_send(message.pk, now=now)
    return message


def sms_queue_to_party(
    *, party: Any, kind: str, text: str, params: Mapping[str, str], once_key: str | None = None
) -> SmsMessage | None:
    """A text to a party's phone on file, recorded and sent at once like a notification's,
    with the same checks, cap and retries. With `once_key`, a second call with the same key
    sends nothing and returns the first message. None when the party has no phone."""
    phone = sealed.normalise(party.phone or "")
    if not phone:
        return None
    now = timezone.now()
    fields = {
        "party": party,
        "phone": phone,
        "phone_digest": sealed.digest(phone),
        "phone_masked": mask_phone(phone),
        "kind": kind,
        "text": text[:500],
        "params": json.dumps(dict(params), ensure_ascii=False),
        "queued_at": now,
        "next_attempt_at": now,
        "updated_at": now,
    }
    if once_key is None:
        message, created = SmsMessage.objects.create(**fields), True
    else:
        message, created = SmsMessage.objects.get_or_create(once_key=once_key, defaults=fields)
    if created:
        sms_send(message.pk, now=now)
        message.refresh_from_db()
    return message


def sms_send_later(message_id: int, at: datetime | None = None) -> None:
    """Ask the worker to send the message (at `at`, where the backend can wait). Failing to
    enqueue loses nothing: the sweep sends whatever is due."""
    from jiefen.supervision.tasks import sms_send_task

    try:
        if at is None:
            sms_send_task.enqueue(message_id)
        elif sms_send_task.get_backend().supports_defer:
            sms_send_task.using(run_after=at).enqueue(message_id)
    except Exception:  # the sweep will send it
        log.exception("could not enqueue SMS %s", message_id)


def _params(message: SmsMessage) -> dict[str, str]:
    try:
        value = json.loads(message.params or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _error_text(error: BaseException, conf: Mapping[str, Any]) -> str:
    """What to keep of an error: its code and words, never a credential."""
    text = str(error) if isinstance(error, SmsError) else f"{type(error).__name__}: {error}"
    for secret in (conf.get("access_key_secret"), conf.get("access_key_id")):
        if secret:
            text = text.replace(str(secret), "***")
    return " ".join(text.split())[:200]


def sms_send(message_id: int, *, now: datetime | None = None) -> str:
    """One attempt at sending the message, if it is due and no one else holds it; returns the
    status it was left in ("" when there was nothing to do)."""
    now = now or timezone.now()
    conf = sms_settings()
    token = uuid.uuid4().hex
    # audit-exempt: delivery bookkeeping (the claim of one attempt), no one's decision
    claimed = SmsMessage.objects.filter(
        pk=message_id, status__in=WAITING, next_attempt_at__lte=now
    ).update(
        send_claim=token,
        next_attempt_at=now + LEASE,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return ""
    message = SmsMessage.objects.get(pk=message_id)
    params = _params(message)

    def finish(status: str, **fields: Any) -> str:
        fields.setdefault("next_attempt_at", None)
        # audit-exempt: delivery bookkeeping (the outcome of one attempt)
        SmsMessage.objects.filter(pk=message_id, send_claim=token).update(
            status=status, send_claim="", updated_at=now, **fields
        )
        return status

    reason = refusal(phone=message.phone, text=message.text, params=params)
    if reason:
        log.warning("SMS %s to %s refused: %s", message.pk, message.phone_masked, reason)
        return finish(SmsStatus.REFUSED, last_error=reason)
    cap = int(conf["daily_cap"])
    sent_today = _reserve(message, token, cap, now)
    if sent_today is not None:
        reason = f"daily cap reached: {sent_today} sent today, the cap is {cap}"
        log.warning("SMS %s to %s not sent: %s", message.pk, message.phone_masked, reason)
        return finish(SmsStatus.CAPPED, last_error=reason)

    provider = sms_provider()
    template = conf["templates"].get(message.kind, "") if getattr(provider, "templated", 0) else ""
    try:
        provider_id = provider.send(
            phone=message.phone, text=message.text, kind=message.kind, params=params
        )
    except Exception as error:
        error_text = _error_text(error, conf)
        again = getattr(error, "retry", True) and message.attempts < int(conf["max_attempts"])
        due = None
        if again:
            due = now + timedelta(seconds=int(conf["retry_seconds"]) * 2 ** (message.attempts - 1))
        log.warning(
            "SMS %s to %s failed (attempt %d%s): %s",
            message.pk,
            message.phone_masked,
            message.attempts,
            f", again at {due.isoformat()}" if due else ", given up",
            error_text,
        )
        status = finish(
            SmsStatus.FAILED,
            sent_at=None,
            last_error=error_text,
            next_attempt_at=due,
            provider=provider_name(provider),
            template=template,
        )
        if due:
            sms_send_later(message_id, at=due)
        return status
    return finish(
        SmsStatus.SENT,
        sent_at=now,
        last_error="",
        provider=provider_name(provider),
        template=template,
        provider_message_id=str(provider_id or "")[:100],
    )


def _number_lock(phone_digest: str) -> None:
    """Serialise, until the end of the transaction, the senders to one number. On SQLite the
    transaction's IMMEDIATE start already holds the one write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(phone_digest[:15], 16)])


def _reserve(message: SmsMessage, token: str, cap: int, now: datetime) -> int | None:
    """Count what went, or is going, to the number today and, under the cap, reserve this
    message's place in the count (its sent_at, cleared again if the attempt fails); both under
    the number's lock, so two workers texting one number at the same instant cannot both pass
    the cap's last place. Returns the count when the cap is reached, None when reserved."""
    with transaction.atomic():
        _number_lock(message.phone_digest)
        sent_today = (
            SmsMessage.objects.filter(
                phone_digest=message.phone_digest, sent_at__gte=day_start(timezone.localdate(now))
            )
            .filter(
                Q(status__in=(SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.UNDELIVERED))
                | (Q(status__in=WAITING) & ~Q(send_claim=""))
            )
            .exclude(pk=message.pk)
            .count()
        )
        if sent_today >= cap:
            return sent_today
        # audit-exempt: delivery bookkeeping (the reserved place under the cap)
        SmsMessage.objects.filter(pk=message.pk, send_claim=token).update(sent_at=now)
    return None


def sms_retry_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Send every message whose attempt is due (the sweep's fallback for the tasks); returns
    how many were sent."""
    now = now or timezone.now()
    due = list(
        SmsMessage.objects.filter(status__in=WAITING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(sms_send(pk, now=now) == SmsStatus.SENT for pk in due)
