"""What the dispute page's panels read, declared once and read with the dispute's own row.

The staff dispute page shows a dozen panels of several apps (the parties' requests, related
disputes, supervision, documents, evidence…). Read one by one they cost a query each; here
every panel declares its data as a *part* when its app loads, and `selectors.dispute_page`
reads the dispute with all the parts in one query (correlated subqueries on the dispute's row,
each indexed by the dispute), whatever the dispute's history.

A panel declares, in its AppConfig.ready():

    page.rows("portal.escalations",
              lambda: EscalationRequest.objects.filter(dispute=OuterRef("pk")).order_by("-id")[:50],
              related=("answered_by",))          # a list of rows, with related rows joined
    page.value("portal.waiting", lambda: RowCount(...))   # a number, an Exists, any expression
    page.joined("agreement__document_detail")  # a one-to-one row, joined to the dispute's

and reads it while rendering with `page.part(dispute, "portal.escalations")`: answered from the
page's read when the dispute came from it, otherwise by one query of its own (the same
expression), so a panel shown elsewhere still works. Rows come back as model instances
(`lib.jsonrows`). A part's queryset refers to the dispute with OuterRef("pk") (or another
field of the dispute: OuterRef("holder_id")); keep it bounded (a slice) and indexed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from jiefen.lib.jsonrows import Rows


@dataclass(frozen=True)
class Part:
    name: str
    build: Callable[[], Any]  # a queryset for rows, an expression for a value
    related: tuple[str, ...] = ()
    is_rows: bool = True

    @property
    def column(self) -> str:
        return "page__" + self.name.replace(".", "__")

    def rows(self) -> Rows:
        built = _ROWS.get(self.name)
        if built is None or built[0] is not self:
            built = _ROWS[self.name] = (self, Rows(self.name, self.build(), related=self.related))
        return built[1]

    def expression(self) -> Any:
        return self.rows().expression() if self.is_rows else self.build()

    def load(self, raw: Any) -> Any:
        return self.rows().load(raw) if self.is_rows else raw


PARTS: dict[str, Part] = {}
_ROWS: dict[str, tuple[Part, Rows]] = {}
# Each part's SQL, compiled once per process and database (compiling a dozen JSON subqueries
# costs more than running them): (vendor, part) -> RawSQL.
_COMPILED: dict[tuple[str, Part], Any] = {}
JOINED: list[str] = []


def rows(
    name: str, queryset: Callable[[], QuerySet[Any]], *, related: tuple[str, ...] = ()
) -> None:
    """Declare a list of rows a panel shows (see the module's docstring)."""
    PARTS[name] = Part(name, queryset, tuple(related), True)


def value(name: str, expression: Callable[[], Any]) -> None:
    """Declare a value (a count, whether there is any) a panel reads."""
    PARTS[name] = Part(name, expression, (), False)


def joined(*paths: str) -> None:
    """One-to-one rows the page joins to the dispute's row (select_related paths)."""
    JOINED.extend(p for p in paths if p not in JOINED)


def expressions() -> dict[str, Any]:
    """Every part's expression, by its column on the dispute's row: its SQL compiled once,
    referring to the dispute's table by its name as the page's query does."""
    return {p.column: _compiled(p) for p in PARTS.values()}


def _compiled(p: Part) -> Any:
    from django.db import connection
    from django.db.models.expressions import RawSQL

    key = (connection.vendor, p)
    found = _COMPILED.get(key)
    if found is None:
        from jiefen.disputes.models import Dispute

        query = Dispute.objects.annotate(**{p.column: p.expression()}).query
        compiler = query.get_compiler(connection=connection)
        compiler.pre_sql_setup()
        sql, params = compiler.compile(query.annotations[p.column])
        found = _COMPILED[key] = RawSQL(
            sql, tuple(params), output_field=query.annotations[p.column].output_field
        )
    return found


LOADED = "_page_parts"


def attach(dispute: Any) -> None:
    """After the page's read: keep the raw values of the parts on the dispute."""
    dispute.__dict__[LOADED] = {
        name: dispute.__dict__.pop(p.column)
        for name, p in PARTS.items()
        if p.column in dispute.__dict__
    }


def part(dispute: Any, name: str) -> Any:
    """The part `name` of `dispute`: from the page's read, or read now (one query, each time:
    a dispute object kept across writes, as in a test, shows the rows as they are now)."""
    p = PARTS[name]
    loaded: dict[str, Any] = dispute.__dict__.get(LOADED, {})
    if name not in loaded:
        from jiefen.disputes.models import Dispute

        raw = (
            Dispute.objects.filter(pk=dispute.pk)
            .annotate(**{p.column: p.expression()})
            .values_list(p.column, flat=True)
            .first()
        )
        return p.load(raw)
    done: dict[str, Any] = dispute.__dict__.setdefault("_page_parts_done", {})
    if name not in done:
        done[name] = p.load(loaded[name])
    return done[name]


def has(dispute: Any, name: str) -> bool:
    """Whether the page's read brought part `name` (a panel may then skip its own reads)."""
    return name in dispute.__dict__.get(LOADED, {})
