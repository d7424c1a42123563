"""COPY rows into the tables of Django models, with the columns read from the models.

Each generator row is a dict keyed by column name (``household_id``, not ``household``).
Columns that the generator does not set get the model field's default, ``NULL`` when the
field is nullable, ``""`` for a blank text field, or ``False`` for a boolean — so a column
that another engineer adds to a model keeps loading. A NOT NULL column with none of these
stops the load with its name. Keys starting with ``_`` are the generator's own notes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from psycopg import sql


class LoadError(SystemExit):
    """A table cannot be loaded as the models now stand: stop with the reason."""


def plain(value: Any) -> Any:
    """What COPY should receive for a Python value (choices, JSON)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


class Table:
    """One table to COPY into, built from ``model._meta.concrete_fields``.

    ``explicit_pk``: the generator sets the auto-increment id itself (rows elsewhere point
    at it); otherwise the id column is left to the database. ``lenient``: keys of the row
    that the model lacks are dropped instead of stopping the load (history tables, which
    may leave fields out).
    """

    def __init__(self, model, *, explicit_pk: bool = False, lenient: bool = False, now=None):
        from django.db import models

        self.model = model
        self.name = model._meta.db_table
        self.lenient = lenient
        self.now = now or dt.datetime.now(dt.UTC)
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if explicit_pk or not (f.primary_key and isinstance(f, models.AutoField))
        ]
        self._plan: list[tuple[str, Callable | None, Callable | None, frozenset | None]] = []
        self._keys: frozenset[str] | None = None
        self.defaulted: list[str] = []
        self._missing: dict[str, Callable] = {}

    # -- planning -------------------------------------------------------------------

    def _filler(self, field) -> Callable[[dict], Any]:
        from django.db import models

        if field.has_default():
            if callable(field.default):
                return lambda row, f=field: plain(f.get_default())
            value = plain(field.get_default())
            return lambda row, v=value: v
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return lambda row: row.get("created_at") or self.now
        if field.null:
            return lambda row: None
        if field.blank and isinstance(
            field, models.CharField | models.TextField | models.FileField
        ):
            return lambda row: ""
        if isinstance(field, models.BooleanField):
            return lambda row: False
        raise LoadError(
            f"{self.name}.{field.column} is NOT NULL with no default, and "
            "bench/generate_city.py does not set it: teach the generator a value for it."
        )

    def _compile(self, row: dict) -> None:
        from django.db import models

        keys = frozenset(k for k in row if not k.startswith("_"))
        columns = {f.column for f in self.fields}
        unknown = keys - columns
        if unknown and not self.lenient:
            raise LoadError(
                f"{self.name}: the generator sets {sorted(unknown)}, which the model no longer "
                "has; update bench/generate_city.py."
            )
        plan = []
        for f in self.fields:
            choices = None
            if f.choices and not isinstance(f, models.BooleanField):
                allowed = {k for k, _ in f.flatchoices}
                if f.blank:
                    allowed.add("")
                if f.null:
                    allowed.add(None)
                choices = frozenset(allowed)
            if f.column in keys:
                conv = plain if isinstance(f, models.JSONField) else None
                plan.append((f.column, None, conv, choices))
                with contextlib.suppress(LoadError):  # a later row may leave it out
                    self._missing[f.column] = self._filler(f)
            else:
                plan.append((f.column, self._filler(f), None, None))
                self.defaulted.append(f.column)
        self._plan = plan
        self._keys = keys

    def values(self, row: dict) -> list:
        if self._keys is None:
            self._compile(row)
        out = []
        for column, fill, conv, choices in self._plan:
            if fill is not None:
                out.append(fill(row))
                continue
            try:
                value = row[column]
            except KeyError:
                if column not in self._missing:
                    raise LoadError(f"{self.name}.{column}: a row leaves it out") from None
                value = self._missing[column](row)
            if conv is not None:
                value = conv(value)
            if choices is not None and value not in choices:
                raise LoadError(f"{self.name}.{column}: {value!r} is not one of its choices")
            out.append(value)
        return out

    @property
    def columns(self) -> list[str]:
        return [column for column, *_ in self._plan]

    # -- loading --------------------------------------------------------------------

    def copy(self, conn, rows: Iterable[dict], report: Callable[[str, int, float], None]) -> int:
        """COPY ``rows`` in one transaction; report (table, rows, seconds)."""
        started = time.perf_counter()
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            report(self.name, 0, time.perf_counter() - started)
            return 0
        first_values = self.values(first)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.name), sql.SQL(", ").join(map(sql.Identifier, self.columns))
        )
        count = 1
        with conn.cursor() as cur, cur.copy(statement) as copy:
            copy.write_row(first_values)
            values = self.values
            write = copy.write_row
            for row in iterator:
                write(values(row))
                count += 1
        conn.commit()
        report(self.name, count, time.perf_counter() - started)
        return count


def copy_together(
    connect: Callable[[], Any],
    tables: dict[str, Table],
    rows: Iterable[tuple[str, dict]],
    report: Callable[[str, int, float], None],
) -> dict[str, int]:
    """COPY one stream of ``(key, row)`` into several tables at once, one connection and
    one COPY per table (a connection runs one COPY at a time): a stream too big to hold
    in memory, whose rows belong to different tables, is read once."""
    from contextlib import ExitStack

    started = time.perf_counter()
    counts = dict.fromkeys(tables, 0)
    with ExitStack() as stack:
        conns = {key: stack.enter_context(connect()) for key in tables}
        writers: dict[str, Any] = {}
        for key, row in rows:
            writer = writers.get(key)
            table = tables[key]
            values = table.values(row)
            if writer is None:
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table.name),
                    sql.SQL(", ").join(map(sql.Identifier, table.columns)),
                )
                cur = stack.enter_context(conns[key].cursor())
                writer = writers[key] = stack.enter_context(cur.copy(statement)).write_row
            writer(values)
            counts[key] += 1
    # The ExitStack closed the COPYs, then committed and closed each connection.
    seconds = time.perf_counter() - started
    for n, (key, table) in enumerate(tables.items()):
        # One stream: its time is reported once, on the first table.
        report(f"{table.name} (streamed)", counts[key], seconds if n == 0 else 0.0)
    return counts
