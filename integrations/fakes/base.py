"""What both fake servers share: a stateful service kept in a JSON file, fault injection and
the control API (``/_fake/faults``, ``/_fake/seed``, ``/_fake/state``, ``/_fake/reset``).

The fakes stand in for Zuora and Salesforce in the demo, the tests and the benchmarks. They are
never imported by production code paths (the import contract forbids it).

Fault rules (``POST /_fake/faults`` with a JSON object, or a list of them):

- ``{"operation": "subscribe", "fault": "LOCK_COMPETITION", "times": 2}``: the next two
  ``subscribe`` calls fail with that fault;
- ``{"operation": "*", "fault": "TEMPORARY_ERROR", "rate": 0.2}``: one call in five, at random;
- ``{"operation": "*", "latency_ms": 200}``: every call waits 200 ms first;
- ``{"operation": "subscribe", "fault": "TIMEOUT_COMMIT", "delay_ms": 3000, "times": 1}``: the
  call is carried out and saved, then the answer comes 3 s later (our side has timed out);
- ``"retry_after"`` (seconds) goes with rate-limit faults that carry a ``Retry-After`` header.

``DELETE /_fake/faults`` clears every rule. What a fault name means is the fake's business.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)


@dataclass
class FaultRule:
    operation: str = "*"
    fault: str = ""
    times: int | None = None
    rate: float | None = None
    latency_ms: int = 0
    delay_ms: int = 0
    retry_after: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        known = {"operation", "fault", "times", "rate", "latency_ms", "delay_ms", "retry_after"}
        rule = cls(
            operation=str(data.get("operation", "*")),
            fault=str(data.get("fault", "")),
            times=int(data["times"]) if data.get("times") is not None else None,
            rate=float(data["rate"]) if data.get("rate") is not None else None,
            latency_ms=int(data.get("latency_ms", 0)),
            delay_ms=int(data.get("delay_ms", 0)),
            retry_after=int(data["retry_after"]) if data.get("retry_after") is not None else None,
            extra={k: v for k, v in data.items() if k not in known},
        )
        if not rule.fault and not rule.latency_ms:
            raise ValueError("A fault rule needs a fault or a latency_ms.")
        if rule.rate is not None and not 0 <= rule.rate <= 1:
            raise ValueError("rate is a probability between 0 and 1.")
        return rule

    def matches(self, operation: str) -> bool:
        return self.operation in ("*", operation)

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "fault": self.fault,
            "times": self.times,
            "rate": self.rate,
            "latency_ms": self.latency_ms,
            "delay_ms": self.delay_ms,
            "retry_after": self.retry_after,
            **self.extra,
        }


class FaultRegistry:
    """The fault rules in force. Thread-safe; rules live in memory only (a restart clears them)."""

    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not cryptography

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_json() for rule in self._rules]

    def applies(self, rule: FaultRule, operation: str, **scope: str | None) -> bool:
        """Whether ``rule`` is for this call; a fake may narrow rules further (by object)."""
        return rule.matches(operation)

    def latency(self, operation: str, **scope: str | None) -> float:
        """Seconds to wait before handling ``operation`` (the sum of matching latency rules)."""
        with self._lock:
            matching = [r for r in self._rules if self.applies(r, operation, **scope)]
            return sum(r.latency_ms for r in matching) / 1000

    def take(self, operation: str, **scope: str | None) -> FaultRule | None:
        """The fault to answer ``operation`` with, if any; a ``times`` rule is used up by it."""
        with self._lock:
            for rule in self._rules:
                if not rule.fault or not self.applies(rule, operation, **scope):
                    continue
                if rule.times is not None:
                    if rule.times <= 0:
                        continue
                    if rule.rate is not None and self._random.random() >= rule.rate:
                        continue
                    rule.times -= 1
                    return rule
                if rule.rate is not None:
                    if self._random.random() < rule.rate:
                        return rule
                    continue
                return rule
            return None


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Close the connection without answering (a connection reset as the client sees it).
    drop: bool = False
    # Wait this long before answering (after the work is saved): a slow call that times out on
    # the client's side but has committed on ours.
    delay: float = 0.0

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Self:
        return cls(
            status=status,
            body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
        )


class FakeService(ABC):
    """A fake external system: state in a JSON file, a fault registry, a request handler.

    Subclasses implement :meth:`empty_state`, :meth:`handle` and :meth:`seed`. Mutations happen
    under ``self.lock`` and end with :meth:`save`, so a restart of the fakes keeps what they hold.
    """

    name = "fake"

    def __init__(self, state_path: Path | None = None, *, fault_seed: int | None = None) -> None:
        self.state_path = state_path
        self.lock = threading.RLock()
        self.faults = FaultRegistry(seed=fault_seed)
        self.state: dict[str, Any] = self.empty_state()
        if state_path is not None and state_path.exists():
            with state_path.open() as fh:
                self.state = json.load(fh)

    # --- to implement -------------------------------------------------------------------------
    @abstractmethod
    def empty_state(self) -> dict[str, Any]:
        """The state of a fake that holds nothing yet."""

    @abstractmethod
    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer a request to the fake's API (the control API is handled before this)."""

    @abstractmethod
    def seed(self, data: dict[str, Any]) -> None:
        """Load what the real system would already hold (``POST /_fake/seed``)."""

    def public_state(self) -> dict[str, Any]:
        """What ``GET /_fake/state`` shows: the whole state by default."""
        with self.lock:
            return json.loads(json.dumps(self.state))

    # --- shared --------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.state = self.empty_state()
            self.save()
        self.faults.clear()

    def save(self) -> None:
        """Write the state atomically (a crash mid-write never leaves half a file)."""
        if self.state_path is None:
            return
        with self.lock:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.state_path.parent, prefix=f".{self.name}-")
            with os.fdopen(fd, "w") as fh:
                json.dump(self.state, fh)
            os.replace(tmp, self.state_path)

    def control(self, request: FakeRequest) -> FakeResponse | None:
        """The control API shared by every fake; ``None`` for any other path."""
        path = request.path.rstrip("/")
        try:
            if path == "/_fake/faults":
                if request.method == "POST":
                    data = request.json()
                    for item in data if isinstance(data, list) else [data]:
                        self.faults.add(FaultRule.from_json(item))
                    return FakeResponse.json({"rules": self.faults.rules()}, status=201)
                if request.method == "DELETE":
                    self.faults.clear()
                    return FakeResponse(status=204)
                if request.method == "GET":
                    return FakeResponse.json({"rules": self.faults.rules()})
            elif path == "/_fake/seed" and request.method == "POST":
                self.seed(request.json() or {})
                return FakeResponse.json({"ok": True}, status=201)
            elif path == "/_fake/reset" and request.method == "POST":
                self.reset()
                return FakeResponse(status=204)
            elif path == "/_fake/state" and request.method == "GET":
                return FakeResponse.json(self.public_state())
            else:
                return None
        except (ValueError, TypeError, KeyError) as exc:
            return FakeResponse.json({"error": str(exc)}, status=400)
        return FakeResponse.json({"error": "method not allowed"}, status=405)


def _handler_for(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = FakeRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            response = service.control(request)
            if response is None:
                try:
                    response = service.handle(request)
                except Exception:
                    logger.exception(
                        "%s fake failed on %s %s", service.name, self.command, parts.path
                    )
                    response = FakeResponse(status=500, body=b"fake server error")
            if response.delay:
                time.sleep(response.delay)
            if response.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(2)
                return
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if response.body:
                self.wfile.write(response.body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s fake: " + format, service.name, *args)

    return Handler


class RunningFake:
    """A fake served on 127.0.0.1 from a background thread."""

    def __init__(self, service: FakeService, port: int = 0, host: str = "127.0.0.1") -> None:
        self.service = service
        self.server = ThreadingHTTPServer((host, port), _handler_for(service))
        self.server.daemon_threads = True
        # A short poll interval: stop() returns within 50 ms instead of half a second.
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-{service.name}",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RunningFake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
