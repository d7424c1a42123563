"""Pages of a list: 25 rows unless the user chose 50 or 100 (``?per=``). Anything else
in ``per`` — a typo, a huge number, a NUL byte — is the default, never an error."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZES = (25, 50, 100)


def page_size(request: HttpRequest) -> int:
    chosen = request.GET.get("per", "")
    for size in PAGE_SIZES:
        if chosen == str(size):
            return size
    return settings.KASANE_PAGE_SIZE


def page_of(request: HttpRequest, rows) -> Page:
    """The requested page of ``rows`` (a bad page number gives the first or last)."""
    return Paginator(rows, page_size(request)).get_page(request.GET.get("page"))
