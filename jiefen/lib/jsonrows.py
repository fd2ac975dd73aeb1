"""Rows of another table read inside one query: a correlated subquery that answers a JSON array
of the rows (SQLite `json_group_array`, PostgreSQL `jsonb_agg`), and the way back from that
array to model instances, with their related rows, as the ORM would have built them.

A page that shows a dispute and a dozen small lists about it (its requests, orders, files)
reads them all with the dispute's own row instead of one query each:

    rows = Rows(
        "orders",
        SupervisionOrder.objects.filter(dispute=OuterRef("pk")).order_by("-id")[:20],
        related=("to_body", "issued_by"),
    )
    dispute = Dispute.objects.annotate(**{rows.name: rows.expression()}).get(pk=pk)
    orders = rows.load(dispute.orders)

Every concrete field of the model and of each related one is read (a field left out would be
loaded later by a query of its own, or worse be wrong); values come back through the field's own
conversion (encrypted fields decrypt, dates and times are parsed, SQLite's 0/1 become booleans).
No model, no query of its own: a pure helper the apps' selectors use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import F, QuerySet, Subquery, TextField
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_duration, parse_time

# PostgreSQL's jsonb_build_object takes at most 100 arguments: 50 keys an object (a row is one
# object for the model's columns and one for each related model's, inside one more).
MOST_KEYS = 50


class _RowsArray(Subquery):
    """The rows of a correlated queryset as one JSON array (text), "[]" when there are none."""

    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # json(): the inner object comes out of the subquery as text; parse it back into JSON
        # so that the array holds objects, not strings.
        template = "(SELECT json_group_array(json(rows.j)) FROM (%(subquery)s) AS rows)"
        return self.as_sql(compiler, connection, template=template, **extra)  # type: ignore[call-arg]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = (
            "(SELECT COALESCE(jsonb_agg(rows.j), '[]'::jsonb)::text FROM (%(subquery)s) AS rows)"
        )
        return self.as_sql(compiler, connection, template=template, **extra)  # type: ignore[call-arg]


class RowCount(Subquery):
    """How many rows a correlated queryset has (0 when none): `(SELECT COUNT(*) FROM (...))`."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"

    def __init__(self, queryset: QuerySet[Any], **extra: Any) -> None:
        super().__init__(queryset.order_by().values("pk"), output_field=models.IntegerField())


def _concrete(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields]


def _model_at(model: type[models.Model], path: str) -> type[models.Model]:
    for step in path.split("__"):
        model = model._meta.get_field(step).related_model  # type: ignore[assignment]
    return model


@dataclass(frozen=True)
class Rows:
    """`queryset`'s rows (correlated to the outer query by OuterRef, ordered and sliced as it
    says) with the rows of `related` (paths of foreign keys and one-to-one fields, as for
    select_related) attached to each."""

    name: str
    queryset: QuerySet[Any]
    related: tuple[str, ...] = ()
    _paths: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        paths: set[str] = set()
        for path in self.related:
            steps = path.split("__")
            paths.update("__".join(steps[: i + 1]) for i in range(len(steps)))
        object.__setattr__(self, "_paths", tuple(sorted(paths, key=lambda p: (p.count("__"), p))))
        for path in ("", *self._paths):
            if len(self._fields(path)) > MOST_KEYS:
                raise ValueError(f"{self.name}: {path or 'the row'} has over {MOST_KEYS} columns")

    @property
    def model(self) -> type[models.Model]:
        return self.queryset.model

    def _fields(self, path: str) -> list[models.Field[Any, Any]]:
        return _concrete(_model_at(self.model, path) if path else self.model)

    def expression(self) -> _RowsArray:
        objects: dict[str, Any] = {}
        for n, path in enumerate(("", *self._paths)):
            objects[str(n)] = JSONObject(
                **{
                    f.attname: F(f"{path}__{f.attname}" if path else f.attname)
                    for f in self._fields(path)
                }
            )
        return _RowsArray(self.queryset.values(j=JSONObject(**objects)))

    def load(self, text: str | None) -> list[Any]:
        """The instances from the array `expression()` answered, in the queryset's order."""
        raw = json.loads(text or "[]", parse_float=Decimal)
        rows = [self._instance(row) for row in raw if row is not None]
        return _ordered(rows, self.queryset)

    def _instance(self, row: dict[str, Any]) -> Any:
        top = _build(self.model, row["0"])
        built: dict[str, Any] = {"": top}
        for n, path in enumerate(self._paths, start=1):
            parent_path, _, step = path.rpartition("__")
            parent = built.get(parent_path)
            if parent is None:
                built[path] = None
                continue
            relation = parent._meta.get_field(step)
            model = _model_at(self.model, path)
            columns = row.get(str(n)) or {}
            child = None
            if columns.get(model._meta.pk.attname) is not None:
                child = _build(model, columns)
            relation.set_cached_value(parent, child)  # type: ignore[union-attr]
            built[path] = child
        return top


def _build(model: type[models.Model], columns: dict[str, Any]) -> Any:
    fields = _concrete(model)
    values = [value_of(f, columns.get(f.attname)) for f in fields]
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def value_of(f: models.Field[Any, Any], value: Any) -> Any:
    """A column's value as read from JSON, as the ORM would have given it."""
    if value is None:
        return None
    if isinstance(f, models.ForeignKey):
        return value_of(f.target_field, value)
    if isinstance(f, models.JSONField):
        return json.loads(value) if isinstance(value, str) else value
    from_db = getattr(f, "from_db_value", None)
    if from_db is not None:  # encrypted fields: the ciphertext, decrypted by the field
        return from_db(value if isinstance(value, str) else str(value), None, connection)
    if isinstance(f, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is not None and timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)  # SQLite keeps UTC without an offset
        return moment
    if isinstance(f, models.DateField):
        return parse_date(value[:10])
    if isinstance(f, models.TimeField):
        return parse_time(value)
    if isinstance(f, models.DurationField):
        return parse_duration(value) if isinstance(value, str) else value
    if isinstance(f, models.BooleanField):
        return bool(value)
    if isinstance(f, models.DecimalField):
        number = Decimal(str(value))
        return number.quantize(Decimal(1).scaleb(-f.decimal_places)) if f.decimal_places else number
    if isinstance(f, models.FloatField):
        return float(value)
    if isinstance(f, models.IntegerField | models.AutoField):
        return int(value)
    return value


def _ordered(rows: list[Any], queryset: QuerySet[Any]) -> list[Any]:
    """Sort as the queryset's ORDER BY (plain field names, "-" for descending): the array's
    order is the subquery's in practice, but SQL does not promise it."""
    order = list(queryset.query.order_by or queryset.model._meta.ordering or [])
    for name in reversed(order):
        if not isinstance(name, str):
            continue
        descending = name.startswith("-")
        attname = name.lstrip("-")
        if attname == "pk":
            attname = queryset.model._meta.pk.attname
        if "__" in attname:
            continue
        try:
            attname = queryset.model._meta.get_field(attname).attname
        except Exception:  # an annotation's name: left in the array's order
            continue
        rows.sort(key=_by(attname), reverse=descending)
    return rows


def _by(attname: str) -> Any:
    def key(row: Any) -> tuple[int, Any]:
        value = getattr(row, attname)
        return (0, 0) if value is None else (1, value)

    return key
