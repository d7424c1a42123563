#!/usr/bin/env python3
"""Smoke test of a running Kasane: log in as a demo user and open a case page.

Standard library only, so it runs with any python3 (CI runs it against
`make run`). Steps:

1. wait (up to --timeout seconds) until /healthz/ answers 200
   (or, if there is no health check, the login page);
2. GET the login page (CSRF cookie + token), POST username/password;
3. GET /cases/ and follow the first /cases/<uuid>/ link;
4. check that the case page answers 200 and shows a case number (R7-0001);
5. log in as the demo manager, ask for this 年度's annual evaluation, wait until the
   job page says it is done (rendered in a background thread when there is no Redis)
   and download the PDF.

Exit status 0 on success, 1 on failure.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

LOGIN_PATH = "/accounts/login/"
CASES_PATH = "/cases/"
HEALTH_PATH = "/healthz/"
CASE_LINK = re.compile(
    r"""href=["'](/cases/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/)["']"""
)
CASE_NUMBER = re.compile(r"R\d+-\d{4}")
CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=[\"']csrfmiddlewaretoken[\"'][^>]*>", re.IGNORECASE)
VALUE_ATTR = re.compile(r"\bvalue=[\"']([^\"']+)[\"']")
REPORTS_PATH = "/reports/"
ANNUAL_REQUEST_PATH = "/reports/annual/request/"
FORM_TOKEN = re.compile(r"<input\b[^>]*\bname=[\"']form_token[\"'][^>]*>")
YEAR_OPTION = re.compile(r"<option value=[\"'](\d{4})[\"']")
JOB_PATH = re.compile(r"/reports/jobs/[0-9a-f-]{36}/$")
PDF_LINK = re.compile(r"href=[\"'](/reports/files/[0-9a-f-]{36}/)[\"'][^>]*>[^<]*（PDF）")


class SmokeError(Exception):
    pass


class Client:
    def __init__(self, base_url: str, request_timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = request_timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),  # never send localhost through a proxy
            urllib.request.HTTPCookieProcessor(self.cookies),
        )

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """Return (status, final URL, body); redirects are followed."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.url(path), data=body, headers=headers or {})
        req.add_header("User-Agent", "kasane-smoke/1")
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                return resp.status, resp.geturl(), resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            return exc.code, exc.geturl(), text


def step(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def wait_until_up(client: Client, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    step(f"waiting up to {timeout:.0f}s for {client.url(HEALTH_PATH)}")
    while time.monotonic() < deadline:
        try:
            status, _, _ = client.request(HEALTH_PATH)
            if status == 200:
                step(f"GET {HEALTH_PATH} -> 200")
                return
            if status == 404:
                status, _, _ = client.request(LOGIN_PATH)
                if status == 200:
                    step(f"no health check; GET {LOGIN_PATH} -> 200")
                    return
            last_error = f"HTTP {status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last_error = str(getattr(exc, "reason", exc))
        time.sleep(1)
    raise SmokeError(f"server at {client.base_url} not up after {timeout:.0f}s ({last_error})")


def csrf_token(html: str) -> str:
    tag = CSRF_INPUT.search(html)
    value = VALUE_ATTR.search(tag.group(0)) if tag else None
    if not value:
        raise SmokeError(f"no csrfmiddlewaretoken in the form at {LOGIN_PATH}")
    return value.group(1)


def login(client: Client, username: str, password: str) -> None:
    status, _, html = client.request(LOGIN_PATH)
    if status != 200:
        raise SmokeError(f"GET {LOGIN_PATH} -> {status}")
    token = csrf_token(html)
    if not any(c.name == "csrftoken" for c in client.cookies):
        raise SmokeError(f"GET {LOGIN_PATH} set no csrftoken cookie")
    step(f"GET {LOGIN_PATH} -> 200 (CSRF token and cookie received)")
    status, final_url, html = client.request(
        LOGIN_PATH,
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        headers={"Referer": client.url(LOGIN_PATH)},
    )
    final_path = urllib.parse.urlsplit(final_url).path
    if status != 200 or final_path == LOGIN_PATH:
        raise SmokeError(
            f"login as {username!r} failed: POST {LOGIN_PATH} ended at {final_path} "
            f"with HTTP {status} (wrong DEMO_PASSWORD, or seed_demo not run?)"
        )
    step(f"POST {LOGIN_PATH} as {username!r} -> redirected to {final_path} (200)")


def open_first_case(client: Client) -> None:
    status, final_url, html = client.request(CASES_PATH)
    final_path = urllib.parse.urlsplit(final_url).path
    if status != 200 or final_path != CASES_PATH:
        raise SmokeError(f"GET {CASES_PATH} -> {status} at {final_path}")
    links = list(dict.fromkeys(CASE_LINK.findall(html)))
    if not links:
        raise SmokeError(f"GET {CASES_PATH} -> 200 but no /cases/<uuid>/ link (no demo cases?)")
    step(f"GET {CASES_PATH} -> 200 ({len(links)} case link(s) on the page)")
    status, _, html = client.request(links[0])
    if status != 200:
        raise SmokeError(f"GET {links[0]} -> {status}")
    number = CASE_NUMBER.search(html)
    if not number:
        raise SmokeError(f"GET {links[0]} -> 200 but no case number like R7-0001 on the page")
    step(f"GET {links[0]} -> 200, case number {number.group(0)}")


def annual_report(client: Client, timeout: float = 120) -> None:
    """Ask for the annual evaluation and download its PDF once the job is done."""
    status, _, html = client.request(REPORTS_PATH)
    if status != 200:
        raise SmokeError(f"GET {REPORTS_PATH} -> {status}")
    token, year = FORM_TOKEN.search(html), YEAR_OPTION.search(html)
    if not token or not year:
        raise SmokeError(f"GET {REPORTS_PATH} -> 200 but no annual request form")
    status, final_url, html = client.request(
        ANNUAL_REQUEST_PATH,
        data={
            "csrfmiddlewaretoken": csrf_token(html),
            "form_token": VALUE_ATTR.search(token.group(0)).group(1),
            "fiscal_year": year.group(1),
        },
        headers={"Referer": client.url(REPORTS_PATH)},
    )
    job_path = urllib.parse.urlsplit(final_url).path
    if status != 200 or not JOB_PATH.search(job_path):
        raise SmokeError(f"POST {ANNUAL_REQUEST_PATH} ended at {job_path} with HTTP {status}")
    step(f"POST {ANNUAL_REQUEST_PATH} ({year.group(1)}年度) -> {job_path}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, html = client.request(job_path + "status/")
        if "作成できませんでした" in html:
            raise SmokeError(f"the annual evaluation failed: {html}")
        link = PDF_LINK.search(html)
        if status == 200 and link:
            break
        time.sleep(1)
    else:
        raise SmokeError(f"the annual evaluation was not done after {timeout:.0f}s")
    request = urllib.request.Request(client.url(link.group(1)))
    with client.opener.open(request, timeout=client.timeout) as response:
        head = response.read(5)
        if response.status != 200 or head != b"%PDF-":
            raise SmokeError(f"GET {link.group(1)} -> {response.status}, not a PDF")
    step(f"GET {link.group(1)} -> 200, a PDF")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Log in to a running Kasane as a demo user and open a case page.",
    )
    parser.add_argument(
        "base_url",
        nargs="?",
        default="http://127.0.0.1:8000",
        help="where Kasane runs (default: %(default)s)",
    )
    parser.add_argument("--username", default="coordinator", help="default: %(default)s")
    parser.add_argument(
        "--password",
        default=os.environ.get("DEMO_PASSWORD") or "kasane-demo-pw",
        help="default: $DEMO_PASSWORD or kasane-demo-pw",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120,
        help="seconds to wait for the server to come up (default: %(default)s)",
    )
    args = parser.parse_args(argv)

    client = Client(args.base_url, request_timeout=30)
    started = time.monotonic()
    try:
        wait_until_up(client, args.timeout)
        login(client, args.username, args.password)
        open_first_case(client)
        manager = Client(args.base_url, request_timeout=30)
        login(manager, "manager", args.password)
        annual_report(manager)
    except SmokeError as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    step(f"OK in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
