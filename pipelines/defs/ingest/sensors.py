"""A sensor that starts the pipeline when new files land."""

import hashlib
from pathlib import Path

import dagster as dg

from sources.registry import ENTITIES
from warehouse import config


def landing_fingerprint(landing: Path) -> str:
    """A digest of the names, sizes and modification times of every landing file."""
    digest = hashlib.sha256()
    for entity in ENTITIES:
        for path in sorted(landing.glob(entity.pattern)):
            stat = path.stat()
            digest.update(
                f"{path.relative_to(landing)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


def build_landing_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        name="landing_files_sensor",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Runs the full pipeline when landing files are added or changed.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        landing = config.landing_dir()
        if not landing.exists():
            return dg.SkipReason(f"landing folder {landing} does not exist")
        fingerprint = landing_fingerprint(landing)
        if fingerprint == context.cursor:
            return dg.SkipReason("no new or changed landing files")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=fingerprint)

    return _sensor
