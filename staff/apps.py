from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Staff management pages (人事異動, hand-over): above agencies and cases, counts only."""

    name = "staff"
    verbose_name = "職員の管理"
