from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "機関・職員"

    def ready(self) -> None:
        # Authentication events → the access log.
        from . import signals  # noqa: F401
