"""Browser tests: pytest-playwright driving Debian's Chromium headless against live_server.

Playwright cannot download its own browsers here; we point it at /usr/bin/chromium (installed
by bin/test). The background-networking flags keep Chromium from dialling out of a closed network.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.devidp_process import DevIdp

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def devidp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevIdp]:
    """The development OIDC provider, a separate process on a free loopback port."""
    provider = DevIdp(tmp_path_factory.mktemp("devidp"))
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
