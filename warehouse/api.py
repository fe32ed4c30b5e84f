"""The golden record API (``mdm serve``): JSON under ``/api/v1``, OpenAPI at ``/openapi.json``.

Reads the current serving snapshot (``warehouse.serving``) read-only, so a run publishing at
the same moment never blocks it or shows half a publication: a request sees the snapshot
that was current when it started. Every request needs an API key (``warehouse.access``);
personal data is masked unless the key's role has the full view, and every read of
personal data is audited.
"""

# No `from __future__ import annotations`: FastAPI reads the Annotated dependencies of the
# endpoints, declared inside create_app, at definition time.
import asyncio
import datetime as dt
import gc
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from warehouse import access, console
from warehouse.config import serving_dir as default_serving_dir
from warehouse.history import as_dicts, customer_as_of, naive_utc
from warehouse.serving import POINTER, NoSnapshot, current_snapshot
from warehouse.udfs import normalize_phone, romanize

API_PREFIX = "/api/v1"
MAX_PAGE = 500
NAME_MATCH_MIN = 0.85
# history columns that are not part of a golden record as the API returns it
HISTORY_ONLY = frozenset({"is_current", "run_id"})
# a response body as FastAPI writes the `dict[str, Any]` the endpoints declare: Pydantic's JSON
_JSON_BODY = TypeAdapter(dict[str, Any])


class SnapshotReader:
    """One read-only connection per snapshot file, reopened when ``CURRENT`` moves on.

    :meth:`cursor` gives a new cursor on the current snapshot. The API's endpoints use
    :meth:`current` when a request starts and then :meth:`thread_cursor`: one cursor per
    thread and snapshot, reused by the requests that thread serves.
    """

    def __init__(self, serving_dir: Path | None = None) -> None:
        self.serving_dir = serving_dir
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        # (folder, identity of the CURRENT file) -> the snapshot it named when last read
        self._pointer: tuple[tuple[Any, ...], Path] | None = None
        self._local = threading.local()

    def current(self) -> Path:
        """What :func:`~warehouse.serving.current_snapshot` says, or its :class:`NoSnapshot`;
        ``CURRENT`` is read again only when it is another file than last time (a publication
        replaces it with a new file)."""
        folder = self.serving_dir or default_serving_dir()
        try:
            st = os.stat(folder / POINTER)
        except OSError:
            return current_snapshot(folder)  # says why there is none
        key = (folder, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        known = self._pointer
        if known is not None and known[0] == key and os.path.isfile(known[1]):
            return known[1]
        path = current_snapshot(folder)
        self._pointer = (key, path)
        return path

    def _connection(self, path: Path) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if path != self._path:
                con = duckdb.connect(str(path), read_only=True)
                # the previous connection is left to the garbage collector: a request that
                # still reads it finishes on the snapshot it started with
                self._path, self._con = path, con
            assert self._con is not None
            return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._connection(current_snapshot(self.serving_dir)).cursor()

    def thread_cursor(self, path: Path) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on snapshot ``path`` (from :meth:`current`); use it in this
        thread only, and read its results before the thread serves another request."""
        local = self._local
        if getattr(local, "path", None) != path:
            local.path, local.cursor = None, None
            local.cursor = self._connection(path).cursor()
            local.path = path
        return local.cursor


class GoldenLookups:
    """Current golden records by id, read on the event loop. The lookups that requests ask
    for in one turn of the loop are read with one query: alone a lookup costs DuckDB about
    0.6 ms, ten together about 0.2 ms each. So under load, when requests wait for each other
    anyway, the service answers more of them; alone, a request is read as soon as it comes."""

    ONE = "from mdm.golden_customer where golden_id = ?"

    def __init__(self, reader: SnapshotReader) -> None:
        self.reader = reader
        # the lookups asked for in this turn of the loop: (loop, {snapshot: [(id, future)]})
        self._batch: tuple[asyncio.AbstractEventLoop, dict[Path, list[Any]]] | None = None

    async def get(self, snapshot: Path, golden_id: str) -> dict[str, Any] | None:
        """The golden record ``golden_id`` of ``snapshot`` (from ``reader.current()``)."""
        loop = asyncio.get_running_loop()
        batch = self._batch
        if batch is None or batch[0] is not loop:
            batch = self._batch = (loop, {})
            loop.call_soon(self._read, batch)  # after the requests that are ready to run now
        found: asyncio.Future[dict[str, Any] | None] = loop.create_future()
        batch[1].setdefault(snapshot, []).append((golden_id, found))
        return await found

    def _read(self, batch: tuple[asyncio.AbstractEventLoop, dict[Path, list[Any]]]) -> None:
        if self._batch is batch:
            self._batch = None
        for snapshot, lookups in batch[1].items():
            ids = list(dict.fromkeys(golden_id for golden_id, _ in lookups))
            try:
                con = self.reader.thread_cursor(snapshot)
                if len(ids) == 1:
                    rows = as_dicts(con.execute(self.ONE, ids))
                else:
                    marks = ", ".join("?" * len(ids))
                    rows = as_dicts(
                        con.execute(f"from mdm.golden_customer where golden_id in ({marks})", ids)
                    )
            except Exception as error:  # each request fails as it would have alone
                for _, found in lookups:
                    if not found.done():
                        found.set_exception(error)
                continue
            by_id: dict[str, dict[str, Any]] = {}
            for row in rows:
                by_id.setdefault(row["golden_id"], row)
            for golden_id, found in lookups:
                if not found.done():  # not cancelled meanwhile
                    found.set_result(by_id.get(golden_id))


def create_app(serving_dir: Path | None = None, service_db: Path | None = None) -> FastAPI:
    """The API over the snapshots in ``serving_dir`` with keys and audit in ``service_db``
    (defaults: ``MDM_SERVING_DIR``, ``MDM_SERVICE_DB``)."""
    reader = SnapshotReader(serving_dir)
    lookups = GoldenLookups(reader)
    audit_log = access.AuditWriter(service_db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # what is loaded by now (FastAPI's models, the phone and pinyin data) lives as long as
        # the service: out of the garbage collector's full passes, each of which otherwise
        # stops every request of the worker for some 100 ms
        gc.collect()
        gc.freeze()
        yield
        gc.unfreeze()
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

    # The dependencies and the indexed lookups are cheap (tens to hundreds of microseconds):
    # they run on the event loop. What scans a table (name search, the event feed) runs in
    # the thread pool. Bodies are sent as Pydantic's JSON of the declared dict, as FastAPI
    # would, without validating the dict again.
    async def caller(
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

    async def snapshot() -> Path:
        # the snapshot current when the request starts; each thread reads it with its cursor
        return reader.current()

    Snapshot = Annotated[Path, Depends(snapshot)]
    Body = dict[str, Any]

    @app.get(f"{API_PREFIX}/customers/{{golden_id}}", tags=["customers"], response_model=Body)
    async def get_customer(
        golden_id: str,
        who: Who,
        snap: Snapshot,
        as_of: Annotated[
            dt.datetime | None,
            Query(description="the record as the hub published it at this time (ISO 8601)"),
        ] = None,
    ) -> Response:
        """One golden record: the current version, or the one valid at ``as_of``."""
        if as_of is None:
            record = await lookups.get(snap, golden_id)
            rows = [record] if record is not None else []
        else:
            version = customer_as_of(reader.thread_cursor(snap), golden_id, _utc(as_of, "as_of"))
            rows = [{k: v for k, v in version.items() if k not in HISTORY_ONLY}] if version else []
        if not rows:
            when = f" as of {as_of.isoformat()}" if as_of else ""
            raise HTTPException(status_code=404, detail=f"no golden record {golden_id}{when}")
        audit_log.log(who, "read_customer", f"customer:{golden_id}", _as_of(as_of))
        return _json(access.masked(rows[0], who))

    @app.get(f"{API_PREFIX}/customers", tags=["customers"], response_model=Body)
    async def search_customers(
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
    ) -> Response:
        """Golden records by e-mail, phone or name (give exactly one)."""
        given = [k for k, v in {"email": email, "phone": phone, "name": name}.items() if v]
        if len(given) != 1:
            raise HTTPException(status_code=400, detail="give exactly one of email, phone or name")
        if email:
            rows = as_dicts(
                reader.thread_cursor(snap).execute(
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
                reader.thread_cursor(snap).execute(
                    "from mdm.golden_customer where phone = ? limit ?", [normalized, limit]
                )
            )
        else:
            assert name is not None
            rows = await run_in_threadpool(search_by_name, snap, name, limit)
        audit_log.log(
            who,
            "search_customers",
            f"search:{given[0]}",
            ",".join(row["golden_id"] for row in rows),
        )
        return _json({"results": [access.masked(row, who) for row in rows]})

    def search_by_name(snap: Path, name: str, limit: int) -> list[dict[str, Any]]:
        """Fuzzy name search, best matches first: a scan of the golden records."""
        query = romanize(name) or name.lower()
        return as_dicts(
            reader.thread_cursor(snap).execute(
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

    @app.get(
        f"{API_PREFIX}/xref/{{source_system}}/{{source_record_id}}",
        tags=["xref"],
        response_model=Body,
    )
    async def get_xref(
        source_system: str, source_record_id: str, who: Who, snap: Snapshot
    ) -> Response:
        """The golden id of one source record (ids as in SOURCES.md, e.g. `weibo:1650342011`)."""
        rows = as_dicts(
            reader.thread_cursor(snap).execute(
                "from mdm.customer_xref where source_system = ? and source_record_id = ?",
                [source_system, source_record_id],
            )
        )
        if not rows:
            raise HTTPException(
                status_code=404, detail=f"no source record {source_system}/{source_record_id}"
            )
        return _json(rows[0])

    @app.get(
        f"{API_PREFIX}/customers/{{golden_id}}/sources", tags=["customers"], response_model=Body
    )
    async def get_sources(golden_id: str, who: Who, snap: Snapshot) -> Response:
        """The source records linked to a golden record."""
        rows = as_dicts(
            reader.thread_cursor(snap).execute(
                "from mdm.customer_xref where golden_id = ? order by source_system, "
                "source_record_id",
                [golden_id],
            )
        )
        if not rows:
            raise HTTPException(status_code=404, detail=f"no golden record {golden_id}")
        return _json({"golden_id": golden_id, "sources": rows})

    @app.get(
        f"{API_PREFIX}/customers/{{golden_id}}/lineage", tags=["customers"], response_model=Body
    )
    async def get_lineage(golden_id: str, who: Who, snap: Snapshot) -> Response:
        """Where every golden value came from: source record, rule, when."""
        rows = as_dicts(
            reader.thread_cursor(snap).execute(
                "from mdm.golden_attribute_lineage where golden_id = ? order by attribute",
                [golden_id],
            )
        )
        if not rows:
            raise HTTPException(status_code=404, detail=f"no golden record {golden_id}")
        audit_log.log(who, "read_lineage", f"customer:{golden_id}")
        return _json({"golden_id": golden_id, "lineage": access.masked_lineage(rows, who)})

    # a sync endpoint: FastAPI runs it in the thread pool (the feed query sorts a range)
    @app.get(f"{API_PREFIX}/events", tags=["events"], response_model=Body)
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
    ) -> Response:
        """The identity change feed (created, merged, split, updated), oldest first, paged."""
        start = _utc(since, "since") if since else dt.datetime.min
        cursor_time, cursor_id = dt.datetime.min, ""
        if after:
            try:
                at, cursor_id = after.split("|", 1)
                cursor_time = dt.datetime.fromisoformat(at)
            except ValueError:
                raise HTTPException(status_code=400, detail="malformed cursor `after`") from None
        rows = as_dicts(
            reader.thread_cursor(snap).execute(
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
        return _json(
            {
                "events": page,
                "next": f"{last['occurred_at'].isoformat()}|{last['event_id']}" if more else None,
            }
        )

    # the steward console shares the snapshot reader, the keys and the audit writer
    console.install(app, console.build_router(reader.cursor, keys, audit_log, service_db))
    return app


def _json(content: dict[str, Any]) -> Response:
    return Response(_JSON_BODY.dump_json(content), media_type="application/json")


def _utc(moment: dt.datetime, parameter: str) -> dt.datetime:
    """``moment`` as the warehouse stores times (UTC, no zone); a 422 like any invalid
    parameter when that falls outside the years 1 to 9999 (``0001-01-01T00:00:00+01:00``)."""
    try:
        return naive_utc(moment)
    except OverflowError:
        raise RequestValidationError(
            [
                {
                    "type": "datetime_range",
                    "loc": ("query", parameter),
                    "msg": "Datetime must be within the years 1 to 9999 in UTC",
                    "input": moment.isoformat(),
                }
            ]
        ) from None


def _as_of(as_of: dt.datetime | None) -> str | None:
    return f"as_of={as_of.isoformat()}" if as_of else None
