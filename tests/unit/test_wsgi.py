"""The WSGI entry point freezes what it loaded (gc.freeze), so that a full garbage
collection in a worker does not walk the whole application (bench/README.md)."""

import gc
import importlib


def test_the_wsgi_application_freezes_what_it_loaded():
    import config.wsgi

    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        importlib.reload(config.wsgi)
        assert callable(config.wsgi.application)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
