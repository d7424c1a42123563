from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Fictional demo data for `make run`: the top floor, it may import every app."""

    name = "demo"
    verbose_name = "デモデータ"
