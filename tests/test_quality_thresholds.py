from pathlib import Path

import pytest

from quality.suites import SUITES
from quality.thresholds import THRESHOLDS_FILE, load_thresholds


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thresholds.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_thresholds_file_holds_the_customer_defaults():
    thresholds = load_thresholds()

    assert thresholds.source == THRESHOLDS_FILE
    assert thresholds.for_dimension("accuracy") == 0.95
    assert thresholds.for_dimension("completeness") == 0.90
    assert thresholds.for_dimension("consistency") == 0.98
    assert thresholds.failing_rows_per_expectation == 5


def test_environment_variable_points_at_another_thresholds_file(tmp_path, monkeypatch):
    path = _write(
        tmp_path,
        "dimensions: {accuracy: 0.5, completeness: 0.6, consistency: 0.7}\n"
        "failing_rows_per_expectation: 2\n",
    )
    monkeypatch.setenv("MDM_QUALITY_THRESHOLDS", str(path))

    thresholds = load_thresholds()

    assert thresholds.source == path.resolve()
    assert dict(thresholds.dimensions) == {"accuracy": 0.5, "completeness": 0.6, "consistency": 0.7}
    assert thresholds.failing_rows_per_expectation == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("dimensions: {accuracy: 1.5, completeness: 0.9, consistency: 0.9}\n", "accuracy=1.5"),
        ("dimensions: {accuracy: 0.9, completeness: 0.9}\n", "missing thresholds for consistency"),
        ("dimensions: {accuracy: yes, completeness: 0.9, consistency: 0.9}\n", "accuracy=True"),
        (
            "dimensions: {accuracy: 0.9, completeness: 0.9, consistency: 0.9}\n"
            "failing_rows_per_expectation: -1\n",
            "failing_rows_per_expectation=-1",
        ),
    ],
)
def test_thresholds_file_with_a_bad_value_is_rejected_naming_it(tmp_path, text, message):
    if "failing_rows" not in text:
        text += "failing_rows_per_expectation: 5\n"
    path = _write(tmp_path, text)

    with pytest.raises(ValueError, match=message):
        load_thresholds(path)


def test_every_measured_expectation_takes_its_mostly_from_the_thresholds_file(tmp_path):
    thresholds = load_thresholds(
        _write(
            tmp_path,
            "dimensions: {accuracy: 0.81, completeness: 0.82, consistency: 0.83}\n"
            "failing_rows_per_expectation: 5\n",
        )
    )
    seen = set()
    for spec in SUITES.values():
        suite = spec.build(thresholds)
        for declared, built in zip(spec.expectations, suite.expectations, strict=True):
            if declared.dimension is None:
                assert built.mostly == 1.0, declared.label
            else:
                assert built.mostly == thresholds.for_dimension(declared.dimension)
                seen.add(declared.dimension)

    assert seen == {"accuracy", "completeness", "consistency"}
