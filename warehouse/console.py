"""The steward console (``/steward``): server-rendered pages for data stewards.

A steward signs in with an API key of role ``steward`` or ``admin`` (``mdm keys create``);
the key is kept in an HTTP-only, same-site cookie and checked on every request, so a
revoked key is signed out at once. The console reads the current serving snapshot, like
the API, and never the warehouse:

* ``/steward`` -- the review queue, most consequential first (``matching.review``);
* ``/steward/review/{review_id}`` -- the two records side by side, the comparison levels
  and weights that explain the score, and the golden records each belongs to; confirm or
  reject the match, with a reason;
* ``/steward/customers/{golden_id}`` -- a golden record with its source records: split a
  record out, merge with another golden record, pin an attribute value;
* ``/steward/decisions`` -- every decision, pending until a published snapshot holds it.

Decisions go to the service store (``warehouse.stewardship``) and take effect at the next
run. Every page that shows personal data and every decision is audited.
"""

# No `from __future__ import annotations`: FastAPI reads the Annotated parameters of the
# routes at definition time.
import math
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import duckdb
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from warehouse import access, stewardship
from warehouse.history import as_dicts
from warehouse.layout import table_exists
from warehouse.pins import PINNABLE_ATTRIBUTES, PinError

CONSOLE_PREFIX = "/steward"
COOKIE = "mdm_steward_key"
PAGE_SIZE = 50
# attributes shown side by side, in this order
COMPARED = (
    "full_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "phone_2",
    "birth_date",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "company",
    "handle",
    "source_updated_at",
    "source_file",
    "source_line",
)
# where a record came from: shown, not compared
PROVENANCE = frozenset({"source_updated_at", "source_file", "source_line"})
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class Missing(LookupError):
    """What a console page asks for is not in the current publication."""


class SignIn(Exception):
    """No valid steward key in the cookie: the browser is sent to the sign-in page."""


def build_router(
    snapshot_cursor: Any,
    keys: access.KeyStore,
    audit_log: access.AuditWriter,
    service_db: Path | None,
) -> APIRouter:
    """The console's routes over the snapshots of ``snapshot_cursor()`` (a callable giving a
    DuckDB cursor on the current snapshot) and the service store at ``service_db``."""
    router = APIRouter(prefix=CONSOLE_PREFIX, include_in_schema=False)

    def steward(request: Request) -> access.Caller:
        try:
            who = keys.authenticate(request.cookies.get(COOKIE))
        except access.AccessDenied:
            raise SignIn() from None
        if who.role not in stewardship.STEWARD_ROLES:
            raise SignIn()
        return who

    def page(request: Request, name: str, who: access.Caller | None, status: int = 200, **ctx):
        return templates.TemplateResponse(
            request, name, {"who": who, "prefix": CONSOLE_PREFIX, **ctx}, status_code=status
        )

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, error: str | None = None, next: str = CONSOLE_PREFIX):
        return page(request, "steward/login.html", None, error=error, next=_local(next))

    @router.post("/login")
    def login(
        request: Request,
        api_key: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = CONSOLE_PREFIX,
    ):
        try:
            who = keys.authenticate(api_key.strip())
        except access.AccessDenied as error:
            return page(request, "steward/login.html", None, 401, error=str(error), next=next)
        if who.role not in stewardship.STEWARD_ROLES:
            message = f"a key of role {who.role!r} cannot use the console (steward or admin)"
            return page(request, "steward/login.html", None, 403, error=message, next=next)
        audit_log.log(who, "console_login", "console")
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(
            COOKIE, api_key.strip(), httponly=True, samesite="strict", path=CONSOLE_PREFIX
        )
        return response

    @router.post("/logout")
    def logout():
        response = RedirectResponse(f"{CONSOLE_PREFIX}/login", status_code=303)
        response.delete_cookie(COOKIE, path=CONSOLE_PREFIX)
        return response

    @router.get("", response_class=HTMLResponse)
    def queue(
        request: Request,
        kind: Annotated[str | None, Query(pattern="^(possible_merge|possible_split)$")] = None,
        page_no: Annotated[int, Query(alias="page", ge=1)] = 1,
    ):
        who = steward(request)
        snap = snapshot_cursor()
        missing = not table_exists(snap, "mdm", "review_queue")
        entries, total = ([], 0) if missing else _queue_page(snap, kind, page_no)
        decided = _decided_reviews(service_db, [e["review_id"] for e in entries])
        for entry in entries:
            entry["decision"] = decided.get(entry["review_id"])
        audit_log.log(who, "console_queue", f"review_queue:page={page_no}")
        with access.service_db(service_db) as db:
            pending = stewardship.pending_count(db)
        return page(
            request,
            "steward/queue.html",
            who,
            entries=entries,
            total=total,
            pages=max(1, math.ceil(total / PAGE_SIZE)),
            page_no=page_no,
            kind=kind,
            missing=missing,
            pending=pending,
        )

    @router.get("/review/{review_id}", response_class=HTMLResponse)
    def review(request: Request, review_id: str, done: str | None = None):
        who = steward(request)
        return _review_page(request, who, review_id, done=done)

    def _review_page(request, who, review_id, *, done=None, error=None, status=200):
        snap = snapshot_cursor()
        item = _review_item(snap, review_id)
        left = _record(snap, item["source_system_l"], item["source_record_id_l"])
        right = _record(snap, item["source_system_r"], item["source_record_id_r"])
        rows = [
            {
                "attribute": attribute,
                "left": (left or {}).get(attribute),
                "right": (right or {}).get(attribute),
            }
            for attribute in COMPARED
        ]
        for row in rows:
            same = _same(row["left"], row["right"])
            row["same"] = "provenance" if row["attribute"] in PROVENANCE else same
        explanation = item["explanation"] or []
        biggest = max((abs(step["match_weight"] or 0) for step in explanation), default=1) or 1
        with access.service_db(service_db) as db:
            decisions = stewardship.decisions_for_review(db, review_id)
        applied = _applied(snap, decisions)
        audit_log.log(who, "console_review", f"review:{review_id}")
        return page(
            request,
            "steward/review.html",
            who,
            status,
            item=item,
            rows=rows,
            explanation=explanation,
            biggest=biggest,
            decisions=decisions,
            applied=applied,
            done=done,
            error=error,
            members_l=_members(snap, item["golden_id_l"]),
            members_r=_members(snap, item["golden_id_r"]),
        )

    @router.post("/review/{review_id}/decide")
    def decide(
        request: Request,
        review_id: str,
        action: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ):
        who = steward(request)
        snap = snapshot_cursor()
        item = _review_item(snap, review_id)
        pair = (
            (item["source_system_l"], item["source_record_id_l"]),
            (item["source_system_r"], item["source_record_id_r"]),
        )
        try:
            if action not in ("confirm", "reject"):
                raise stewardship.DecisionError("choose confirm or reject")
            links = stewardship.links_for(action, pair=pair)
            with access.service_db(service_db) as db:
                stewardship.record_decision(
                    db, who, action, reason, links=links, review_id=review_id
                )
        except stewardship.DecisionError as error:
            return _review_page(request, who, review_id, error=str(error), status=400)
        return RedirectResponse(
            f"{CONSOLE_PREFIX}/review/{quote(review_id)}?done={action}", status_code=303
        )

    @router.get("/customers/{golden_id}", response_class=HTMLResponse)
    def customer(request: Request, golden_id: str, done: str | None = None):
        who = steward(request)
        return _customer_page(request, who, golden_id, done=done)

    @router.get("/find")
    def find(request: Request, golden_id: Annotated[str, Query()] = ""):
        steward(request)
        return RedirectResponse(f"{CONSOLE_PREFIX}/customers/{quote(golden_id.strip())}", 303)

    def _customer_page(request, who, golden_id, *, done=None, error=None, status=200):
        snap = snapshot_cursor()
        golden = _golden(snap, golden_id)
        lineage = as_dicts(
            snap.execute(
                "from mdm.golden_attribute_lineage where golden_id = ? order by attribute",
                [golden_id],
            )
        )
        with access.service_db(service_db) as db:
            decisions = stewardship.decisions_for_customer(db, golden_id)
        audit_log.log(who, "console_customer", f"customer:{golden_id}")
        return page(
            request,
            "steward/customer.html",
            who,
            status,
            golden=golden,
            lineage=lineage,
            members=_members(snap, golden_id),
            attributes=PINNABLE_ATTRIBUTES,
            done=done,
            error=error,
            decisions=decisions,
            applied=_applied(snap, decisions),
        )

    def _decide_on_customer(request, who, golden_id, action, reason, make_links=None, **fields):
        """Record a split, merge or pin decided on a golden record's page; the page again
        with the reason when it cannot be taken."""
        try:
            links = make_links() if make_links else ()
            with access.service_db(service_db) as db:
                stewardship.record_decision(
                    db, who, action, reason, links=links, golden_id=golden_id, **fields
                )
        except (stewardship.DecisionError, PinError) as error:
            return _customer_page(request, who, golden_id, error=str(error), status=400)
        return RedirectResponse(
            f"{CONSOLE_PREFIX}/customers/{quote(golden_id)}?done={action}", status_code=303
        )

    @router.post("/customers/{golden_id}/split")
    def split(
        request: Request,
        golden_id: str,
        record: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ):
        who = steward(request)
        members = _record_keys(snapshot_cursor(), golden_id)
        chosen = tuple(record.split("|", 1))

        def links():
            if len(chosen) != 2 or chosen not in members:
                raise stewardship.DecisionError(
                    f"choose one of the source records of {golden_id} to split out"
                )
            return stewardship.links_for("split", record=chosen, cluster=members)

        return _decide_on_customer(request, who, golden_id, "split", reason, links)

    @router.post("/customers/{golden_id}/merge")
    def merge(
        request: Request,
        golden_id: str,
        other_golden_id: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ):
        who = steward(request)
        snap = snapshot_cursor()
        other = other_golden_id.strip()

        def links():
            if not other or other == golden_id:
                raise stewardship.DecisionError("give the id of another golden record to merge")
            theirs = _record_keys(snap, other)
            if not theirs:
                raise stewardship.DecisionError(f"no golden record {other} with source records")
            mine = _record_keys(snap, golden_id)
            return stewardship.links_for("merge", cluster=mine, other_cluster=theirs)

        return _decide_on_customer(request, who, golden_id, "merge", reason, links, value=other)

    @router.post("/customers/{golden_id}/pin")
    def pin(
        request: Request,
        golden_id: str,
        attribute: Annotated[str, Form()] = "",
        value: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ):
        who = steward(request)
        _golden(snapshot_cursor(), golden_id)
        return _decide_on_customer(
            request, who, golden_id, "pin", reason, attribute=attribute, value=value
        )

    @router.get("/decisions", response_class=HTMLResponse)
    def decisions(request: Request):
        who = steward(request)
        snap = snapshot_cursor()
        with access.service_db(service_db) as db:
            rows = stewardship.list_decisions(db, limit=500)
        return page(
            request, "steward/decisions.html", who, decisions=rows, applied=_applied(snap, rows)
        )

    return router


def _local(target: str) -> str:
    """Only redirect inside the console (no open redirect through ``next``)."""
    return target if target.startswith(CONSOLE_PREFIX) and "//" not in target else CONSOLE_PREFIX


def _one(snap: duckdb.DuckDBPyConnection, query: str, params: list) -> dict[str, Any] | None:
    rows = as_dicts(snap.execute(query, params))
    return rows[0] if rows else None


def _queue_page(
    snap: duckdb.DuckDBPyConnection, kind: str | None, page_no: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the review queue, most consequential first, and how many entries match."""
    where, params = ("where q.kind = ?", [kind]) if kind else ("", [])
    total = snap.execute(f"select count(*) from mdm.review_queue q {where}", params).fetchone()[0]
    # the records' names, when the snapshot has the source records
    named = table_exists(snap, "mdm", "source_records")
    names = (
        """
        left join mdm.source_records as l
            on l.source_system = q.source_system_l and l.source_record_id = q.source_record_id_l
        left join mdm.source_records as r
            on r.source_system = q.source_system_r and r.source_record_id = q.source_record_id_r
        """
        if named
        else ""
    )
    name = "coalesce({0}.full_name, {0}.handle)" if named else "null"
    entries = as_dicts(
        snap.execute(
            f"""
            select q.review_id, q.kind, q.match_probability, q.records_affected, q.priority,
                q.source_system_l, q.source_record_id_l, q.source_system_r,
                q.source_record_id_r, q.golden_id_l, q.golden_id_r,
                {name.format("l")} as name_l, {name.format("r")} as name_r
            from mdm.review_queue as q {names} {where}
            order by q.priority desc, abs(q.match_probability - 0.5), q.review_id
            limit ? offset ?
            """,
            [*params, PAGE_SIZE, (page_no - 1) * PAGE_SIZE],
        )
    )
    return entries, total


def _golden(snap: duckdb.DuckDBPyConnection, golden_id: str) -> dict[str, Any]:
    golden = _one(snap, "from mdm.golden_customer where golden_id = ?", [golden_id])
    if golden is None:
        raise Missing(f"no golden record {golden_id} in the current publication")
    return golden


def _review_item(snap: duckdb.DuckDBPyConnection, review_id: str) -> dict[str, Any]:
    item = _one(snap, "from mdm.review_queue where review_id = ?", [review_id])
    if item is None:
        raise Missing(f"no review item {review_id} in the current publication")
    return item


def _record(snap: duckdb.DuckDBPyConnection, system: str, record_id: str) -> dict | None:
    if not table_exists(snap, "mdm", "source_records"):
        return None
    return _one(
        snap,
        "from mdm.source_records where source_system = ? and source_record_id = ?",
        [system, record_id],
    )


def _members(snap: duckdb.DuckDBPyConnection, golden_id: str) -> list[dict[str, Any]]:
    """The source records of a golden record, with their attributes when the snapshot has
    them."""
    if table_exists(snap, "mdm", "source_records"):
        query = "from mdm.source_records where golden_id = ?"
    else:
        query = "from mdm.customer_xref where golden_id = ?"
    return as_dicts(snap.execute(f"{query} order by source_system, source_record_id", [golden_id]))


def _record_keys(snap: duckdb.DuckDBPyConnection, golden_id: str) -> list[tuple[str, str]]:
    return [(m["source_system"], m["source_record_id"]) for m in _members(snap, golden_id)]


def _same(left: Any, right: Any) -> str:
    if left is None or right is None:
        return "missing"
    return "same" if str(left).strip().lower() == str(right).strip().lower() else "different"


def _decided_reviews(service_db: Path | None, review_ids: list[str]) -> dict[str, Any]:
    if not review_ids:
        return {}
    with access.service_db(service_db) as db:
        stewardship.ensure_store(db)
        marks = ",".join("?" * len(review_ids))
        rows = db.execute(
            f"""
            select review_id, action, decided_by from steward_decisions
            where review_id in ({marks}) order by decided_at
            """,
            review_ids,
        ).fetchall()
    return {review_id: {"action": action, "by": by} for review_id, action, by in rows}


def _applied(
    snap: duckdb.DuckDBPyConnection, decisions: list[stewardship.StewardDecision]
) -> dict[str, bool]:
    """Which decisions the current publication holds (the others are pending)."""
    wanted = {
        "match_decisions": ("decision_id", [i for d in decisions for i in stewardship.link_ids(d)]),
        "attribute_pins": ("pin_id", [d.decision_id for d in decisions if d.action == "pin"]),
    }
    held: set[str] = set()
    for table, (column, ids) in wanted.items():
        if ids and table_exists(snap, "mdm", table):
            query = f"select {column} from mdm.{table} where {column} in (select unnest(?))"
            held.update(row[0] for row in snap.execute(query, [ids]).fetchall())
    return {
        d.decision_id: d.decision_id in held
        if d.action == "pin"
        else all(link_id in held for link_id in stewardship.link_ids(d))
        for d in decisions
    }


def install(app: Any, router: APIRouter) -> None:
    """Mount the console on ``app`` with its sign-in redirect and not-found page."""
    app.include_router(router)
    app.add_exception_handler(SignIn, sign_in_redirect)
    app.add_exception_handler(Missing, missing_page)


def missing_page(request: Request, error: Missing) -> Response:
    return templates.TemplateResponse(
        request,
        "steward/missing.html",
        {"who": None, "prefix": CONSOLE_PREFIX, "message": str(error)},
        status_code=404,
    )


def sign_in_redirect(request: Request, _error: SignIn) -> Response:
    """Exception handler: send the browser to the sign-in page, back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{CONSOLE_PREFIX}/login?next={quote(target)}", status_code=303)
