"""Deny by default: every routed URL sends an anonymous visitor to the login page,
except the explicit allow-list. URLs come from the resolver, not from a hand list,
so a new view is covered the moment it is routed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve

PUBLIC_URL_NAMES = {"login", "healthz", "accounts:password_set", "accounts:password_set_done"}

SAMPLES = {"uuid": str(uuid.uuid4()), "int": "1", "str": "x", "slug": "x", "path": "1"}


def _route_sample(route: str) -> str:
    def sub(match: re.Match) -> str:
        return SAMPLES.get(match.group(1) or "str", "x")

    return re.sub(r"<(?:(\w+):)?\w+>", sub, route)


def _regex_sample(regex: str) -> str:
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    # A named group of alternatives → its first alternative; any other group → "1".
    text = re.sub(r"\(\?P<\w+>([\w-]+)(?:\|[^)]*)?\)", r"\1", text)
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "1", text)
    text = re.sub(r"\(\?:[^)]*\)\??", "", text)
    return text.replace("\\", "")


def _sample(pattern) -> str:
    route = str(pattern.pattern)
    if hasattr(pattern.pattern, "_route"):
        return _route_sample(route)
    return _regex_sample(pattern.pattern.regex.pattern)


def routed_urls(resolver: URLResolver | None = None, prefix: str = "/") -> Iterator[str]:
    for pattern in (resolver or get_resolver()).url_patterns:
        url = prefix + _sample(pattern)
        if isinstance(pattern, URLResolver):
            yield from routed_urls(pattern, url)
        elif isinstance(pattern, URLPattern):
            yield url


def anonymous_leaks(client) -> list[tuple[str, int]]:
    """URLs that answer an anonymous GET with anything but a redirect to login."""
    client.raise_request_exception = False
    leaks = []
    login_url = "/accounts/login/"
    for url in sorted(set(routed_urls())):
        match = resolve(url)
        if match.view_name in PUBLIC_URL_NAMES:
            continue
        response = client.get(url)
        if response.status_code != 302 or not response["Location"].startswith(login_url):
            leaks.append((url, response.status_code))
    return leaks


def test_it_samples_every_routed_url_so_that_it_resolves():
    urls = list(routed_urls())
    assert len(urls) > 20
    names = {resolve(url).view_name for url in urls}
    assert {"home", "cases:case_detail", "cases:intake_form", "admin:index"} <= names


def test_the_allow_list_is_exactly_the_public_urls():
    assert settings.KASANE_PUBLIC_URL_NAMES == PUBLIC_URL_NAMES


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_login_from_every_url(client):
    assert anonymous_leaks(client) == []


@pytest.mark.django_db
def test_it_would_notice_an_unprotected_view(client, settings):
    # Without the deny-by-default middleware the walk must find leaks: the test can fail.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("AllowListLoginRequiredMiddleware")
    ]
    leaks = dict(anonymous_leaks(client))
    assert "/cases/" in leaks


@pytest.mark.django_db
def test_the_public_urls_answer_anonymous_users(client):
    assert client.get("/accounts/login/").status_code == 200
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"  # the states: tests/test_health.py
