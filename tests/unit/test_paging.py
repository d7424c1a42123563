"""Page sizes: 25 by default, 50 or 100 when chosen; anything else is the default."""

import pytest
from django.test import RequestFactory

from core.paging import page_of, page_size


@pytest.mark.parametrize(
    ("per", "size"),
    [
        ("", 25),
        ("25", 25),
        ("50", 50),
        ("100", 100),
        ("1000", 25),
        ("-1", 25),
        ("0", 25),
        ("５０", 25),
        ("50\x00", 25),
        ("abc", 25),
        (" 50", 25),
    ],
)
def test_only_the_offered_sizes_are_taken(per, size):
    assert page_size(RequestFactory().get("/", {"per": per})) == size


def test_a_bad_page_number_gives_a_page_not_an_error():
    request = RequestFactory().get("/", {"per": "50", "page": "xyz"})
    page = page_of(request, list(range(120)))
    assert (page.number, len(page.object_list)) == (1, 50)
    last = page_of(RequestFactory().get("/", {"per": "100", "page": "99"}), list(range(120)))
    assert (last.number, list(last.object_list)) == (2, list(range(100, 120)))
