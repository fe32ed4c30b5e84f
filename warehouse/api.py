"""The golden record API (``mdm serve``): JSON under ``/api/v1``, OpenAPI at ``/openapi.json``.

Reads the current serving snapshot (``warehouse.serving``) read-only, so a run publishing at
the same moment never blocks it or shows half a publication: a request sees the snapshot
that was current when it started. Every request needs an API key (``warehouse.access``);
personal data is masked unless the key's role has the full view, and every read of
personal data is audited.
"""

# No `from __future__ import annotations`: FastAPI reads the Annotated dependencies of the
# endpoints, declared inside create_app, at definition time.
import datetime as dt
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from warehouse import access, console
from warehouse.history import as_dicts, customer_as_of, naive_utc
from warehouse.serving import NoSnapshot, current_snapshot
from warehouse.udfs import normalize_phone, romanize

API_PREFIX = "/api/v1"
MAX_PAGE = 500
NAME_MATCH_MIN = 0.85
# history columns that are not part of a golden record as the API returns it
HISTORY_ONLY = frozenset({"is_current", "run_id"})


class SnapshotReader:
    """One read-only connection per snapshot file, reopened when ``CURRENT`` moves on."""

    def __init__(self, serving_dir: Path | None = None) -> None:
        self.serving_dir = serving_dir
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        path = current_snapshot(self.serving_dir)
        with self._lock:
            if path != self._path:
                con = duckdb.connect(str(path), read_only=True)
                # the previous connection is left to the garbage collector: a request that
                # still reads it finishes on the snapshot it started with
                self._path, self._con = path, con
            assert self._con is not None
            return self._con.cursor()


def create_app(serving_dir: Path | None = None, service_db: Path | None = None) -> FastAPI:
    """The API over the snapshots in ``serving_dir`` with keys and audit in ``service_db``
    (defaults: ``MDM_SERVING_DIR``, ``MDM_SERVICE_DB``)."""
    reader = SnapshotReader(serving_dir)
    audit_log = access.AuditWriter(service_db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        audit_log.close()  # what is queued reaches the log before the service stops

    app = FastAPI(
        title="Customer master-data hub",
        version="1",
        description=(
            "Golden customer records, their sources, lineage and identity change feed. "
            "Authenticate with an API key (`mdm keys create`) in the `X-API-Key` header or "
            "as `Authorization: Bearer <key>`."
        ),
        lifespan=lifespan,
    )
    app.state.audit = audit_log

    @app.exception_handler(NoSnapshot)
    def _no_snapshot(request: Request, error: NoSnapshot) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(error)})

    keys = access.KeyStore(service_db)

    def caller(
        x_api_key: Annotated[str | None, Header()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> access.Caller:
        key = x_api_key
        if key is None and authorization and authorization.lower().startswith("bearer "):
            key = authorization[7:].strip()
        try:
            return keys.authenticate(key)
        except access.AccessDenied as error:
            raise HTTPException(
                status_code=401, detail=str(error), headers={"WWW-Authenticate": "Bearer"}
            ) from None

    Who = Annotated[access.Caller, Depends(caller)]

    def snapshot() -> duckdb.DuckDBPyConnection:
        return reader.cursor()

    Snapshot = Annotated[duckdb.DuckDBPyConnection, Depends(snapshot)]

    @app.get(f"{API_PREFIX}/customers/{{golden_id}}", tags=["customers"])
    def get_customer(
        golden_id: str,
        who: Who,
        snap: Snapshot,
        as_of: Annotated[
            dt.datetime | None,
            Query(description="the record as the hub published it at this time (ISO 8601)"),
        ] = None,
    ) -> dict[str, Any]:
        """One golden record: the current version, or the one valid at ``as_of``."""
        if as_of is None:
            rows = as_dicts(
                snap.execute("from mdm.golden_customer where golden_id = ?", [golden_id])
            )
        else:
            version = customer_as_of(snap, golden_id, as_of)
            rows = [{k: v for k, v in version.items() if k not in HISTORY_ONLY}] if version else []
        if not rows:
            when = f" as of {as_of.isoformat()}" if as_of else ""
            raise HTTPException(status_code=404, detail=f"no golden record {golden_id}{when}")
        audit_log.log(who, "read_customer", f"customer:{golden_id}", _as_of(as_of))
        return access.masked(rows[0], who)

    @app.get(f"{API_PREFIX}/customers", tags=["customers"])
    def search_customers(
        who: Who,
        snap: Snapshot,
        email: Annotated[str | None, Query(description="exact e-mail, any case")] = None,
        phone: Annotated[
            str | None, Query(description="any format; normalised to E.164 like the pipeline")
        ] = None,
        country: Annotated[
            str | None,
            Query(description="country for a phone without country code (ISO alpha-2)"),
        ] = None,
        name: Annotated[
            str | None, Query(min_length=2, description="fuzzy, best matches first")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> dict[str, Any]:
        """Golden records by e-mail, phone or name (give exactly one)."""
        given = [k for k, v in {"email": email, "phone": phone, "name": name}.items() if v]
        if len(given) != 1:
            raise HTTPException(status_code=400, detail="give exactly one of email, phone or name")
        if email:
            rows = as_dicts(
                snap.execute(
                    "from mdm.golden_customer where email = lower(trim(?)) limit ?",
                    [email, limit],
                )
            )
        elif phone:
            normalized = normalize_phone(phone, country)
            if normalized is None:
                raise HTTPException(
                    status_code=400,
                    detail=f"{phone!r} is not a valid phone number"
                    + ("" if country else "; give it with its country code or a country"),
                )
            rows = as_dicts(
                snap.execute(
                    "from mdm.golden_customer where phone = ? limit ?", [normalized, limit]
                )
            )
        else:
            query = romanize(name) or name.lower()
            rows = as_dicts(
                snap.execute(
                    """
                    with scored as (
                        select *, greatest(
                            jaro_winkler_similarity(lower(full_name), ?),
                            jaro_winkler_similarity(lower(strip_accents(full_name)), ?),
                            jaro_winkler_similarity(
                                lower(strip_accents(concat_ws(' ', first_name, last_name))), ?
                            ),
                            jaro_winkler_similarity(
                                lower(strip_accents(concat_ws(' ', last_name, first_name))), ?
                            )
                        ) as score
                        from mdm.golden_customer
                    )
                    select * from scored where score >= ? order by score desc, golden_id limit ?
                    """,
                    [name.strip().lower(), query, query, query, NAME_MATCH_MIN, limit],
                )
            )
        audit_log.log(
            who,
            "search_customers",
            f"search:{given[0]}",
            ",".join(row["golden_id"] for row in rows),
        )
        return {"results": [access.masked(row, who) for row in rows]}

    @app.get(f"{API_PREFIX}/xref/{{source_system}}/{{source_record_id}}", tags=["xref"])
    def get_xref(
        source_system: str, source_record_id: str, who: Who, snap: Snapshot
    ) -> dict[str, Any]:
        """The golden id of one source record (ids as in SOURCES.md, e.g. `weibo:1650342011`)."""
        rows = as_dicts(
            snap.execute(
                "from mdm.customer_xref where source_system = ? and source_record_id = ?",
                [source_system, source_record_id],
            )
        )
        if not rows:
            raise HTTPException(
                status_code=404, detail=f"no source record {source_system}/{source_record_id}"
            )
        return rows[0]

    @app.get(f"{API_PREFIX}/customers/{{golden_id}}/sources", tags=["customers"])
    def get_sources(golden_id: str, who: Who, snap: Snapshot) -> dict[str, Any]:
        """The source records linked to a golden record."""
        rows = as_dicts(
            snap.execute(
                "from mdm.customer_xref where golden_id = ? order by source_system, "
                "source_record_id",
                [golden_id],
            )
        )
        if not rows:
            raise HTTPException(status_code=404, detail=f"no golden record {golden_id}")
        return {"golden_id": golden_id, "sources": rows}

    @app.get(f"{API_PREFIX}/customers/{{golden_id}}/lineage", tags=["customers"])
    def get_lineage(golden_id: str, who: Who, snap: Snapshot) -> dict[str, Any]:
        """Where every golden value came from: source record, rule, when."""
        rows = as_dicts(
            snap.execute(
                "from mdm.golden_attribute_lineage where golden_id = ? order by attribute",
                [golden_id],
            )
        )
        if not rows:
            raise HTTPException(status_code=404, detail=f"no golden record {golden_id}")
        audit_log.log(who, "read_lineage", f"customer:{golden_id}")
        return {"golden_id": golden_id, "lineage": access.masked_lineage(rows, who)}

    @app.get(f"{API_PREFIX}/events", tags=["events"])
    def get_events(
        who: Who,
        snap: Snapshot,
        since: Annotated[
            dt.datetime | None, Query(description="events that occurred at or after this time")
        ] = None,
        after: Annotated[
            str | None, Query(description="the `next` cursor of the previous page")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> dict[str, Any]:
        """The identity change feed (created, merged, split, updated), oldest first, paged."""
        start = naive_utc(since) if since else dt.datetime.min
        cursor_time, cursor_id = dt.datetime.min, ""
        if after:
            try:
                at, cursor_id = after.split("|", 1)
                cursor_time = dt.datetime.fromisoformat(at)
            except ValueError:
                raise HTTPException(status_code=400, detail="malformed cursor `after`") from None
        rows = as_dicts(
            snap.execute(
                """
                from mdm.identity_events
                where occurred_at >= ? and (occurred_at, event_id) > (?, ?)
                order by occurred_at, event_id
                limit ?
                """,
                [start, cursor_time, cursor_id, limit + 1],
            )
        )
        page, more = rows[:limit], len(rows) > limit
        last = page[-1] if page else None
        return {
            "events": page,
            "next": f"{last['occurred_at'].isoformat()}|{last['event_id']}" if more else None,
        }

    # the steward console shares the snapshot reader, the keys and the audit writer
    console.install(app, console.build_router(reader.cursor, keys, audit_log, service_db))
    return app


def _as_of(as_of: dt.datetime | None) -> str | None:
    return f"as_of={as_of.isoformat()}" if as_of else None
