"""Both fakes come up together, keep their state across a restart, and ``manage.py run_fakes``
serves them on the ports asked for until it is told to stop."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import requests
from django.conf import settings

from integrations.fakes.management.commands.run_fakes import Command
from integrations.fakes.salesforce import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SalesforceFake,
    salesforce_id,
)
from integrations.fakes.server import start_fakes

PARTNER = {"id": salesforce_id("0015g00000PARTN"), "name": "Northwind Resellers"}

# Runs the command through Django's command line, as manage.py does, with only the fakes app
# installed: the command needs nothing else, and the full project takes seconds to set up.
RUN_COMMAND = """
import sys
from pathlib import Path
from django.conf import settings
from django.core.management import execute_from_command_line

settings.configure(INSTALLED_APPS=["integrations.fakes"], BASE_DIR=Path.cwd())
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_start_fakes_serves_both_and_keeps_state_across_a_restart(tmp_path: Path) -> None:
    with start_fakes(state_dir=tmp_path) as fakes:
        assert fakes.zuora_url == f"http://127.0.0.1:{fakes.zuora.port}/apps/services/a/82.0"
        assert fakes.zuora_base == f"http://127.0.0.1:{fakes.zuora.port}"
        assert fakes.salesforce_url == f"http://127.0.0.1:{fakes.salesforce.port}"
        assert "accounts" in fakes.state("zuora")
        token = http().post(
            fakes.salesforce_token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
            },
            timeout=5,
        )
        assert token.status_code == 200
        assert token.json()["instance_url"] == fakes.salesforce_url
        fakes.seed("salesforce", {"accounts": [PARTNER]})
        fakes.faults("salesforce", {"operation": "upsert", "fault": "UNABLE_TO_LOCK_ROW"})
        assert len(fakes.control("salesforce", "GET", "/_fake/faults").json()["rules"]) == 1

    assert (tmp_path / "salesforce.json").exists()
    with start_fakes(state_dir=tmp_path) as again:
        assert [a["Name"] for a in again.state("salesforce")["accounts"]] == [PARTNER["name"]]
        # Fault rules live in memory: a restart clears them.
        assert again.control("salesforce", "GET", "/_fake/faults").json()["rules"] == []
        again.reset()
        assert again.state("salesforce")["accounts"] == []


def test_run_fakes_defaults() -> None:
    options = Command().create_parser("manage.py", "run_fakes").parse_args([])

    assert options.zuora_port == 8101
    assert options.salesforce_port == 8102
    assert options.state_dir is None  # handle() falls back to BASE_DIR/.fakes
    assert options.reset is False


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


def test_run_fakes_serves_on_the_ports_given_and_stops_on_terminate(tmp_path: Path) -> None:
    old = SalesforceFake(tmp_path / "salesforce.json")
    old.seed({"accounts": [PARTNER]})  # state from an earlier run, which --reset must empty
    zuora_port, salesforce_port = free_port(), free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-c",
            RUN_COMMAND,
            "run_fakes",
            "--zuora-port",
            str(zuora_port),
            "--salesforce-port",
            str(salesforce_port),
            "--state-dir",
            str(tmp_path),
            "--reset",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=_lines, args=(process.stdout, output), daemon=True).start()
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while "Quit with CONTROL-C." not in lines:
            assert process.poll() is None, "\n".join(lines)
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no start-up banner: {lines}"
            try:
                lines.append(output.get(timeout=remaining))
            except queue.Empty:
                continue
        zuora = f"http://127.0.0.1:{zuora_port}"
        salesforce = f"http://127.0.0.1:{salesforce_port}"
        printed = "\n".join(lines)
        assert f"{zuora}/apps/services/a/82.0" in printed
        assert f"{zuora}/_fake/" in printed
        assert f"{salesforce}/services/oauth2/token" in printed
        assert f"{salesforce}/_fake/" in printed
        assert str(tmp_path) in printed

        assert http().get(f"{zuora}/_fake/state", timeout=5).status_code == 200
        state = http().get(f"{salesforce}/_fake/state", timeout=5).json()
        assert state["accounts"] == []
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    assert process.returncode == 0
    time.sleep(0.1)  # let the reader thread take the last lines
    while not output.empty():
        lines.append(output.get())
    assert lines[-1] == "Fakes stopped."
