"""The assessment methods over their whole input scales, at the band edges, and on bad input."""

from __future__ import annotations

import ast
import itertools
from decimal import Decimal
from pathlib import Path

import pytest

from saferisk.risks import assessment
from saferisk.risks.assessment import AssessmentError, Band, MethodConfig, direct, lec, ls

L_LEC = ["10", "6", "3", "1", "0.5", "0.2", "0.1"]
E_LEC = ["10", "6", "3", "2", "1", "0.5"]
C_LEC = ["100", "40", "15", "7", "3", "1"]


def expected_lec(d: Decimal) -> str:
    if d > 320:
        return "MAJOR"
    if d > 160:
        return "LARGE"
    if d > 70:
        return "GENERAL"
    return "LOW"


def test_module_imports_no_django() -> None:
    tree = ast.parse(Path(assessment.__file__).read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m.startswith(("django", "saferisk")) for m in modules), modules


def test_lec_whole_scale() -> None:
    """All 252 combinations: D is the exact product and the level follows the bands."""
    seen = set()
    for l, e, c in itertools.product(L_LEC, E_LEC, C_LEC):  # noqa: E741
        result = lec(l, e, c)
        d = Decimal(l) * Decimal(e) * Decimal(c)
        assert result.score == d
        assert result.level == expected_lec(d), (l, e, c)
        seen.add(result.level)
    assert seen == {"MAJOR", "LARGE", "GENERAL", "LOW"}


@pytest.mark.parametrize(
    ("l", "e", "c", "score", "level"),
    [
        ("10", "2", "1", 20, "LOW"),  # D = 20: on the lowest edge
        ("0.5", "1", "40", 20, "LOW"),  # 0.5 × 1 × 40 is exactly 20, not 19.999…
        ("1", "10", "7", 70, "LOW"),  # on the 70 edge: the milder band
        ("6", "2", "7", 84, "GENERAL"),
        ("10", "3", "7", 210, "LARGE"),
        ("6", "6", "15", 540, "MAJOR"),
        ("0.1", "0.5", "1", 0.05, "LOW"),
        ("10", "10", "100", 10000, "MAJOR"),
    ],
)
def test_lec_edges(l: str, e: str, c: str, score: float, level: str) -> None:  # noqa: E741
    result = lec(l, e, c)
    assert result.as_dict()["score"] == score
    assert result.level == level


def test_ls_whole_matrix() -> None:
    for l, s in itertools.product(range(1, 6), range(1, 6)):  # noqa: E741
        r = l * s
        expected = "MAJOR" if r >= 20 else "LARGE" if r >= 15 else "GENERAL" if r >= 9 else "LOW"
        result = ls(l, s)
        assert (result.score, result.level) == (r, expected), (l, s)
    assert [ls(4, 5).level, ls(3, 5).level, ls(3, 3).level, ls(2, 4).level] == [
        "MAJOR",
        "LARGE",
        "GENERAL",
        "LOW",
    ]


@pytest.mark.parametrize(
    ("call", "code", "fragment"),
    [
        (lambda: lec("5", "6", "7"), "not_on_scale", "10、6、3、1、0.5、0.2、0.1"),
        (lambda: lec("6", "4", "7"), "not_on_scale", "E"),
        (lambda: lec("6", "6", "abc"), "not_a_number", "abc"),
        (lambda: lec("6", "6", ""), "missing_input", "C"),
        (lambda: ls(6, 1), "not_on_scale", "5、4、3、2、1"),
        (lambda: ls(0, 1), "not_on_scale", "L"),
        (lambda: ls("nan", 1), "not_a_number", "nan"),
        (lambda: assessment.assess(assessment.default_ls(), L=1, S=1, X=2), "unknown_input", "X"),
    ],
)
def test_bad_inputs_name_the_allowed_values(call: object, code: str, fragment: str) -> None:
    with pytest.raises(AssessmentError) as exc:
        call()  # type: ignore[operator]
    assert exc.value.code == code
    assert fragment in exc.value.message


def test_numbers_given_as_text_or_float_are_accepted() -> None:
    assert lec(6.0, "6", 7).score == 252
    assert ls(" 3 ", "5").level == "LARGE"


def test_a_deployment_can_configure_a_four_by_four_matrix() -> None:
    scale = tuple(assessment.ScaleValue(Decimal(v), "") for v in (1, 2, 3, 4))
    config = MethodConfig(
        method="LS4",
        version="2027-01",
        factors={"L": scale, "S": scale},
        bands=(Band("MAJOR", Decimal(12)), Band("LARGE", Decimal(8)), Band("GENERAL", Decimal(4))),
    )
    assert [
        ls(4, 3, config).level,
        ls(2, 4, config).level,
        ls(2, 2, config).level,
        ls(1, 3, config).level,
    ] == [
        "MAJOR",
        "LARGE",
        "GENERAL",
        "LOW",
    ]
    assert ls(4, 4, config).version == "2027-01"
    with pytest.raises(AssessmentError):
        ls(5, 1, config)


def test_direct_grading_respects_the_catalogue_minimum() -> None:
    assert direct("LARGE", minimum="LARGE") == "LARGE"
    assert direct("MAJOR", minimum="LARGE") == "MAJOR"
    with pytest.raises(AssessmentError) as exc:
        direct("GENERAL", minimum="LARGE")
    assert exc.value.code == "below_catalogue_minimum"
    with pytest.raises(AssessmentError):
        direct("HIGH")
    assert assessment.more_severe("LOW", "LARGE") == "LARGE"
