"""Bad input on every form: no HTTP 500 (issue "Scale, deployment and faults").

Every URL the project routes that accepts POST — found from the URL resolver, as the
write matrix finds them — is sent hypothesis-generated hostile input by a persona the
write matrix lets write it, with the matrix's valid data as the template: a field at a
time or a few at once, each replaced by empty, 10,000-character, NUL-byte, full-width,
negative and huge numbers, impossible dates, SQL and spreadsheet formulas, several values
where one is expected — or left out. The fields are the template's and those the URL's
GET page shows in its forms. Whatever it sends, the answer is below 500.

The world is the write matrix's (built once for the module); each example runs in a
savepoint of its own and is rolled back, and the client gets its session cookie back, so
every example starts from the same world.

Hypothesis profiles (module-local, so the rest of the suite keeps its own settings):
``form-fuzz-ci`` (chosen when CI=true: few examples per URL, derandomized, reproducible),
``form-fuzz-dev`` (the local default) and ``form-fuzz-thorough`` (an exploration run:
``FORM_FUZZ_PROFILE=form-fuzz-thorough``).
"""

from __future__ import annotations

import copy
import os
import traceback
import uuid
from html.parser import HTMLParser
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.urls import resolve, reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import IN_CI, require_postgres
from tests import test_write_matrix as matrix
from tests.test_url_protection import PUBLIC_URL_NAMES, routed_urls
from tests.test_write_matrix import OK, PERSONAS, ROW_BY_URL, fingerprint

pytestmark = [pytest.mark.postgres]

# The write matrix's world (module-scoped: built once for this module too).
world = matrix.world

# ---------------------------------------------------------------------------
# Profiles

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
settings.register_profile(
    "form-fuzz-ci", max_examples=6, derandomize=True, database=None, print_blob=True, **_COMMON
)
settings.register_profile("form-fuzz-dev", max_examples=12, **_COMMON)
settings.register_profile(
    "form-fuzz-thorough", max_examples=80, phases=[Phase.explicit, Phase.generate], **_COMMON
)
PROFILE = os.environ.get("FORM_FUZZ_PROFILE") or ("form-fuzz-ci" if IN_CI else "form-fuzz-dev")


# ---------------------------------------------------------------------------
# Hostile values

MISSING = object()  # the field is left out of the POST

HOSTILE = [
    "",
    " ",
    "\r\n\t",
    "x" * 10_000,
    "あ" * 10_000,
    "\x00",
    "相談\x00内容",
    "１２３",  # full-width digits
    "１",
    "٣",  # another script's digit
    "-1",
    "0",
    "-999999999999999999999999",
    "99999999999999999999999999999",
    "2147483648",
    "9223372036854775808",
    "1e309",
    "NaN",
    "-inf",
    "1.5",
    "2025-02-30",
    "0000-00-00",
    "9999-12-31",
    "令和99",
    "令和99年13月40日",
    "平成",
    "明治1",
    "25:61",
    "' OR 1=1 --",
    '"; DROP TABLE cases_case; --',
    '=HYPERLINK("http://example.com/x","詳細")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%s%s%n",
    "\u202e反転",
    "😀👨‍👩‍👧",
    "\ufeff",
    "00000000-0000-0000-0000-000000000000",
    str(uuid.UUID(int=0xFFFFFFFF_FFFF_FFFF_FFFF_FFFFFFFFFFFF)),
    "../../etc/passwd",
    "null",
    "[]",
]

# Text that encodes (no lone surrogates), short enough to keep requests quick.
encodable_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
numbers = st.one_of(
    st.integers(), st.integers(min_value=-(2**70), max_value=2**70), st.floats()
).map(str)
single = st.one_of(st.sampled_from(HOSTILE), encodable_text, numbers)
value = st.one_of(
    st.just(MISSING),
    single,
    single,  # weighted: a single bad value is the common case
    st.lists(single, min_size=2, max_size=3),  # several values where one is expected
)

# Present on every create form (the one-time token); bad tokens must be refused too.
ALWAYS = ("form_token",)


# ---------------------------------------------------------------------------
# The POST URLs, from the resolver


def post_url_names() -> list[str]:
    """Every routed URL name with a write-matrix row: test_every_post_url_has_a_row
    proves that every URL that accepts POST has one (the admin excepted, as there)."""
    names = {resolve(u).view_name for u in routed_urls() if not u.startswith("/admin/")}
    return sorted(names & set(ROW_BY_URL))


def persona_for(url_name: str) -> str:
    """The persona the write matrix lets write the URL (its OK cell); a URL without one
    (login, the MFA redirects, the public password link) is posted by whoever the row
    lets past the door: anonymous for a public URL, else the first user not refused."""
    expected = ROW_BY_URL[url_name].expected
    for persona, want in zip(PERSONAS, expected, strict=True):
        if want == OK:
            return persona
    if url_name in PUBLIC_URL_NAMES:
        return "anonymous"
    for persona, want in zip(PERSONAS, expected, strict=True):
        if persona != "anonymous" and want not in (403, 404):
            return persona
    raise AssertionError(f"no persona may write {url_name}")


class _FormFields(HTMLParser):
    """The names of the inputs of a page's POST forms."""

    def __init__(self) -> None:
        super().__init__()
        self.in_post_form = False
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_post_form = (attrs.get("method") or "").lower() == "post"
        elif self.in_post_form and tag in ("input", "select", "textarea", "button"):
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken":
                self.names.add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False


def get_form_fields(client, url: str) -> set[str]:
    """The field names the URL's GET page shows (none if it does not answer GET)."""
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return set()
    parser = _FormFields()
    parser.feed(response.content.decode(response.charset or "utf-8", "replace"))
    return parser.names


# The two 500s the fuzz first found: a NUL byte in a raw POST "reason" (views that read
# request.POST without a form) reached PostgreSQL. model_save now refuses it.
NUL_REASONS = ["cases:dv_measure_end", "meetings:proposal_decline"]


# ---------------------------------------------------------------------------


def describe(url: str, mutation: dict[str, Any], response) -> str:
    def short(v):
        if v is MISSING:
            return "<missing>"
        text = repr(v)
        return text if len(text) <= 80 else f"{text[:60]}…({len(text)} chars)"

    fields = ", ".join(f"{k}={short(v)}" for k, v in mutation.items())
    head = ""
    if getattr(response, "exc_info", None):
        lines = traceback.format_exception(*response.exc_info)
        head = "".join(lines[-6:])
    return f"HTTP {response.status_code} on POST {url} with {fields}\n{head}"


def post(spec: dict[str, Any], mutation: dict[str, Any]):
    """POST the valid data with ``mutation`` applied, in a savepoint rolled back after:
    the world is as it was before. A fresh one-time token, as a fresh page has."""
    data = {
        **spec["data"],
        "form_token": str(uuid.uuid4()),
        "c-form_token": str(uuid.uuid4()),
    }
    for field, v in mutation.items():
        if v is MISSING:
            data.pop(field, None)
        else:
            data[field] = v
    client = spec["client"]
    client.cookies = copy.deepcopy(spec["cookies"])
    with transaction.atomic():
        response = client.post(spec["url"], data)
        transaction.set_rollback(True)
    return response


def make_target(world, url_name: str) -> dict[str, Any]:
    """The URL's persona client, kwargs, valid data and fuzzable fields."""
    persona = persona_for(url_name)
    url = reverse(url_name, kwargs=world["kwargs"].get(url_name, {}))
    url += world["query"].get(url_name, "")
    client = world["clients"][persona]
    client.raise_request_exception = False
    client.cookies = copy.deepcopy(world["cookies"][persona])
    data = world["data"].get(url_name, {})
    fields = sorted(set(data) | get_form_fields(client, url) | set(ALWAYS))
    return {
        "name": url_name,
        "url": url,
        "client": client,
        "cookies": world["cookies"][persona],
        "data": data,
        "fields": fields,
    }


@pytest.fixture
def target(world, db, request):
    require_postgres()
    return make_target(world, request.param)


@pytest.mark.parametrize("target", post_url_names(), indirect=True)
def test_no_bad_input_gives_a_500(target):
    before = fingerprint()
    # The template itself is accepted: the fuzz varies a request that works.
    baseline = post(target, {}).status_code
    assert baseline < 400, f"the valid data of {target['url']} answers {baseline}"
    fields = target["fields"]
    mutations = st.dictionaries(
        st.sampled_from(fields), value, min_size=1, max_size=min(4, len(fields))
    )

    @settings(settings.get_profile(PROFILE))
    @given(mutation=mutations)
    def fuzz(mutation):
        response = post(target, mutation)
        assert response.status_code < 500, describe(target["url"], mutation, response)

    fuzz()
    assert fingerprint() == before, "an example left a write behind"


def test_every_post_url_is_fuzzed():
    assert set(post_url_names()) == set(ROW_BY_URL)


@pytest.mark.parametrize("url_name", ["cases:record_new", "login"])
def test_the_template_is_valid_and_a_500_would_be_noticed(world, db, url_name):
    """The unmutated template is accepted (so the fuzz varies a working request), and a
    view that raises answers 500 with a traceback the report names."""
    require_postgres()
    spec = make_target(world, url_name)
    assert post(spec, {}).status_code == ROW_BY_URL[url_name].ok_status
    with mock.patch("django.forms.BaseForm.full_clean", side_effect=ValueError("boom")):
        response = post(spec, {"content": "x"})
    assert response.status_code == 500
    assert "ValueError: boom" in describe(spec["url"], {"content": "x"}, response)


@pytest.mark.parametrize("url_name", NUL_REASONS)
def test_a_nul_byte_in_a_raw_reason_is_refused_not_a_500(world, db, url_name):
    """Found by this fuzz: each answers with a message and writes nothing."""
    require_postgres()
    spec = make_target(world, url_name)
    before = fingerprint()
    response = post(spec, {"reason": "相談\x00内容"})
    assert response.status_code < 500, describe(spec["url"], {"reason": "相談\x00内容"}, response)
    assert fingerprint() == before
