"""The apps import each other only downward (core ← agencies ← cases ← consent ←
meetings; staff and demo on top), nothing private crosses an app, and the rules that
used to live in several places live in one."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent

# Which apps each app may import (config is the project: settings and the URLconf).
ALLOWED = {
    "core": set(),
    "agencies": {"core"},
    "cases": {"core", "agencies"},
    "consent": {"core", "agencies", "cases"},
    "meetings": {"core", "agencies", "cases", "consent"},
    "referrals": {"core", "agencies", "cases", "consent"},
    "reports": {"core", "agencies", "cases", "consent", "meetings", "referrals"},
    "retention": {"core", "agencies", "cases", "consent", "meetings", "referrals", "reports"},
    "staff": {"core", "agencies", "cases"},
    "dashboard": {"core", "agencies", "cases", "consent", "meetings", "referrals", "reports"},
    "demo": {"core", "agencies", "cases", "consent", "meetings", "referrals", "reports"},
}


def _imports(app: str):
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module, [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name, []


def test_apps_import_only_downward_and_nothing_private():
    wrong, private = [], []
    for app, allowed in ALLOWED.items():
        for path, module, names in _imports(app):
            top = module.split(".")[0]
            if top in ALLOWED and top != app:
                if top not in allowed:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
                private += [
                    f"{path.relative_to(ROOT)} imports {module}.{name}"
                    for name in names
                    if name.startswith("_")
                ]
    assert not wrong, wrong
    assert not private, private


@pytest.mark.django_db
def test_a_pledge_is_valid_by_one_rule_in_sql_and_in_python(secretariat, staff_assigned):
    from meetings import services
    from meetings.models import ConfidentialityPledge, pledge_valid_q
    from tests.meetings.helpers import make_body, pledge

    body = make_body(secretariat)
    today = timezone.localdate()
    ending = pledge(secretariat, body, staff_assigned, valid_until=today)
    revoked = pledge(secretariat, body, secretariat)
    services.pledge_revoke(actor=secretariat, pledge=revoked, reason="異動")
    revoked.refresh_from_db()
    for day in (today - dt.timedelta(days=40), today, today + dt.timedelta(days=1)):
        in_sql = set(ConfidentialityPledge.objects.filter(pledge_valid_q(day)))
        in_python = {p for p in ConfidentialityPledge.objects.all() if p.valid_on(day)}
        assert in_sql == in_python, day
    # The end date is inclusive; a revocation ends a pledge for every use at once.
    assert ending.valid_on(today) and not ending.valid_on(today + dt.timedelta(days=1))
    assert not revoked.valid_on(today - dt.timedelta(days=1))


@pytest.mark.django_db
def test_moving_agency_ends_personal_grants_and_says_so_on_the_timeline(
    case, secretariat, staff_unassigned, admin_user, assigned_agency
):
    from agencies.services import staff_transfer
    from cases.models import CaseAccess, CaseEvent
    from cases.selectors import cases_visible_to
    from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

    body = make_body(secretariat)
    pledge(secretariat, body, secretariat)
    pledge(secretariat, body, staff_unassigned)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, staff_unassigned)
    add_item(secretariat, meeting, body, case=case)
    assert list(cases_visible_to(staff_unassigned)) == [case]
    staff_transfer(actor=admin_user, user=staff_unassigned, agency=assigned_agency)
    assert not CaseAccess.objects.filter(user=staff_unassigned, revoked_at__isnull=True)
    revoked = case.events.filter(kind=CaseEvent.Kind.ACCESS_REVOKED).first()
    assert "人事異動" in revoked.message
    # They now see what the new agency sees (its window took this consultation).
    assert list(cases_visible_to(staff_unassigned)) == [case]
