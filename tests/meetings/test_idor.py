"""IDOR for meetings: ids of a meeting or body the user may not see, and nested ids of
another meeting or body, answer 404 — the same as ids that do not exist — and each
refusal is in the access log."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver, reverse

from agencies.models import AccessEvent
from meetings import services
from tests.meetings.helpers import add_item, attend, make_body, make_meeting, pledge

pytestmark = pytest.mark.django_db

POST_ONLY = {
    "meetings:attendee_remove",
    "meetings:item_remove",
    "meetings:decision_remove",
    "meetings:decision_report",
    "meetings:issue_add",
    "meetings:meeting_recheck",
    "meetings:meeting_close",
    "meetings:pledge_revoke",
    "meetings:handling_end",
    "meetings:proposal_forward",
    "meetings:proposal_decline",
    "meetings:proposal_withdraw",
}


def meeting_scoped_url_names() -> set[str]:
    """Every URL of the meetings app that takes an id (from the resolver, not by hand)."""
    names = set()
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) != "meetings":
            continue
        for inner in pattern.url_patterns:
            if isinstance(inner, URLPattern) and inner.pattern.converters:
                names.add(f"meetings:{inner.name}")
    return names


def build(secretariat, staff_assigned, case, *, name):
    """A body with a pledged member, a meeting with an item, a decision, a handling."""
    body = make_body(secretariat, name=name)
    pledge(secretariat, body, secretariat)
    given = pledge(secretariat, body, staff_assigned)
    meeting = make_meeting(secretariat, [body])
    attend(secretariat, meeting, staff_assigned)
    item = add_item(secretariat, meeting, body, case=case)
    decision = services.decision_add(
        actor=secretariat, item=item, content="訪問する", assignee_name="担当者"
    )
    member = given.member
    given.document_content_type = "application/pdf"
    given.document.save("p.pdf", SimpleUploadedFile("p.pdf", b"%PDF-1.7"), save=True)
    return {
        "body": body,
        "meeting": meeting,
        "item": item,
        "decision": decision,
        "member": member,
        "pledge": given,
        "attendee": meeting.attendees.get(user=staff_assigned),
        "handling": body.handlings.get(),
    }


def kwargs_for(o) -> dict[str, dict]:
    m, b = o["meeting"].pk, o["body"].pk
    return {
        "meetings:meeting_detail": {"pk": m},
        "meetings:meeting_edit": {"pk": m},
        "meetings:meeting_attendees": {"pk": m},
        "meetings:attendee_remove": {"pk": m, "attendee_pk": o["attendee"].pk},
        "meetings:agenda_build": {"pk": m},
        "meetings:item_detail": {"pk": m, "item_pk": o["item"].pk},
        "meetings:item_remove": {"pk": m, "item_pk": o["item"].pk},
        "meetings:decision_remove": {
            "pk": m,
            "item_pk": o["item"].pk,
            "decision_pk": o["decision"].pk,
        },
        "meetings:decision_report": {"pk": o["decision"].pk},
        "meetings:issue_add": {"pk": m},
        "meetings:meeting_recheck": {"pk": m},
        "meetings:meeting_close": {"pk": m},
        "meetings:meeting_papers": {"pk": m},
        "meetings:body_detail": {"pk": b},
        "meetings:body_edit": {"pk": b},
        "meetings:member_add": {"pk": b},
        "meetings:pledge_new": {"pk": b, "member_pk": o["member"].pk},
        "meetings:pledge_revoke": {
            "pk": b,
            "member_pk": o["member"].pk,
            "pledge_pk": o["pledge"].pk,
        },
        "meetings:pledge_document": {
            "pk": b,
            "member_pk": o["member"].pk,
            "pledge_pk": o["pledge"].pk,
        },
        "meetings:handling_end": {"pk": b, "handling_pk": o["handling"].pk},
        "meetings:proposal_new": {"household_pk": o["item"].case.household_id},
        "meetings:proposal_forward": {"pk": o["item"].proposal.pk},
        "meetings:proposal_decline": {"pk": o["item"].proposal.pk},
        "meetings:proposal_withdraw": {"pk": o["item"].proposal.pk},
    }


@pytest.fixture
def objects(secretariat, staff_assigned, case, settings, tmp_path):
    settings.KASANE_PRIVATE_ROOT = tmp_path
    return build(secretariat, staff_assigned, case, name="支援会議A")


def test_every_meeting_scoped_url_is_covered(objects):
    assert set(kwargs_for(objects)) == meeting_scoped_url_names()


def test_a_non_attendee_gets_404_everywhere_and_it_is_logged(login, objects, staff_unassigned):
    client = login(staff_unassigned)
    for name, kwargs in kwargs_for(objects).items():
        url = reverse(name, kwargs=kwargs)
        response = client.post(url, {"reason": "x"}) if name in POST_ONLY else client.get(url)
        assert response.status_code == 404, url
        assert AccessEvent.objects.filter(
            action=AccessEvent.Action.DENIED, user=staff_unassigned, path=url, status_code=404
        ).exists(), url


def test_the_manager_gets_404_everywhere(login, objects, manager):
    client = login(manager)
    for name, kwargs in kwargs_for(objects).items():
        url = reverse(name, kwargs=kwargs)
        response = client.post(url) if name in POST_ONLY else client.get(url)
        assert response.status_code == 404, url


def test_nested_ids_of_another_meeting_or_body_answer_404_and_are_logged(
    login, objects, secretariat, staff_assigned, case
):
    # A second body and meeting the secretariat manages too (the same case may be on
    # both): its URLs with the first one's nested ids must not reach them.
    second = build(secretariat, staff_assigned, case, name="支援会議B")
    mixed = {
        "meetings:attendee_remove": {
            "pk": second["meeting"].pk,
            "attendee_pk": objects["attendee"].pk,
        },
        "meetings:item_detail": {"pk": second["meeting"].pk, "item_pk": objects["item"].pk},
        "meetings:item_remove": {"pk": second["meeting"].pk, "item_pk": objects["item"].pk},
        "meetings:decision_remove": {
            "pk": second["meeting"].pk,
            "item_pk": second["item"].pk,
            "decision_pk": objects["decision"].pk,
        },
        "meetings:pledge_new": {"pk": second["body"].pk, "member_pk": objects["member"].pk},
        "meetings:pledge_revoke": {
            "pk": second["body"].pk,
            "member_pk": second["member"].pk,
            "pledge_pk": objects["pledge"].pk,
        },
        "meetings:pledge_document": {
            "pk": second["body"].pk,
            "member_pk": objects["member"].pk,
            "pledge_pk": objects["pledge"].pk,
        },
        "meetings:handling_end": {"pk": second["body"].pk, "handling_pk": objects["handling"].pk},
    }
    client = login(secretariat)
    for name, kwargs in mixed.items():
        url = reverse(name, kwargs=kwargs)
        response = client.post(url, {"reason": "x"}) if name in POST_ONLY else client.get(url)
        assert response.status_code == 404, url
        assert AccessEvent.objects.filter(
            action=AccessEvent.Action.DENIED, user=secretariat, path=url
        ).exists(), url


def test_the_attendee_side_still_works(login, objects, staff_assigned):
    url = reverse("meetings:meeting_detail", args=[objects["meeting"].pk])
    assert login(staff_assigned).get(url).status_code == 200
    item_url = reverse("meetings:item_detail", args=[objects["meeting"].pk, objects["item"].pk])
    assert login(staff_assigned).get(item_url).status_code == 200
