"""Reads of the proposed session times: a dispute's rounds with their times, replies and joins
in one query (a UNION of the four tables), for the dispute page's panel and the portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import BigIntegerField, BooleanField, CharField, F, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from jiefen.appointments.models import SETTLED, Appointment, Join, Reply, Slot, Status
from jiefen.appointments.services import answering, room_url
from jiefen.disputes.models import Dispute, Party

# Rounds shown: the latest ones; older rounds stay in the history.
SHOWN = 5


@dataclass
class SlotRow:
    pk: int
    starts_at: datetime
    place: str
    remote: bool
    accepted_by: list[Party] = field(default_factory=list)

    @property
    def past(self) -> bool:
        return self.starts_at <= timezone.now()


@dataclass
class ReplyRow:
    pk: int
    at: datetime
    party: Party | None
    slot: SlotRow | None
    note: str


@dataclass
class JoinRow:
    at: datetime
    name: str
    staff: bool


@dataclass
class Round:
    pk: int
    status: str
    proposed_at: datetime
    proposer: str
    chosen_id: int | None
    session_id: int | None
    room_secret: str
    slots: list[SlotRow] = field(default_factory=list)
    replies: list[ReplyRow] = field(default_factory=list)
    joins: list[JoinRow] = field(default_factory=list)
    answers: dict[int, ReplyRow] = field(default_factory=dict)
    waiting: list[Party] = field(default_factory=list)

    @property
    def chosen(self) -> SlotRow | None:
        return next((s for s in self.slots if s.pk == self.chosen_id), None)

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def settled(self) -> bool:
        return self.status in SETTLED

    @property
    def remote(self) -> bool:
        chosen = self.chosen
        return bool(self.settled and chosen and chosen.remote)

    @property
    def upcoming(self) -> bool:
        chosen = self.chosen
        return bool(chosen and chosen.starts_at > timezone.now())

    @property
    def open_slots(self) -> list[SlotRow]:
        return [s for s in self.slots if not s.past]

    def label(self) -> str:
        return str(Status(self.status).label)

    def room(self) -> str:
        """The room's address: call only for a participant."""
        return room_url(Appointment(room_secret=self.room_secret)) if self.remote else ""


def _text(value: Any) -> Any:
    return Value(value, output_field=CharField())


def _int(value: Any) -> Any:
    # Typed: PostgreSQL takes a bare NULL in a UNION for text.
    return Cast(Value(value), output_field=BigIntegerField())


def rounds_of(dispute: Dispute, parties: list[Party] | None = None) -> list[Round]:
    """The dispute's latest rounds, newest first, each with its times, every reply and the
    remote joins, in one query. `parties`: the dispute's parties already read (the dispute
    page prefetches them); read from the dispute otherwise."""
    columns = (
        "u_kind",
        "u_appt",
        "u_row",
        "u_at",
        "u_text",
        "u_label",
        "u_flag",
        "u_party",
        "u_ref",
    )
    no = Value(False, output_field=BooleanField())

    def part(queryset: Any, *values: Any) -> Any:
        return (
            queryset.order_by()
            .annotate(**dict(zip(columns, values, strict=True)))
            .values_list(*columns)
        )

    proposer = Coalesce(NullIf(F("proposed_by__full_name"), _text("")), "proposed_by__username")
    staff = Coalesce(NullIf(F("user__full_name"), _text("")), "user__username", _text(""))
    rounds_ = Appointment.objects.filter(dispute=dispute)
    appointments = part(
        rounds_, _text("a"), F("pk"), F("session_id"), F("proposed_at"), F("status"),
        proposer, no, F("chosen_id"), _int(None),
    )  # fmt: skip
    # The room secret travels in a row of its own.
    secrets_ = part(
        rounds_, _text("k"), F("pk"), _int(None), F("proposed_at"), F("room_secret"),
        _text(""), no, _int(None), _int(None),
    )  # fmt: skip
    slots = part(
        Slot.objects.filter(appointment__dispute=dispute), _text("s"), F("appointment_id"),
        F("pk"), F("starts_at"), F("place"), _text(""), F("remote"), _int(None), _int(None),
    )  # fmt: skip
    replies = part(
        Reply.objects.filter(appointment__dispute=dispute), _text("r"), F("appointment_id"),
        F("pk"), F("at"), F("note"), _text(""), no, F("party_id"), F("slot_id"),
    )  # fmt: skip
    joins = part(
        Join.objects.filter(appointment__dispute=dispute), _text("j"), F("appointment_id"),
        F("pk"), F("at"), _text(""), staff, no, F("party_id"), F("user_id"),
    )  # fmt: skip
    rows = list(appointments.union(secrets_, slots, replies, joins, all=True))
    if parties is None:
        parties = list(dispute.parties.all())
    by_pk = {p.pk: p for p in parties}
    rounds: dict[int, Round] = {}
    for kind, pk, row, at, text, label, _flag, party, _ref in rows:
        if kind == "a":
            rounds[pk] = Round(
                pk=pk,
                status=text,
                proposed_at=at,
                proposer=label or "",
                chosen_id=party,
                session_id=row,
                room_secret="",
            )
    slot_rows: dict[int, SlotRow] = {}
    for kind, pk, row, at, text, _label, flag, _party, _ref in rows:
        found = rounds.get(pk)
        if found is None:
            continue
        if kind == "k":
            found.room_secret = text or ""
        elif kind == "s":
            slot = SlotRow(pk=row, starts_at=at, place=text or "", remote=bool(flag))
            slot_rows[row] = slot
            found.slots.append(slot)
    for kind, pk, row, at, text, label, _flag, party, ref in rows:
        found = rounds.get(pk)
        if found is None:
            continue
        if kind == "r":
            found.replies.append(
                ReplyRow(pk=row, at=at, party=by_pk.get(party), slot=slot_rows.get(ref), note=text)
            )
        elif kind == "j":
            name = by_pk[party].name if party in by_pk else label
            found.joins.append(JoinRow(at=at, name=name or "", staff=party is None))
    people = answering(parties)
    for found in rounds.values():
        found.slots.sort(key=lambda s: (s.starts_at, s.pk))
        found.replies.sort(key=lambda r: (r.at, r.pk))
        found.joins.sort(key=lambda j: j.at)
        for reply in found.replies:
            if reply.party is not None:
                found.answers[reply.party.pk] = reply
        for reply in found.answers.values():
            if reply.slot is not None and reply.party is not None:
                reply.slot.accepted_by.append(reply.party)
        found.waiting = [p for p in people if p.pk not in found.answers]
    ordered = sorted(rounds.values(), key=lambda r: (r.proposed_at, r.pk), reverse=True)
    return ordered[:SHOWN]
