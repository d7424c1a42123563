"""The long lists (相談一覧, 世帯一覧) are read a page at a time from where the last
page ended (keyset): walking them forward and back shows every visible row exactly
once, in order, however the rows reach the user; a page deep in the list costs the
same queries as the first; a cursor that is not ours is the first page, never an error."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Consultation, Household
from core.paging import KeyField, Keyset, aware_datetime
from tests.factories import make_consultation, member_data, open_case

pytestmark = pytest.mark.django_db

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NOON = dt.datetime(2026, 4, 1, 3, 0, tzinfo=dt.UTC)


def rows(content: str, prefix: str) -> list[str]:
    return re.findall(rf'href="/{prefix}/({UUID})/"', content)


def link(content: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', content)
    return html.unescape(found[1]) if found else None


def walk(client, url: str, prefix: str, rel: str = "next", start: str = "") -> list[list[str]]:
    """The rows of each page, following the rel links from ``start``."""
    pages, query = [], start
    for _ in range(50):
        response = client.get(url + query)
        assert response.status_code == 200
        content = response.content.decode()
        pages.append(rows(content, prefix))
        query = link(content, rel)
        if query is None:
            return pages
    raise AssertionError("the pages do not end")


@pytest.fixture
def consultations(coordinator, staff_assigned, staff_unassigned):
    """What the coordinator sees through three ways — uncased at their own window,
    handed to 多機関協働 by another window, and on a case — and what they do not
    (closed at another window). Received times include ties."""
    own = [make_consultation(actor=coordinator) for _ in range(3)]
    handed = [make_consultation(actor=staff_unassigned) for _ in range(3)]
    cased_from = make_consultation(actor=staff_assigned)
    open_case(cased_from, actor=coordinator)
    hidden = [
        make_consultation(actor=staff_unassigned, outcome=Consultation.Outcome.INFO_ONLY)
        for _ in range(2)
    ]
    visible = own + handed + [cased_from]
    # Seven visible rows over five instants: three share one (the keyset's tie).
    times = [0, 1, 1, 1, 2, 3, 4]
    for consultation, minutes in zip(visible, times, strict=True):
        Consultation.objects.filter(pk=consultation.pk).update(
            received_at=NOON + dt.timedelta(minutes=minutes)
        )
    for consultation in hidden:
        Consultation.objects.filter(pk=consultation.pk).update(received_at=NOON)
    newest_first = sorted(
        Consultation.objects.filter(pk__in=[c.pk for c in visible]),
        key=lambda c: (c.received_at, c.pk),
        reverse=True,
    )
    return {"visible": [str(c.pk) for c in newest_first], "hidden": hidden}


def test_the_consultation_list_walks_every_visible_row_once_forward_and_back(
    login, coordinator, consultations, settings
):
    settings.KASANE_PAGE_SIZE = 2
    client = login(coordinator)
    url = reverse("cases:consultation_list")
    forward = walk(client, url, "consultations")
    assert [len(page) for page in forward] == [2, 2, 2, 1]
    assert [pk for page in forward for pk in page] == consultations["visible"]

    # Back from the last page by the 前の links: the same pages, in reverse.
    last = client.get(url).content.decode()
    query = ""
    for _ in range(3):
        query = link(client.get(url + query).content.decode(), "next")
    assert query
    back = walk(client, url, "consultations", rel="prev", start=query)
    assert back == forward[::-1]
    assert "最初へ" not in last


def test_the_uncased_filter_pages_only_uncased_rows(login, coordinator, consultations, settings):
    settings.KASANE_PAGE_SIZE = 2
    client = login(coordinator)
    pages = walk(client, reverse("cases:consultation_list"), "consultations", start="?uncased=1")
    shown = [pk for page in pages for pk in page]
    uncased = {
        str(pk)
        for pk in Consultation.objects.filter(case__isnull=True).values_list("pk", flat=True)
    }
    assert shown == [pk for pk in consultations["visible"] if pk in uncased]
    assert len(shown) == 6


def test_agency_staff_page_only_what_they_see(login, staff_unassigned, consultations, settings):
    settings.KASANE_PAGE_SIZE = 2
    pages = walk(login(staff_unassigned), reverse("cases:consultation_list"), "consultations")
    expected = {
        str(pk)
        for pk in Consultation.objects.filter(
            receiving_agency=staff_unassigned.agency, case__isnull=True
        ).values_list("pk", flat=True)
    }
    shown = [pk for page in pages for pk in page]
    assert len(shown) == len(set(shown)) == 5
    assert set(shown) == expected


@pytest.mark.parametrize(
    "query",
    [
        "?after=garbage",
        "?after=" + "A" * 600,
        "?before=%00",
        "?after=WyJ4Il0",  # ["x"]: one value where two are needed
        "?after=WyJub3QgYSBkYXRlIiwgIngiXQ",  # ["not a date", "x"]
        "?after=WyIyMDI2LTA0LTAxVDEyOjAwOjAwIiwgIng5Il0",  # a time without its offset
        "?per=100000&before=",
    ],
)
def test_a_cursor_that_is_not_ours_is_the_first_page(
    login, coordinator, consultations, settings, query
):
    settings.KASANE_PAGE_SIZE = 2
    client = login(coordinator)
    url = reverse("cases:consultation_list")
    response = client.get(url + query)
    assert response.status_code == 200
    assert rows(response.content.decode(), "consultations") == consultations["visible"][:2]


def test_the_page_size_can_be_chosen(login, coordinator, consultations, settings):
    settings.KASANE_PAGE_SIZE = 2
    # 50 a page: everything on one page, no page links.
    content = login(coordinator).get(reverse("cases:consultation_list") + "?per=50").content
    assert rows(content.decode(), "consultations") == consultations["visible"]
    assert 'rel="next"' not in content.decode()


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_a_deep_page_costs_the_queries_of_the_first(login, coordinator, staff_unassigned, settings):
    settings.KASANE_PAGE_SIZE = 3
    for _ in range(12):
        make_consultation(actor=staff_unassigned)
    client = login(coordinator)
    url = reverse("cases:consultation_list")
    first = client.get(url).content.decode()
    query = link(first, "next")
    for _ in range(2):
        query = link(client.get(url + query).content.decode(), "next")
    assert queries_for(client, url) == queries_for(client, url + query)
    # …and the same with three times the rows on a page.
    assert queries_for(client, url + "?per=25") == queries_for(client, url)


# -- 世帯一覧 -----------------------------------------------------------------------


@pytest.fixture
def households(coordinator, staff_unassigned):
    kana = ["あおき", "いとう", "いとう", "うえだ", "えんどう", "おおた"]
    made = [
        make_consultation(
            actor=coordinator, members=[member_data(family_name="某", family_name_kana=k)]
        ).household
        for k in kana
    ]
    # Not the coordinator's: closed at another window.
    make_consultation(
        actor=staff_unassigned,
        outcome=Consultation.Outcome.INFO_ONLY,
        members=[member_data(family_name="某", family_name_kana="あいざわ")],
    )
    return sorted(made, key=lambda h: (h.kana_key, str(h.pk)))


def test_the_household_list_walks_every_visible_household_once(
    login, coordinator, households, settings
):
    settings.KASANE_PAGE_SIZE = 4
    client = login(coordinator)
    url = reverse("cases:household_list")
    pages = walk(client, url, "households")
    shown = [pk for page in pages for pk in page]
    assert [len(page) for page in pages] == [4, 2]
    # ふりがな order from the database; the two いとう households in id order.
    expected = list(
        Household.objects.filter(pk__in=[h.pk for h in households])
        .order_by("kana_key", "pk")
        .values_list("pk", flat=True)
    )
    assert shown == [str(pk) for pk in expected]


def test_a_household_search_pages_only_what_matches_and_is_visible(
    login, coordinator, staff_unassigned, households, settings
):
    settings.KASANE_PAGE_SIZE = 1
    client = login(coordinator)
    pages = walk(client, reverse("cases:household_list"), "households", start="?q=イトウ")
    shown = [pk for page in pages for pk in page]
    itou = [str(h.pk) for h in households if h.members.get().family_name_kana == "いとう"]
    assert sorted(shown) == sorted(itou)
    assert len(shown) == 2
    # The other window's household matches あい but is not the coordinator's.
    assert walk(client, reverse("cases:household_list"), "households", start="?q=あいざわ") == [[]]
    assert walk(
        login(staff_unassigned), reverse("cases:household_list"), "households", start="?q=あいざわ"
    ) != [[]]


# -- the keyset itself ------------------------------------------------------------


def test_a_cursor_round_trips_and_bounds_the_first_column():
    keyset = Keyset((KeyField("received_at", aware_datetime), KeyField("id", uuid.UUID)), True)
    key = (timezone.now(), uuid.uuid4())
    assert keyset.decode(keyset.encode(key)) == key
    q = str(keyset.beyond(key))
    # The first column alone first (an index can start there), then the tie-break.
    assert q.startswith("(AND: ('received_at__lte'")
    assert "'id__lt'" in q
    assert "'received_at__gt'" in str(keyset.beyond(key, backwards=True))


@pytest.mark.parametrize("gather_cases", [0, 2000])
def test_cased_consultations_are_the_same_gathered_or_walked(
    login, coordinator, consultations, settings, monkeypatch, gather_cases
):
    """A user with few cases has their consultations fetched by case id, one with many
    meets them walking newest first: the same rows either way."""
    from cases import selectors

    monkeypatch.setattr(selectors, "GATHER_CASES", gather_cases)
    settings.KASANE_PAGE_SIZE = 2
    pages = walk(login(coordinator), reverse("cases:consultation_list"), "consultations")
    assert [pk for page in pages for pk in page] == consultations["visible"]


def test_the_coordinators_home_lists_the_waiting_consultations_oldest_first(
    login, coordinator, consultations
):
    """Uncased consultations handed to 多機関協働 — own window's and other windows' — the
    longest waiting first; neither a consultation on a case nor one closed elsewhere."""
    content = login(coordinator).get(reverse("home")).content.decode()
    section = content.split('id="waiting-heading"')[1].split("</section>")[0]
    waiting = Consultation.objects.filter(
        case__isnull=True, outcome=Consultation.Outcome.COLLABORATION
    ).order_by("received_at", "pk")
    assert rows(section, "consultations") == [str(c.pk) for c in waiting]
    assert len(rows(section, "consultations")) == 6
    for hidden in consultations["hidden"]:
        assert str(hidden.pk) not in section
