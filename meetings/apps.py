from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "会議"

    def ready(self) -> None:
        # Reactions to the domain signals of the apps below.
        from . import receivers  # noqa: F401
