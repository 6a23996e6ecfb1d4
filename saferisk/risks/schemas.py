"""API schemas of the risk register (Chinese descriptions: they are the API documentation)."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class AssessmentOut(Schema):
    method: str = Field(description="LEC 或 LS")
    version: str = Field(description="评估方案版本")
    inputs: dict[str, float]
    score: float = Field(description="分值：D = L×E×C 或 R = L×S")
    level: str = Field(description="MAJOR|LARGE|GENERAL|LOW")
    level_name: str


class SchemeOut(Schema):
    version: str
    name: str
    effective_from: dt.date
    lec: dict[str, Any]
    ls: dict[str, Any]
    levels: dict[str, Any] = Field(description="各等级的名称、颜色和常用管控层级")
    note: str
    in_force: bool = False


class SchemeIn(Schema):
    version: str
    name: str
    effective_from: dt.date
    lec: dict[str, Any] = Field(
        description="{factors: {L: [{value, meaning}]…}, bands: [{level, minimum, inclusive}]}"
    )
    ls: dict[str, Any]
    levels: dict[str, Any] = Field(description="{MAJOR: {label, colour: '#RRGGBB', tier}, …}")
    note: str = ""


class MeasureIo(Schema):
    kind: str = Field(description="management|engineering|monitoring|video|automation|emergency|ppe|training")
    text: str


class BasisIo(Schema):
    document: str
    clause: str = ""
    version: str = ""


class ResidualIn(Schema):
    inputs: dict[str, Any] | None = Field(None, description="LEC/LS 的剩余风险取值")
    level: str | None = Field(None, description="直接判定时的剩余风险等级")


class RiskIn(Schema):
    """Create: name, place, method (+inputs or level), accident_types, owner_name and measures
    are required. Update (PATCH): only the fields given change."""

    name: str | None = None
    place: str | None = Field(None, description="风险点（场所）")
    part: str | None = Field(None, description="部位")
    activity: str | None = Field(None, description="环节")
    accident_types: list[int] | None = Field(None, description="GB 6441 事故类别代码")
    hazard_factors: list[str] | None = Field(None, description="GB/T 13861 代码")
    description: str | None = None
    people_exposed: int | None = None
    method: str | None = Field(None, description="lec|ls|direct")
    inputs: dict[str, Any] | None = Field(None, description='如 {"L": 3, "E": 6, "C": 15}')
    level: str | None = Field(
        None, description="直接判定的等级，或与计算结果不同的人工等级（须附 level_reason）"
    )
    level_reason: str | None = None
    residual: ResidualIn | None = None
    control_tier: str | None = Field(None, description="company|workshop|team|post")
    department: str | None = None
    owner_name: str | None = None
    owner_phone: str | None = None
    emergency_measures: str | None = None
    catalog_item: int | None = None
    measures: list[MeasureIo] | None = None
    basis: list[BasisIo] | None = None


class RiskOut(Schema):
    id: int
    enterprise_id: int
    name: str
    place: str
    part: str
    activity: str
    accident_types: list[int]
    hazard_factors: list[str]
    description: str
    people_exposed: int | None
    method: str
    inputs: dict[str, Any]
    method_version: str
    score: Decimal | None
    computed_level: str
    level: str
    level_reason: str
    residual_level: str
    residual_score: Decimal | None
    control_tier: str
    department: str
    owner_name: str
    owner_phone: str
    emergency_measures: str
    catalog_item_id: int | None
    measures: list[MeasureIo]
    basis: list[BasisIo]
    status: str
    version: int
    updated_at: dt.datetime

    @staticmethod
    def resolve_accident_types(obj: Any) -> list[int]:
        return sorted(t.pk for t in obj.accident_types.all())

    @staticmethod
    def resolve_hazard_factors(obj: Any) -> list[str]:
        return sorted(h.pk for h in obj.hazard_factors.all())

    @staticmethod
    def resolve_measures(obj: Any) -> list[dict[str, str]]:
        return [{"kind": m.kind, "text": m.text} for m in obj.measures.all()]


class RetireIn(Schema):
    reason: str = ""


class VersionOut(Schema):
    version: int
    data: dict[str, Any]
    changed_by_id: int | None
    created_at: dt.datetime


class CatalogItemOut(Schema):
    id: int
    code: str
    sector: str
    key_sector_id: str | None
    industry_prefixes: str
    name: str
    typical_places: str
    hazard: str
    accident_types: list[str]
    min_level: str
    measures: list[str]
    basis: list[dict[str, Any]]
    source: str
    active: bool

    @staticmethod
    def resolve_accident_types(obj: Any) -> list[str]:
        return [t.name for t in obj.accident_types.all()]


class AdoptIn(Schema):
    catalog_item: int | None = None


class ReassessmentIn(Schema):
    trigger: str = Field("", description="process|equipment|material|accident")
    description: str = ""
    risks: list[int] | None = Field(None, description="受影响的风险；省略时为全部在用风险")
    deaths: int | None = None
    serious_injuries: int | None = None


class ReassessmentOut(Schema):
    id: int
    enterprise_id: int
    trigger: str
    description: str
    deaths: int | None
    serious_injuries: int | None
    status: str
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    risks: list[int]
    pending: list[int]

    @staticmethod
    def resolve_risks(obj: Any) -> list[int]:
        return sorted(i.risk_id for i in obj.items.all())

    @staticmethod
    def resolve_pending(obj: Any) -> list[int]:
        return sorted(i.risk_id for i in obj.items.all() if i.done_at is None)


class SummaryOut(Schema):
    region: str
    enterprises: int
    with_gap: int
    gap: int
    major: int
    large: int
    general: int
    low: int
