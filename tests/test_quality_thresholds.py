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
        (
            "dimensions: {accuracy: 0.9, completeness: 0.9, consistency: 0.9}\n"
            "sources: {fax: {accuracy: 0.5}}\n",
            "sources.fax is not a source system",
        ),
        (
            "dimensions: {accuracy: 0.9, completeness: 0.9, consistency: 0.9}\n"
            "sources: {crm: {timeliness: 0.5}}\n",
            "unknown dimension 'timeliness'",
        ),
        (
            "dimensions: {accuracy: 0.9, completeness: 0.9, consistency: 0.9}\n"
            "sources: {crm: {accuracy: 2}}\n",
            "sources.crm.accuracy=2",
        ),
        (
            "dimensions: {accuracy: 0.9, completeness: 0.9, consistency: 0.9}\n"
            "plausibility: {order_amount_cny: {min: 9, max: 1}}\n",
            "needs numbers min <= max",
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
            "sources: {social: {completeness: 0.7}}\n"
            "plausibility:\n"
            "  order_amount_cny: {min: 1, max: 9}\n"
            "  invoice_amount_cny: {min: 2, max: 8}\n"
            "failing_rows_per_expectation: 5\n",
        )
    )
    seen = set()
    bounded = {}
    for spec in SUITES.values():
        suite = spec.build(thresholds)
        for declared, built in zip(spec.expectations, suite.expectations, strict=True):
            if declared.dimension is None:
                assert built.mostly == 1.0, declared.label
            else:
                expected = thresholds.for_dimension(declared.dimension, spec.source_system)
                assert built.mostly == expected, (spec.name, declared.label)
                seen.add(declared.dimension)
            if declared.bounds:
                bounded[spec.name] = (built.min_value, built.max_value)

    assert seen == {"accuracy", "completeness", "consistency"}
    assert bounded == {"staged_ecommerce_orders": (1, 9), "staged_erp_invoices": (2, 8)}
    social = SUITES["staged_social"].build(thresholds)
    crm = SUITES["staged_crm"].build(thresholds)
    completeness = "expect_column_values_to_be_in_set(complete)"
    assert [e.mostly for e in social.expectations if e.meta["label"] == completeness] == [0.7]
    assert [e.mostly for e in crm.expectations if e.meta["label"] == completeness] == [0.82]


def test_thresholds_file_holds_plausible_amounts():
    thresholds = load_thresholds()
    assert thresholds.plausible_range("order_amount_cny") == (0.01, 200000)
    assert thresholds.plausible_range("invoice_amount_cny") == (0.01, 10000000)
