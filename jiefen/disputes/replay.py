"""Many fresh disputes registered and moved in memory, then written together: an import's chunk.

The services (services.py) write one move at a time: lock the row, check, change it, write its
event, fold it into the rollups, its audit records and its search words, about a dozen
statements a move. An imported ledger row is a whole history at once (registered, accepted,
resolved, visited, closed) of a dispute nobody else can see yet, so a chunk of rows is played
here through the same pieces of the services — the same checks (registration_checked,
move_checked, move_allowed and each move's own), the same changes (registration_built and each
move's `*_apply`, move_applied with its level stays and deadlines), the same event parameters
and the same number allocation — with the rows kept in memory, and then written once per table:
the disputes, their parties, level stays, agreements and events in one INSERT each, the audit
records each save would have written (in the same order, with the same fields) in the chunk's
one INSERT (audit.chain.gathered), the rollups folded event by event as rollup_event folds them
and added in one statement per table (metrics' rollup_replay), and the search index rows of the
chunk (REPLAY_FOLLOWERS). The other event followers are called per event, after the write, with
the facts a move reads with its lock set to "nothing": a dispute registered in this transaction
has no mediators assigned, no notices and no party's request waiting.

What it plays: registration and the moves that change only the dispute, its stays and its
agreement (accept, decline, resolve, visit, close). A move that writes other tables (a
session record, a transfer up a level, an assignment) is not replayed: raise rather than
guess, and write such rows through the services.

Replaying reads (the calendar, the rules, the bodies) and writes nothing; the numbers are taken
when the chunk is written (one UPDATE per town and year, in the order of registration). So on
SQLite the single write lock is held only while the rows are written:

    with Replay() as replay:  # the deadline rules read once for all its moves
        d = replay.register(actor=clerk, data=data, at=t0)
        replay.accept(actor=clerk, dispute=d, at=t1)
    with transaction.atomic(), gathered():
        replay.write()
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jiefen.audit.capture import created_fields, saved_record
from jiefen.disputes import services
from jiefen.disputes.lifecycle import Action
from jiefen.disputes.models import Agreement, Dispute, Event, LevelStay, Party
from jiefen.lib.rows import rows_insert
from jiefen.rules.services import rules_pinned

# A replayed dispute's number until the chunk is written (a number has a value when its
# registration is recorded).
UNNUMBERED = "…"


class Replay:
    def __init__(self) -> None:
        self.disputes: list[Dispute] = []
        self.parties: list[Party] = []
        self.stays: list[LevelStay] = []
        self.agreements: list[Agreement] = []
        self.events: list[Event] = []
        # What each save would have recorded in the audit chain, in order: the object (whose
        # id is known once written), whether it was a creation, and the fields.
        self.records: list[tuple[Any, bool, list[str]]] = []
        self.held: set[int] = set()  # id() of the objects "inserted" so far
        self.history: dict[int, list[Event]] = {}  # id(dispute) → its events
        self.stays_of: dict[int, list[LevelStay]] = {}
        self.parties_of: dict[int, list[Party]] = {}
        self.keys: list[str] = []  # the number series of each dispute, in order
        self.rollups = services.rollup_replay()
        self.written = False
        self.rules: Any = None

    def __enter__(self) -> Replay:
        self.rules = rules_pinned()
        self.rules.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.rules.__exit__(*exc)
        self.rules = None

    # The services' write points (services._stored, services._saved) while replaying.

    def holds(self, instance: Any) -> bool:
        return id(instance) in self.held

    def saved(self, instance: Any, update_fields: list[str] | None) -> None:
        if self.holds(instance):
            if update_fields is None:
                raise NotImplementedError("a replayed row is saved with the fields it changed")
            if update_fields:  # save(update_fields=[]) writes and records nothing
                self.records.append((instance, False, list(update_fields)))
        elif isinstance(instance, Agreement):
            self.agreements.append(instance)
            self._insert(instance)
        else:
            raise NotImplementedError(f"a replay does not write {type(instance).__name__} rows")

    def _insert(self, instance: Any) -> None:
        self.held.add(id(instance))
        self.records.append((instance, True, created_fields(instance)))

    # Registration and moves, as the services make them.

    def register(self, *, actor: Any, data: services.DisputeInput, at: datetime) -> Dispute:
        amount = services.registration_checked(actor=actor, data=data)
        assert data.region is not None
        with self._playing():
            dispute, stay = services.registration_built(
                actor=actor, data=data, amount=amount, now=at
            )
            dispute.number = UNNUMBERED
            self.keys.append(services.number_key(data.region, at))
            self.disputes.append(dispute)
            self._insert(dispute)
            parties = services.parties_built(dispute, data)
            self.parties.extend(parties)
            self.parties_of[id(dispute)] = parties
            # Nothing can refer to a dispute not yet committed: the facts a move reads with its
            # lock (assignments, notices, requests waiting) are all "none".
            for name in services.LOCK_FACTS:
                dispute.__dict__[name] = 0
            self.history[id(dispute)] = []
            self.stays_of[id(dispute)] = []
            stay.dispute = dispute
            self._stay_new(dispute, stay)
            self._event(
                dispute,
                actor=actor,
                action=Action.REGISTER,
                at=at,
                from_status="",
                body_id=data.body.pk,
                params=services.registration_params(dispute, data),
            )
        return dispute

    def accept(self, *, actor: Any, dispute: Dispute, at: datetime) -> Dispute:
        return self._move(actor, dispute, Action.ACCEPT, services.accept_apply(actor), at)

    def decline(
        self, *, actor: Any, dispute: Dispute, reason: str, route: str = "", at: datetime
    ) -> Dispute:
        services.decline_checked(route)
        apply = services.decline_apply(actor, route, "")
        return self._move(actor, dispute, Action.DECLINE, apply, at, reason=reason)

    def resolve(
        self,
        *,
        actor: Any,
        dispute: Dispute,
        outcome: str,
        route: str = "",
        agreement: services.AgreementInput | None = None,
        reason: str = "",
        at: datetime,
    ) -> Dispute:
        services.resolve_checked(outcome=outcome, route=route, agreement=agreement, at=at)
        apply = services.resolve_apply(actor, outcome, route, agreement, "")
        return self._move(actor, dispute, Action.RESOLVE, apply, at, reason=reason)

    def visit(
        self,
        *,
        actor: Any,
        dispute: Dispute,
        satisfaction: int | None,
        held: bool | None,
        at: datetime,
    ) -> Dispute:
        services.visit_checked(satisfaction)
        apply = services.visit_apply(satisfaction, held)
        return self._move(actor, dispute, Action.VISIT, apply, at)

    def close(self, *, actor: Any, dispute: Dispute, at: datetime) -> Dispute:
        return self._move(actor, dispute, Action.CLOSE, services.close_apply(), at)

    def _move(
        self,
        actor: Any,
        dispute: Dispute,
        action: Action,
        apply: services.Apply,
        at: datetime,
        *,
        reason: str = "",
    ) -> Dispute:
        """services._move without the lock and the version check (nobody else sees the
        dispute), on the dispute in hand."""
        if id(dispute) not in self.history:
            raise ValueError("only a dispute registered by this replay can be moved by it")
        move, reason = services.move_checked(actor=actor, action=action, reason=reason)
        with self._playing():
            acting_body_id = services.move_allowed(actor=actor, dispute=dispute, move=move)
            open_ = [s for s in self.stays_of[id(dispute)] if s.left_at is None]
            stay = open_[-1] if open_ else None
            from_status, stay, params, changed = services.move_applied(
                dispute, stay, move, apply, at
            )
            if stay is not None and not self.holds(stay):
                self._stay_new(dispute, stay)
            if changed:
                self.records.append((dispute, False, changed))
            self._event(
                dispute,
                actor=actor,
                action=action,
                at=at,
                from_status=from_status,
                body_id=acting_body_id,
                reason=reason,
                params=params | services.deadline_params(dispute),
            )
        return dispute

    def _playing(self) -> Any:
        if self.written:
            raise RuntimeError("this replay is written already")
        if self.rules is None:
            raise RuntimeError("replay inside `with Replay() as replay:`")
        return _Playing(self)

    def _stay_new(self, dispute: Dispute, stay: LevelStay) -> None:
        self.stays.append(stay)
        self.stays_of[id(dispute)].append(stay)
        self._insert(stay)

    def _event(
        self,
        dispute: Dispute,
        *,
        actor: Any,
        action: str,
        at: datetime,
        from_status: str,
        body_id: int | None,
        params: dict[str, Any],
        reason: str = "",
    ) -> None:
        """What services.event_append writes (made by services.event_new), kept until the
        chunk is written; the rollups fold it now, from the dispute's history in hand."""
        event = services.event_new(
            dispute=dispute,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=dispute.status,
            body_id=body_id,
            reason=reason,
            params=params,
        )
        self.events.append(event)
        self._insert(event)
        earlier = self.history[id(dispute)]
        self.rollups.event(event, dispute, earlier, self.stays_of[id(dispute)])
        earlier.append(event)

    # Writing

    def write(self) -> None:
        """Write everything replayed, each table once, in the caller's transaction (inside its
        `gathered()` block, so the audit records go in the chunk's one INSERT)."""
        if self.written:
            raise RuntimeError("this replay is written already")
        self.written = True
        if not self.disputes:
            return
        # The rows that refer to a dispute or a stay take its id from the object in hand as
        # they are written.
        taken: dict[str, list[str]] = {}
        for key in dict.fromkeys(self.keys):
            taken[key] = services.numbers_taken(key, self.keys.count(key))[::-1]
        for dispute, key in zip(self.disputes, self.keys, strict=True):
            dispute.number = taken[key].pop()
        # Each row's creation and changes are recorded below, as their saves would have been.
        rows_insert(Dispute, self.disputes, ids=True)
        # audit-exempt: the parties are part of the registration, recorded by its event
        Party.objects.bulk_create(self.parties)
        rows_insert(LevelStay, self.stays, ids=True)
        rows_insert(Agreement, self.agreements, ids=True)
        rows_insert(Event, self.events, ids=True)
        for dispute in self.disputes:
            # Known without asking the database again (the search index reads them).
            known = dispute.parties.all()  # type: ignore[attr-defined]
            known._result_cache = self.parties_of[id(dispute)]  # type: ignore[attr-defined]
            known._prefetch_done = True  # type: ignore[attr-defined]
            dispute._prefetched_objects_cache = {"parties": known}  # type: ignore[attr-defined]
        for instance, created, fields in self.records:
            saved_record(type(instance), instance, created=created, fields=fields)
        self.rollups.write()
        replayed = [f for f in services.EVENT_FOLLOWERS if f in services.REPLAY_FOLLOWERS]
        others = [f for f in services.EVENT_FOLLOWERS if f not in services.REPLAY_FOLLOWERS]
        for event in self.events:
            for follow in others:
                follow(event, event.dispute)
        agreements = {a.dispute_id: a for a in self.agreements}
        for follow in replayed:
            services.REPLAY_FOLLOWERS[follow](self.disputes, agreements)


class _Playing:
    """While a move is replayed, the services' writes go to the replay."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay

    def __enter__(self) -> None:
        self.token = services.replaying.set(self.replay)

    def __exit__(self, *exc: Any) -> None:
        services.replaying.reset(self.token)
