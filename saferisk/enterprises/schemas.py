"""API schemas of the enterprise directory."""

from __future__ import annotations

from decimal import Decimal

from ninja import Schema


class EnterpriseListOut(Schema):
    id: int
    uscc: str
    name: str
    region_id: str
    industry_id: str
    above_scale: bool
    key_supervised: bool
    status: str


class EnterpriseOut(EnterpriseListOut):
    address: str
    longitude: Decimal | None
    latitude: Decimal | None
    employees: int | None
    revenue: Decimal | None
    key_sectors: list[str]
    legal_representative: str
    principal_name: str
    safety_director_name: str
    standardisation_grade: str

    @staticmethod
    def resolve_key_sectors(obj: object) -> list[str]:
        return [s.code for s in obj.key_sectors.all()]  # type: ignore[attr-defined]
