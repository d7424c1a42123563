"""社会資源: the registry the coordinators keep, its 年度 figures and their totals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Area, CommunityResource, ResourceYearFigures
from agencies.selectors import resource_year_totals
from agencies.services import resource_figures_save, resource_save
from tests.factories import once

pytestmark = pytest.mark.django_db


def make_resource(actor, name="みどりの居場所", kind=CommunityResource.Kind.IBASHO, **data):
    return resource_save(actor=actor, data={"name": name, "kind": kind, **data})


def figures(**overrides) -> dict:
    data = {"is_hub": False, "participants": 0, "citizens_running": 0, "agencies_count": 0}
    return data | overrides


def test_a_coordinator_registers_and_changes_a_resource_with_history(coordinator):
    resource = make_resource(coordinator, name_kana="ミドリノイバショ", phone="0561-00-1111")
    assert resource.search_key == "みどりの居場所 みどりのいばしょ"
    created = resource.history.get()
    assert (created.history_user, created.history_change_reason) == (coordinator, "社会資源の登録")
    resource_save(actor=coordinator, resource=resource, data={"offers": "毎週火曜 10時〜"})
    resource.refresh_from_db()
    assert resource.offers == "毎週火曜 10時〜"
    latest = resource.history.first()
    assert (latest.history_user, latest.history_change_reason) == (coordinator, "社会資源の変更")
    # Saving the same values writes nothing.
    resource_save(actor=coordinator, resource=resource, data={"offers": "毎週火曜 10時〜"})
    assert resource.history.count() == 2


def test_only_coordinators_and_the_admin_role_write_the_registry(
    coordinator, staff_assigned, manager, secretariat, admin_user
):
    for user in (staff_assigned, manager, secretariat):
        with pytest.raises(PermissionDenied):
            make_resource(user, name=f"{user.username}の居場所")
        with pytest.raises(PermissionDenied):
            resource_figures_save(
                actor=user,
                resource=make_resource(coordinator, name=f"{user.username}のサロン"),
                fiscal_year=2025,
                data=figures(),
            )
    assert make_resource(admin_user, name="管理者が登録").history.get().history_user == admin_user
    assert not CommunityResource.objects.filter(name__endswith="の居場所").exists()


def test_a_resource_is_refused_with_japanese_messages(coordinator):
    make_resource(coordinator)
    with pytest.raises(ValidationError) as twice:
        make_resource(coordinator)
    assert "すでに登録" in str(twice.value)
    with pytest.raises(ValidationError) as blank:
        make_resource(coordinator, name="  ")
    assert blank.value.message_dict["name"] == ["名称を入力してください。"]
    with pytest.raises(ValidationError):
        make_resource(coordinator, name="x", kind="casino")
    assert CommunityResource.objects.count() == 1


def test_figures_are_one_row_per_year_corrected_in_place(coordinator):
    resource = make_resource(coordinator)
    first = resource_figures_save(
        actor=coordinator, resource=resource, fiscal_year=2025, data=figures(participants=40)
    )
    again = resource_figures_save(
        actor=coordinator, resource=resource, fiscal_year=2025, data=figures(participants=52)
    )
    assert first.pk == again.pk and again.participants == 52
    assert [h.participants for h in again.history.order_by("history_date")] == [40, 52]
    assert again.history.first().history_change_reason == "年度実績の修正"
    resource_figures_save(actor=coordinator, resource=resource, fiscal_year=2026, data=figures())
    assert resource.year_figures.count() == 2
    assert again.year_label == "令和7年度"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("participants", -1, "0"),
        ("participants", 1_000_001, "100万人以下"),
        ("citizens_running", 100_001, "10万人以下"),
        ("agencies_count", 10_001, "1万以下"),
    ],
)
def test_figures_out_of_bounds_are_refused_in_japanese(coordinator, name, value, message):
    resource = make_resource(coordinator)
    with pytest.raises(ValidationError) as refused:
        resource_figures_save(
            actor=coordinator, resource=resource, fiscal_year=2025, data=figures(**{name: value})
        )
    assert message in " ".join(refused.value.message_dict[name])
    assert not ResourceYearFigures.objects.exists()


def test_year_totals_are_exact(coordinator):
    a = make_resource(coordinator, name="A")
    b = make_resource(coordinator, name="B", kind=CommunityResource.Kind.SALON)
    c = make_resource(coordinator, name="C", kind=CommunityResource.Kind.COOPERATING_BUSINESS)
    save = resource_figures_save
    save(
        actor=coordinator,
        resource=a,
        fiscal_year=2025,
        data=figures(is_hub=True, participants=81, citizens_running=12, agencies_count=20),
    )
    save(
        actor=coordinator,
        resource=b,
        fiscal_year=2025,
        data=figures(is_hub=True, participants=19, citizens_running=3, agencies_count=2),
    )
    save(actor=coordinator, resource=c, fiscal_year=2025, data=figures(participants=5))
    save(
        actor=coordinator,
        resource=a,
        fiscal_year=2024,
        data=figures(is_hub=True, participants=1000, citizens_running=100, agencies_count=100),
    )
    # A resource made inactive later still counts for the year its figures belong to.
    resource_save(actor=coordinator, resource=c, data={"is_active": False})
    totals = resource_year_totals(fiscal_year=2025)
    assert (totals.hubs, totals.participants, totals.citizens_running, totals.agencies_count) == (
        2,
        105,
        15,
        22,
    )
    empty = resource_year_totals(fiscal_year=2030)
    assert (empty.hubs, empty.participants, empty.citizens_running, empty.agencies_count) == (
        0,
        0,
        0,
        0,
    )


def _listed(client, **params) -> list[str]:
    response = client.get(reverse("resources:resource_list"), params)
    assert response.status_code == 200
    return [r.name for r in response.context["page"].object_list]


def test_the_list_searches_by_name_kind_and_area(coordinator, staff_assigned, login):
    north = Area.objects.create(name="北圏域")
    make_resource(coordinator, name="ひだまりサロン", kind=CommunityResource.Kind.SALON, area=north)
    make_resource(
        coordinator,
        name="ＡＢＣ食堂",
        name_kana="えーびーしーしょくどう",
        kind=CommunityResource.Kind.KODOMO_SHOKUDO,
    )
    make_resource(
        coordinator,
        name="丸山商店",
        name_kana="まるやましょうてん",
        kind=CommunityResource.Kind.COOPERATING_BUSINESS,
        area=north,
    )
    closed = make_resource(coordinator, name="旧ひだまり会館", area=north)
    resource_save(actor=coordinator, resource=closed, data={"is_active": False})
    client = login(staff_assigned)
    # 五十音順 by ふりがな (one without ふりがな by its name).
    assert _listed(client) == ["ＡＢＣ食堂", "ひだまりサロン", "丸山商店"]
    # 全角/半角 and ひらがな/カタカナ are ignored; the ふりがな is searched too.
    assert _listed(client, q="abc") == ["ＡＢＣ食堂"]
    assert _listed(client, q="ヒダマリ") == ["ひだまりサロン"]
    assert _listed(client, q="マルヤマ") == ["丸山商店"]
    assert _listed(client, kind="salon") == ["ひだまりサロン"]
    assert sorted(_listed(client, area=north.pk)) == ["ひだまりサロン", "丸山商店"]
    assert sorted(_listed(client, q="ひだまり", inactive="on")) == [
        "ひだまりサロン",
        "旧ひだまり会館",
    ]
    # A search that is not valid shows the whole active list, never an error page.
    assert len(_listed(client, area="abc", kind="casino")) == 3


def test_the_list_asks_the_same_number_of_queries_for_1_and_30(coordinator, manager, login):
    area = Area.objects.create(name="南圏域")
    client = login(manager)
    url = reverse("resources:resource_list")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    make_resource(coordinator, name="資源0", area=area)
    few = count()
    for i in range(1, 30):
        make_resource(coordinator, name=f"資源{i}", area=area if i % 2 else None)
    assert count() == few


def test_a_coordinator_registers_once_through_the_page(coordinator, login):
    client = login(coordinator)
    data = {
        **once(),
        "name": "若葉子ども食堂",
        "kind": "kodomo_shokudo",
        "is_active": "on",
        "offers": "第2・第4土曜 夕食",
    }
    first = client.post(reverse("resources:resource_new"), data)
    resource = CommunityResource.objects.get()
    assert first["Location"] == reverse("resources:resource_detail", args=[resource.pk])
    again = client.post(reverse("resources:resource_new"), data)
    assert again.status_code == 302 and CommunityResource.objects.count() == 1
    page = client.get(first["Location"]).content.decode()
    assert "若葉子ども食堂" in page and "第2・第4土曜 夕食" in page


def test_the_figures_page_refuses_bad_numbers_in_japanese(coordinator, login):
    resource = make_resource(coordinator)
    client = login(coordinator)
    url = reverse("resources:resource_figures", args=[resource.pk])
    response = client.post(
        url,
        {
            "fiscal_year": "2025",
            "participants": "-3",
            "citizens_running": "abc",
            "agencies_count": "99999999",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    for message in ("0以上", "数字で入力", "1万以下"):
        assert message in page
    response = client.post(
        url,
        {
            "fiscal_year": "1999",
            "participants": "1",
            "citizens_running": "1",
            "agencies_count": "1",
        },
    )
    assert "年度を一覧から選んでください。" in response.content.decode()
    assert not ResourceYearFigures.objects.exists()
    ok = client.post(
        url,
        {
            "fiscal_year": "2025",
            "is_hub": "on",
            "participants": "81",
            "citizens_running": "7",
            "agencies_count": "20",
        },
    )
    assert ok.status_code == 302
    row = ResourceYearFigures.objects.get()
    assert (row.fiscal_year, row.is_hub, row.participants) == (2025, True, 81)
    assert "81" in client.get(url + "?year=2025").content.decode()


def test_readers_and_writers_of_the_pages(coordinator, staff_assigned, manager, secretariat, login):
    resource = make_resource(coordinator)
    pages = {
        "resources:resource_list": {},
        "resources:resource_detail": {"pk": resource.pk},
        "resources:resource_new": {},
        "resources:resource_edit": {"pk": resource.pk},
        "resources:resource_figures": {"pk": resource.pk},
    }
    readable = {"resources:resource_list", "resources:resource_detail"}
    for user, reads, writes in (
        (coordinator, True, True),
        (staff_assigned, True, False),
        (manager, True, False),
        (secretariat, False, False),
    ):
        client = login(user)
        for name, kwargs in pages.items():
            allowed = writes or (reads and name in readable)
            status = client.get(reverse(name, kwargs=kwargs)).status_code
            assert status == (200 if allowed else 403), (user.username, name)
    assert (
        login(coordinator).get(reverse("resources:resource_detail", args=[9999])).status_code == 404
    )


def test_the_admin_role_keeps_the_registry_in_the_admin(admin_user, login):
    client = login(admin_user)
    assert client.get("/admin/agencies/communityresource/").status_code == 200
    response = client.post(
        "/admin/agencies/communityresource/add/",
        {
            "name": "就労体験 山の上農園",
            "name_kana": "",
            "kind": "work_experience",
            "area": "",
            "contact_person": "",
            "phone": "",
            "address": "",
            "offers": "",
            "is_active": "on",
            "year_figures-TOTAL_FORMS": "1",
            "year_figures-INITIAL_FORMS": "0",
            "year_figures-MIN_NUM_FORMS": "0",
            "year_figures-MAX_NUM_FORMS": "1000",
            "year_figures-0-fiscal_year": "2025",
            "year_figures-0-participants": "12",
            "year_figures-0-citizens_running": "3",
            "year_figures-0-agencies_count": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    resource = CommunityResource.objects.get()
    assert resource.search_key.startswith("就労体験山の上農園")
    assert resource.history.get().history_user == admin_user
    assert resource.year_figures.get().history.get().history_user == admin_user


def test_the_admin_refuses_to_move_figures_to_another_year(admin_user, coordinator, login):
    resource = make_resource(coordinator)
    row = resource_figures_save(
        actor=coordinator, resource=resource, fiscal_year=2025, data=figures(participants=9)
    )
    response = login(admin_user).post(
        f"/admin/agencies/communityresource/{resource.pk}/change/",
        {
            "name": resource.name,
            "kind": resource.kind,
            "is_active": "on",
            "year_figures-TOTAL_FORMS": "1",
            "year_figures-INITIAL_FORMS": "1",
            "year_figures-MIN_NUM_FORMS": "0",
            "year_figures-MAX_NUM_FORMS": "1000",
            "year_figures-0-id": str(row.pk),
            "year_figures-0-resource": str(resource.pk),
            "year_figures-0-fiscal_year": "2024",
            "year_figures-0-participants": "9",
            "year_figures-0-citizens_running": "0",
            "year_figures-0-agencies_count": "0",
        },
    )
    assert response.status_code == 200
    assert "登録済みの年度は変更できません" in response.content.decode()
    assert list(ResourceYearFigures.objects.values_list("fiscal_year", flat=True)) == [2025]
