"""The admin unlocks a user and resets a second factor (both logged); the access log
is readable and exportable in the admin but never changeable."""

import csv
import datetime as dt
import io
import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
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


def test_the_admin_resets_credentials_without_learning_a_password(
    login, admin_user, coordinator, password, mailoutbox
):
    """The account stops working (old password, second factor) until the user sets
    their own password through the one-time link mailed to them — the administrator's
    screen never shows it; in history and the access log."""
    coordinator.email = "ichiro@city.example.lg.jp"
    coordinator.save(update_fields=["email"])
    TOTPDevice.objects.create(user=coordinator, name="認証アプリ", confirmed=True)
    recovery_codes_replace(user=coordinator)
    response = run_action(login(admin_user), USERS, "reset_credentials", [coordinator])
    assert response.status_code == 200
    page = response.content.decode()
    assert "/set-password/" not in page
    assert "i***@city.example.lg.jp" in page
    assert [m.to for m in mailoutbox] == [["ichiro@city.example.lg.jp"]]
    link = re.search(r"(http\S+/set-password/\S+/)", mailoutbox[0].body)
    assert link
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    coordinator.refresh_from_db()
    assert not coordinator.has_usable_password()
    assert (
        Client()
        .post("/accounts/login/", {"username": coordinator.username, "password": password})
        .status_code
        == 200
    )  # the old password no longer works
    event = AccessEvent.objects.get(action=Action.CREDENTIALS_RESET)
    assert (event.user, event.object_id) == (admin_user, str(coordinator.pk))
    assert coordinator.history.first().history_user == admin_user
    assert coordinator.history.first().credentials_reset_at is not None

    # The user sets their own password through the link, once.
    user_client = Client()
    path = link.group(1).split("testserver", 1)[1]
    form_page = user_client.get(path, follow=True)
    assert "ご自身のパスワードを設定してください" in form_page.content.decode()
    new = {"new_password1": "my-own-new-passphrase-26", "new_password2": "my-own-new-passphrase-26"}
    done = user_client.post(form_page.redirect_chain[-1][0], new)
    assert done.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password("my-own-new-passphrase-26")
    assert AccessEvent.objects.filter(action=Action.PASSWORD_SET, user=coordinator).exists()
    again = Client().get(path, follow=True).content.decode()
    assert "このリンクは使えません" in again


def test_the_actions_are_offered_to_the_admin(login, admin_user):
    html = login(admin_user).get(USERS).content.decode()
    assert "ロック解除" in html
    assert "パスワード・二要素認証を再設定" in html


def test_other_roles_cannot_unlock_or_reset(login, coordinator, staff_assigned):
    TOTPDevice.objects.create(user=staff_assigned, name="認証アプリ", confirmed=True)
    response = run_action(login(coordinator), USERS, "reset_credentials", [staff_assigned])
    assert refused(response)
    assert TOTPDevice.objects.filter(user=staff_assigned).exists()
    assert not AccessEvent.objects.filter(action=Action.CREDENTIALS_RESET).exists()


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


def test_a_new_account_has_no_password_until_the_user_sets_one(login, admin_user, hub, mailoutbox):
    from django.contrib.auth.models import Group

    from agencies.models import User

    client = login(admin_user)
    page = client.get("/admin/agencies/user/add/").content.decode()
    assert 'name="password1"' not in page
    coordinator_group = Group.objects.get(name=Role.COORDINATOR)
    response = client.post(
        "/admin/agencies/user/add/",
        {
            "username": "new_staff",
            "last_name": "新任",
            "first_name": "花子",
            "email": "hanako@city.example.lg.jp",
            "agency": hub.pk,
            "groups": [coordinator_group.pk],
        },
    )
    assert response.status_code == 200
    assert "/accounts/set-password/" not in response.content.decode()
    assert "/accounts/set-password/" in mailoutbox[0].body
    assert mailoutbox[0].to == ["hanako@city.example.lg.jp"]
    user = User.objects.get(username="new_staff")
    assert not user.has_usable_password()
    assert user.roles_label == "多機関協働の調整役"
    event = AccessEvent.objects.get(action=Action.ACCOUNT_CHANGED, object_id=str(user.pk))
    assert event.detail["created"] is True


def test_the_admin_never_sets_a_password_in_the_admin(login, admin_user, coordinator):
    client = login(admin_user)
    url = f"/admin/agencies/user/{coordinator.pk}/password/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"password1": "x" * 20, "password2": "x" * 20}).status_code == 403


def _change_post(client, user, **overrides):
    url = f"/admin/agencies/user/{user.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    data.update(overrides)
    return client.post(url, data)


def test_a_role_or_active_change_is_in_history_and_the_access_log(login, admin_user, coordinator):
    from django.contrib.auth.models import Group

    client = login(admin_user)
    secretariat = Group.objects.get(name=Role.SECRETARIAT)
    coordinator_group = Group.objects.get(name=Role.COORDINATOR)
    response = _change_post(
        client, coordinator, groups=[str(coordinator_group.pk), str(secretariat.pk)]
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    coordinator.refresh_from_db()
    assert coordinator.roles_label == "多機関協働の調整役、会議の事務局"
    record = coordinator.history.first()
    assert (record.roles_label, record.history_user) == (coordinator.roles_label, admin_user)
    event = AccessEvent.objects.filter(action=Action.ACCOUNT_CHANGED).latest("at")
    assert event.user == admin_user
    assert "役割" in event.detail["changes"]

    response = _change_post(client, coordinator, is_active="")
    coordinator.refresh_from_db()
    assert coordinator.is_active is False
    event = AccessEvent.objects.filter(action=Action.ACCOUNT_CHANGED).latest("at")
    assert event.detail["changes"]["有効"] == ["はい", "いいえ"]


def test_nobody_edits_their_own_roles_or_active_flag(login, admin_user):
    from django.contrib.auth.models import Group

    client = login(admin_user)
    form = client.get(f"/admin/agencies/user/{admin_user.pk}/change/").context["adminform"].form
    assert not {"groups", "is_active", "is_staff"} & set(form.fields)
    coordinator_group = Group.objects.get(name=Role.COORDINATOR)
    assert _change_post(client, admin_user, groups=[str(coordinator_group.pk)]).status_code == 302
    admin_user.refresh_from_db()
    assert not admin_user.groups.filter(name=Role.COORDINATOR).exists()
    # Nor reset their own credentials through the action.
    run_action(client, USERS, "reset_credentials", [admin_user])
    admin_user.refresh_from_db()
    assert admin_user.has_usable_password()


def test_a_user_reenrols_their_own_second_factor_after_proving_the_current_one(login, coordinator):
    from tests.accounts.otp import next_totp_code

    client = login(coordinator)
    device = TOTPDevice.objects.get(user=coordinator, confirmed=True)
    wrong = client.post("/accounts/mfa/reenrol/", {"token": "000000"})
    assert wrong.status_code == 200
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    response = client.post("/accounts/mfa/reenrol/", {"token": next_totp_code(device)})
    assert response.status_code == 302 and response["Location"].endswith("/accounts/mfa/setup/")
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
    assert AccessEvent.objects.filter(action=Action.MFA_REENROLLED, user=coordinator).exists()


def test_a_reset_without_a_mail_address_changes_nothing_and_says_why(
    login, admin_user, coordinator, mailoutbox
):
    coordinator.email = ""
    coordinator.save(update_fields=["email"])
    response = run_action(login(admin_user), USERS, "reset_credentials", [coordinator])
    assert "メールアドレスが登録されていません" in response.content.decode()
    coordinator.refresh_from_db()
    assert coordinator.has_usable_password()
    assert mailoutbox == []
    assert not AccessEvent.objects.filter(action=Action.CREDENTIALS_RESET).exists()


def test_only_the_admin_role_records_account_changes(coordinator, admin_user, staff_assigned):
    from django.core.exceptions import PermissionDenied

    from agencies.services import account_change_record, account_snapshot

    before = account_snapshot(staff_assigned)
    with pytest.raises(PermissionDenied):
        account_change_record(actor=coordinator, user=staff_assigned, before=before)
    staff_assigned.is_active = False
    staff_assigned.save(update_fields=["is_active"])
    account_change_record(actor=admin_user, user=staff_assigned, before=before)
    event = AccessEvent.objects.get(action=Action.ACCOUNT_CHANGED)
    assert (event.user, event.detail["changes"]) == (admin_user, {"有効": ["はい", "いいえ"]})


def test_the_reset_service_refuses_any_role_but_admin(rf, coordinator, staff_assigned):
    from django.core.exceptions import PermissionDenied

    from agencies.accounts import credentials_reset

    staff_assigned.email = "staff@city.example.lg.jp"
    staff_assigned.save(update_fields=["email"])
    with pytest.raises(PermissionDenied):
        credentials_reset(actor=coordinator, user=staff_assigned, request=rf.get("/"))
    staff_assigned.refresh_from_db()
    assert staff_assigned.has_usable_password()


def test_the_reset_service_refuses_the_admins_own_account(rf, admin_user):
    from django.core.exceptions import PermissionDenied

    from agencies.accounts import credentials_reset

    admin_user.email = "admin@city.example.lg.jp"
    admin_user.save(update_fields=["email"])
    with pytest.raises(PermissionDenied):
        credentials_reset(actor=admin_user, user=admin_user, request=rf.get("/"))
    admin_user.refresh_from_db()
    assert admin_user.has_usable_password()


def test_reenrolling_needs_a_session_past_the_second_factor(unverified, coordinator):
    TOTPDevice.objects.create(user=coordinator, name="認証アプリ", confirmed=True)
    response = unverified(coordinator).post("/accounts/mfa/reenrol/", {"token": "123456"})
    assert response.status_code == 302
    assert "/accounts/mfa/verify/" in response["Location"]
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
