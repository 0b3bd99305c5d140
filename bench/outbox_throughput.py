"""Throughput of the order outbox: orders pushed end to end per minute, and the time from an
order's commit to "sent", for a number of ``celery worker`` processes.

Usage (from the repository root; PostgreSQL on 127.0.0.1:5432, ``redis-server`` on PATH):

    .venv/bin/python bench/outbox_throughput.py [--orders 300] [--workers 1 4] \
        [--latency-ms 200] [--organisations 8] [--out bench/results/outbox-throughput.md]

For each worker count it makes a fresh run: the database ``pp_bench_outbox`` is (re)created
from a migrated and seeded copy, the fakes are emptied and seeded again. It starts its own
``redis-server`` on a free port, the fakes as ``manage.py run_fakes`` (a separate process, so
they do not share this script's GIL), N ``celery -A portal worker`` processes (prefork,
concurrency 1 each) and the beat job as a thread of this script calling
``integrations.sending.outbox_dispatch()`` every second (it only matters for stragglers here:
every order's two messages are enqueued on commit). Every call to both fakes waits
``--latency-ms`` first. All orders are placed up front, as fast as ``order_place`` goes, spread
round-robin over the organisations (15 % for a customer the organisation already has); timing
starts just before the first order and stops when the last row is sent. Everything started is
stopped at the end, also on Ctrl-C or a failure. Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _outbox_common import (
    FAST_TIMINGS,
    OrderPlacer,
    Seller,
    Stack,
    close_db_connections,
    drop_database,
    machine_line,
    markdown_table,
    org_specs,
    outbox_counts,
    percentile,
    prepare_environment,
    recreate_database,
    seed_world,
    setup_django,
    terminate_on_sigterm,
    wait_for,
)


def measure(
    stack: Stack,
    sellers: list[Seller],
    *,
    workers: int,
    orders: int,
    latency_ms: int,
    timeout: float,
) -> dict[str, object]:
    from integrations.models import OutboxMessage, OutboxState, Target
    from orders.models import Order

    assert stack.fakes is not None
    fakes = stack.fakes
    for seller in sellers:
        seller.customers.clear()
    for target in ("zuora", "salesforce"):
        fakes.faults(target, [{"operation": "*", "latency_ms": latency_ms}])
    for _ in range(workers):
        stack.start_worker()
    stack.start_dispatcher()
    placer = OrderPlacer(sellers, reuse=0.15)
    started = datetime.now(UTC)
    for _ in range(orders):
        placer.place()
    placed_in = (datetime.now(UTC) - started).total_seconds()
    print(f"  {orders} orders placed in {placed_in:.1f} s", flush=True)
    total_rows = orders * 2

    def done() -> bool:
        fakes.check_alive()
        counts = outbox_counts()
        return counts.get(OutboxState.SUCCEEDED, 0) + counts.get(OutboxState.FAILED, 0) >= (
            total_rows
        )

    finished = wait_for(done, timeout=timeout, progress=lambda: str(outbox_counts()))
    counts = outbox_counts()
    if stack.dispatcher is not None:
        stack.dispatcher.stop()
        stack.dispatcher = None
    stack.stop_workers()

    sent_at: dict[int, dict[str, datetime]] = {}
    for order_id, target, at in OutboxMessage.objects.filter(
        state=OutboxState.SUCCEEDED
    ).values_list("order_id", "target", "sent_at"):
        if at is not None:  # a sent row always has its time; the type says it may not
            sent_at.setdefault(order_id, {})[target] = at
    both: list[float] = []
    per_target: dict[str, list[float]] = {Target.ZUORA: [], Target.SALESFORCE: []}
    last_sent = started
    for order_id, created in Order.objects.values_list("pk", "created_at"):
        rows = sent_at.get(order_id, {})
        for target, at in rows.items():
            per_target[target].append((at - created).total_seconds())
        if len(rows) == 2:
            end = max(rows.values())
            both.append((end - created).total_seconds())
            last_sent = max(last_sent, end)
    elapsed = (last_sent - started).total_seconds()
    return {
        "workers": workers,
        "orders": orders,
        "complete": len(both),
        "finished": finished,
        "failed": counts.get(OutboxState.FAILED, 0),
        "reused": placer.reused,
        "placed_in": placed_in,
        "elapsed": elapsed,
        "per_minute": len(both) / elapsed * 60 if elapsed > 0 else 0.0,
        "p50": percentile(both, 50),
        "p95": percentile(both, 95),
        "sf_p50": percentile(per_target[Target.SALESFORCE], 50),
        "sf_p95": percentile(per_target[Target.SALESFORCE], 95),
        "z_p50": percentile(per_target[Target.ZUORA], 50),
        "z_p95": percentile(per_target[Target.ZUORA], 95),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--organisations", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run, at most")
    parser.add_argument("--database", default="pp_bench_outbox")
    parser.add_argument("--out", type=Path, default=Path("bench/results/outbox-throughput.md"))
    args = parser.parse_args()
    if args.organisations < 8:
        parser.error("--organisations: at least 8")
    command = "python bench/outbox_throughput.py " + shlex.join(sys.argv[1:])
    load_line = machine_line()
    concurrent_orgs = max(args.workers)

    config = prepare_environment(
        db_name=args.database,
        timings={**FAST_TIMINGS, "ZUORA_MAX_CONCURRENT_ORGANISATIONS": concurrent_orgs},
    )
    snapshot = f"{args.database}_seeded"
    print(f"Database {args.database}; logs and fake state in {config.work_dir}", flush=True)
    recreate_database(args.database)
    setup_django(migrate=True)
    from django.conf import settings

    from integrations.fake_seed import fakes_seed

    stack = Stack(config)
    results: list[dict[str, object]] = []
    try:
        with terminate_on_sigterm():
            stack.start_redis()
            fakes = stack.start_fakes()
            sellers = seed_world(org_specs(args.organisations), fakes=fakes)
            close_db_connections()
            recreate_database(snapshot, template=args.database)
            for n, workers in enumerate(args.workers):
                if n:
                    close_db_connections()
                    recreate_database(args.database, template=snapshot)
                    fakes.reset()
                    fakes_seed(
                        zuora_base=config.base_url("zuora"),
                        salesforce_base=config.base_url("salesforce"),
                    )
                print(f"Run with {workers} worker(s), {args.orders} orders …", flush=True)
                result = measure(
                    stack,
                    sellers,
                    workers=workers,
                    orders=args.orders,
                    latency_ms=args.latency_ms,
                    timeout=args.timeout,
                )
                results.append(result)
                print(
                    f"  {result['complete']}/{args.orders} orders sent end to end in "
                    f"{result['elapsed']:.1f} s: {result['per_minute']:.1f} orders/min",
                    flush=True,
                )
    finally:
        stack.close()
        close_db_connections()
        drop_database(snapshot)

    def s(value: object) -> str:
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    rows = [
        [
            r["workers"],
            f"{r['complete']}/{r['orders']}",
            f"{r['per_minute']:.1f}",
            s(r["p50"]),
            s(r["p95"]),
            s(r["sf_p50"]),
            s(r["sf_p95"]),
            s(r["z_p50"]),
            s(r["z_p95"]),
            f"{r['elapsed']:.1f}",
            f"{r['placed_in']:.1f}",
            r["failed"],
        ]
        for r in results
    ]
    table = markdown_table(
        [
            "workers",
            "orders sent / placed",
            "orders/min",
            "p50 s (both)",
            "p95 s (both)",
            "Salesforce p50 s",
            "Salesforce p95 s",
            "Zuora p50 s",
            "Zuora p95 s",
            "wall s",
            "placing s",
            "failed rows",
        ],
        rows,
    )
    lines = [
        "# Outbox throughput",
        "",
        "Written by `bench/outbox_throughput.py`.",
        "",
        f"Command: `{command}` (run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC).",
        "",
        load_line,
        "The fakes, PostgreSQL, Redis, the workers and the script that places the orders all "
        f"share these {os.cpu_count()} cores: the figures are for this machine, not a ceiling "
        "of the design.",
        "",
        f"Parameters: {args.orders} orders per run over {args.organisations} organisations "
        "(the four kinds cycled: invoice owner partner/end customer × 1:1 mapping on/off, "
        "with and without a Salesforce parent), 15 % of the orders for an existing customer; "
        f"{args.latency_ms} ms latency on every call of both fakes "
        f'(`{{"operation": "*", "latency_ms": {args.latency_ms}}}`); no faults. Each worker '
        "count is a fresh run (database re-created from a seeded copy, fakes emptied). "
        "Workers: `celery -A portal worker --pool prefork --concurrency 1`, one process each. "
        "Beat job: a thread of the script calling `outbox_dispatch()` every "
        f"{settings.OUTBOX_DISPATCH_INTERVAL:g} s. "
        f"ZUORA_MAX_CONCURRENT_ORGANISATIONS={settings.ZUORA_MAX_CONCURRENT_ORGANISATIONS} "
        "(Zuora pushes are still serialised per organisation), "
        f"OUTBOX_CRM_WAIT_DELAY={settings.OUTBOX_CRM_WAIT_DELAY:g} s, "
        f"OUTBOX_BUSY_DELAY={settings.OUTBOX_BUSY_DELAY:g} s.",
        "",
        'All orders are placed up front, as fast as `order_place` goes (the "placing s" '
        "column); timing starts just before the first order and stops at the last `sent_at`. "
        "orders/min = orders with both rows sent ÷ that time. Latencies are from the order's "
        "`created_at` (its commit) to the row's final `sent_at` (both rows: the later of the "
        "two); the Zuora row includes its waits for the Salesforce Account id (the CrmId).",
        "",
        *table,
        "",
    ]
    report = "\n".join(lines)
    print()
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    print(f"Written to {args.out}")
    incomplete = any(r["complete"] != r["orders"] for r in results)
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
