"""The つなぐシート pages: the form, the sheet, the lists with their overdue flag, the
monthly table, and what a sheet never shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.admin import AgencyAdminForm
from agencies.roles import Role
from cases import services as case_services
from cases.masking import MASK_TEXT
from cases.models import IssueCategory
from core.japanese import TOKYO
from referrals import services
from referrals.models import Referral
from referrals.selectors import referrals_monthly_table
from tests.factories import (
    AgencyFactory,
    issue,
    make_consent,
    member_data,
    once,
    user_with_role,
)

from .helpers import frozen, send, sheet_data, window_consultation

pytestmark = pytest.mark.django_db


def form_post(to, **overrides) -> dict:
    data = {
        "to_agency": to.pk,
        "issues": [issue().pk],
        **sheet_data(),
        **once(),
    }
    data.update(overrides)
    return data


def rows(response) -> list[str]:
    """The names in the list's rows, in order."""
    html = response.content.decode()
    return re.findall(r'<tr class="referral-row">\s*<td>.*?</td>\s*<td>(.*?)</td>', html, re.S)


# -- the form ---------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_consultation(login, staff_assigned, hub):
    consultation = window_consultation(staff_assigned)
    page = login(staff_assigned).get(
        reverse("referrals:referral_new_from_consultation", args=[consultation.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert consultation.summary in html
    assert re.search(rf'value="{issue().pk}"[^>]*checked', html)
    assert "山田 太郎" in html


def test_the_consultation_and_case_pages_offer_the_button(login, case, staff_assigned):
    client = login(staff_assigned)
    uncased = window_consultation(staff_assigned)
    page = client.get(reverse("cases:consultation_detail", args=[uncased.pk])).content.decode()
    assert reverse("referrals:referral_new_from_consultation", args=[uncased.pk]) in page
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("referrals:referral_new_from_case", args=[case.pk]) in page


def test_the_form_names_the_addressed_agencys_liaisons(login, staff_assigned, hub, coordinator):
    hub.liaisons.add(coordinator)
    consultation = window_consultation(staff_assigned)
    html = (
        login(staff_assigned)
        .get(reverse("referrals:referral_new_from_consultation", args=[consultation.pk]))
        .content.decode()
    )
    assert f"{hub.name}（多機関協働）　連携担当者: {coordinator.display_name}" in html


def test_a_double_click_sends_once(login, staff_assigned, hub):
    consultation = window_consultation(staff_assigned)
    client = login(staff_assigned)
    url = reverse("referrals:referral_new_from_consultation", args=[consultation.pk])
    data = form_post(hub)
    first = client.post(url, data)
    second = client.post(url, data)
    referral = Referral.objects.get()
    detail = reverse("referrals:referral_detail", args=[referral.pk])
    assert (first.status_code, first["Location"]) == (302, detail)
    assert (second.status_code, second["Location"]) == (302, detail)


def test_a_sheet_without_consent_is_refused_on_the_form_naming_the_consent(
    login, case, staff_assigned, other_agency
):
    url = reverse("referrals:referral_new_from_case", args=[case.pk])
    person = case.subjects.get()
    response = login(staff_assigned).post(url, form_post(other_agency, person=person.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{person.full_name}さんの、{other_agency.name}への情報共有についての有効な同意" in html
    assert not Referral.objects.exists()
    # The token was not used up: the corrected form is sent with the same one.


def test_every_input_is_bounded_with_a_japanese_message(login, staff_assigned, hub):
    consultation = window_consultation(staff_assigned)
    url = reverse("referrals:referral_new_from_consultation", args=[consultation.pk])
    member = consultation.person_id
    response = login(staff_assigned).post(
        url,
        form_post(
            hub,
            situation="あ" * 4001,
            reason="",
            issues=["not-a-number"],
            urgency="\x00",
            **{f"note_{member}": "あ" * 201},
            to_agency="999999",
        ),
    )
    assert response.status_code == 200
    errors = re.findall(r'<p class="error-text">(.*?)</p>', response.content.decode())
    assert len(errors) >= 6
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", e) for e in errors), errors
    assert not Referral.objects.exists()


# -- the sheet ------------------------------------------------------------------------


def test_the_abuse_reporter_never_appears_on_the_sheet(login, staff_assigned, hub, coordinator):
    abuse = IssueCategory.objects.filter(report_group="abuse").first()
    consultation = window_consultation(
        staff_assigned,
        consulter="resident",
        consulter_name="通報者花子",
        consulter_relation="隣人",
        consulter_phone="090-1111-2222",
    )
    consultation.issues.add(abuse)
    referral = send(actor=staff_assigned, to=hub, consultation=consultation)
    for user in (staff_assigned, coordinator):
        html = (
            login(user)
            .get(reverse("referrals:referral_detail", args=[referral.pk]))
            .content.decode()
        )
        for secret in ("通報者花子", "隣人", "090-1111-2222"):
            assert secret not in html, (user, secret)


def test_a_dv_measure_masks_the_sheet_even_when_set_after_it_was_sent(
    login, staff_assigned, hub, coordinator
):
    consultation = window_consultation(staff_assigned)
    referral = send(actor=staff_assigned, to=hub, consultation=consultation)
    assert referral.address == "架空市若葉町1-2-3"
    services.referral_accept(actor=coordinator, referral=referral)
    case_services.dv_measure_set(
        actor=coordinator, person=consultation.person, valid_from=timezone.localdate()
    )
    for user in (staff_assigned, coordinator):
        html = (
            login(user)
            .get(reverse("referrals:referral_detail", args=[referral.pk]))
            .content.decode()
        )
        assert "架空市若葉町" not in html and "0561-00-0000" not in html
        assert MASK_TEXT in html


def test_a_dv_flight_after_the_sheet_was_sent_masks_it(
    login, staff_assigned, hub, coordinator, case
):
    """The person leaves for a household of their own under a measure: the sheet about
    them, still on the old household, hides what it carries."""
    from cases.services import households, person_add
    from tests.factories import member_data

    person_add(
        actor=coordinator,
        household=case.household,
        data={**member_data(given_name="同居", given_name_kana="どうきょ"), "relation": "spouse"},
    )
    referral = send(actor=staff_assigned, to=hub, case=case)
    households.household_split(
        actor=coordinator,
        household=case.household,
        members=[case.subjects.get()],
        reason_kind="dv",
    )
    referral.refresh_from_db()
    assert referral.household_id != referral.person.household_id
    html = (
        login(staff_assigned)
        .get(reverse("referrals:referral_detail", args=[referral.pk]))
        .content.decode()
    )
    assert "架空市若葉町" not in html and "0561-00-0000" not in html
    assert MASK_TEXT in html


def test_the_sheet_is_printable(login, staff_assigned, hub):
    referral = send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    html = (
        login(staff_assigned)
        .get(reverse("referrals:referral_detail", args=[referral.pk]))
        .content.decode()
    )
    assert 'href="/static/css/referral-print.css" media="print"' in html


def test_the_sheet_of_another_agency_answers_404(login, staff_assigned, staff_unassigned, hub):
    referral = send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    client = login(staff_unassigned)
    assert client.get(reverse("referrals:referral_detail", args=[referral.pk])).status_code == 404
    for name in ("referral_accept", "referral_decline", "referral_withdraw", "referral_complete"):
        assert client.post(reverse(f"referrals:{name}", args=[referral.pk])).status_code == 404


def test_the_sender_may_not_answer_and_the_receiver_may_not_withdraw(
    login, staff_assigned, hub, coordinator
):
    referral = send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    accept = reverse("referrals:referral_accept", args=[referral.pk])
    withdraw = reverse("referrals:referral_withdraw", args=[referral.pk])
    assert login(staff_assigned).post(accept).status_code == 403
    assert login(coordinator).post(withdraw).status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_a_decline_without_reason_shows_the_error_and_changes_nothing(login, coordinator, hub):
    sender = user_with_role(Role.AGENCY_STAFF, agency=AgencyFactory(name="窓口"), username="s")
    referral = send(actor=sender, to=hub, consultation=window_consultation(sender))
    response = login(coordinator).post(
        reverse("referrals:referral_decline", args=[referral.pk]), {"reason": ""}
    )
    assert response.status_code == 200
    assert "このフィールドは必須です。" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


# -- lists and the overdue flag --------------------------------------------------------


def test_lists_show_exactly_each_sides_sheets_and_flag_the_overdue(
    login, settings, staff_assigned, staff_unassigned, coordinator, hub
):
    settings.REFERRAL_ANSWER_DAYS = 7
    now = timezone.now()
    other_window = user_with_role(
        Role.AGENCY_STAFF, agency=AgencyFactory(name="別の窓口"), username="other_window"
    )

    def named(user, name):
        return window_consultation(user, members=[member_data(family_name=name)])

    with frozen(now - dt.timedelta(days=8)):
        send(actor=staff_assigned, to=hub, consultation=named(staff_assigned, "古い"))
    with frozen(now - dt.timedelta(days=6)):
        send(actor=staff_assigned, to=hub, consultation=named(staff_assigned, "新しい"))
    with frozen(now - dt.timedelta(days=10)):
        answered = send(actor=other_window, to=hub, consultation=named(other_window, "回答済み"))
        services.referral_accept(actor=coordinator, referral=answered)

    received = login(coordinator).get(reverse("referrals:referral_list"))
    assert rows(received) == ["新しい 太郎", "古い 太郎", "回答済み 太郎"]
    html = received.content.decode()
    assert html.count("回答期限超過</span>") == 1
    assert re.search(r"古い.*?回答期限超過", html, re.S)

    sent = login(staff_assigned).get(reverse("referrals:referral_list") + "?tab=sent")
    assert rows(sent) == ["新しい 太郎", "古い 太郎"]
    assert sent.content.decode().count("回答期限超過</span>") == 1
    assert rows(login(staff_assigned).get(reverse("referrals:referral_list"))) == []
    assert rows(login(staff_unassigned).get(reverse("referrals:referral_list") + "?tab=sent")) == []
    # A hub's agency staff do not answer for it: its received sheets are not theirs.
    hub_staff = user_with_role(Role.AGENCY_STAFF, agency=hub, username="hub_staff")
    assert rows(login(hub_staff).get(reverse("referrals:referral_list"))) == []

    # One more day: the second one is overdue too, on both sides.
    with frozen(now + dt.timedelta(days=1, minutes=1)):
        assert (
            login(coordinator)
            .get(reverse("referrals:referral_list"))
            .content.decode()
            .count("回答期限超過</span>")
            == 2
        )


def test_the_answer_days_come_from_the_setting(login, settings, staff_assigned, coordinator, hub):
    now = timezone.now()
    with frozen(now - dt.timedelta(days=3)):
        send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    settings.REFERRAL_ANSWER_DAYS = 7
    page = login(coordinator).get(reverse("referrals:referral_list")).content.decode()
    assert "回答期限超過</span>" not in page
    settings.REFERRAL_ANSWER_DAYS = 2
    page = login(coordinator).get(reverse("referrals:referral_list")).content.decode()
    assert "回答期限超過</span>" in page


def test_the_answer_days_setting_is_parsed_strictly(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "REFERRAL_ANSWER_DAYS": "7日"}
    probe = subprocess.run(
        [sys.executable, "-c", "import config.settings.test"],
        env=env,
        capture_output=True,
        text=True,
        cwd=os.getcwd(),
    )
    assert probe.returncode != 0
    env["REFERRAL_ANSWER_DAYS"] = "0"
    probe = subprocess.run(
        [sys.executable, "-c", "import config.settings.test"], env=env, capture_output=True
    )
    assert b"REFERRAL_ANSWER_DAYS" in probe.stderr
    env["REFERRAL_ANSWER_DAYS"] = "14"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings.test as s; print(s.REFERRAL_ANSWER_DAYS)",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "14"


# -- the monthly table ---------------------------------------------------------------------


def _at(year, month, day, hour=12, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def test_the_monthly_table_counts_sheets_to_the_hub_per_agency_and_tokyo_month(
    staff_assigned, coordinator, hub, other_agency
):
    window_a = staff_assigned
    silent = AgencyFactory(name="相談のない機関")
    inactive = AgencyFactory(name="廃止された機関", is_active=False)
    non_hub = AgencyFactory(name="社協")
    make = window_consultation
    # 1 April 00:30 in Tokyo is still 31 March in UTC: April of 2026年度.
    with frozen(_at(2026, 4, 1, 0, 30)):
        send(actor=window_a, to=hub, consultation=make(window_a))
    # 31 March 23:30 in Tokyo: March of the 2025年度 — not in this table.
    with frozen(_at(2026, 3, 31, 23, 30)):
        send(actor=window_a, to=hub, consultation=make(window_a))
    with frozen(_at(2026, 5, 15)):
        send(actor=window_a, to=hub, consultation=make(window_a))
        send(actor=window_a, to=hub, consultation=make(window_a))
        withdrawn = send(actor=window_a, to=hub, consultation=make(window_a))
        services.referral_withdraw(actor=window_a, referral=withdrawn)
        consented = make(window_a)
        make_consent(actor=window_a, person=consented.person, agencies=[non_hub])
        send(actor=window_a, to=non_hub, consultation=consented)
    # 31 March 2027 23:59 in Tokyo: the last minute of the 年度.
    with frozen(_at(2027, 3, 31, 23, 59)):
        declined = send(actor=window_a, to=hub, consultation=make(window_a))
        services.referral_decline(actor=coordinator, referral=declined, reason="窓口で対応")
    with frozen(_at(2027, 4, 1, 0, 0)):
        send(actor=window_a, to=hub, consultation=make(window_a))

    table = referrals_monthly_table(year=2026)
    assert [m.month for m in table.months] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    by_name = {row.agency.name: row.counts for row in table.rows}
    assert by_name[window_a.agency.name] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    for quiet in (silent.name, other_agency.name, hub.name, non_hub.name):
        assert by_name[quiet] == [0] * 12
    assert inactive.name not in by_name
    assert table.total == 4
    assert table.column_totals[:2] == [1, 2]
    assert referrals_monthly_table(year=2025).total == 1


def test_the_monthly_page_is_for_coordinators(login, coordinator, staff_assigned, hub):
    with frozen(_at(2026, 6, 1)):
        send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
        page = login(coordinator).get(reverse("referrals:referral_monthly"))
    html = page.content.decode()
    assert "令和8年度" in html
    row = re.search(rf"<th scope=\"row\">{staff_assigned.agency.name}</th>(.*?)</tr>", html, re.S)
    assert re.findall(r"<td>(\d+)</td>", row.group(1)) == ["0", "0", "1"] + ["0"] * 9 + ["1"]
    assert login(staff_assigned).get(reverse("referrals:referral_monthly")).status_code == 403
    bad = login(coordinator).get(reverse("referrals:referral_monthly") + "?year=abc")
    assert bad.status_code == 200


# -- liaisons ---------------------------------------------------------------------------


def test_liaisons_are_chosen_from_the_agencys_own_staff(hub, coordinator, staff_assigned):
    data = {
        "name": hub.name,
        "name_kana": "",
        "kind": hub.kind,
        "area": "",
        "is_collaboration_hub": "on",
        "is_active": "on",
    }
    form = AgencyAdminForm({**data, "liaisons": [staff_assigned.pk]}, instance=hub)
    assert not form.is_valid()
    assert "liaisons" in form.errors
    form = AgencyAdminForm({**data, "liaisons": [coordinator.pk]}, instance=hub)
    assert form.is_valid(), form.errors
    form.save()
    assert list(hub.liaisons.all()) == [coordinator]


def test_new_sheets_wait_on_the_receivers_home(login, staff_assigned, coordinator, hub):
    referral = send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    detail = reverse("referrals:referral_detail", args=[referral.pk])
    assert detail in login(coordinator).get(reverse("home")).content.decode()
    assert detail not in login(staff_assigned).get(reverse("home")).content.decode()
    services.referral_accept(actor=coordinator, referral=referral)
    assert detail not in login(coordinator).get(reverse("home")).content.decode()


def test_the_received_list_costs_the_same_queries_for_one_sheet_or_many(
    login, staff_assigned, coordinator, hub
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(coordinator)
    url = reverse("referrals:referral_list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    one = queries()
    for _ in range(4):
        send(actor=staff_assigned, to=hub, consultation=window_consultation(staff_assigned))
    assert queries() == one
