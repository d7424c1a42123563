import pytest
from django.core.management import CommandError, call_command

from agencies.models import User
from cases.models import Case, Consultation, Household

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_user_per_role_and_thirty_households(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert {
        "coordinator",
        "agency_staff",
        "agency_staff2",
        "secretariat",
        "manager",
        "admin",
    } <= set(User.objects.values_list("username", flat=True))
    assert (
        User.objects.get(username="agency_staff").agency
        != User.objects.get(username="agency_staff2").agency
    )
    # Thirty households that came to a window, and one the window goes out to.
    assert Household.objects.filter(consultations__isnull=False).distinct().count() == 30
    assert Household.objects.filter(outreach_engagements__isnull=False).count() == 1
    assert Case.objects.exists()
    from meetings.models import Meeting, MeetingBody

    assert MeetingBody.objects.count() == 2
    assert Meeting.objects.get().bodies.count() == 2
    assert "coordinator" in out and "kasane-demo-pw" in out
    assert User.objects.get(username="coordinator").check_password("kasane-demo-pw")
    assert not User.objects.filter(is_superuser=True).exists()


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    counts = (User.objects.count(), Household.objects.count(), Consultation.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Household.objects.count(), Consultation.objects.count()) == counts


def test_seed_demo_refuses_when_the_setting_is_off(settings):
    settings.KASANE_ALLOW_DEMO_SEED = False
    with pytest.raises(CommandError, match="デモデータを作成できません"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_production_settings_turn_the_demo_seed_off(monkeypatch):
    import importlib
    import secrets

    monkeypatch.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "kasane.example.lg.jp")
    monkeypatch.setenv("KASANE_ALLOW_DEMO_SEED", "true")
    production = importlib.import_module("config.settings.production")
    production = importlib.reload(production)
    assert production.KASANE_ALLOW_DEMO_SEED is False
    assert production.DEBUG is False
