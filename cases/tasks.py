"""Celery tasks: take ids, import services inside, safe to retry."""

from celery import shared_task


@shared_task(acks_late=True)
def search_keys_refresh_task(*, actor_id: int) -> int:
    from agencies.models import User

    from .services import search_keys_refresh

    return search_keys_refresh(actor=User.objects.get(pk=actor_id))
