"""Risk assessment methods: LEC, the LS matrix and direct grading. Pure module, no Django.

Each method turns its inputs into a score and the score into one of the four levels
(重大 MAJOR / 较大 LARGE / 一般 GENERAL / 低 LOW). Scales and level bands are data (`MethodConfig`),
not constants: a deployment may use other thresholds or a 4×4 matrix with its own labels, and
an assessment keeps the version of the configuration it was made with. The defaults come from
the reference files in `saferisk/core/data/` (`lec.json`, `ls.json`, `levels.json`; sources in
`SOURCES.md`).

Numbers are Decimals: LEC values such as 0.1 and 0.5 multiply exactly, so a product that lands
on a band edge (D = 20, D = 70) is graded by the rule, not by floating-point rounding.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "core" / "data"

LEVELS = ("MAJOR", "LARGE", "GENERAL", "LOW")  # most severe first
METHOD_FACTORS = {"LEC": ("L", "E", "C"), "LS": ("L", "S")}
LEVEL_NAMES = {"MAJOR": "重大风险", "LARGE": "较大风险", "GENERAL": "一般风险", "LOW": "低风险"}


class AssessmentError(ValueError):
    """Bad input to a method; `message` is for the user (Chinese), `code` for the API."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ScaleValue:
    value: Decimal
    meaning: str


@dataclass(frozen=True)
class Band:
    """Scores at or above `minimum` (above it when `inclusive` is False) are `level`."""

    level: str
    minimum: Decimal
    inclusive: bool = True

    def admits(self, score: Decimal) -> bool:
        return score >= self.minimum if self.inclusive else score > self.minimum


@dataclass(frozen=True)
class MethodConfig:
    """One method's scales (factor name → allowed values) and bands, most severe band first.
    A score below every band is LOW."""

    method: str
    version: str
    factors: dict[str, tuple[ScaleValue, ...]]
    bands: tuple[Band, ...]
    labels: dict[str, str] = dataclasses.field(default_factory=lambda: dict(LEVEL_NAMES))

    def level_for(self, score: Decimal) -> str:
        for band in self.bands:
            if band.admits(score):
                return band.level
        return "LOW"


@dataclass(frozen=True)
class Assessment:
    method: str
    version: str
    inputs: dict[str, Decimal]
    score: Decimal
    level: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: numbers without trailing zeros (0.5, 60, 1.2)."""
        return {
            "method": self.method,
            "version": self.version,
            "inputs": {k: plain_number(v) for k, v in self.inputs.items()},
            "score": plain_number(self.score),
            "level": self.level,
            "level_name": LEVEL_NAMES[self.level],
        }


def plain_number(value: Decimal) -> int | float:
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


def _number(name: str, raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise AssessmentError("not_a_number", f"{name} 应为数字，收到“{raw}”", field=name) from None
    if not value.is_finite():
        raise AssessmentError("not_a_number", f"{name} 应为数字，收到“{raw}”", field=name)
    return value


def _on_scale(config: MethodConfig, name: str, raw: Any) -> Decimal:
    value = _number(name, raw)
    allowed = [s.value for s in config.factors[name]]
    if value not in allowed:
        shown = "、".join(str(plain_number(v)) for v in allowed)
        raise AssessmentError(
            "not_on_scale", f"{name} 的取值“{raw}”不在标准取值中，应为：{shown}", field=name
        )
    return value


def assess(config: MethodConfig, **inputs: Any) -> Assessment:
    """Score = the product of the factors (LEC: L × E × C; LS: L × S), graded by the bands."""
    missing = [name for name in config.factors if inputs.get(name) in (None, "")]
    if missing:
        raise AssessmentError("missing_input", f"缺少 {'、'.join(missing)} 的取值", field=missing[0])
    unknown = sorted(set(inputs) - set(config.factors))
    if unknown:
        raise AssessmentError("unknown_input", f"{config.method} 没有 {'、'.join(unknown)} 这一项")
    values = {name: _on_scale(config, name, inputs[name]) for name in config.factors}
    score = Decimal(1)
    for value in values.values():
        score *= value
    return Assessment(config.method, config.version, values, score, config.level_for(score))


def direct(level: str, *, minimum: str | None = None) -> str:
    """Direct grading (from a catalogue item or by judgement): the level as given, but never
    milder than the catalogue's `minimum`."""
    if level not in LEVELS:
        raise AssessmentError("level_unknown", f"风险等级应为 {'、'.join(LEVELS)} 之一", field="level")
    if minimum is not None and LEVELS.index(level) > LEVELS.index(minimum):
        raise AssessmentError(
            "below_catalogue_minimum",
            f"风险目录规定该风险不低于{LEVEL_NAMES[minimum]}，不能定为{LEVEL_NAMES[level]}",
            field="level",
        )
    return level


def more_severe(a: str, b: str) -> str:
    return a if LEVELS.index(a) <= LEVELS.index(b) else b


# --- Defaults from the reference data ------------------------------------------------------------


def _scale(items: list[dict[str, Any]]) -> tuple[ScaleValue, ...]:
    return tuple(
        ScaleValue(Decimal(str(i["value"])), str(i.get("meaning_zh") or i.get("people_zh") or ""))
        for i in items
    )


@cache
def default_lec() -> MethodConfig:
    """LEC with the published scales; D > 320 重大, > 160 较大, > 70 一般, else 低 (a value on an
    edge falls in the milder band, `lec.json` rules.boundary)."""
    data = json.loads((DATA / "lec.json").read_text(encoding="utf-8"))
    bands: list[Band] = []
    for band in data["D_bands"]:
        low = band["d_min_exclusive"]
        if low is None or band["level_code"] in {b.level for b in bands}:
            continue
        bands.append(Band(band["level_code"], Decimal(str(low)), inclusive=False))
    return MethodConfig(
        method="LEC",
        version="default-2026",
        factors={"L": _scale(data["L"]), "E": _scale(data["E"]), "C": _scale(data["C"])},
        bands=tuple(bands),
    )


@cache
def default_ls() -> MethodConfig:
    """LS 5×5 matrix: R ≥ 20 重大, ≥ 15 较大, ≥ 9 一般, else 低 (`ls.json` default_bands)."""
    data = json.loads((DATA / "ls.json").read_text(encoding="utf-8"))
    bands = tuple(
        Band(b["level_code"], Decimal(str(b["r_min"])))
        for b in sorted(data["default_bands"], key=lambda b: -b["r_min"])
        if b["level_code"] != "LOW"
    )
    return MethodConfig(
        method="LS",
        version="default-2026",
        factors={"L": _scale(data["L"]), "S": _scale(data["S"])},
        bands=bands,
    )


def lec(l: Any, e: Any, c: Any, config: MethodConfig | None = None) -> Assessment:  # noqa: E741
    return assess(config or default_lec(), L=l, E=e, C=c)


def ls(l: Any, s: Any, config: MethodConfig | None = None) -> Assessment:  # noqa: E741
    return assess(config or default_ls(), L=l, S=s)


# --- Configurations as data (stored by an assessment scheme, edited by an admin) ------------------


def config_to_dict(config: MethodConfig) -> dict[str, Any]:
    """A method configuration as JSON: what an `AssessmentScheme` stores and an admin edits."""
    return {
        "factors": {
            name: [{"value": plain_number(s.value), "meaning": s.meaning} for s in scale]
            for name, scale in config.factors.items()
        },
        "bands": [
            {"level": b.level, "minimum": plain_number(b.minimum), "inclusive": b.inclusive}
            for b in config.bands
        ],
    }


def config_from_dict(method: str, version: str, data: Any) -> MethodConfig:
    """Build and check a configuration from its JSON. Errors say what is wrong, in Chinese:
    a factor needs at least two distinct positive values; bands run from the most severe level
    down with falling minimums; each level appears once; a score below every band is LOW."""
    if not isinstance(data, dict):
        raise AssessmentError("config_invalid", f"{method} 的配置应为对象")
    factors_in = data.get("factors")
    if not isinstance(factors_in, dict) or not factors_in:
        raise AssessmentError("config_invalid", f"{method} 至少需要一个因子及其取值")
    expected = METHOD_FACTORS.get(method)
    if expected is not None and set(factors_in) != set(expected):
        raise AssessmentError(
            "config_invalid",
            f"{method} 的因子应为 {'、'.join(expected)}，收到 {'、'.join(map(str, factors_in))}",
        )
    factors: dict[str, tuple[ScaleValue, ...]] = {}
    # The method's own order (L, E, C), whatever order the stored JSON has (jsonb sorts keys).
    for name in expected or list(factors_in):
        scale = factors_in[name]
        if not str(name).isidentifier() or not isinstance(scale, list):
            raise AssessmentError("config_invalid", f"{method} 的因子“{name}”无效")
        values = []
        for item in scale:
            item = item if isinstance(item, dict) else {"value": item}
            value = _number(str(name), item.get("value"))
            if value <= 0:
                raise AssessmentError("config_invalid", f"{method} 因子 {name} 的取值应为正数")
            values.append(ScaleValue(value, str(item.get("meaning", ""))))
        if len({v.value for v in values}) != len(values) or len(values) < 2:
            raise AssessmentError("config_invalid", f"{method} 因子 {name} 至少需要两个互不相同的取值")
        factors[str(name)] = tuple(values)
    bands: list[Band] = []
    for item in data.get("bands") or []:
        level = item.get("level") if isinstance(item, dict) else None
        if level not in LEVELS:
            raise AssessmentError("config_invalid", f"{method} 分级界限的等级应为 MAJOR、LARGE、GENERAL、LOW")
        bands.append(Band(level, _number(level, item.get("minimum")), bool(item.get("inclusive", True))))
    order = [LEVELS.index(b.level) for b in bands]
    if not bands or order != sorted(set(order)):
        raise AssessmentError("config_invalid", f"{method} 的分级界限应从重大到低依次排列，每级一次")
    minima = [b.minimum for b in bands]
    if any(m <= 0 for m in minima):
        raise AssessmentError("config_invalid", f"{method} 的分级界限应为正数")
    if any(a <= b for a, b in zip(minima, minima[1:], strict=False)):
        raise AssessmentError("config_invalid", f"{method} 的分级界限应逐级递减")
    config = MethodConfig(method=method, version=version, factors=factors, bands=tuple(bands))
    highest = Decimal(1)
    for scale in factors.values():
        highest *= max(s.value for s in scale)
    for band in bands:
        if not band.admits(highest):
            raise AssessmentError(
                "config_invalid",
                f"{method} 的最高分值为 {plain_number(highest)}，达不到{LEVEL_NAMES[band.level]}的界限 {plain_number(band.minimum)}",
            )
    return config
