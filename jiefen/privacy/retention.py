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
* the basic facts the documents keep about each party, and the identity documents they gave
  for judicial confirmation (rows and sealed files), are erased;
* the messages between the parties and the mediators (jiefen.conversations) lose their text
  and their file's name; who wrote when stays;
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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from jiefen.audit.services import audit_bulk
from jiefen.disputes.models import Dispute, Status
from jiefen.disputes.reads import disputes_to_anonymise, parties_of_disputes
from jiefen.disputes.services import dispute_parties_anonymise, event_append, rows_scrub
from jiefen.lib.days import day_start
from jiefen.lib.scrub import LABELS, NUMBER_MASK, REMOVED, Scrubber, label  # noqa: F401  (kept names)
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


def due(closed_before: date) -> QuerySet[Dispute]:
    """Finished disputes closed before the day with a party not yet anonymised."""
    return disputes_to_anonymise(statuses=FINISHED, closed_before=day_start(closed_before))


@dataclass
class Done:
    disputes: int = 0
    parties: int = 0


# Other apps' records tied to a dispute that may quote its parties; used if the app exists.
RELATED: list[tuple[str, str, dict[str, str]]] = [
    ("portal.EscalationRequest", "dispute", {"reason": "scrub", "answer": "scrub"}),
    ("portal.Rating", "dispute", {"comment": "scrub"}),
    # The keyed digest of the phone the holder verified: of no use once the phone is gone.
    ("portal.PartyPhoneCheck", "dispute", {"phone_digest": "clear"}),
    (
        "receptions.ReceptionBooking",
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
    changed. Call inside a transaction holding the dispute's row. The dispute app rewrites its
    own tables; the other apps' rows tied to the dispute are rewritten here."""
    done = dispute_parties_anonymise(dispute=dispute, now=now)
    if done is None:
        return 0
    waiting, scrub, replaced = done.parties, done.scrub, done.replaced
    for model, fk, fields_of in _related_models():
        rows_scrub(model.objects.filter(**{fk: dispute}), scrub, fields_of, replaced)
    # The basic facts the documents keep about each party (sex, age, occupation, …).
    from jiefen.documents.services import party_details_erase

    erased = party_details_erase(party_ids=[party.pk for party in waiting])
    if erased:
        replaced["documents.partydetail"] = {"fields": ["*"], "rows": erased}
    # The identity documents the parties gave for the court (judicial confirmation).
    from jiefen.courts.services import identity_documents_erase

    erased = identity_documents_erase(party_ids=[party.pk for party in waiting])
    if erased:
        replaced["courts.identitydocument"] = {"fields": ["*"], "rows": erased}
    # The messages with the parties (their text is about them): blanked, the rows kept.
    from jiefen.conversations.services import messages_blank

    blanked = messages_blank(dispute=dispute, party_ids=[party.pk for party in waiting], now=now)
    if blanked:
        replaced["conversations.message"] = {"fields": ["body", "file_name"], "rows": blanked}
    # What each party wrote when asking for another session time.
    from jiefen.appointments.services import reply_notes_erase

    emptied = reply_notes_erase(party_ids=[party.pk for party in waiting])
    if emptied:
        replaced["appointments.reply"] = {"fields": ["note"], "rows": emptied}
    # Their drawn signatures and refusal reasons on the agreement (time and channel stay).
    from jiefen.documents.assent import assents_erase

    erased = assents_erase(party_ids=[party.pk for party in waiting])
    if erased:
        replaced["documents.assent"] = {"fields": ["signature", "reason"], "rows": erased}
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
            done.parties += parties_of_disputes(ids, anonymised_at__isnull=True).count()
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
