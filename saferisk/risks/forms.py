"""Parsing of the risk form into the data `services.risk_save` takes. The service validates;
this only gathers the posted fields (the form has a variable number of measure rows and a
section per assessment method)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from saferisk.risks.choices import AssessmentMethod
from saferisk.risks.services import TEXT_FIELDS

FACTORS = {AssessmentMethod.LEC: ("L", "E", "C"), AssessmentMethod.LS: ("L", "S")}

# What each factor asks, beside its letter on the form.
FACTOR_LABELS = {
    "lec": {
        "L": _("L · likelihood of an accident"),
        "E": _("E · how often people are exposed"),
        "C": _("C · consequence"),
    },
    "ls": {"L": _("L · likelihood"), "S": _("S · severity")},
}


def _inputs(post: QueryDict, method: str, prefix: str) -> dict[str, str]:
    return {f: post.get(f"{prefix}{method}_{f}", "") for f in FACTORS.get(AssessmentMethod(method), ())}


def parse_basis(text: str) -> list[dict[str, str]]:
    """One basis per line: 文件 | 条款 | 版本 (the full-width ｜ works too)."""
    out = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if parts and parts[0]:
            out.append(
                {
                    "document": parts[0],
                    "clause": parts[1] if len(parts) > 1 else "",
                    "version": parts[2] if len(parts) > 2 else "",
                }
            )
    return out


def basis_text(basis: list[dict[str, str]]) -> str:
    return "\n".join(
        " | ".join(p for p in (b.get("document", ""), b.get("clause", ""), b.get("version", "")) if p)
        for b in basis or []
    )


def risk_form_data(post: QueryDict) -> dict[str, Any]:
    data: dict[str, Any] = {name: post.get(name, "") for name in TEXT_FIELDS}
    data["owner_phone"] = post.get("owner_phone", "")
    data["people_exposed"] = post.get("people_exposed", "")
    data["control_tier"] = post.get("control_tier", "")
    data["catalog_item"] = post.get("catalog_item") or None
    data["accident_types"] = [int(v) for v in post.getlist("accident_types") if v.isdigit()]
    data["hazard_factors"] = [v for v in post.getlist("hazard_factors") if v]
    method = post.get("method", "")
    data["method"] = method
    if method in FACTORS:
        data["inputs"] = _inputs(post, method, "")
        if post.get("override"):
            data["level"] = post.get("level", "")
            data["level_reason"] = post.get("level_reason", "")
    elif method == AssessmentMethod.DIRECT:
        data["level"] = post.get("direct_level", "")
        data["inputs"] = {}
    if post.get("residual_on"):
        if method in FACTORS:
            data["residual"] = {"inputs": _inputs(post, method, "res_")}
        else:
            data["residual"] = {"level": post.get("res_direct_level", "")}
    else:
        data["residual"] = None
    kinds, texts = post.getlist("measure_kind"), post.getlist("measure_text")
    data["measures"] = [
        {"kind": k, "text": t.strip()} for k, t in zip(kinds, texts, strict=False) if t.strip()
    ]
    data["basis"] = parse_basis(post.get("basis", ""))
    return data
