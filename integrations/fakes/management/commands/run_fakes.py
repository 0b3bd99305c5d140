"""``manage.py run_fakes``: serve the fake Zuora and Salesforce until interrupted."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from integrations.fakes.server import start_fakes


class Command(BaseCommand):
    help = "Serve the fake Zuora (SOAP) and Salesforce (REST) on 127.0.0.1 until interrupted."

    # The fakes need neither the database nor the project's checks; they may run before both.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--zuora-port", type=int, default=8101, help="0 picks a free port.")
        parser.add_argument(
            "--salesforce-port", type=int, default=8102, help="0 picks a free port."
        )
        parser.add_argument(
            "--state-dir",
            type=Path,
            default=None,
            help="Where zuora.json and salesforce.json are kept (default: BASE_DIR/.fakes).",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Empty both fakes' state before serving."
        )
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="Address to listen on (default %(default)s; 0.0.0.0 inside a container).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        state_dir: Path = options["state_dir"] or Path(settings.BASE_DIR) / ".fakes"
        fakes = start_fakes(
            state_dir=state_dir,
            zuora_port=options["zuora_port"],
            salesforce_port=options["salesforce_port"],
            reset=options["reset"],
            host=options["host"],
        )
        stopping = threading.Event()
        if threading.current_thread() is threading.main_thread():
            # SIGTERM (a supervisor, a test's terminate()) stops as cleanly as Ctrl-C does.
            signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
        try:
            self.stdout.write(f"Fake Zuora:      {fakes.zuora_url}")
            self.stdout.write(f"  control API:   {fakes.zuora_base}/_fake/")
            self.stdout.write(f"Fake Salesforce: {fakes.salesforce_url}")
            self.stdout.write(f"  token URL:     {fakes.salesforce_token_url}")
            self.stdout.write(f"  control API:   {fakes.salesforce_url}/_fake/")
            self.stdout.write(f"State in {state_dir}{' (reset)' if options['reset'] else ''}")
            self.stdout.write("Quit with CONTROL-C.")
            # Whoever reads our output through a pipe (a test, a supervisor) sees it now.
            self.stdout.flush()
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            fakes.stop()
            self.stdout.write("Fakes stopped.")
