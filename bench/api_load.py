"""Latency of the golden record API under load, with a publication in the middle.

    python bench/api_load.py                      # 400,000 golden records, 50 clients
    python bench/api_load.py --golden 50000 --seconds 10

Builds a synthetic publication of ``--golden`` golden records (with their xref, history and
identity events) in a scratch folder, exports it as a serving snapshot, creates an ``app``
key and starts ``mdm serve`` in a child process on loopback. Then ``--clients`` concurrent
clients (asyncio + httpx, one connection each) send requests for ``--seconds`` per
scenario:

* ``id lookup``: ``GET /api/v1/customers/{golden_id}`` of random existing ids; halfway
  through, a new publication is exported (a new snapshot file, ``CURRENT`` switched), as a
  pipeline run would;
* ``phone search``: ``GET /api/v1/customers?phone=...`` with the number written in a
  national format and its country.

Prints per scenario: requests, errors (any non-200 or transport error), throughput, and the
p50 / p99 / max latency as the clients measured it. Target (issue 7): p99 <= 20 ms for the
id lookup at 50 clients on 400,000 golden records, with zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from warehouse import access  # noqa: E402
from warehouse.serving import export_snapshot  # noqa: E402


def build_publication(path: Path, golden: int, seed: int, city_suffix: str = "") -> None:
    """Published tables with ``golden`` records: ids G000000.., Chinese mobile numbers."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"select setseed({(seed % 1000) / 1000})")
        for schema in ("mdm", "marts"):
            con.execute(f"create schema if not exists {schema}")
        con.execute(
            f"""
            create or replace table mdm.golden_customer as
            select
                'G' || lpad(i::varchar, 7, '0') as golden_id,
                'Given' || (i % 997) as first_name,
                'Family' || (i % 1009) as last_name,
                'Given' || (i % 997) || ' Family' || (i % 1009) as full_name,
                'person' || i || '@example.com' as email,
                '+86138' || lpad(i::varchar, 8, '0') as phone,
                i || ' Long Road' as street,
                'City' || (i % 300) || '{city_suffix}' as city,
                null::varchar as region,
                lpad((i % 999999)::varchar, 6, '0') as postal_code,
                'CN' as country,
                date '1970-01-01' + (i % 15000)::int as birth_date,
                null::varchar as company,
                i % 3 = 0 as email_opt_in,
                1 + i % 3 as source_count,
                timestamp '2024-01-01' as first_seen_at,
                timestamp '2026-01-01' as updated_at,
                1 as version
            from range({golden}) t(i)
            """
        )
        con.execute(
            """
            create or replace table mdm.customer_xref as
            select 'crm' as source_system, 'C' || golden_id as source_record_id, golden_id,
                1.0 as match_probability, updated_at as assigned_at, false as is_deleted
            from mdm.golden_customer
            """
        )
        con.execute(
            """
            create or replace table mdm.golden_attribute_lineage as
            select golden_id, 'phone' as attribute, phone as value, 'crm' as source_system,
                'C' || golden_id as source_record_id, 'most_recent' as rule,
                updated_at as decided_at
            from mdm.golden_customer
            """
        )
        con.execute(
            """
            create or replace table mdm.golden_customer_history as
            select golden_id, version, updated_at as valid_from, null::timestamp as valid_to,
                true as is_current, * exclude (golden_id, version), 'bench' as run_id
            from mdm.golden_customer
            """
        )
        con.execute(
            """
            create or replace table mdm.identity_events as
            select 'e' || golden_id as event_id, updated_at as occurred_at,
                'created' as event_type, golden_id, []::varchar[] as related_golden_ids,
                'bench' as run_id, 'pipeline' as actor
            from mdm.golden_customer
            """
        )
        con.execute(
            "create or replace table marts.customer_360 as "
            "select golden_id from mdm.golden_customer"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, key: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not start")


async def scenario(
    base: str,
    key: str,
    clients: int,
    seconds: float,
    make_request,
    halfway=None,
) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}) as http:
            while time.perf_counter() < stop_at:
                path, params = make_request(rng)
                started = time.perf_counter()
                try:
                    response = await http.get(path, params=params, timeout=10)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

    async def publisher() -> None:
        await asyncio.sleep(seconds / 2)
        await asyncio.to_thread(halfway)

    tasks = [client(n) for n in range(clients)]
    if halfway is not None:
        tasks.append(publisher())
    await asyncio.gather(*tasks)
    return latencies, errors, len(latencies)


def report(name: str, latencies: list[float], errors: int, seconds: float) -> float:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    print(
        f"{name:<14} {len(ordered):>8,} requests  {errors:>4} errors  "
        f"{len(ordered) / seconds:>7.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"max {ordered[-1] * 1000:7.1f} ms"
    )
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--golden", type=int, default=400_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=2, help="service worker processes")
    parser.add_argument("--keep", type=Path, help="folder to keep the scratch files in")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="mdm-api-load-"))
    root.mkdir(parents=True, exist_ok=True)
    serving, store = root / "serving", root / "service.sqlite"
    started = time.perf_counter()
    build_publication(root / "warehouse.duckdb", args.golden, args.seed)
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        export_snapshot(con, "bench-1", serving)
    with access.service_db(store) as db:
        key = access.create_key(db, "api load bench", "app", "bench")[1]
    print(f"{args.golden:,} golden records published in {time.perf_counter() - started:.1f} s")

    port = free_port()
    env = {**os.environ, "MDM_SERVING_DIR": str(serving), "MDM_SERVICE_DB": str(store)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        cwd=REPO,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, key)

        def publish_again() -> None:
            began = time.perf_counter()
            build_publication(root / "warehouse.duckdb", args.golden, args.seed, "-v2")
            with duckdb.connect(str(root / "warehouse.duckdb")) as con:
                export_snapshot(con, "bench-2", serving)
            print(f"  (publication in the middle took {time.perf_counter() - began:.1f} s)")

        def by_id(rng: random.Random):
            return f"/api/v1/customers/G{rng.randrange(args.golden):07d}", None

        def by_phone(rng: random.Random):
            number = f"138-{rng.randrange(args.golden):08d}"
            return "/api/v1/customers", {"phone": f"{number[:8]}-{number[8:]}", "country": "CN"}

        print(f"{args.clients} clients, {args.seconds:.0f} s per scenario, loopback")
        lat, errors, _ = asyncio.run(
            scenario(base, key, args.clients, args.seconds, by_id, publish_again)
        )
        p99_id = report("id lookup", lat, errors, args.seconds)
        id_errors = errors
        lat, errors, _ = asyncio.run(scenario(base, key, args.clients, args.seconds, by_phone))
        report("phone search", lat, errors, args.seconds)
        met = p99_id <= 20 and id_errors == 0
        print(
            f"target id lookup p99 <= 20 ms with zero errors: {p99_id:.1f} ms, "
            f"{id_errors} errors  {'met' if met else 'MISSED'}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
