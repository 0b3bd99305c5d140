"""The product and the floor served by gunicorn for the benchmarks (``pages.py``,
``checkout_load.py``): 2 sync workers each, on 127.0.0.1 only."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve(
    *, floor: bool, port: int, env: dict[str, str], extra: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """The product (``portal.wsgi``) or the floor (``bench/floor``) on ``port``."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    args = [gunicorn, "floor.wsgi" if floor else "portal.wsgi", "--workers", "2"]
    args += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", *extra]
    env = {**env, "DJANGO_SETTINGS_MODULE": "floor.settings" if floor else "portal.settings"}
    return subprocess.Popen(args, cwd=ROOT / "bench" if floor else ROOT, env=env)


def wait_for(port: int, path: str, deadline: float) -> None:
    """Until ``path`` answers on ``port`` (any status), or exit at ``deadline``."""
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on port {port} did not start")
