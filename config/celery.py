"""The Celery application.

Without ``REDIS_URL`` the settings make every task run eagerly in-process, so a bare
machine (``make run``) needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("kasane")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
