"""The case page shows the newest lines of the timeline and links to タイムライン, which
pages through all of it, newest first: every line exactly once forward and back,
whatever the page size, for whoever may see the case (and nobody else); a deep page
costs what the first does; each view is in the access log."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccessEvent
from cases.models import CaseEvent
from cases.selectors import CASE_PAGE_TIMELINE

pytestmark = pytest.mark.django_db

LINE = re.compile(r"経過メモ(\d+)番")


def numbers(content: str) -> list[int]:
    return [int(n) for n in LINE.findall(content)]


def link(content: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', content)
    return html.unescape(found[1]) if found else None


@pytest.fixture
def long_case(case, coordinator):
    """45 lines a minute apart (two of them at the same instant: the keyset's tie), on
    top of what opening the case wrote."""
    start = timezone.now() - dt.timedelta(days=1)
    # What opening the case wrote comes before them.
    case.events.update(created_at=start - dt.timedelta(hours=1))
    for i in range(45):
        at = start + dt.timedelta(minutes=min(i, 43))
        event = CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.RECORD_ADDED,
            actor=coordinator,
            message=f"経過メモ{i}番を記録しました。",
        )
        CaseEvent.objects.filter(pk=event.pk).update(created_at=at)
    return case


def test_the_case_page_shows_the_newest_lines_and_links_to_the_rest(long_case, coordinator, login):
    page = login(coordinator).get(reverse("cases:case_detail", args=[long_case.pk]))
    content = page.content.decode()
    shown = numbers(content)
    assert len(shown) == CASE_PAGE_TIMELINE
    assert shown[0] == 44 and 0 not in shown
    assert reverse("cases:case_timeline", args=[long_case.pk]) in content


def test_a_short_timeline_has_no_link(case, coordinator, login):
    content = login(coordinator).get(reverse("cases:case_detail", args=[case.pk])).content
    assert reverse("cases:case_timeline", args=[case.pk]) not in content.decode()


@pytest.mark.parametrize("per", ["", "?per=50"])
def test_the_timeline_pages_every_line_once_forward_and_back(
    long_case, coordinator, login, settings, per
):
    settings.KASANE_PAGE_SIZE = 10
    client = login(coordinator)
    url = reverse("cases:case_timeline", args=[long_case.pk])
    pages, query, content = [], per, ""
    for _ in range(20):
        content = client.get(url + query).content.decode()
        pages.append(numbers(content))
        query = link(content, "next")
        if query is None:
            break
    forward = [n for page in pages for n in page]
    # Newest first; the two lines of the same instant by id, newest first too.
    assert forward == list(range(44, -1, -1))
    assert len(pages) == (5 if per == "" else 1)
    # From the last page back to the first, by the 前の links.
    back = [pages[-1]]
    query = link(content, "prev")
    while query:
        content = client.get(url + query).content.decode()
        back.insert(0, numbers(content))
        query = link(content, "prev")
    assert back == pages


def test_the_timeline_is_for_those_who_see_the_case(
    long_case, coordinator, staff_assigned, staff_unassigned, login
):
    url = reverse("cases:case_timeline", args=[long_case.pk])
    assert login(staff_assigned).get(url).status_code == 200
    assert login(staff_unassigned).get(url).status_code == 404
    viewed = AccessEvent.objects.filter(
        user=staff_assigned, object_id=str(long_case.pk), action=AccessEvent.Action.VIEW
    )
    assert viewed.filter(detail__page="タイムライン").count() == 1


def test_a_deep_timeline_page_costs_the_queries_of_the_first(
    long_case, coordinator, login, settings
):
    settings.KASANE_PAGE_SIZE = 5
    client = login(coordinator)
    url = reverse("cases:case_timeline", args=[long_case.pk])
    first = client.get(url).content.decode()
    query = link(first, "next")
    for _ in range(4):
        query = link(client.get(url + query).content.decode(), "next")

    def count(target: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(target).status_code == 200
        return len(ctx.captured_queries)

    assert count(url) == count(url + query) == count(url + "?per=100")


def test_a_cursor_that_is_not_ours_is_the_first_page(long_case, coordinator, login):
    client = login(coordinator)
    url = reverse("cases:case_timeline", args=[long_case.pk])
    first = numbers(client.get(url).content.decode())
    for bad in ["?after=xyz", "?before=%00", "?after=" + "A" * 600, "?after=WyIxIiwiMiJd"]:
        response = client.get(url + bad)
        assert response.status_code == 200
        assert numbers(response.content.decode()) == first
