import pytest

from wargame.engine import classify

from .helpers import state

CASES = [
    (
        "allied balance",
        {"alliance": 64, "tension": 5},
        [],
        "allied_balance",
        ["Alliance confidence is 64 (needs ≥ 60)", "Regional tension is 5 (needs ≤ 5)"],
    ),
    (
        "breakdown by the alliance",
        {"alliance": 20},
        [],
        "breakdown",
        ["Alliance confidence is 20 (needs < 30)"],
    ),
    (
        "breakdown by a flag, before allied balance fails",
        {"alliance": 64, "tension": 6},
        ["strained"],
        "breakdown",
        ["flag strained is set"],
    ),
    ("the default", {"alliance": 45}, [], "drift", ["none of the other futures' conditions held"]),
]


@pytest.mark.parametrize(
    ("name", "values", "flags", "future", "reasons"), CASES, ids=[case[0] for case in CASES]
)
def test_classify(minimal, name, values, flags, future, reasons) -> None:
    result = classify(minimal, state(minimal, turn=4, flags=flags, **values))
    assert (result.future_id, result.reasons) == (future, reasons)
    assert result.name == minimal.futures[[f.id for f in minimal.futures].index(future)].name


def test_classify_reports_every_future_it_tried(minimal) -> None:
    result = classify(minimal, state(minimal, turn=4, alliance=64.5, tension=6))
    assert result.checked == [
        ("allied_balance", False, ["Regional tension is 6 (needs ≤ 5)"]),
        (
            "breakdown",
            False,
            ["Alliance confidence is 64.5 (needs < 30)", "flag strained is not set"],
        ),
        ("drift", True, ["none of the other futures' conditions held"]),
    ]
    assert result.to_dict()["checked"][0] == [
        "allied_balance",
        False,
        ["Regional tension is 6 (needs ≤ 5)"],
    ]
