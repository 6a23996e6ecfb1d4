"""The statistics bureau's enterprise list: which column is which, and what a valid row is.

Pure module (no Django): the importer hands it the header candidates and each raw row together
with lookups of the reference data, and gets back either a clean row or the reasons it is
rejected, in Chinese, column by column. Keeping this free of the database is what lets a
500,000-row file be checked at a few microseconds per row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from saferisk.core import uscc as uscc_rules

# Canonical field -> the headers statistics offices use for it (normalised: NFKC, no spaces).
ALIASES: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "统一社会信用代码/组织机构代码"),
    "name": ("企业名称", "单位名称", "单位详细名称", "企业详细名称", "名称", "企业(单位)名称"),
    "region": ("行政区划代码", "区划代码", "所在地区划代码", "统计用区划代码", "乡镇代码", "所在乡镇代码"),
    "town_name": ("所在乡镇", "乡镇", "乡镇(街道)", "乡镇街道", "所在乡镇(街道)", "街道"),
    "county_name": ("所在区县", "区县", "县(市、区)", "县市区", "所在县(市、区)"),
    "industry": ("行业代码", "国民经济行业代码", "行业类别代码", "国民经济行业分类代码", "行业小类代码"),
    "scale": ("是否规上", "是否规模以上", "是否规上企业", "规模", "企业规模", "规上规下"),
    "employees": ("从业人数", "从业人员", "从业人员期末人数", "年末从业人员", "从业人员平均人数", "职工人数"),
    "revenue": ("营业收入", "主营业务收入", "营业收入总额", "年营业收入"),
    "address": ("地址", "详细地址", "单位地址", "注册地址", "生产经营地址", "单位所在地"),
    "longitude": ("经度",),
    "latitude": ("纬度",),
    "legal_representative": ("法定代表人", "法人代表", "法定代表人(单位负责人)", "单位负责人"),
    "principal_name": ("主要负责人",),
    "principal_phone": ("主要负责人电话", "主要负责人联系电话", "主要负责人手机"),
    "contact_phone": ("联系电话", "电话", "固定电话", "移动电话", "联系方式", "单位电话"),
    "safety_director_name": ("安全总监",),
    "safety_director_phone": ("安全总监电话", "安全总监联系电话"),
}
LABELS: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "region": "行政区划代码",
    "town_name": "所在乡镇",
    "county_name": "所在区县",
    "industry": "行业代码",
    "scale": "是否规上",
    "employees": "从业人数",
    "revenue": "营业收入（万元）",
    "address": "地址",
    "longitude": "经度",
    "latitude": "纬度",
    "legal_representative": "法定代表人",
    "principal_name": "主要负责人",
    "principal_phone": "主要负责人电话",
    "contact_phone": "联系电话",
    "safety_director_name": "安全总监",
    "safety_director_phone": "安全总监电话",
}
# The blank template's columns, in order.
TEMPLATE_FIELDS = (
    "uscc",
    "name",
    "region",
    "industry",
    "scale",
    "employees",
    "revenue",
    "address",
    "longitude",
    "latitude",
    "legal_representative",
    "principal_name",
    "principal_phone",
    "contact_phone",
)
# Columns of a clean row, in the staging table's order (see importer.STAGING_COLUMNS).
ROW_FIELDS = (
    "uscc",
    "name",
    "region_id",
    "industry_id",
    "above_scale",
    "employees",
    "revenue",
    "address",
    "longitude",
    "latitude",
    "legal_representative",
    "principal_name",
    "principal_phone",
    "contact_phone",
    "safety_director_name",
    "safety_director_phone",
)
HEADER_SCAN_ROWS = 30
CHINA_LONGITUDE = (Decimal("73.5"), Decimal("135.1"))
CHINA_LATITUDE = (Decimal("3.8"), Decimal("53.6"))
_UNIT = re.compile(r"[(（]\s*(千元|万元|元|亿元|人)\s*[)）]")
_PAREN = re.compile(r"[(（][^)）]*[)）]")
_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?")
_SERVICE = re.compile(r"[48]00-?\d{3}-?\d{4}")
_PHONE_SPLIT = re.compile(r"[/,，;；、\s]+")
TRUE_WORDS = {"是", "规上", "规模以上", "规上企业", "y", "yes", "1", "true", "√", "大型", "中型"}
FALSE_WORDS = {"否", "规下", "规模以下", "规下企业", "n", "no", "0", "false", "×"}
REVENUE_FACTOR = {"元": Decimal("0.0001"), "千元": Decimal("0.1"), "万元": Decimal(1), "亿元": Decimal(10000)}
TEXT_LIMITS = {
    "name": 200,
    "address": 200,
    "legal_representative": 60,
    "principal_name": 60,
    "safety_director_name": 60,
}


def header_key(text: Any) -> str:
    """A header as we compare it: NFKC, no spaces or required-markers, units kept aside."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return _SPACES.sub("", s).replace("*", "").replace("：", "").replace(":", "")


def match_header(text: Any) -> tuple[str | None, str | None]:
    """(canonical field, unit) for one header cell, or (None, None)."""
    key = header_key(text)
    if not key:
        return None, None
    unit_match = _UNIT.search(key)
    unit = unit_match.group(1) if unit_match else None
    for candidate in (key, _PAREN.sub("", key)):
        if candidate in _ALIAS_INDEX:
            return _ALIAS_INDEX[candidate], unit
    return None, None


_ALIAS_INDEX = {header_key(alias): name for name, aliases in ALIASES.items() for alias in aliases}


@dataclass
class Layout:
    """Where the header row is and which column holds which field."""

    header_row: int  # row number in the file (1-based)
    columns: dict[str, int]  # canonical field -> 0-based column index
    headers: dict[str, str]  # canonical field -> the header as written in the file
    units: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.columns


def find_layout(candidates: Sequence[tuple[int, Sequence[Any]]]) -> Layout | None:
    """The header row among the first rows: the one matching the most fields, which must
    include the USCC and the name. Title rows and merged cells above it are skipped."""
    best: Layout | None = None
    for row_no, cells in candidates[:HEADER_SCAN_ROWS]:
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        units: dict[str, str] = {}
        ignored: list[str] = []
        for index, cell in enumerate(cells):
            name, unit = match_header(cell)
            if name is None:
                if str(cell or "").strip():
                    ignored.append(str(cell).strip())
                continue
            if name in columns:  # a second column of the same meaning: the first one wins
                ignored.append(str(cell).strip())
                continue
            columns[name] = index
            headers[name] = str(cell).strip()
            if unit:
                units[name] = unit
        if "uscc" in columns and "name" in columns and (best is None or len(columns) > len(best.columns)):
            best = Layout(row_no, columns, headers, units, ignored)
    return best


# --- Values ----------------------------------------------------------------------------------


_STRIP = " \t\r\n\u3000\u00a0"


def text(value: Any) -> str:
    """Cell text with surrounding (also ideographic) spaces trimmed and runs of spaces collapsed."""
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    value = value.strip(_STRIP)
    # The common case has no inner run of spaces: skip the regular expression.
    if "  " in value or "\u3000" in value or "\n" in value or "\t" in value or "\u00a0" in value:
        value = _SPACES.sub(" ", value)
    return value


def half_width(value: Any) -> str:
    """Codes, numbers and phone numbers: full-width to half-width, all spaces removed."""
    if type(value) is str and value.isascii():
        return value.replace(" ", "").strip() if " " in value or "\t" in value else value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _SPACES.sub("", unicodedata.normalize("NFKC", text(value)))


def number(value: Any) -> Decimal | None:
    """A number typed or pasted as text ("1,234", "１２３", "12.5万" is refused); None if blank."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("不是数字")
    if type(value) is float:
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    s = half_width(value).replace(",", "")
    if s in {"", "-", "—", "/"}:
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        raise ValueError("不是数字") from None


def phone(value: Any) -> str:
    """One or more phone numbers, each a mobile, landline or 400/800 number."""
    if type(value) is str and value.isascii() and _MOBILE.fullmatch(value):
        return value  # the common case
    s = half_width(value).replace("(", "").replace(")", "-").replace("—", "-").strip("-")
    if not s:
        return ""
    parts = [p for p in _PHONE_SPLIT.split(s) if p]
    for part in parts:
        if not (_MOBILE.fullmatch(part) or _LANDLINE.fullmatch(part) or _SERVICE.fullmatch(part)):
            raise ValueError("电话号码格式不正确")
    joined = "/".join(parts)
    if len(joined) > 20:
        raise ValueError("电话号码过长（最多20个字符）")
    return joined


@dataclass(frozen=True)
class Lookups:
    """Reference data the rows are checked against, loaded once per import."""

    regions: Mapping[str, str]  # code -> level ("county", "town", ...)
    industries: Mapping[str, bool]  # code -> inside the province's supervision scope
    jurisdiction: str  # region-code prefix the importer may write to ("" = everywhere)
    towns_by_name: Mapping[str, Sequence[str]] = field(default_factory=dict)  # name -> codes
    county_names: Mapping[str, str] = field(default_factory=dict)  # county code -> name


@dataclass
class RowProblem:
    column: str  # the header as written in the file, or our label
    value: str
    reason: str


class RowParser:
    """Turns raw rows of one file into clean tuples (ROW_FIELDS order) or problems."""

    def __init__(self, layout: Layout, lookups: Lookups, *, default_above_scale: bool | None = None):
        self.layout = layout
        self.lookups = lookups
        self.default_above_scale = default_above_scale
        self.revenue_factor = REVENUE_FACTOR[layout.units.get("revenue", "万元")]
        self.revenue_float = float(self.revenue_factor)
        self.cols = layout.columns
        self.items = tuple(layout.columns.items())
        self.width = max(layout.columns.values()) + 1

    def header(self, name: str) -> str:
        return self.layout.headers.get(name, LABELS[name])

    def cell(self, cells: Sequence[Any], name: str) -> Any:
        index = self.cols.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def _employees_fast(self, raw: Any) -> int | None:
        """Most files carry headcounts as numbers: skip the Decimal detour."""
        if type(raw) is float and raw.is_integer() and 0 <= raw <= 2_000_000:
            return int(raw)
        if type(raw) is int and 0 <= raw <= 2_000_000:
            return raw
        return None

    @staticmethod
    def is_blank(cells: Sequence[Any]) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)

    def parse(self, cells: Sequence[Any]) -> tuple[tuple[Any, ...] | None, list[RowProblem], bool]:
        """(clean row or None, problems, industry outside the supervision scope)."""
        problems: list[RowProblem] = []
        if len(cells) < self.width:
            cells = [*cells, *([""] * (self.width - len(cells)))]
        v = {name: cells[index] for name, index in self.items}

        def bad(name: str, raw: Any, reason: str) -> None:
            problems.append(RowProblem(self.header(name), text(raw), reason))

        raw_code = v.get("uscc")
        code = ""
        if isinstance(raw_code, float) and len(str(int(raw_code))) >= 15:
            bad(
                "uscc",
                raw_code,
                "统一社会信用代码被保存为数字，末尾几位已丢失，请将该列设为文本格式后重新导出",
            )
        else:
            code = uscc_rules.normalise(half_width(raw_code))
            if not code:
                bad("uscc", raw_code, "统一社会信用代码为空")
            else:
                problem = uscc_rules.validate(code)
                if problem:
                    bad("uscc", raw_code, problem)

        name = text(v.get("name"))
        if not name:
            bad("name", "", "企业名称为空")
        elif len(name) > TEXT_LIMITS["name"]:
            bad("name", name, "企业名称过长（最多200字）")

        region = self._region(v, bad)
        industry, out_of_scope = self._industry(v, bad)
        above_scale = self._scale(v, bad)
        employees = self._employees_fast(v.get("employees"))
        if employees is None:
            employees = self._employees(v, bad)
        revenue = self._revenue(v, bad)
        lon, lat = self._coordinates(v, bad)

        values: dict[str, Any] = {}
        for name_ in ("address", "legal_representative", "principal_name", "safety_director_name"):
            value = text(v.get(name_))
            if len(value) > TEXT_LIMITS[name_]:
                bad(name_, value, f"内容过长（最多{TEXT_LIMITS[name_]}字）")
            values[name_] = value or None
        for name_ in ("principal_phone", "contact_phone", "safety_director_phone"):
            raw = v.get(name_)
            try:
                values[name_] = phone(raw) or None
            except ValueError as exc:
                bad(name_, raw, str(exc))

        if problems:
            return None, problems, False
        row = (
            code,
            name,
            region,
            industry,
            above_scale,
            employees,
            revenue,
            values["address"],
            lon,
            lat,
            values["legal_representative"],
            values["principal_name"],
            values["principal_phone"],
            values["contact_phone"],
            values["safety_director_name"],
            values["safety_director_phone"],
        )
        return row, [], out_of_scope

    # Each field's rule, with its message.

    def _region(self, v: dict[str, Any], bad: Any) -> str | None:
        lookups = self.lookups
        if self.layout.has("region"):
            raw = v.get("region")
            code = half_width(raw)
            if not code:
                bad("region", raw, "行政区划代码为空")
                return None
            if not code.isdigit() or len(code) not in (6, 9, 12):
                bad("region", raw, "行政区划代码应为6位（区县）、9位或12位（乡镇）数字")
                return None
            if len(code) == 12:
                code = code[:9]  # statistics division code: the last three digits are the village
            level = lookups.regions.get(code)
            if level is None:
                bad("region", raw, f"行政区划代码{code}不存在")
                return None
            if level not in ("county", "town"):
                bad("region", raw, "企业应落到区县或乡镇，不能只填到市")
                return None
            if not code.startswith(lookups.jurisdiction):
                bad("region", raw, f"{code}不在您的管辖范围内")
                return None
            return code
        raw_town = text(v.get("town_name"))
        if not raw_town:
            bad("town_name", "", "所在乡镇为空")
            return None
        codes = [c for c in lookups.towns_by_name.get(raw_town, ()) if c.startswith(lookups.jurisdiction)]
        county = text(v.get("county_name")) if self.layout.has("county_name") else ""
        if county:
            codes = [c for c in codes if lookups.county_names.get(c[:6]) == county]
        if not codes:
            bad("town_name", raw_town, f"管辖范围内没有名为“{raw_town}”的乡镇（街道）")
            return None
        if len(codes) > 1:
            bad("town_name", raw_town, f"乡镇名称“{raw_town}”在管辖范围内不唯一，请填写行政区划代码")
            return None
        return codes[0]

    def _industry(self, v: dict[str, Any], bad: Any) -> tuple[str | None, bool]:
        raw = v.get("industry")
        code = half_width(raw).upper()
        if code[:1].isalpha() and code[1:].isdigit():
            code = code[1:]  # "C2614": the section letter in front of the class code
        if not code:
            bad("industry", raw, "行业代码为空")
            return None, False
        in_scope = self.lookups.industries.get(code)
        if in_scope is None:
            bad("industry", raw, f"行业代码{code}不在《国民经济行业分类》(GB/T 4754-2017)中")
            return None, False
        return code, not in_scope

    def _scale(self, v: dict[str, Any], bad: Any) -> bool | None:
        if not self.layout.has("scale"):
            return self.default_above_scale
        raw = v.get("scale")
        word = half_width(raw).lower()
        if not word:
            return self.default_above_scale
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        bad("scale", raw, "无法识别是否规上（应填 是/否、规上/规下）")
        return None

    def _employees(self, v: dict[str, Any], bad: Any) -> int | None:
        raw = v.get("employees")
        try:
            n = number(raw)
        except ValueError:
            bad("employees", raw, "从业人数应为整数")
            return None
        if n is None:
            return None
        if n < 0 or n != n.to_integral_value() or n > 2_000_000:
            bad("employees", raw, "从业人数应为0至2000000之间的整数")
            return None
        return int(n)

    def _revenue(self, v: dict[str, Any], bad: Any) -> Decimal | float | None:
        raw = v.get("revenue")
        if type(raw) is float and 0 <= raw < 1e11:
            return round(raw * self.revenue_float, 2)  # a typed number: the common case
        try:
            n = number(raw)
        except ValueError:
            bad("revenue", raw, "营业收入应为数字")
            return None
        if n is None:
            return None
        value = (n * self.revenue_factor).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if value < 0 or value >= Decimal("1e12"):
            bad("revenue", raw, "营业收入超出合理范围")
            return None
        return value

    def _coordinates(
        self, v: dict[str, Any], bad: Any
    ) -> tuple[Decimal | float | None, Decimal | float | None]:
        raw_lon, raw_lat = v.get("longitude"), v.get("latitude")
        if (
            type(raw_lon) is float
            and type(raw_lat) is float
            and 73.5 <= raw_lon <= 135.1
            and 3.8 <= raw_lat <= 53.6
        ):
            return round(raw_lon, 6), round(raw_lat, 6)  # typed numbers inside China: the common case
        try:
            lon = number(raw_lon)
        except ValueError:
            bad("longitude", raw_lon, "经度应为数字（十进制度）")
            return None, None
        try:
            lat = number(raw_lat)
        except ValueError:
            bad("latitude", raw_lat, "纬度应为数字（十进制度）")
            return None, None
        if lon is None and lat is None:
            return None, None
        if lon is None or lat is None:
            bad("longitude" if lon is None else "latitude", "", "经度和纬度应同时填写")
            return None, None
        in_lon = CHINA_LONGITUDE[0] <= lon <= CHINA_LONGITUDE[1]
        in_lat = CHINA_LATITUDE[0] <= lat <= CHINA_LATITUDE[1]
        if not (in_lon and in_lat):
            swapped = (
                CHINA_LONGITUDE[0] <= lat <= CHINA_LONGITUDE[1]
                and CHINA_LATITUDE[0] <= lon <= CHINA_LATITUDE[1]
            )
            reason = "经度和纬度可能填反了" if swapped else "坐标不在中国境内"
            bad("longitude" if not in_lon else "latitude", raw_lon if not in_lon else raw_lat, reason)
            return None, None
        q = Decimal("0.000001")
        return lon.quantize(q, ROUND_HALF_UP), lat.quantize(q, ROUND_HALF_UP)


def as_cell(value: Any) -> Any:
    """A raw cell as it is written back into the error workbook."""
    if isinstance(value, dt.datetime | dt.date | int | float | Decimal):
        return value
    return "" if value is None else str(value)
