"""The major hidden danger criteria (重大事故隐患判定标准) offered at assessment, from
data/hidden_danger_criteria.json (sources in data/SOURCES.md). A code names one item:
`chemical_2017_<n>`, `industry_trade_2023_m<n>` (management items), `industry_trade_2023_<article>`
(an article whose items are not captured: "the situations it lists")."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "hidden_danger_criteria.json"


@cache
def criteria_choices() -> list[tuple[str, str]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    choices: list[tuple[str, str]] = []
    chemical = data.get("chemical_2017", {})
    for item in chemical.get("items", []):
        choices.append((f"chemical_2017_{item['no']}", f"危化品 2017 第{item['no']}项：{item['summary_zh']}"))
    trade = data.get("industry_trade_2023", {})
    for group in trade.get("groups", []):
        for item in group.get("items", []):
            choices.append(
                (
                    f"industry_trade_2023_m{item['no']}",
                    f"工贸 2023 {group.get('article', '')}第{item['no']}项：{item['summary_zh']}",
                )
            )
        for section in group.get("sections", []):
            topic = section.get("industry_zh") or section.get("topic_zh") or ""
            article = section.get("article", "")
            choices.append((f"industry_trade_2023_{article}", f"工贸 2023 {article}（{topic}）所列情形"))
    return choices
