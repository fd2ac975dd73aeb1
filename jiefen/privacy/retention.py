"""Retention: parties of disputes closed long ago are anonymised; the statistics stay.

A dispute closed (or declined) before the cutoff — JIEFEN_PARTY_RETENTION_YEARS years before
today, five by default — loses what identifies its parties:

* each party's name becomes a neutral label (当事人甲, 当事人乙, … in the order they were
  registered); phone, ID number, their lookup digests and the address are cleared;
* the narrative written about the people — the dispute's description, the session records and
  what was agreed, the agreement's facts, terms and performance — is replaced by a note: such
  text cannot be scrubbed reliably (relatives, nicknames, places), and nothing counts it;
* short procedural text that must stay readable — the title, event reasons, session attendees,
  escalation requests and answers, ratings' comments, reception bookings — keeps its words with
  the parties' names replaced by their labels and long digit runs (phone, ID, bank numbers)
  masked;
* everything the statistics read is untouched: category, region, dates, status, outcome,
  satisfaction, amounts, people involved, stays, event actions, states and parameters, and
  the rollups. Reveal records (who saw what, when, why) hold no value and are kept.

Each anonymised dispute gets one "anonymise" event, whose params say what was replaced: for each
model, the fields rewritten and how many rows (never a value); and every rewrite is recorded in
the audit chain (audit_bulk: model, fields, primary keys). Rewriting event reasons and
parameters is the one rewrite of the append-only history the design allows (see
jiefen.disputes.models.Event). The job works in chunks of
disputes, each its own transaction with the rows locked and the condition checked again, so it
is resumable after a crash and a second run finds nothing to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from jiefen.audit.services import audit_bulk
from jiefen.disputes.models import Agreement, Dispute, Event, Party, Session, Status
from jiefen.disputes.services import event_append
from jiefen.lib.days import day_start
from jiefen.ops.batches import write_batch
from jiefen.privacy.models import AnonymiseRun

# Five years: the general limitation period of the Civil Code (art. 188) is three years from
# when a party knew of the harm, and a mediation agreement may be performed in instalments,
# reopened, or brought to court afterwards; two more years cover that, and the yearly
# evaluation's year-on-year comparisons, while the figures themselves never need the names.
DEFAULT_RETENTION_YEARS = 5
ACTION = "anonymise"
# Disputes per transaction: each writes its parties, sessions, agreement and an event, so a
# chunk holds the write lock (SQLite) for tens of milliseconds, not seconds.
CHUNK = 20
FINISHED = (Status.CLOSED, Status.DECLINED)
# Stored data, not interface text: written once into the record, in the record's language.
LABELS = "甲乙丙丁戊己庚辛壬癸"
REMOVED = "〔已按保存期限删除〕"
NUMBER_MASK = "〔号码已删除〕"
# Seven digits or more (a phone, ID or bank number), spaces allowed, or a dashed mobile number;
# a dashed date (2026-03-05) is not one.
_LONG_NUMBER = re.compile(r"(?<!\d)(?:\d(?: ?\d){6,}[Xx]?|1\d{2}-\d{4}-\d{4})(?!\d)")


def retention_years() -> int:
    years = getattr(settings, "JIEFEN_PARTY_RETENTION_YEARS", DEFAULT_RETENTION_YEARS)
    if not isinstance(years, int) or years < 1:
        raise ValueError("JIEFEN_PARTY_RETENTION_YEARS must be a whole number of years >= 1")
    return years


def retention_cutoff(today: date, years: int | None = None) -> date:
    """Disputes closed before this day are due: `years` years before `today`."""
    years = retention_years() if years is None else years
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def label(index: int) -> str:
    return f"当事人{LABELS[index]}" if index < len(LABELS) else f"当事人{index + 1}"


def due(closed_before: date) -> QuerySet[Dispute]:
    """Finished disputes closed before the day with a party not yet anonymised."""
    waiting = Party.objects.filter(dispute=OuterRef("pk"), anonymised_at__isnull=True)
    return Dispute.objects.filter(
        status__in=FINISHED, closed_at__lt=day_start(closed_before)
    ).filter(Exists(waiting))


@dataclass
class Done:
    disputes: int = 0
    parties: int = 0


class Scrubber:
    """Replaces the parties' names and addresses by labels and masks long numbers."""

    def __init__(self, replacements: dict[str, str]) -> None:
        # Longest first, so 张三丰 is not left as 当事人甲丰.
        self.pairs = sorted(
            ((old, new) for old, new in replacements.items() if len(old) >= 2),
            key=lambda pair: -len(pair[0]),
        )

    def text(self, value: str, numbers: bool = True) -> str:
        if not value:
            return value
        for old, new in self.pairs:
            value = value.replace(old, new)
        return _LONG_NUMBER.sub(NUMBER_MASK, value) if numbers else value

    def data(self, value: Any) -> Any:
        """Names only in structured parameters: their numbers are ids, dates and counts the
        statistics read."""
        if isinstance(value, str):
            return self.text(value, numbers=False)
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        return value


def _scrub_rows(
    rows: Iterable[Any], scrub: Scrubber, fields: dict[str, str], replaced: dict[str, Any]
) -> None:
    """fields: name → "scrub" (keep the words) | "remove" (replace the text) | "clear". What
    changed goes into `replaced` (model → fields and row count) and the audit chain."""
    changed = []
    changed_fields: set[str] = set()
    for row in rows:
        before = {name: getattr(row, name) for name in fields}
        for name, how in fields.items():
            value = getattr(row, name)
            limit = getattr(row._meta.get_field(name), "max_length", None)
            if how == "scrub" and isinstance(value, str):
                setattr(row, name, scrub.text(value)[:limit])
            elif how == "scrub":
                setattr(row, name, scrub.data(value))
            elif how == "remove" and value:
                setattr(row, name, REMOVED)
            elif how == "clear":
                setattr(row, name, None if row._meta.get_field(name).null else "")
        differs = [name for name in fields if getattr(row, name) != before[name]]
        if differs:
            changed.append(row)
            changed_fields.update(differs)
    if changed:
        model = type(changed[0])
        model.objects.bulk_update(changed, list(fields))
        audit_bulk(
            model=model,
            action="anonymise",
            pks=[row.pk for row in changed],
            fields=sorted(changed_fields),
            region_code=getattr(changed[0], "region_code", None),
        )
        replaced[model._meta.label_lower] = {
            "fields": sorted(changed_fields),
            "rows": len(changed),
        }


# Other apps' records tied to a dispute that may quote its parties; used if the app exists.
RELATED: list[tuple[str, str, dict[str, str]]] = [
    ("portal.EscalationRequest", "dispute", {"reason": "scrub", "answer": "scrub"}),
    ("portal.Rating", "dispute", {"comment": "scrub"}),
    (
        "meetings.ReceptionBooking",
        "dispute",
        {
            "contact_name": "clear",
            "contact_phone": "clear",
            "title": "scrub",
            "description": "scrub",
            "record": "scrub",
        },
    ),
]


def _related_models() -> list[tuple[Any, str, dict[str, str]]]:
    found = []
    for label_, fk, fields in RELATED:
        try:
            model = apps.get_model(label_)
        except LookupError:
            continue
        names = {f.name for f in model._meta.get_fields()}
        kept = {name: how for name, how in fields.items() if name in names}
        if fk in names and kept:
            found.append((model, fk, kept))
    return found


def dispute_anonymise(dispute: Dispute, *, now: datetime, closed_before: date) -> int:
    """Anonymise one locked dispute's parties and the text about them; returns how many parties
    changed. Call inside a transaction holding the dispute's row."""
    parties = list(Party.objects.filter(dispute=dispute).order_by("id"))
    waiting = [p for p in parties if p.anonymised_at is None]
    if not waiting:
        return 0
    replacements: dict[str, str] = {}
    for index, party in enumerate(parties):
        if party.anonymised_at is None:
            replacements[party.name.strip()] = label(index)
            if party.address and len(party.address.strip()) >= 4:
                replacements[party.address.strip()] = "〔住址〕"
            party.name = label(index)
            party.phone = None
            party.id_number = None
            party.address = ""
            party.phone_digest = ""
            party.id_digest = ""
            party.anonymised_at = now
    fields = ["name", "phone", "id_number", "address", "phone_digest", "id_digest", "anonymised_at"]
    Party.objects.bulk_update(waiting, fields)
    audit_bulk(
        model=Party,
        action="anonymise",
        pks=[party.pk for party in waiting],
        fields=fields,
        region_code=dispute.region_code,
    )
    replaced: dict[str, Any] = {"disputes.party": {"fields": fields, "rows": len(waiting)}}
    scrub = Scrubber(replacements)
    Dispute.objects.filter(pk=dispute.pk).update(
        title=scrub.text(dispute.title)[:100],
        description=REMOVED if dispute.description else "",
        version=F("version") + 1,
    )
    audit_bulk(
        model=Dispute,
        action="anonymise",
        pks=[dispute.pk],
        fields=["title", "description", "version"],
        region_code=dispute.region_code,
    )
    replaced["disputes.dispute"] = {"fields": ["title", "description"], "rows": 1}
    _scrub_rows(
        Session.objects.filter(dispute=dispute),
        scrub,
        {"attendees": "scrub", "record": "remove", "agreed": "remove"},
        replaced,
    )
    _scrub_rows(
        Agreement.objects.filter(dispute=dispute),
        scrub,
        {"facts": "remove", "terms": "remove", "performance": "remove"},
        replaced,
    )
    _scrub_rows(
        Event.objects.filter(dispute=dispute),
        scrub,
        {"reason": "scrub", "params": "scrub"},
        replaced,
    )
    for model, fk, fields_of in _related_models():
        _scrub_rows(model.objects.filter(**{fk: dispute}), scrub, fields_of, replaced)
    # The basic facts the documents keep about each party (sex, age, occupation, …).
    from jiefen.documents.services import party_details_erase

    erased = party_details_erase(party_ids=[party.pk for party in waiting])
    if erased:
        replaced["documents.partydetail"] = {"fields": ["*"], "rows": erased}
    event_append(
        dispute=dispute,
        at=now,
        actor=None,
        action=ACTION,
        from_status=dispute.status,
        to_status=dispute.status,
        body_id=dispute.holder_id,
        params={
            "parties": len(waiting),
            "closed_before": closed_before.isoformat(),
            # Which fields of which tables were rewritten, and how many rows: never a value.
            "replaced": replaced,
        },
    )
    return len(waiting)


def parties_anonymise(
    *,
    closed_before: date,
    dry_run: bool = False,
    chunk: int = CHUNK,
    now: datetime | None = None,
    trigger: str = "command",
    progress: Callable[[Done], None] | None = None,
) -> Done:
    """Anonymise every due dispute closed before `closed_before`, `chunk` disputes per
    transaction. With `dry_run`, only count what would be done."""
    now = now or timezone.now()
    done = Done()
    run = None
    if not dry_run:
        run = AnonymiseRun.objects.create(
            started_at=now, closed_before=closed_before, trigger=trigger
        )
    last_id = 0
    while True:
        ids = list(
            due(closed_before)
            .filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            break
        last_id = ids[-1]
        if dry_run:
            done.disputes += len(ids)
            done.parties += Party.objects.filter(
                dispute_id__in=ids, anonymised_at__isnull=True
            ).count()
        else:
            with write_batch():
                # Checked again under the lock: a dispute reopened meanwhile is left alone.
                locked = list(due(closed_before).filter(pk__in=ids).select_for_update())
                for dispute in locked:
                    n = dispute_anonymise(dispute, now=now, closed_before=closed_before)
                    done.disputes += 1 if n else 0
                    done.parties += n
        if progress is not None:
            progress(done)
    if run is not None:
        AnonymiseRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), disputes=done.disputes, parties=done.parties
        )
        audit_bulk(
            model=AnonymiseRun,
            action="update",
            pks=[run.pk],
            fields=["finished_at", "disputes", "parties"],
        )
    return done


def parties_anonymise_due(*, today: date) -> int:
    """The sweep's hook: once a day, anonymise what the retention period makes due; returns
    how many parties were anonymised. The daily check keeps a sweep every few minutes from
    scanning the finished disputes each time."""
    cutoff = retention_cutoff(today)
    if AnonymiseRun.objects.filter(
        trigger="sweep", closed_before=cutoff, finished_at__isnull=False
    ).exists():
        return 0
    return parties_anonymise(closed_before=cutoff, trigger="sweep").parties
