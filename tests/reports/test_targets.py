"""成果指標の目標値: set by a manager on a page; refused, unchanged and logged for anyone
else; bad input answered in Japanese beside its field."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from agencies.models import AccessEvent
from reports.models import OutcomeTarget
from reports.targets import outcome_target_set

pytestmark = pytest.mark.django_db

URL = "reports:targets"


def post(client, **data):
    return client.post(reverse(URL), {"fiscal_year": "2026", "target": "102", "note": "", **data})


def test_a_manager_sets_a_target_and_corrects_it_with_history(login, manager):
    client = login(manager)
    response = post(client, note="R8の実施計画")
    assert response.status_code == 302 and response["Location"] == reverse(URL)
    target = OutcomeTarget.objects.get(fiscal_year=2026)
    assert (target.target, target.note, target.set_by) == (102, "R8の実施計画", manager)
    post(client, target="110", note="見直し")
    target.refresh_from_db()
    assert target.target == 110
    history = list(target.history.order_by("history_date"))
    assert [h.target for h in history] == [102, 110]
    assert {h.history_user for h in history} == {manager}
    assert history[-1].history_change_reason == "成果指標の目標値の変更"
    page = client.get(reverse(URL)).content.decode()
    assert "令和8年度" in page and "110者" in page and "見直し" in page
    assert "<svg" in page  # the trend chart


def test_saving_the_same_values_again_writes_nothing(manager):
    outcome_target_set(actor=manager, fiscal_year=2026, target=100, note="")
    target = outcome_target_set(actor=manager, fiscal_year=2026, target=100, note="")
    assert target.history.count() == 1


@pytest.mark.parametrize("persona", ["coordinator", "staff_assigned", "secretariat", "admin_user"])
def test_anyone_but_a_manager_is_refused_and_nothing_changes(request, login, manager, persona):
    existing = outcome_target_set(actor=manager, fiscal_year=2026, target=100, note="当初")
    user = request.getfixturevalue(persona)
    # The service refuses whoever calls it …
    with pytest.raises(PermissionDenied):
        outcome_target_set(actor=user, fiscal_year=2026, target=1, note="")
    with pytest.raises(PermissionDenied):
        outcome_target_set(actor=user, fiscal_year=2027, target=1, note="")
    # … and the page answers 403 and writes the refusal to the access log.
    client = login(user)
    denied = AccessEvent.objects.filter(action=AccessEvent.Action.DENIED, user=user)
    assert post(client, target="1").status_code == 403
    assert client.get(reverse(URL)).status_code == 403
    assert denied.count() == 2
    existing.refresh_from_db()
    assert (existing.target, existing.note) == (100, "当初")
    assert existing.history.count() == 1
    assert not OutcomeTarget.objects.filter(fiscal_year=2027).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": ""}, "目標値を入力してください。"),
        ({"target": "abc"}, "目標値は整数（半角数字）で入力してください。"),
        ({"target": "12.5"}, "目標値は整数（半角数字）で入力してください。"),
        ({"target": "-1"}, "目標値は0以上にしてください。"),
        ({"target": "100001"}, "目標値は100,000以下にしてください。"),
        ({"target": "9" * 40}, "目標値は100,000以下にしてください。"),
        ({"fiscal_year": ""}, "年度を選んでください。"),
        ({"fiscal_year": "1999"}, "年度を一覧から選んでください。"),
        ({"fiscal_year": "²⁰²⁶"}, "年度を一覧から選んでください。"),
        ({"fiscal_year": "令和8"}, "年度を一覧から選んでください。"),
        ({"note": "あ" * 501}, "備考は500文字以内で入力してください。"),
        ({"note": "根拠\x00"}, "備考に使えない文字が含まれています。"),
    ],
)
def test_bad_input_is_answered_in_japanese_beside_its_field(login, manager, data, message):
    response = post(login(manager), **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OutcomeTarget.objects.exists()


def test_the_service_answers_bad_values_in_japanese_too(manager):
    with pytest.raises(ValidationError) as error:
        outcome_target_set(actor=manager, fiscal_year=2026, target=100_001, note="")
    assert "目標値は100,000以下の整数にしてください。" in str(error.value)
    with pytest.raises(ValidationError) as error:
        outcome_target_set(actor=manager, fiscal_year=1990, target=10, note="")
    assert "年度は令和元年度（2019年度）以降にしてください。" in str(error.value)
    with pytest.raises(ValidationError):
        outcome_target_set(actor=manager, fiscal_year=2026, target="102", note="")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        outcome_target_set(actor=manager, fiscal_year=2026, target=-5, note="")
    assert not OutcomeTarget.objects.exists()


def test_a_year_in_the_query_opens_that_years_target_and_junk_is_ignored(login, manager):
    outcome_target_set(actor=manager, fiscal_year=2025, target=95, note="R7")
    client = login(manager)
    page = client.get(reverse(URL), {"year": "2025"}).content.decode()
    assert 'value="95"' in page
    for junk in ("abcd", "²⁰²⁵", "\x00", "99999", "-1"):
        assert client.get(reverse(URL), {"year": junk}).status_code == 200


def test_the_managers_home_links_to_the_targets(login, manager):
    page = login(manager).get(reverse("home")).content.decode()
    assert reverse(URL) in page and "成果指標の目標値を設定する" in page
