from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page of each role: what the user can act on now. On top of the case
    and meeting apps, whose selectors it only reads."""

    name = "dashboard"
    verbose_name = "ホーム"
