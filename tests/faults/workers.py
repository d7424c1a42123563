"""Celery workers a fault test starts and kills itself, on Redis DB 6 (never the DB 0
of the long-running CI worker), against the pytest test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.db import connection

FAULTS_REDIS_DB = 6
READY_TIMEOUT = 60


def redis_url(db: int = FAULTS_REDIS_DB) -> str:
    """The Redis of REDIS_URL (else 127.0.0.1:6379), on the fault tests' own DB."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return f"redis://{parts.hostname or '127.0.0.1'}:{parts.port or 6379}/{db}"


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping())
    except Exception:
        return False


def database_url_of_the_tests() -> str:
    """The database this test runs against (test_…), as a URL for another process."""
    s = connection.settings_dict
    auth = quote(s.get("USER") or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(s['NAME'], safe='')}"


def _celery_bin() -> str:
    candidate = Path(sys.executable).parent / "celery"
    return str(candidate) if candidate.exists() else "celery"


class Workers:
    """Starts workers and, in ``stop_all``, ends each one it started (by its pid)."""

    def __init__(self, *, broker: str, log_dir: Path, visibility_timeout: int):
        self.broker = broker
        self.log_dir = log_dir
        self.visibility_timeout = visibility_timeout
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self) -> subprocess.Popen:
        log = self.log_dir / f"worker-{len(self.started) + 1}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "KASANE_CELERY_WORKER": "1",
            "DATABASE_URL": database_url_of_the_tests(),
            "REDIS_URL": self.broker,
            "KASANE_BROKER_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
            "KASANE_PRIVATE_ROOT": str(settings.KASANE_PRIVATE_ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            _celery_bin(),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=faults-{uuid.uuid4().hex[:8]}@%h",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended by its pid
            )
        self.started.append((process, log))
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(
                    f"the worker exited ({process.returncode}):\n{self.log(process)}"
                )
            if b" ready." in log.read_bytes():
                return process
            time.sleep(0.2)
        raise AssertionError(
            f"the worker was not ready after {READY_TIMEOUT}s:\n{self.log(process)}"
        )

    def log(self, process: subprocess.Popen, lines: int = 60) -> str:
        for started, log in self.started:
            if started is process:
                text = log.read_text(errors="replace").splitlines()
                return "\n".join(text[-lines:])
        return ""

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL, as the OOM killer or a pulled plug would: no shutdown of any kind."""
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process, _log in self.started:
            if process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass
