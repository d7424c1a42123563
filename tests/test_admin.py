"""The admin role maintains master data in the Django admin; case content is not there."""

import re

import pytest
from django.contrib import admin

from cases.models import Case, CaseAccess, Consultation, Household, Person

pytestmark = pytest.mark.django_db


def test_case_models_are_not_registered_in_the_admin():
    for model in (Case, CaseAccess, Consultation, Household, Person):
        assert not admin.site.is_registered(model)


def test_the_admin_role_edits_agencies_and_issue_categories(login, admin_user):
    client = login(admin_user)
    index = client.get("/admin/").content.decode()
    assert "機関" in index
    assert "相談内容の区分" in index
    assert client.get("/admin/agencies/agency/").status_code == 200
    assert client.get("/admin/cases/issuecategory/").status_code == 200


def test_other_roles_cannot_enter_the_admin(login, coordinator):
    response = login(coordinator).get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_create_admin_makes_an_admin_role_user_not_a_superuser(monkeypatch):
    from django.core.management import call_command

    from agencies.models import User

    monkeypatch.setenv("KASANE_ADMIN_PASSWORD", "a-long-enough-passphrase")
    call_command("create_admin", username="sysadmin", agency="情報政策課")
    user = User.objects.get(username="sysadmin")
    assert (user.is_staff, user.is_superuser, user.agency.name) == (True, False, "情報政策課")
    assert user.has_role("admin")


def test_create_admin_refuses_a_short_password(monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("KASANE_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="短すぎ"):
        call_command("create_admin", username="sysadmin", agency="情報政策課")


def test_second_factor_devices_are_not_in_the_admin():
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


def test_roles_are_shown_by_their_japanese_names_in_the_admin(login, admin_user, coordinator):
    client = login(admin_user)
    change = client.get(f"/admin/agencies/user/{coordinator.pk}/change/").content.decode()
    for role in ("多機関協働の調整役", "支援関係機関の職員", "会議の事務局", "システム管理者"):
        assert f"{role}</label>" in change
    assert ">coordinator</label>" not in change and ">agency_staff<" not in change
    listing = client.get("/admin/agencies/user/").content.decode()
    assert "?role=coordinator" in listing  # the filter, by its Japanese title
    assert "多機関協働の調整役" in listing
    assert ">agency_staff<" not in listing
    filtered = client.get("/admin/agencies/user/?role=coordinator").content.decode()
    names = re.findall(r'class="field-username"><a href="[^"]+">([^<]+)</a>', filtered)
    assert names == [coordinator.username]


def test_the_admin_form_cannot_change_an_agency(login, admin_user, coordinator, other_agency):
    """An agency change goes only through 人事異動: the change form shows the agency
    read-only, and a posted agency is ignored."""
    url = f"/admin/agencies/user/{coordinator.pk}/change/"
    client = login(admin_user)
    page = client.get(url).content.decode()
    assert 'name="agency"' not in page
    assert "人事異動" in page
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"agency": other_agency.pk, "groups": [g.pk for g in coordinator.groups.all()]})
    data = {k: v for k, v in data.items() if v is not None}
    assert client.post(url, data).status_code == 302  # saved — without the agency
    coordinator.refresh_from_db()
    assert coordinator.agency != other_agency
