"""The admin unlocks a user and resets a second factor (both logged); the access log
is readable and exportable in the admin but never changeable."""

import csv
import datetime as dt
import io

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.accounts import recovery_codes_replace
from agencies.audit import access_event_record
from agencies.models import AccessEvent
from agencies.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
USERS = "/admin/agencies/user/"
LOG = "/admin/agencies/accessevent/"


def run_action(client, url, action, objects):
    return client.post(
        url, {"action": action, "_selected_action": [str(o.pk) for o in objects], "index": 0}
    )


def refused(response) -> bool:
    """Kept out of the admin: a 403, or the redirect to the one login page."""
    if response.status_code == 302:
        return "/login/" in response["Location"]
    return response.status_code == 403


def lock(client, username):
    for _ in range(5):
        client.post("/accounts/login/", {"username": username, "password": "wrong-password-0"})


def test_the_admin_unlocks_a_user_and_it_is_logged(client, login, admin_user, coordinator):
    from django.test import Client

    lock(Client(), "coordinator")
    assert AccessAttempt.objects.filter(username="coordinator").exists()
    response = run_action(login(admin_user), USERS, "unlock_account", [coordinator])
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="coordinator").exists()
    event = AccessEvent.objects.get(action=Action.ACCOUNT_UNLOCKED)
    assert (event.user, event.object_type, event.object_id) == (
        admin_user,
        "agencies.user",
        str(coordinator.pk),
    )
    assert event.detail == {"attempts": 1}
    # The coordinator can log in again.
    other = Client()
    response = other.post(
        "/accounts/login/", {"username": "coordinator", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302


def test_the_admin_resets_a_second_factor_and_it_is_logged(login, admin_user, coordinator):
    TOTPDevice.objects.create(user=coordinator, name="認証アプリ", confirmed=True)
    recovery_codes_replace(user=coordinator)
    response = run_action(login(admin_user), USERS, "reset_second_factor", [coordinator])
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    event = AccessEvent.objects.get(action=Action.MFA_RESET)
    assert (event.user, event.object_id) == (admin_user, str(coordinator.pk))


def test_the_actions_are_offered_to_the_admin(login, admin_user):
    html = login(admin_user).get(USERS).content.decode()
    assert "ロック解除" in html
    assert "二要素認証をリセット" in html


def test_other_roles_cannot_unlock_or_reset(login, coordinator, staff_assigned):
    TOTPDevice.objects.create(user=staff_assigned, name="認証アプリ", confirmed=True)
    response = run_action(login(coordinator), USERS, "reset_second_factor", [staff_assigned])
    assert refused(response)
    assert TOTPDevice.objects.filter(user=staff_assigned).exists()
    assert not AccessEvent.objects.filter(action=Action.MFA_RESET).exists()


# --- The access log in the admin ----------------------------------------------------


def test_the_admin_lists_filters_and_searches_the_log(login, admin_user, coordinator):
    access_event_record(action=Action.VIEW, user=coordinator, object_label="R7-0001")
    access_event_record(action=Action.LOGIN_FAILED, username="mallory")
    client = login(admin_user)
    html = client.get(LOG).content.decode()
    assert "R7-0001" in html and "mallory" in html
    html = client.get(LOG, {"action__exact": "login_failed"}).content.decode()
    assert "mallory" in html and "R7-0001" not in html
    html = client.get(LOG, {"q": "R7-0001"}).content.decode()
    assert "R7-0001" in html and "mallory" not in html
    html = client.get(LOG, {"user__id__exact": coordinator.pk}).content.decode()
    assert "R7-0001" in html and "mallory" not in html
    today = timezone.localdate()
    html = client.get(
        LOG, {"at__year": today.year, "at__month": today.month, "at__day": today.day}
    ).content.decode()
    assert "R7-0001" in html
    yesterday = today - dt.timedelta(days=1)
    html = client.get(
        LOG, {"at__year": yesterday.year, "at__month": yesterday.month, "at__day": yesterday.day}
    ).content.decode()
    assert "R7-0001" not in html


def test_the_log_cannot_be_added_changed_or_deleted_in_the_admin(login, admin_user, coordinator):
    event = access_event_record(action=Action.VIEW, user=coordinator, object_label="R7-0001")
    client = login(admin_user)
    assert client.get(f"{LOG}add/").status_code == 403
    detail = client.get(f"{LOG}{event.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert client.post(f"{LOG}{event.pk}/change/", {"username": "forged"}).status_code == 403
    assert client.get(f"{LOG}{event.pk}/delete/").status_code == 403
    assert client.post(f"{LOG}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert 'value="delete_selected"' not in client.get(LOG).content.decode()
    assert run_action(client, LOG, "delete_selected", [event]).status_code in {200, 302}
    event.refresh_from_db()
    assert event.object_label == "R7-0001"
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_roles_other_than_admin_do_not_see_the_log(login, hub, manager):
    staff_coordinator = user_with_role(Role.COORDINATOR, agency=hub, is_staff=True)
    assert login(staff_coordinator).get(LOG).status_code == 403
    assert refused(login(manager).get(LOG))


def test_the_csv_export_has_a_bom_and_neutralises_formulas(login, admin_user, coordinator):
    events = [
        access_event_record(action=Action.LOGIN_FAILED, username='=HYPERLINK("x")'),
        access_event_record(action=Action.VIEW, user=coordinator, object_label="+SUM(A1)"),
        access_event_record(action=Action.VIEW, user=coordinator, object_label="-1+2"),
        access_event_record(action=Action.VIEW, user=coordinator, object_label="@cmd"),
        access_event_record(action=Action.VIEW, user=coordinator, object_label="R7-0001"),
    ]
    response = run_action(login(admin_user), LOG, "export_csv", events)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["日時", "ユーザー名", "所属機関（当時）", "操作"]
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("x")' in cells
    assert "'+SUM(A1)" in cells
    assert "'-1+2" in cells
    assert "'@cmd" in cells
    assert "R7-0001" in cells
    assert not [c for c in cells if c[:1] in {"=", "+", "-", "@"}]
    assert "ログイン失敗" in cells
    export = AccessEvent.objects.get(action=Action.EXPORT)
    assert (export.user, export.object_type, export.detail) == (
        admin_user,
        "agencies.accessevent",
        {"rows": 5},
    )


@pytest.mark.parametrize(
    "value",
    ['＝HYPERLINK("x")', "＋1", "－1", "＠cmd", "  =1+1", "\t=1", "\u3000＝1", "\r=1", "−1"],
)
def test_csv_neutralises_full_width_formulas_and_formulas_after_blanks(value):
    from agencies.admin import csv_cell

    assert csv_cell(value) == f"'{value}"


@pytest.mark.parametrize("value", ["R7-0001", "山田 太郎", "", "1-2-3 架空市", "メール@example"])
def test_csv_leaves_ordinary_values_alone(value):
    from agencies.admin import csv_cell

    assert csv_cell(value) == value
