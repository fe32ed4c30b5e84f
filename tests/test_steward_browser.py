"""The steward console in a real browser: Playwright drives Debian's Chromium
(``/usr/bin/chromium``, installed by ``.ci/run``) against ``mdm serve``'s app on loopback.
A steward signs in, opens the first queue item and rejects the match."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from tests.test_steward_console import build_console_warehouse
from warehouse import access, stewardship
from warehouse.api import create_app
from warehouse.serving import export_snapshot

CHROMIUM = Path("/usr/bin/chromium")
# what the machine's closed network needs: no background calls home, no sandbox as root
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium; .ci/run does)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path):
    serving, store = tmp_path / "serving", tmp_path / "service.sqlite"
    with build_console_warehouse(tmp_path / "w.duckdb") as con:
        export_snapshot(con, "run-2", serving)
    with access.service_db(store) as db:
        key = access.create_key(db, "Sam Steward", "steward", "tester")[1]
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(serving, store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "key": key, "store": store}
    server.should_exit = True
    thread.join(timeout=10)


def test_a_steward_signs_in_opens_a_queue_item_and_rejects_the_match(served, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{served['url']}/steward")
            expect(page).to_have_url(f"{served['url']}/steward/login?next=/steward")
            page.get_by_label("API key").fill(served["key"])
            page.get_by_role("button", name="Sign in").click()

            expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
            page.locator("table tbody tr").first.get_by_role("link").first.click()
            expect(page.get_by_role("heading", name="Side by side")).to_be_visible()
            expect(page.locator("tr.different", has_text="birth_date")).to_be_visible()

            page.get_by_label("Reason (required)").fill("born a year apart: two people")
            page.get_by_role("button", name="Reject match").click()
            expect(page.get_by_role("status")).to_contain_text("Decision recorded (reject)")
            expect(page.locator(".pending").first).to_have_text("pending")
            page.screenshot(path=str(tmp_path / "rejected.png"))
        finally:
            browser.close()

    with access.service_db(served["store"]) as db:
        [decision] = stewardship.list_decisions(db)
    assert (decision.action, decision.review_id, decision.decided_by) == (
        "reject",
        "R-SPLIT",
        "Sam Steward",
    )
    assert decision.reason == "born a year apart: two people"
    assert decision.imported_at is None  # pending until the next run
