"""The ``mdm`` command: generate demo data, run the pipeline, serve golden records."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from warehouse import config

log = logging.getLogger("mdm")


def _cmd_generate(args: argparse.Namespace) -> int:
    from sources.generator import generate

    out = Path(args.out)
    log.info(
        "generating %d customers (seed %d, %s) into %s",
        args.customers,
        args.seed,
        args.difficulty,
        out,
    )
    summary = generate(
        out,
        customers=args.customers,
        seed=args.seed,
        deliveries=args.deliveries,
        difficulty=args.difficulty,
    )
    for name, rows in sorted(summary.files.items()):
        print(f"  {name:<40} {rows:>10,} rows")
    print(
        f"{summary.people:,} people, {summary.party_records:,} party records "
        f"written in {summary.seconds:.1f} s; ground truth in {out / '_truth'}"
    )
    return 0


def _apply_path_options(args: argparse.Namespace) -> None:
    """Command-line paths win over the environment; both are made absolute for dbt."""
    if getattr(args, "landing", None):
        os.environ["MDM_LANDING_DIR"] = str(Path(args.landing).resolve())
    if getattr(args, "warehouse", None):
        os.environ["MDM_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    os.environ["MDM_LANDING_DIR"] = str(config.landing_dir())
    os.environ["MDM_WAREHOUSE"] = str(config.warehouse_path())
    os.environ["DAGSTER_HOME"] = str(config.dagster_home())
    config.dagster_home().mkdir(parents=True, exist_ok=True)


def _cmd_run(args: argparse.Namespace) -> int:
    _apply_path_options(args)
    landing = config.landing_dir()
    if not landing.is_dir():
        print(
            f"error: landing folder {landing} does not exist. Point MDM_LANDING_DIR at a folder "
            "laid out as in SOURCES.md, or create demo data with "
            f"`mdm generate --out {landing} --customers 2000`.",
            file=sys.stderr,
        )
        return 2
    from pipelines.run import run_pipeline

    try:
        _lower_priority(config.run_nice())
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    log_dir = config.dagster_home() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MDM_DBT_LOG", str(log_dir / "dbt_console.log"))
    # A model trained because none was saved is the pipeline's; a retraining is the asker's.
    requested_by = args.requested_by if args.retrain else "pipeline"
    outcome = run_pipeline(retrain=args.retrain, requested_by=requested_by)
    print(outcome.summary)
    return 0 if outcome.success else 1


def _lower_priority(nice: int) -> None:
    """Run at least at ``nice`` (dbt and the other children inherit it); never raises it."""
    current = os.nice(0)
    if current < nice:
        os.nice(nice - current)
        log.info("running at nice %d (MDM_RUN_NICE): requests to `mdm serve` come first", nice)


def _cmd_models(args: argparse.Namespace) -> int:
    _apply_path_options(args)
    from matching.model_store import activate_model, list_models
    from warehouse.layout import connect

    warehouse = _existing_warehouse()
    if warehouse is None:
        return 2
    if args.activate is not None:
        with connect(warehouse) as con:
            try:
                model = activate_model(con, args.activate)
            except LookupError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
        print(f"match model v{model.model_version} is active; the next `mdm run` scores with it")
        return 0
    with connect(warehouse, read_only=True) as con:
        models = list_models(con)
    if not models:
        print("no saved match model yet: the first `mdm run` trains one")
        return 0
    print(f"{'version':>7}  {'active':<6}  {'trained at':<16}  {'records':>10}  by / why")
    for m in models:
        print(
            f"{m.model_version:>7}  {'yes' if m.is_active else '':<6}  "
            f"{m.trained_at:%Y-%m-%d %H:%M}  {m.records:>10,}  {m.trained_by}: {m.reason}"
            + ("" if m.u_estimated else " (starting u: too few records to estimate)")
        )
    return 0


def _existing_warehouse() -> Path | None:
    warehouse = config.warehouse_path()
    if not warehouse.is_file():
        print(f"error: no warehouse at {warehouse}; run `mdm run` first", file=sys.stderr)
        return None
    return warehouse


def _cmd_pin(args: argparse.Namespace) -> int:
    _apply_path_options(args)
    from warehouse.layout import connect
    from warehouse.pins import PinError, pin_attribute, unpin_attribute

    warehouse = _existing_warehouse()
    if warehouse is None:
        return 2
    with connect(warehouse) as con:
        if not _golden_id_known(con, args.golden_id):
            return 2
        try:
            if args.command == "pin":
                pin_attribute(con, args.golden_id, args.attribute, args.value, args.by, args.reason)
            else:
                unpin_attribute(con, args.golden_id, args.attribute, args.by, args.reason)
        except PinError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    verb = "pinned" if args.command == "pin" else "unpinned"
    print(f"{args.attribute} of {args.golden_id} {verb}; it takes effect at the next `mdm run`")
    return 0


def _golden_id_known(con, golden_id: str) -> bool:
    from warehouse.layout import table_exists

    if not table_exists(con, "mdm", "golden_customer_history"):
        print("error: nothing published yet; run `mdm run` first", file=sys.stderr)
        return False
    known = con.execute(
        "select count(*) from mdm.golden_customer_history where golden_id = ?", [golden_id]
    ).fetchone()[0]
    if not known:
        print(f"error: no golden record {golden_id} was ever published", file=sys.stderr)
    return bool(known)


def _parse_as_of(text: str):
    import datetime as dt

    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM[:SS])"
        ) from None


def _cmd_customer(args: argparse.Namespace) -> int:
    _apply_path_options(args)
    from warehouse.history import HistoryNotPublished, customer_as_of, customer_versions
    from warehouse.layout import connect

    warehouse = _existing_warehouse()
    if warehouse is None:
        return 2
    with connect(warehouse, read_only=True) as con:
        try:
            if args.as_of:
                record = customer_as_of(con, args.golden_id, args.as_of)
                versions = [record] if record else []
            else:
                versions = customer_versions(con, args.golden_id)
                if not args.history:
                    versions = versions[-1:]
        except HistoryNotPublished as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        evidence = {}
        if not args.as_of and not args.history:
            evidence = {
                row[0]: row[1:]
                for row in con.execute(
                    "select attribute, source_system, source_record_id, rule "
                    "from mdm.golden_attribute_lineage where golden_id = ?",
                    [args.golden_id],
                ).fetchall()
            }
    if not versions:
        when = f" as of {args.as_of}" if args.as_of else ""
        print(f"error: no golden record {args.golden_id}{when}", file=sys.stderr)
        return 1
    for version in versions:
        to = version["valid_to"] or "now"
        print(f"{args.golden_id} version {version['version']}: {version['valid_from']} .. {to}")
        for name, value in version.items():
            if name in ("golden_id", "version", "valid_from", "valid_to", "is_current"):
                continue
            source = evidence.get(name)
            why = f"   <- {source[0]} {source[1]} ({source[2]})" if source else ""
            print(f"  {name:<14} {'' if value is None else value}{why}")
    return 0


def _cmd_quality(args: argparse.Namespace) -> int:
    _apply_path_options(args)
    from quality.report import dimension_scores, render_dashboard
    from warehouse.layout import connect

    warehouse = _existing_warehouse()
    if warehouse is None:
        return 2
    with connect(warehouse, read_only=True) as con:
        scores = dimension_scores(con, runs=args.runs)
    print(render_dashboard(scores))
    print(f"\nGreat Expectations Data Docs of the gates: {config.data_docs_dir() / 'index.html'}")
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    _apply_path_options(args)
    from dbt.cli.main import dbtRunner

    out = Path(args.out).resolve()
    os.environ.setdefault("MDM_REPO_ROOT", str(config.DBT_PROJECT_DIR.parent))
    result = dbtRunner().invoke(
        [
            "docs",
            "generate",
            "--static",
            "--project-dir",
            str(config.DBT_PROJECT_DIR),
            "--profiles-dir",
            str(config.DBT_PROJECT_DIR),
            "--target-path",
            str(out),
            "--log-path",
            str(out / "logs"),
            "--quiet",
        ]
    )
    if not result.success:
        print(f"error: dbt docs generate failed: {result.exception}", file=sys.stderr)
        return 1
    print(f"dbt docs in {out}: open {out / 'static_index.html'} in a browser")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from warehouse.api import create_app
    from warehouse.serving import NoSnapshot, current_snapshot

    try:
        snapshot = current_snapshot()
    except NoSnapshot as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    log.info(
        "serving %s on http://%s:%d with %d worker(s): API at /docs, console at /steward",
        snapshot.name,
        args.host,
        args.port,
        args.workers,
    )
    if args.workers == 1:
        uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    else:
        # worker processes import the app themselves; paths come from the environment
        os.environ["MDM_SERVING_DIR"] = str(snapshot.parent)
        uvicorn.run(
            "warehouse.api:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="warning",
        )
    return 0


def _cmd_keys(args: argparse.Namespace) -> int:
    from warehouse import access

    with access.service_db() as con:
        if args.keys_command == "create":
            try:
                key_id, key = access.create_key(con, args.name, args.role, args.by)
            except ValueError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            print(f"key {key_id} ({args.role}) for {args.name}; it is shown only now:\n{key}")
        elif args.keys_command == "revoke":
            try:
                access.revoke_key(con, args.key_id, args.by)
            except LookupError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            print(f"key {args.key_id} revoked")
        else:
            for key_id, name, role, created_at, revoked_at in access.list_keys(con):
                state = f"revoked {revoked_at[:16]}" if revoked_at else "active"
                print(f"{key_id}  {role:<8} {state:<24} created {created_at[:16]}  {name}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mdm", description="Customer master-data hub.")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a synthetic multi-source landing folder")
    gen.add_argument("--out", required=True, help="landing folder to write")
    gen.add_argument("--customers", type=int, default=2000, help="number of real people")
    gen.add_argument("--seed", type=int, default=42, help="random seed (same seed, same files)")
    gen.add_argument("--deliveries", type=int, default=1, help="number of numbered deliveries")
    gen.add_argument(
        "--difficulty",
        choices=("easy", "standard", "hard"),
        default="standard",
        help="how much the sources disagree (typos, empty fields, scripts, look-alikes)",
    )
    gen.set_defaults(func=_cmd_generate)

    run = sub.add_parser("run", help="run the whole pipeline once, in-process, through Dagster")
    run.add_argument("--landing", help="landing folder (default: $MDM_LANDING_DIR)")
    run.add_argument("--warehouse", help="DuckDB file (default: $MDM_WAREHOUSE)")
    run.add_argument(
        "--retrain",
        action="store_true",
        help="train a new match model version instead of scoring with the saved one",
    )
    run.add_argument(
        "--requested-by",
        default=os.environ.get("USER") or "pipeline",
        help="who asks for the retraining (kept with the model version; default: $USER)",
    )
    run.set_defaults(func=_cmd_run)

    models = sub.add_parser("models", help="list saved match model versions, or activate one")
    models.add_argument("--warehouse", help="DuckDB file (default: $MDM_WAREHOUSE)")
    models.add_argument(
        "--activate", type=int, metavar="VERSION", help="make VERSION the active model"
    )
    models.set_defaults(func=_cmd_models)

    for name, help_text in (
        ("pin", "pin a golden attribute's value: it wins over survivorship from the next run"),
        ("unpin", "give a pinned golden attribute back to survivorship from the next run"),
    ):
        pin = sub.add_parser(name, help=help_text)
        pin.add_argument("golden_id")
        pin.add_argument("attribute", help="golden_customer column, e.g. phone or birth_date")
        if name == "pin":
            pin.add_argument("value", help="the value (normalised like the pipeline's)")
        pin.add_argument("--by", required=True, help="the data steward deciding")
        pin.add_argument("--reason", required=True, help="why, kept with the decision")
        pin.add_argument("--warehouse", help="DuckDB file (default: $MDM_WAREHOUSE)")
        pin.set_defaults(func=_cmd_pin)

    customer = sub.add_parser(
        "customer", help="show a golden record with the source of every value, or as of a time"
    )
    customer.add_argument("golden_id")
    customer.add_argument(
        "--as-of",
        type=_parse_as_of,
        help="the version published at that time (YYYY-MM-DD: the end of that day)",
    )
    customer.add_argument("--history", action="store_true", help="every published version")
    customer.add_argument("--warehouse", help="DuckDB file (default: $MDM_WAREHOUSE)")
    customer.set_defaults(func=_cmd_customer)

    quality = sub.add_parser(
        "quality", help="accuracy, completeness and consistency per source over the last runs"
    )
    quality.add_argument("--runs", type=int, default=5, help="how many runs to show")
    quality.add_argument("--warehouse", help="DuckDB file (default: $MDM_WAREHOUSE)")
    quality.set_defaults(func=_cmd_quality)

    docs = sub.add_parser("docs", help="generate the dbt docs (models, columns, tests, lineage)")
    docs.add_argument(
        "--out", default=str(config.REPO_ROOT / "data" / "dbt_docs"), help="folder to write"
    )
    docs.add_argument("--warehouse", help="DuckDB file (default: $MDM_WAREHOUSE)")
    docs.set_defaults(func=_cmd_docs)

    serve = sub.add_parser(
        "serve",
        help="start the golden record API (OpenAPI at /docs) and the steward console (/steward)",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (one per CPU core serves most)"
    )
    serve.set_defaults(func=_cmd_serve)

    keys = sub.add_parser("keys", help="create, revoke and list the API keys of `mdm serve`")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="a new key; it is printed once")
    create.add_argument("--name", required=True, help="who or what uses it")
    create.add_argument("--role", required=True, choices=("app", "analyst", "steward", "admin"))
    revoke = keys_sub.add_parser("revoke", help="stop a key at once")
    revoke.add_argument("key_id")
    keys_sub.add_parser("list", help="every key with its role and state")
    for sub_parser in (create, revoke):
        sub_parser.add_argument(
            "--by", default=os.environ.get("USER") or "admin", help="who does it (audited)"
        )
    keys.set_defaults(func=_cmd_keys)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Stage progress comes from the Dagster progress logger; libraries only speak up on
    # warnings (Dagster's own loggers set DEBUG levels, so the handler filters, not the root).
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger().handlers[0].setLevel(logging.WARNING)
    own = logging.StreamHandler()
    own.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    log.addHandler(own)
    log.setLevel(logging.INFO)
    log.propagate = False
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    code = args.func(args)
    log.info("done in %.1f s", time.perf_counter() - started)
    return code


def entry_point() -> None:
    """Console-script entry: exits without tearing the interpreter down.

    DuckDB's Python binding reports spurious "nanobind: leaked instances" at interpreter
    teardown after Arrow round trips; everything is closed and flushed by then.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry_point()
