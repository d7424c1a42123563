from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "つなぐ"

    def ready(self) -> None:
        # Reactions to the domain signals of the apps below.
        from . import receivers  # noqa: F401
