import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()


def _freeze_loaded_objects() -> None:
    """Load the URLconf (and with it every view, form and model) now, then move all
    that was loaded out of the garbage collector's reach (``gc.freeze``): it lives as
    long as the process. A full collection walked it all, in 70–100 ms, and fell on one
    request in fifteen or so — the p95 of every page at a city's scale; frozen, a full
    collection takes about 25 ms (bench/README.md). Each gunicorn worker imports this
    module after it forks, so each freezes its own."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imported for its side effect
    gc.collect()
    gc.freeze()


_freeze_loaded_objects()
