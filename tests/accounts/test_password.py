"""Password change: min length 12; changing it ends every other session of the user."""

import pytest

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

URL = "/accounts/password/"
NEW = "a-new-and-long-passphrase"


def change(client, old=TEST_PASSWORD, new=NEW, again=None):
    return client.post(
        URL, {"old_password": old, "new_password1": new, "new_password2": again or new}
    )


def test_the_page_is_japanese(login, coordinator):
    html = login(coordinator).get(URL).content.decode()
    assert "<h1>パスワードの変更</h1>" in html
    assert "ほかの端末やブラウザでのログインはすべて終了します" in html


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(
    login, verified, coordinator
):
    here = login(coordinator)
    elsewhere = verified(coordinator)
    assert elsewhere.get("/").status_code == 200
    response = change(here)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "パスワードを変更しました" in here.get("/").content.decode()
    assert here.get("/cases/").status_code == 200
    response = elsewhere.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    coordinator.refresh_from_db()
    assert coordinator.check_password(NEW)


def test_a_wrong_old_password_is_an_error_at_its_field(login, verified, coordinator):
    here = login(coordinator)
    elsewhere = verified(coordinator)
    response = change(here, old="not-my-password")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_old_password_error"' in html
    assert "元のパスワード" in html
    # Nothing changed: the other session lives on.
    assert elsewhere.get("/").status_code == 200


def test_a_short_password_is_refused(login, coordinator):
    response = change(login(coordinator), new="short-pw-11")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_new_password2_error"' in html
    assert "12 文字" in html or "12文字" in html
    coordinator.refresh_from_db()
    assert coordinator.check_password(TEST_PASSWORD)


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
