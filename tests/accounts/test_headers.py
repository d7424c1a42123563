"""Cache-Control: no-store on authenticated responses, a CSP with no external host,
and `manage.py check --deploy` clean with the production settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize(
    "url", ["/", "/cases/", "/accounts/password/", "/accounts/session/status/"]
)
def test_authenticated_responses_are_not_stored(login, coordinator, url):
    response = login(coordinator).get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_redirects_and_errors_for_a_logged_in_user_are_not_stored(login, coordinator):
    client = login(coordinator)
    assert "no-store" in client.get("/cases/00000000-0000-0000-0000-000000000000/")["Cache-Control"]
    assert "no-store" in client.post("/accounts/logout/")["Cache-Control"]


def test_the_login_page_is_not_stored(client):
    assert "no-store" in client.get("/accounts/login/")["Cache-Control"]


def test_anonymous_public_responses_are_left_alone(client):
    # The other side of the rule: nothing personal, nothing to forbid.
    assert "no-store" not in client.get("/healthz/").get("Cache-Control", "")


def test_the_csp_has_no_external_host(client, login, coordinator):
    for response in (client.get("/accounts/login/"), login(coordinator).get("/")):
        directives = csp(response)
        assert directives == EXPECTED_CSP
        values = [v for vs in directives.values() for v in vs]
        assert not [v for v in values if "://" in v or "*" in v or v.startswith("http")]
        assert "'unsafe-inline'" not in values and "'unsafe-eval'" not in values


def test_the_csp_is_on_the_admin_too(login, admin_user):
    assert csp(login(admin_user).get("/admin/")) == EXPECTED_CSP


def test_templates_have_no_inline_script_or_style():
    """What the CSP would block: inline <script>, <style>, style="…" and on…= handlers."""
    root = Path(django_settings.BASE_DIR) / "templates"
    offenders = []
    patterns = [
        r"<script(?![^>]*\bsrc=)[^>]*>",
        r"<style[\s>]",
        r"\sstyle=",
        r"\son[a-z]+=",
    ]
    for path in root.rglob("*.html"):
        name = path.relative_to(root).as_posix()
        text = path.read_text()
        if any(re.search(p, text) for p in patterns):
            offenders.append(name)
    assert offenders == []


def production_env() -> dict[str, str]:
    """The environment of a production process: none of the test run's DJANGO_* or
    KASANE_* variables (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, for one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KASANE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="kasane.example.jp",
    )
    return env


def test_check_deploy_with_production_settings_is_clean():
    env = production_env()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "?:" not in output
    assert "System check identified no issues" in output


def test_production_settings_keep_the_account_rules():
    env = production_env()
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.KASANE_REQUIRE_MFA, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.AXES_LOCKOUT_PARAMETERS, s.AXES_FAILURE_LIMIT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "True True True True ['username'] 5"


@pytest.mark.parametrize(
    "key",
    ["", "change-me", "short-but-random-Qx81", "x" * 60, "django-insecure-" + "a1b2c3" * 10],
    ids=["empty", "example", "short", "one-character", "django-insecure"],
)
def test_production_refuses_to_start_with_a_weak_secret_key(key):
    env = {**production_env(), "DJANGO_SECRET_KEY": key}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be a long random string" in result.stderr
