"""Both fakes on loopback ports: what ``manage.py run_fakes`` serves and what tests start.

``start_fakes(state_dir=...)`` gives a :class:`Fakes` with their URLs and small helpers for the
control API (``/_fake/faults|seed|state|reset``), so a test can say
``fakes.faults("salesforce", {"operation": "upsert", "fault": "UNABLE_TO_LOCK_ROW"})``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import requests

from integrations.fakes.base import RunningFake
from integrations.fakes.salesforce import SalesforceFake
from integrations.fakes.zuora import SOAP_PATH, ZuoraFake

SALESFORCE_TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a URL path, not a secret

Target = Literal["zuora", "salesforce"]


@dataclass
class Fakes:
    zuora: RunningFake
    salesforce: RunningFake
    state_dir: Path

    @property
    def zuora_base(self) -> str:
        return self.zuora.base_url

    @property
    def zuora_url(self) -> str:
        """The SOAP endpoint (ZUORA_ENDPOINT)."""
        return f"{self.zuora.base_url}{SOAP_PATH}"

    @property
    def salesforce_url(self) -> str:
        """The instance URL (SALESFORCE_INSTANCE_URL)."""
        return self.salesforce.base_url

    @property
    def salesforce_token_url(self) -> str:
        return f"{self.salesforce.base_url}{SALESFORCE_TOKEN_PATH}"

    def base_url(self, target: Target) -> str:
        return self.zuora.base_url if target == "zuora" else self.salesforce.base_url

    def control(
        self, target: Target, method: str, path: str, json: Any = None
    ) -> requests.Response:
        """Call the control API of one fake, e.g. ``control("zuora", "GET", "/_fake/state")``."""
        with requests.Session() as session:
            session.trust_env = False  # no proxy from the environment for loopback calls
            response = session.request(
                method, f"{self.base_url(target)}{path}", json=json, timeout=10
            )
        response.raise_for_status()
        return response

    def faults(self, target: Target, *rules: dict[str, Any]) -> None:
        self.control(target, "POST", "/_fake/faults", list(rules))

    def clear_faults(self, target: Target) -> None:
        self.control(target, "DELETE", "/_fake/faults")

    def seed(self, target: Target, data: dict[str, Any]) -> None:
        self.control(target, "POST", "/_fake/seed", data)

    def state(self, target: Target) -> dict[str, Any]:
        state: dict[str, Any] = self.control(target, "GET", "/_fake/state").json()
        return state

    def reset(self) -> None:
        """Empty both fakes' state and clear their fault rules."""
        self.zuora.service.reset()
        self.salesforce.service.reset()

    def stop(self) -> None:
        self.zuora.stop()
        self.salesforce.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_fakes(
    *,
    state_dir: Path,
    zuora_port: int = 0,
    salesforce_port: int = 0,
    reset: bool = False,
    host: str = "127.0.0.1",
) -> Fakes:
    """Serve the Zuora and Salesforce fakes on 127.0.0.1 (port 0: any free port).

    Their state lives in ``state_dir/zuora.json`` and ``state_dir/salesforce.json`` and survives
    a restart; ``reset`` empties it first. ``host`` is where they listen: loopback unless
    other machines must reach them (``0.0.0.0`` in docker compose).
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    zuora_service = ZuoraFake(state_dir / "zuora.json")
    salesforce_service = SalesforceFake(state_dir / "salesforce.json")
    if reset:
        zuora_service.reset()
        salesforce_service.reset()
    zuora = RunningFake(zuora_service, port=zuora_port, host=host).start()
    try:
        salesforce = RunningFake(salesforce_service, port=salesforce_port, host=host).start()
    except BaseException:
        # The second port was taken: do not leave the first fake serving behind.
        zuora.stop()
        raise
    return Fakes(zuora=zuora, salesforce=salesforce, state_dir=state_dir)
