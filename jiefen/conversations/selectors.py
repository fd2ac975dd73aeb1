"""Reads: the threads of a dispute for staff (the dispute page's panel, read with the
dispute's row: disputes.page), a thread as a party sees it, and what happens next for the party."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.conversations.access import may_answer
from jiefen.conversations.models import Message, Thread
from jiefen.disputes.models import Dispute, Party
from jiefen.lib.personal import mask_name

# The panel shows a thread's latest messages; its page shows them all.
PANEL_LATEST = 5
# The dispute page reads the threads and up to this many messages with the dispute's row
# (disputes.page); a dispute with more reads its messages by a query of their own.
PAGE_THREADS = 100
PAGE_MESSAGES = 1000


def page_parts_register() -> None:
    """The threads and their messages on the staff dispute page, read with the dispute."""
    from django.db.models import OuterRef

    from jiefen.disputes import page

    page.rows(
        "conversations.threads",
        lambda: Thread.objects.filter(dispute=OuterRef("pk")).order_by("id")[:PAGE_THREADS],
    )
    page.rows(
        "conversations.messages",
        lambda: Message.objects.filter(dispute=OuterRef("pk")).order_by("written_at", "id")[
            :PAGE_MESSAGES
        ],
        related=("author",),
    )


@dataclass
class StaffThread:
    key: str  # "shared" or "p<party id>", for anchors
    party: Party | None
    thread: Thread | None
    messages: list[Message] = field(default_factory=list)

    @property
    def latest(self) -> list[Message]:
        return self.messages[-PANEL_LATEST:]

    @property
    def earlier(self) -> int:
        return max(0, len(self.messages) - PANEL_LATEST)


def staff_threads(dispute: Dispute, parties: list[Party]) -> tuple[StaffThread, list[StaffThread]]:
    """The shared thread (its `thread` None until opened) and one private thread per party
    (empty until the first message), with their messages. `parties` are the dispute page's."""
    from jiefen.disputes import page

    threads = page.part(dispute, "conversations.threads")  # read with the dispute's page
    by_party = {t.party_id: t for t in threads}
    messages: list[Message] = []
    if threads:
        messages = page.part(dispute, "conversations.messages")
        if len(messages) >= PAGE_MESSAGES:  # more than the page reads with the dispute
            messages = list(
                Message.objects.filter(dispute=dispute)
                .select_related("author")
                .order_by("written_at", "id")
            )
    shared = StaffThread("shared", None, by_party.get(None))
    private = [StaffThread(f"p{p.pk}", p, by_party.get(p.pk)) for p in parties]
    where = {t.pk: s for s in (shared, *private) if (t := s.thread) is not None}
    for message in messages:
        if message.thread_id in where:
            where[message.thread_id].messages.append(message)
    return shared, private


def staff_panel(actor: Any, dispute: Dispute, parties: list[Party]) -> dict[str, Any]:
    shared, private = staff_threads(dispute, parties)
    return {
        "dispute": dispute,
        "shared": shared,
        "private": private,
        "may_answer": may_answer(actor, dispute) and dispute.is_open,
        "closed": not dispute.is_open,
    }


# --- parties --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyLine:
    """A message as a party sees it: who (never a staff member's name), when, the text."""

    pk: int
    mine: bool
    who: str
    at: datetime
    text: str
    file_name: str
    blanked: bool


def _writer(message: Message, party: Party | None, holder: str) -> tuple[bool, str]:
    if message.author_id is not None:
        return False, _("调解员（%(body)s）") % {"body": holder}
    if party is not None and message.party_id == party.pk:
        return True, _("我")
    side = message.party.get_side_display() if message.party else ""
    name = mask_name(message.party.name) if message.party else ""
    return False, f"{side} {name or '*'}".strip()


def party_lines(thread: Thread | None, party: Party | None, holder: str) -> list[PartyLine]:
    if thread is None:
        return []
    out = []
    for m in (
        Message.objects.filter(thread=thread).select_related("party").order_by("written_at", "id")
    ):
        mine, who = _writer(m, party, holder)
        out.append(
            PartyLine(
                pk=m.pk,
                mine=mine,
                who=who,
                at=m.written_at,
                text=m.body or "",
                file_name=m.file_name if m.file_stored else "",
                blanked=m.blanked_at is not None,
            )
        )
    return out


@dataclass(frozen=True)
class OpenRequest:
    what: str
    asked_at: datetime
    due: date | None


@dataclass(frozen=True)
class Next:
    body: str
    address: str
    phone: str
    due: date | None
    days_left: int | None  # working days from today to the deadline; negative when overdue
    requests: list[OpenRequest]


def what_next(dispute: Dispute) -> Next:
    """Who holds the dispute and how to reach them, its current deadline on the working-day
    calendar, and the party's requests still waiting for an answer."""
    from jiefen.calendars.services import calendar_current
    from jiefen.mediators.models import MediatorRequest, RequestState
    from jiefen.portal.models import EscalationRequest, ReviewRequest

    holder = dispute.holder
    due = dispute.due_date if dispute.is_open else None
    days_left = None
    if due is not None:
        today = timezone.localdate()
        try:
            days_left = calendar_current().between(today, due)
        except ValueError:  # a date outside the calendar's years
            days_left = None
    requests: list[OpenRequest] = []
    waiting_here = dispute.is_open and dispute.transfer_to_id is None
    for e in EscalationRequest.objects.filter(
        dispute=dispute, answered_at__isnull=True, auto_escalated_at__isnull=True
    ).order_by("id"):
        if waiting_here and e.body_id == dispute.holder_id:
            requests.append(OpenRequest(_("申请由上一级处理"), e.requested_at, e.due_date))
    for r in ReviewRequest.objects.filter(
        dispute=dispute, answered_at__isnull=True, auto_escalated_at__isnull=True
    ).order_by("id"):
        requests.append(
            OpenRequest(
                _("申请复核（%(kind)s）") % {"kind": r.get_kind_display()},
                r.requested_at,
                r.due_date,
            )
        )
    for m in MediatorRequest.objects.filter(dispute=dispute, state=RequestState.OPEN).order_by(
        "id"
    ):
        requests.append(OpenRequest(str(m.get_kind_display()), m.made_at, m.due_date))
    requests.sort(key=lambda r: r.asked_at)
    return Next(
        body=holder.name,
        address=holder.address,
        phone=holder.public_phone,
        due=due,
        days_left=days_left,
        requests=requests,
    )
