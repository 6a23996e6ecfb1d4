"""Reading one register row: every problem collected with its column, the values turned into
`risk_save` input."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from saferisk.core.errors import DomainError
from saferisk.core.models import AccidentType, HazardFactor
from saferisk.enterprises import statistics_list as sl
from saferisk.enterprises.profile import clean_phone
from saferisk.risks import assessment
from saferisk.risks.assessment import MethodConfig
from saferisk.risks.choices import AssessmentMethod, ControlTier, MeasureKind, RiskStatus
from saferisk.risks.models import Risk, RiskCatalogItem
from saferisk.risks.register_excel.columns import (
    COLUMN_BY_KEY,
    FACTORS,
    METHOD_NAMES,
    PAREN,
    Labels,
    Layout,
    labels,
    plain,
)
from saferisk.risks.schemes import method_config, scheme_in_force
from saferisk.risks.services import TEXT_FIELDS


@dataclass(frozen=True)
class Problem:
    column: str  # header as written in the file ("" for the whole row)
    value: str
    message: str
    index: int | None = None  # 0-based column in the file


@dataclass
class Lookups:
    """Reference data for checking rows, loaded once per import."""

    accident_types: dict[str, int]
    accident_names: list[str]
    hazard_codes: set[str]
    hazard_names: dict[str, str]
    catalog_codes: set[str]
    configs: dict[str, MethodConfig]
    levels: dict[str, str]
    names: Labels
    tiers: dict[str, str]
    kinds: dict[str, str]
    statuses: dict[str, str]

    @classmethod
    def load(cls) -> Lookups:
        names = labels()
        scheme = scheme_in_force()
        accident: dict[str, int] = {}
        accident_names = []
        for number, name, alias in AccidentType.objects.order_by("code").values_list("code", "name", "alias"):
            accident_names.append(name)
            for key in (name, alias, str(number)):
                if key:
                    accident[norm(key)] = number
        hazard_names: dict[str, str] = {}
        hazard_codes: set[str] = set()
        for hazard, name in HazardFactor.objects.values_list("code", "name"):
            hazard_codes.add(hazard)
            hazard_names.setdefault(norm(name), hazard)
        levels: dict[str, str] = {}
        colours = {"MAJOR": "红", "LARGE": "橙", "GENERAL": "黄", "LOW": "蓝"}
        for code in assessment.LEVELS:
            short = assessment.LEVEL_NAMES[code].removesuffix("风险")
            for key in (names.levels[code], assessment.LEVEL_NAMES[code], short, code, colours[code]):
                levels.setdefault(norm(key), code)
            levels.setdefault(norm(colours[code] + "色"), code)
        tiers: dict[str, str] = {}
        short_tiers = {
            ControlTier.COMPANY: ("公司级", "公司", "厂级", "公司（厂）级", "公司(厂)级"),
            ControlTier.WORKSHOP: ("车间级", "车间", "部门级", "部门", "部门（车间）级"),
            ControlTier.TEAM: ("班组级", "班组"),
            ControlTier.POST: ("岗位级", "岗位"),
        }
        for value, label in names.tiers.items():
            for key in (label, value, *short_tiers[ControlTier(value)]):
                tiers.setdefault(norm(key), value)
        kinds = {norm(label): value for value, label in names.kinds.items()}
        kinds.update({norm(value): value for value in names.kinds})
        statuses = {norm(label): value for value, label in names.statuses.items()}
        statuses.update(
            {
                norm("停用"): RiskStatus.RETIRED,
                norm("在用"): RiskStatus.ACTIVE,
                norm("启用"): RiskStatus.ACTIVE,
            }
        )
        statuses.update({norm(value): value for value in names.statuses})
        return cls(
            accident_types=accident,
            accident_names=accident_names,
            hazard_codes=hazard_codes,
            hazard_names=hazard_names,
            catalog_codes=set(RiskCatalogItem.objects.values_list("code", flat=True)),
            configs={
                AssessmentMethod.LEC: method_config(scheme, AssessmentMethod.LEC),
                AssessmentMethod.LS: method_config(scheme, AssessmentMethod.LS),
            },
            levels=levels,
            names=names,
            tiers=tiers,
            kinds=kinds,
            statuses=statuses,
        )


_METHODS = {
    "lec": AssessmentMethod.LEC,
    "lec法": AssessmentMethod.LEC,
    "作业条件危险性评价法": AssessmentMethod.LEC,
    "作业条件危险性分析法": AssessmentMethod.LEC,
    "ls": AssessmentMethod.LS,
    "ls法": AssessmentMethod.LS,
    "风险矩阵": AssessmentMethod.LS,
    "风险矩阵法": AssessmentMethod.LS,
    "风险矩阵分析法": AssessmentMethod.LS,
    "直接判定": AssessmentMethod.DIRECT,
    "直接判定法": AssessmentMethod.DIRECT,
    "直接": AssessmentMethod.DIRECT,
    "direct": AssessmentMethod.DIRECT,
}
_PARAM = re.compile(r"([A-Za-z])\s*[=:]\s*([-+]?[0-9][0-9.,]*|[-+]?\.[0-9]+)")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*[.、．)）]|[(（]\d{1,2}[)）])\s*")
_MEASURE = re.compile(r"^\s*[【\[]\s*([^】\]]+?)\s*[】\]]\s*(.*)$", re.S)
_HAZARD = re.compile(r"^(\d{1,12})\s*(.*)$")
_LIST_SPLIT = re.compile(r"[\n,，;；]+")
_ACCIDENT_SPLIT = re.compile(r"[\n,，;；、/／\s]+")


def norm(value: Any) -> str:
    """For comparing words: NFKC, no spaces, case-folded."""
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", str(value or ""))).casefold()


def multiline(value: Any) -> str:
    """A cell that keeps its line breaks (measures, emergency measures): lines trimmed, blank
    lines dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    lines = str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(s for s in (line.strip(" \t\u3000\u00a0") for line in lines) if s)


def cell_text(value: Any) -> str:
    """A raw cell as the error report shows it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def match_key(name: str, place: str) -> tuple[str, str]:
    """How rows and risks are matched: name and place, ignoring spaces, case and full-width forms."""
    return norm(name), norm(place)


@dataclass
class ParsedRow:
    """A row read into `risk_save` input. `values` holds what the row gives (blank optional cells
    are left out, so an update keeps them); the assessment is added by `data_for`."""

    key: tuple[str, str]
    values: dict[str, Any]
    method: str
    inputs: dict[str, Decimal]
    level: str | None
    level_reason: str
    catalog_item: str
    retired: bool
    problems: list[Problem]

    def data_for(self, risk: Risk | None) -> dict[str, Any]:
        """The `risk_save` data for a new risk (`risk` None) or an update of `risk`. The method
        and inputs (and the catalogue item) go in only when they differ from what the risk has,
        so an unchanged row does not re-grade it under a newer scheme."""
        data = dict(self.values)
        inputs = {k: str(v) for k, v in self.inputs.items()}
        if risk is None:
            data["method"] = self.method
            if self.method != AssessmentMethod.DIRECT:
                data["inputs"] = inputs
            if self.catalog_item:
                data["catalog_item"] = self.catalog_item
        else:
            stored = {k.upper(): Decimal(str(v)) for k, v in (risk.inputs or {}).items()}
            if self.method != risk.method or (
                self.method != AssessmentMethod.DIRECT and stored != self.inputs
            ):
                data["method"] = self.method
                data["inputs"] = inputs if self.method != AssessmentMethod.DIRECT else {}
            current = risk.catalog_item.code if risk.catalog_item else ""
            if self.catalog_item and self.catalog_item != current:
                data["catalog_item"] = self.catalog_item
        if self.method == AssessmentMethod.DIRECT:
            data["level"] = self.level
        elif self.level and self.level_reason:
            data["level"] = self.level
            data["level_reason"] = self.level_reason
        return data


class RowReader:
    """Checks one row against the layout and the reference data, collecting every problem."""

    def __init__(self, layout: Layout, lookups: Lookups) -> None:
        self.layout = layout
        self.lookups = lookups

    def cell(self, cells: Sequence[Any], key: str) -> Any:
        index = self.layout.columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def is_blank(self, cells: Sequence[Any]) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)

    def read(self, cells: Sequence[Any]) -> ParsedRow:
        problems: list[Problem] = []
        values: dict[str, Any] = {}

        def bad(key: str, raw: Any, message: str) -> None:
            problems.append(
                Problem(self.layout.header(key), cell_text(raw), message, self.layout.columns.get(key))
            )

        # Text as `risk_save` keeps it (trimmed only), so an exported register compares equal.
        for key in ("name", "place", "part", "activity", "department", "owner_name", "emergency_measures"):
            raw = self.cell(cells, key)
            value = cell_text(raw).strip()
            limit = TEXT_FIELDS[key][1]
            header = COLUMN_BY_KEY[key].header
            if not value:
                if COLUMN_BY_KEY[key].required:
                    bad(key, raw, f"{header}不能为空")
                continue
            if len(value) > limit:
                bad(key, raw, f"{header}不能超过{limit}个字符")
                continue
            values[key] = value

        raw = self.cell(cells, "owner_phone")
        phone = sl.half_width(raw) if raw not in (None, "") else ""
        if phone:
            try:
                values["owner_phone"] = clean_phone("owner_phone", phone)
            except DomainError as exc:
                bad("owner_phone", raw, exc.message)

        raw = self.cell(cells, "people_exposed")
        if raw not in (None, ""):
            try:
                number = sl.number(raw)
            except ValueError:
                number = Decimal(-1)
            if number is not None:
                if number != number.to_integral_value() or not 0 <= number <= 1_000_000:
                    bad("people_exposed", raw, "接触人数应为0至1000000的整数")
                else:
                    values["people_exposed"] = int(number)

        values_types = self._accident_types(cells, bad)
        if values_types is not None:
            values["accident_types"] = values_types
        hazards = self._hazard_factors(cells, bad)
        if hazards is not None:
            values["hazard_factors"] = hazards
        measures = self._measures(cells, bad)
        if measures is not None:
            values["measures"] = measures

        raw = self.cell(cells, "control_tier")
        if sl.text(raw):
            tier = self.lookups.tiers.get(norm(raw))
            if tier is None:
                allowed = "、".join(self.lookups.names.tiers.values())
                bad("control_tier", raw, f"管控层级“{sl.text(raw)}”无效，应为：{allowed}")
            else:
                values["control_tier"] = tier

        raw_level = self.cell(cells, "level")
        level: str | None = None
        if sl.text(raw_level):
            level = self.lookups.levels.get(norm(raw_level))
            if level is None:
                allowed = "、".join(self.lookups.names.levels.values())
                bad("level", raw_level, f"风险等级“{sl.text(raw_level)}”无效，应为：{allowed}")
        reason = cell_text(self.cell(cells, "level_reason")).strip()
        if len(reason) > 2000:
            bad("level_reason", reason, "等级理由不能超过2000个字符")

        method, inputs = self._assessment(cells, bad)
        if method == AssessmentMethod.DIRECT and level is None and not sl.text(raw_level):
            bad("level", raw_level, "评估方法为直接判定时，须填写风险等级")
        if method and method != AssessmentMethod.DIRECT and reason and not sl.text(raw_level):
            bad("level", raw_level, "填写了等级理由时，须同时填写调整后的风险等级")

        catalog = sl.half_width(self.cell(cells, "catalog_item"))
        if catalog and catalog not in self.lookups.catalog_codes:
            bad("catalog_item", catalog, f"风险目录中没有编号为“{catalog}”的条目")

        retired = False
        raw = self.cell(cells, "status")
        if sl.text(raw):
            status = self.lookups.statuses.get(norm(raw))
            if status is None:
                bad("status", raw, "状态应为“在用”或“已停用”")
            retired = status == RiskStatus.RETIRED

        return ParsedRow(
            key=match_key(values.get("name", ""), values.get("place", "")),
            values=values,
            method=method,
            inputs=inputs,
            level=level,
            level_reason=reason,
            catalog_item=catalog,
            retired=retired,
            problems=problems,
        )

    def _accident_types(self, cells: Sequence[Any], bad: Any) -> list[int] | None:
        raw = self.cell(cells, "accident_types")
        text = multiline(raw)
        if not text:
            bad("accident_types", raw, "可能导致的事故类型不能为空")
            return None
        codes: list[int] = []
        unknown = []
        for word in (w for w in _ACCIDENT_SPLIT.split(text) if w):
            code = self.lookups.accident_types.get(norm(word))
            if code is None:
                unknown.append(word)
            elif code not in codes:
                codes.append(code)
        if unknown:
            allowed = "、".join(self.lookups.accident_names)
            bad(
                "accident_types",
                raw,
                f"事故类型“{'、'.join(unknown)}”不在 GB 6441 的分类中，应为：{allowed}",
            )
            return None
        return codes

    def _hazard_factors(self, cells: Sequence[Any], bad: Any) -> list[str] | None:
        raw = self.cell(cells, "hazard_factors")
        text = multiline(raw)
        if not text:
            return None
        codes: list[str] = []
        unknown: list[str] = []

        def one(word: str) -> str | None:
            word = unicodedata.normalize("NFKC", word).strip()
            match = _HAZARD.match(word)
            if match and match.group(1) in self.lookups.hazard_codes:
                return match.group(1)
            return self.lookups.hazard_names.get(norm(word))

        for part in (p.strip() for p in _LIST_SPLIT.split(text)):
            if not part:
                continue
            found = one(part)
            pieces = [found] if found else [one(p) for p in part.split("、") if p.strip()]
            if not pieces or None in pieces:
                unknown.append(part)
                continue
            codes.extend(c for c in pieces if c and c not in codes)
        if unknown:
            bad(
                "hazard_factors",
                raw,
                f"危险有害因素“{'；'.join(unknown)}”不是 GB/T 13861 的代码或名称（见“填写说明”第八部分）",
            )
            return None
        return codes

    def _measures(self, cells: Sequence[Any], bad: Any) -> list[dict[str, str]] | None:
        raw = self.cell(cells, "measures")
        text = multiline(raw)
        if not text:
            bad("measures", raw, "管控措施不能为空，请至少填写一条")
            return None
        out = []
        for i, line in enumerate(text.split("\n"), start=1):
            line = _NUMBERING.sub("", line, count=1)
            kind = MeasureKind.MANAGEMENT
            match = _MEASURE.match(line)
            if match:
                found = self.lookups.kinds.get(norm(match.group(1)))
                if found is None:
                    allowed = "、".join(self.lookups.names.kinds.values())
                    bad("measures", raw, f"第{i}条管控措施的类别“{match.group(1)}”无效，应为：{allowed}")
                    return None
                kind, line = MeasureKind(found), match.group(2).strip()
            if not line:
                bad("measures", raw, f"第{i}条管控措施没有内容")
                return None
            if len(line) > 500:
                bad("measures", raw, f"第{i}条管控措施不能超过500个字符")
                return None
            out.append({"kind": str(kind), "text": line})
        return out

    def _assessment(self, cells: Sequence[Any], bad: Any) -> tuple[str, dict[str, Decimal]]:
        raw = self.cell(cells, "method")
        if not sl.text(raw):
            bad("method", raw, "评估方法不能为空，应为：LEC、LS 或 直接判定")
            return "", {}
        method = _METHODS.get(norm(raw)) or _METHODS.get(PAREN.sub("", norm(raw)))
        if method is None:
            bad("method", raw, f"评估方法“{sl.text(raw)}”无效，应为：LEC、LS 或 直接判定")
            return "", {}
        if method == AssessmentMethod.DIRECT:
            return method, {}
        config = self.lookups.configs[method]
        given: dict[str, tuple[Any, str]] = {}  # factor -> (raw value, column key it came from)
        for name in FACTORS:
            value = self.cell(cells, name)
            if value not in (None, "") and sl.text(value):
                given[name] = (value, name)
        params = self.cell(cells, "params")
        if not any(name in given for name in config.factors) and sl.text(params):
            for letter, value in _PARAM.findall(unicodedata.normalize("NFKC", str(params))):
                given.setdefault(letter.upper(), (value, "params"))
        inputs: dict[str, Decimal] = {}
        missing = []
        for name, scale in config.factors.items():
            if name not in given:
                missing.append(name)
                continue
            value, source = given[name]
            column = source
            try:
                number = sl.number(value)
            except ValueError:
                number = None
            allowed = [s.value for s in scale]
            allowed_text = "、".join(str(plain(v)) for v in allowed)
            if number is None or number not in allowed:
                bad(
                    column,
                    value,
                    f"{name} 的取值“{cell_text(value)}”不在标准取值中，应为：{allowed_text}",
                )
                continue
            inputs[name] = number
        if missing:
            where = "、".join(missing)
            column = "L" if self.layout.has("L") or not self.layout.has("params") else "params"
            bad(column, "", f"评估方法为 {METHOD_NAMES[method]} 时须填写 {where} 的取值")
        return method, inputs
