"""A deterministic demo dataset for Jiangsu, built through the real services.

`build_demo(enterprises=2000, seed=7)` creates the documented personas (PERSONAS) and
`enterprises` enterprises spread over the 13 cities, each in a real town, with a valid USCC, an
in-scope industry and a realistic size and key-sector mix. Same seed, same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from saferisk.core import uscc
from saferisk.core.choices import Role
from saferisk.core.models import Industry, Region, User
from saferisk.core.services import NewUser, user_create

DEMO_PASSWORD = "Saferisk#2026"

# City weights follow the rough share of industrial enterprises; centres for the map.
CITIES: dict[str, tuple[float, float, float]] = {
    "3201": (6, 32.06, 118.80),
    "3202": (12, 31.49, 120.31),
    "3203": (6, 34.26, 117.18),
    "3204": (10, 31.81, 119.97),
    "3205": (22, 31.30, 120.59),
    "3206": (9, 31.98, 120.89),
    "3207": (4, 34.60, 119.22),
    "3208": (4, 33.61, 119.02),
    "3209": (6, 33.35, 120.16),
    "3210": (6, 32.39, 119.41),
    "3211": (5, 32.19, 119.42),
    "3212": (6, 32.46, 119.92),
    "3213": (4, 33.96, 118.28),
}

# Industry divisions and their weight in the mix (manufacturing dominates).
DIVISION_WEIGHTS: dict[str, int] = {
    "06": 1,
    "08": 1,
    "10": 3,
    "13": 4,
    "14": 3,
    "15": 1,
    "17": 8,
    "18": 4,
    "19": 1,
    "20": 3,
    "21": 3,
    "22": 2,
    "23": 2,
    "24": 1,
    "25": 1,
    "26": 9,
    "27": 2,
    "28": 2,
    "29": 7,
    "30": 6,
    "31": 2,
    "32": 2,
    "33": 10,
    "34": 9,
    "35": 7,
    "36": 4,
    "37": 2,
    "38": 8,
    "39": 6,
    "40": 1,
    "41": 1,
    "42": 1,
    "44": 1,
    "45": 1,
    "46": 1,
    "57": 1,
}
DIVISION_SUFFIX: dict[str, str] = {
    "06": "矿业",
    "08": "矿业",
    "10": "石材",
    "13": "食品",
    "14": "食品",
    "15": "饮料",
    "17": "纺织",
    "18": "服饰",
    "19": "皮革",
    "20": "木业",
    "21": "家具",
    "22": "纸业",
    "23": "印务",
    "24": "文体用品",
    "25": "石化",
    "26": "化工",
    "27": "药业",
    "28": "化纤",
    "29": "塑胶",
    "30": "建材",
    "31": "钢铁",
    "32": "金属材料",
    "33": "金属制品",
    "34": "机械",
    "35": "装备",
    "36": "汽车部件",
    "37": "船舶",
    "38": "电气",
    "39": "电子",
    "40": "仪器",
    "41": "制造",
    "42": "再生资源",
    "44": "热电",
    "45": "燃气",
    "46": "水务",
    "57": "管道",
}
KEY_SECTOR_RULES: dict[str, tuple[tuple[str, float], ...]] = {
    "06": (("non_coal_mine", 1.0),),
    "08": (("non_coal_mine", 1.0),),
    "10": (("non_coal_mine", 1.0),),
    "13": (("ammonia_refrigeration", 0.3), ("dust_explosion", 0.3)),
    "14": (("ammonia_refrigeration", 0.4),),
    "20": (("dust_explosion", 0.6),),
    "21": (("dust_explosion", 0.4),),
    "25": (("chemical", 1.0),),
    "26": (("chemical", 1.0),),
    "27": (("hazardous_chemical_use", 0.5),),
    "28": (("chemical", 0.5),),
    "29": (("hazardous_chemical_use", 0.2),),
    "31": (("metallurgy", 1.0), ("molten_metal", 0.7)),
    "32": (("nonferrous", 1.0), ("molten_metal", 0.5)),
    "33": (("dust_explosion", 0.25), ("hazardous_chemical_use", 0.2), ("molten_metal", 0.1)),
    "34": (("gas_use", 0.15),),
    "35": (("gas_use", 0.1),),
    "36": (("dust_explosion", 0.15),),
    "44": (("power", 1.0),),
    "45": (("gas_use", 1.0),),
    "57": (("energy_pipeline", 1.0),),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红兰玉峰波辉鹏斌宇浩凯晨欣雪琳婷佳俊文斌鑫亮成飞"
)
BRANDS = (
    "恒泰宏达鑫源华瑞永盛金润天成中裕新锐海腾东方长江兴业联合鼎盛信达嘉和昌隆瑞丰广源汇通利华宝丰金泰万达安顺"
)


@dataclass(frozen=True)
class Persona:
    username: str
    role: str
    full_name: str
    region: str | None = None
    department: str | None = None
    organisation: str = ""
    enterprise_index: int | None = None  # index into the enterprises of EXAMPLE_COUNTY


EXAMPLE_COUNTY = "320115"  # 南京市江宁区: home of the county, town and enterprise personas
OTHER_COUNTY = "320506"  # 苏州市吴中区

PERSONAS = [
    Persona("admin", Role.ADMIN, "系统管理员", organisation="信息中心"),
    Persona("province_regulator", Role.REGULATOR, "省厅监管员", "320000", organisation="江苏省应急管理厅"),
    Persona("city_regulator", Role.REGULATOR, "南京市监管员", "320100", organisation="南京市应急管理局"),
    Persona(
        "county_regulator", Role.REGULATOR, "江宁区监管员", EXAMPLE_COUNTY, organisation="江宁区应急管理局"
    ),
    Persona("town_regulator", Role.REGULATOR, "街道安监员", None, organisation="江宁区街道安监办"),
    Persona(
        "dept_regulator",
        Role.REGULATOR,
        "江宁区发改委监管员",
        EXAMPLE_COUNTY,
        "development_reform",
        "江宁区发展和改革委员会",
    ),
    Persona(
        "other_county_regulator",
        Role.REGULATOR,
        "吴中区监管员",
        OTHER_COUNTY,
        organisation="苏州市吴中区应急管理局",
    ),
    Persona("expert", Role.EXPERT, "核查专家", "320100", organisation="江苏安全技术服务中心"),
    Persona("enterprise_filler", Role.ENTERPRISE_FILLER, "企业安全员", enterprise_index=0),
    Persona("enterprise_principal", Role.ENTERPRISE_PRINCIPAL, "企业负责人", enterprise_index=0),
]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _weighted(rng: random.Random, weights: dict[str, Any], key: Callable[[Any], float] = lambda w: w) -> str:
    names = list(weights)
    return rng.choices(names, weights=[key(weights[n]) for n in names])[0]


def generate_enterprises(*, count: int, seed: int) -> list[Any]:
    """The enterprise rows of the demo (NewEnterprise), deterministic for a seed."""
    from saferisk.enterprises.services import NewEnterprise

    rng = random.Random(seed)
    towns_by_city: dict[str, list[str]] = {}
    for code in Region.objects.filter(level="town").order_by("code").values_list("code", flat=True):
        towns_by_city.setdefault(code[:4], []).append(code)
    example_towns = [t for t in towns_by_city.get(EXAMPLE_COUNTY[:4], []) if t.startswith(EXAMPLE_COUNTY)]
    classes_by_division: dict[str, list[str]] = {}
    for code in (
        Industry.objects.filter(level="class", in_scope=True).order_by("code").values_list("code", flat=True)
    ):
        classes_by_division.setdefault(code[:2], []).append(code)
    divisions = {d: w for d, w in DIVISION_WEIGHTS.items() if d in classes_by_division}
    city_names = {
        code[:4]: name.removesuffix("市")
        for code, name in Region.objects.filter(level="city").values_list("code", "name")
    }
    used: set[str] = set()
    rows = []
    for i in range(count):
        # Every tenth enterprise sits in the example county so its personas have work to see.
        if i % 10 == 0 and example_towns:
            city, town = EXAMPLE_COUNTY[:4], rng.choice(example_towns)
        else:
            city = _weighted(rng, CITIES, key=lambda v: v[0])
            town = rng.choice(towns_by_city[city])
        _, lat0, lng0 = CITIES[city]
        division = _weighted(rng, divisions)
        industry = rng.choice(classes_by_division[division])
        above = rng.random() < 0.22
        while True:
            body = "".join(rng.choice(uscc.ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
            code = uscc.make(town[:6], body)
            if code not in used:
                used.add(code)
                break
        sectors = [s for s, p in KEY_SECTOR_RULES.get(division, ()) if rng.random() < p]
        if rng.random() < 0.12:
            sectors.append("confined_space")
        city_name = city_names[city]
        name = f"{city_name}{rng.choice(BRANDS[::2])}{rng.choice(BRANDS[1::2])}{DIVISION_SUFFIX.get(division, '实业')}有限公司"
        if i > 0 and rng.random() < 0.5:
            name = name.replace("有限公司", f"{rng.choice('一二三四五六七八九')}厂有限公司")
        employees = rng.randint(120, 3000) if above else rng.randint(5, 180)
        principal = _person(rng)
        rows.append(
            NewEnterprise(
                uscc=code,
                name=name,
                region_id=town,
                industry_id=industry,
                address=f"{rng.choice(['工业园区', '经济开发区', '高新区', '科技园'])}{rng.choice(BRANDS)}路{rng.randint(1, 399)}号",
                longitude=Decimal(f"{lng0 + rng.uniform(-0.3, 0.3):.6f}"),
                latitude=Decimal(f"{lat0 + rng.uniform(-0.25, 0.25):.6f}"),
                above_scale=above,
                employees=employees,
                revenue=Decimal(f"{employees * rng.uniform(20, 80):.2f}"),
                key_supervised=bool(sectors) and (above or rng.random() < 0.3),
                legal_representative=principal,
                principal_name=principal,
                principal_phone=_phone(rng),
                safety_director_name=_person(rng) if above or rng.random() < 0.3 else "",
                safety_director_phone=_phone(rng) if above else "",
                standardisation_grade=(
                    grade := rng.choice(
                        ["none", "none", "grade_3", "grade_3", "grade_2"] + (["grade_1"] if above else [])
                    )
                ),
                # Certificates run three years; some have lapsed or lapse soon (the obligation list).
                standardisation_expires=(
                    None
                    if grade == "none"
                    else dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(-200, 1000))
                ),
                contact_phone=_phone(rng) if rng.random() < 0.9 else "",
                key_sectors=sorted(set(sectors)),
            )
        )
    # Names must be unique enough to search: number any repeats.
    seen: dict[str, int] = {}
    for row in rows:
        n = seen.get(row.name, 0)
        seen[row.name] = n + 1
        if n:
            row.name = row.name.replace("有限公司", f"（{n + 1}）有限公司")
    return rows


@transaction.atomic
def build_demo(*, enterprises: int = 2000, seed: int = 7) -> dict[str, int]:
    """Create the personas and the enterprises; returns counts."""
    from saferisk.enterprises.models import Enterprise
    from saferisk.enterprises.services import enterprise_bulk_create

    rows = generate_enterprises(count=enterprises, seed=seed)
    created = enterprise_bulk_create(actor=None, rows=rows)
    example = [e for e in created if e.region_id.startswith(EXAMPLE_COUNTY)]
    example_town = example[0].region_id if example else None
    for p in PERSONAS:
        region_code = p.region or (example_town if p.username == "town_regulator" else None)
        enterprise = example[p.enterprise_index] if p.enterprise_index is not None and example else None
        user_create(
            actor=None,
            new=NewUser(
                username=p.username,
                role=p.role,
                full_name=p.full_name,
                region=Region.objects.get(code=region_code) if region_code else None,
                department=_department(p.department),
                enterprise=enterprise,
                organisation=p.organisation or (enterprise.name if enterprise else ""),
                phone="13800000000",
                password=DEMO_PASSWORD,
                must_change_password=False,
            ),
        )
    counts = {"enterprises": Enterprise.objects.count(), "users": User.objects.count()}
    if example:
        from saferisk.risks.demo import build_demo_risks

        counts.update(
            build_demo_risks(
                actor=User.objects.get(username="enterprise_filler"),
                admin=User.objects.get(username="admin"),
                enterprise=example[0],
                county=EXAMPLE_COUNTY,
                seed=seed,
            )
        )
        from saferisk.reporting.demo import build_demo_reporting

        counts.update(
            build_demo_reporting(
                regulator=User.objects.get(username="province_regulator"),
                reviewer=User.objects.get(username="county_regulator"),
                county=EXAMPLE_COUNTY,
                keep=example[0],
                seed=seed,
            )
        )
        from saferisk.hidden_dangers.demo import build_demo_hidden_dangers

        counts.update(
            build_demo_hidden_dangers(
                filler=User.objects.get(username="enterprise_filler"),
                principal=User.objects.get(username="enterprise_principal"),
                regulator=User.objects.get(username="county_regulator"),
                enterprise=example[0],
                seed=seed,
            )
        )
    return counts


def _department(code: str | None) -> Any:
    from saferisk.core.models import Department

    return Department.objects.get(code=code) if code else None
