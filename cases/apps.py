from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "相談・ケース"

    def ready(self) -> None:
        # Reactions to the domain signals of the apps below.
        from . import signals  # noqa: F401
