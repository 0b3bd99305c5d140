"""The development OIDC provider (``devidp/``) as a separate process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The provider is its own Django project: none of the portal's settings may leak into it.
PORTAL_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "SECRET_KEY"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DevIdp:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        self.env = {k: v for k, v in os.environ.items() if k not in PORTAL_VARIABLES}
        self.env.update(
            DEVIDP_DATABASE=str(directory / "devidp.sqlite3"),
            DEVIDP_RSA_KEY_FILE=str(directory / "devidp.key.pem"),
            DEVIDP_FAST_PASSWORD_HASHING="1",
        )
        self.log_path = directory / "devidp.log"
        self.process: subprocess.Popen[bytes] | None = None

    def manage(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603  # our interpreter, our module
            [sys.executable, "-m", "devidp", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"devidp {args[0]} failed:\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603  # our interpreter, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "devidp",
                    "runserver",
                    f"127.0.0.1:{self.port}",
                    "--noreload",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        url = f"{self.issuer}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"devidp exited:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  # loopback
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise RuntimeError(f"devidp did not answer at {url}:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def setup(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        users: list[tuple[str, str, list[str]]],
    ) -> None:
        """Register the client and create or update users (exactly these groups each)."""
        args = [
            "devidp_setup",
            "--client-id",
            client_id,
            "--client-secret",
            client_secret,
            "--redirect-uri",
            redirect_uri,
        ]
        for email, password, groups in users:
            args += ["--user", f"{email}:{password}:{','.join(groups)}"]
        self.manage(*args)
