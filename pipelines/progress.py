"""A Dagster logger that prints one readable line per stage event, for `mdm run`.

Dagster's console logger prints every engine event; a person running the pipeline from a
terminal wants to see which stage is running, how long each took, what the stages said
(rows loaded, quarantined, matched) and which gates passed.
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.log_manager import get_log_record_metadata, has_log_record_metadata

_STEP_EVENTS = {
    DagsterEventType.STEP_START: "started",
    DagsterEventType.STEP_SUCCESS: "finished",
    DagsterEventType.STEP_FAILURE: "FAILED",
    DagsterEventType.STEP_SKIPPED: "skipped",
}


# dagster-dbt narrates its own mechanics at INFO; its steps show one line per model instead.
_STEPS_WITH_QUIET_INFO = frozenset({"standardized_models", "mastered_models"})


class _ProgressHandler(logging.Handler):
    def __init__(self, stream) -> None:
        # Step events arrive at DEBUG; the handler picks what to show itself.
        super().__init__(level=logging.DEBUG)
        self.stream = stream
        self.started = time.perf_counter()
        self.step_started: dict[str, float] = {}

    def _write(self, text: str) -> None:
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"[{elapsed:7.1f}s] {text}\n")
        self.stream.flush()

    def emit(self, record: logging.LogRecord) -> None:
        if not has_log_record_metadata(record):
            return
        meta = get_log_record_metadata(record)
        event = meta["dagster_event"]
        step = meta["step_key"] or ""
        if event is None:
            quiet = step in _STEPS_WITH_QUIET_INFO and record.levelno < logging.WARNING
            if record.levelno >= logging.INFO and not quiet:
                prefix = "" if record.levelno == logging.INFO else f"{record.levelname}: "
                self._write(f"  {step}: {prefix}{meta['orig_message']}")
            return
        kind = event.event_type
        if kind in _STEP_EVENTS:
            now = time.perf_counter()
            if kind == DagsterEventType.STEP_START:
                self.step_started[step] = now
                self._write(f"▶ {step} {_STEP_EVENTS[kind]}")
            else:
                took = now - self.step_started.get(step, now)
                self._write(
                    f"{'✓' if kind == DagsterEventType.STEP_SUCCESS else '✗'} {step} "
                    f"{_STEP_EVENTS[kind]} ({took:.1f} s)"
                )
                if kind == DagsterEventType.STEP_FAILURE and event.step_failure_data:
                    error = event.step_failure_data.error
                    # Dagster wraps the user's exception: show the innermost cause.
                    while error is not None and error.cause is not None:
                        error = error.cause
                    if error is not None:
                        self._write(f"  {error.message.strip()}")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            key = event.event_specific_data.materialization.asset_key.to_user_string()
            self._write(f"  built {key}")
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.asset_check_evaluation_data
            # Quality gates are always shown; dbt's many key tests only when they fail.
            if data.check_name.startswith("gx_") or not data.passed:
                verdict = "passed" if data.passed else "FAILED"
                self._write(
                    f"  check {data.check_name} on {data.asset_key.to_user_string()}: {verdict}"
                )


@dg.logger(description="One line per stage event; used by `mdm run`.")
def mdm_progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("mdm.progress")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.handlers = [_ProgressHandler(sys.stdout)]
    return logger
