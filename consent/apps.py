from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "同意・守秘義務"

    def ready(self) -> None:
        # Reactions to the domain signals of the apps below.
        from . import receivers  # noqa: F401
