"""Pages of a list: 25 rows unless the user chose 50 or 100 (``?per=``). Anything else
in ``per`` — a typo, a huge number, a NUL byte — is the default, never an error."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest

PAGE_SIZES = (25, 50, 100)


def page_size(request: HttpRequest) -> int:
    chosen = request.GET.get("per", "")
    for size in PAGE_SIZES:
        if chosen == str(size):
            return size
    return settings.KASANE_PAGE_SIZE


def page_of(request: HttpRequest, rows, *, count: int | None = None) -> Page:
    """The requested page of ``rows`` (a bad page number gives the first or last).
    ``count``: the number of rows when the caller already knows it (e.g. from the
    list's tab counts), so that the paginator does not count them again."""
    paginator = Paginator(rows, page_size(request))
    if count is not None:
        paginator.count = count  # the cached property, set before anything reads it
    return paginator.get_page(request.GET.get("page"))


# ---------------------------------------------------------------------------
# Keyset pages: for the lists that grow with the city (相談一覧, 世帯一覧). A page is
# read from where the previous one ended (``?after=``) or began (``?before=``), so
# the 300th page costs what the first does; there is no page number and no total
# (counting everything a coordinator sees costs more than the page itself).


@dataclass(frozen=True)
class KeyField:
    """One column of a keyset ordering, and how a cursor's text becomes its value."""

    name: str
    parse: Callable[[str], Any]


@dataclass(frozen=True)
class Keyset:
    """An ordering by unique keys (the last one the primary key), all ascending or
    all descending."""

    fields: tuple[KeyField, ...]
    descending: bool = False

    def ordering(self, *, backwards: bool = False, gathered: bool = False) -> list:
        down = self.descending != backwards
        if gathered:
            # Ordered by an expression no index matches: PostgreSQL gathers the rows
            # from the subquery first and sorts the few, instead of walking the whole
            # table's index in hope of meeting the rare rows a sparse subquery allows.
            columns = [Coalesce(F(f.name), F(f.name)) for f in self.fields]
            return [c.desc() if down else c.asc() for c in columns]
        return [f"-{f.name}" if down else f.name for f in self.fields]

    def beyond(self, cursor: tuple, *, backwards: bool = False) -> Q:
        """The rows after ``cursor`` in the list's order (before it, ``backwards``).
        The first column's bound comes first and on its own, so that an index on it
        starts at the cursor instead of filtering everything before it."""
        down = self.descending != backwards
        strict, loose = ("lt", "lte") if down else ("gt", "gte")
        first = self.fields[0].name
        after = Q()
        for i, field in enumerate(self.fields):
            equal = {f.name: cursor[j] for j, f in enumerate(self.fields[:i])}
            after |= Q(**equal, **{f"{field.name}__{strict}": cursor[i]})
        return Q(**{f"{first}__{loose}": cursor[0]}) & after

    def encode(self, key: tuple) -> str:
        text = json.dumps([_key_text(value) for value in key], ensure_ascii=False)
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode(self, token: str) -> tuple | None:
        """The cursor in a link, or None for anything that is not one of ours."""
        if not token or len(token) > 500:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            values = json.loads(raw.decode())
            if not isinstance(values, list) or len(values) != len(self.fields):
                return None
            if not all(isinstance(v, str) and "\x00" not in v for v in values):
                return None
            return tuple(f.parse(v) for f, v in zip(self.fields, values, strict=True))
        except (ValueError, TypeError, UnicodeError, binascii.Error, OverflowError):
            return None


def aware_datetime(text: str) -> dt.datetime:
    """A cursor's time; one without its offset is not one of ours."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value


def _key_text(value) -> str:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)


@dataclass(frozen=True)
class Gathered:
    """A source of ``keyset_keys`` whose rows come from a selective subquery (e.g. the
    cases a user holds an access row on): sorted after gathering, not index-walked."""

    queryset: Any


def source_querysets(sources) -> list:
    """The querysets of ``keyset_read`` sources, unwrapped from ``Gathered``."""
    return [s.queryset if isinstance(s, Gathered) else s for s in sources]


@dataclass
class KeysetPage:
    """What the templates need: the rows, and where the neighbouring pages start."""

    object_list: list
    per_page: int
    previous_token: str | None = None
    next_token: str | None = None

    @property
    def has_previous(self) -> bool:
        return self.previous_token is not None

    @property
    def has_next(self) -> bool:
        return self.next_token is not None


def keyset_keys(request: HttpRequest, sources, keyset: Keyset) -> tuple[list[tuple], KeysetPage]:
    """The keys of the requested page's rows, in list order, read from one or more
    querysets (``sources``) whose rows together make the list; a row in several of
    them counts once. With several sources the keys are merged in Python, so they
    must sort there as in the database (times, numbers, UUIDs; not collated text).
    Each source reads at most one page and one row more, so the cost
    does not grow with how far the user has paged. The caller fetches the rows for
    the keys (the last key is the primary key) and sets ``page.object_list``."""
    per = page_size(request)
    cursor, backwards = keyset.decode(request.GET.get("before", "")), True
    if cursor is None:
        cursor, backwards = keyset.decode(request.GET.get("after", "")), False
    ordered, more = keyset_read(sources, keyset, per=per, cursor=cursor, backwards=backwards)
    page = KeysetPage(object_list=[], per_page=per)
    if ordered:
        first, last = keyset.encode(ordered[0]), keyset.encode(ordered[-1])
        # Rows before this page: those the backward read left over, or the row the
        # forward read started from (and the same the other way).
        if (backwards and more) or (not backwards and cursor is not None):
            page.previous_token = first
        if (not backwards and more) or (backwards and cursor is not None):
            page.next_token = last
    return ordered, page


def keyset_read(
    sources, keyset: Keyset, *, per: int, cursor: tuple | None = None, backwards: bool = False
) -> tuple[list[tuple], bool]:
    """The first ``per`` keys in the keyset's order after ``cursor`` (before it,
    ``backwards``, returned in list order), and whether more follow."""
    names = [f.name for f in keyset.fields]
    reads = []
    for source, queryset in zip(sources, source_querysets(sources), strict=True):
        gathered = isinstance(source, Gathered)
        rows = queryset.order_by(*keyset.ordering(backwards=backwards, gathered=gathered))
        if cursor is not None:
            rows = rows.filter(keyset.beyond(cursor, backwards=backwards))
        reads.append(list(rows.values_list(*names)[: per + 1]))
    if len(reads) == 1:
        ordered = reads[0]  # the database's order (text sorts by its collation)
    else:
        ordered = sorted(set().union(*reads), reverse=keyset.descending != backwards)
    more = len(ordered) > per
    ordered = ordered[:per]
    if backwards:
        ordered.reverse()
    return ordered, more
