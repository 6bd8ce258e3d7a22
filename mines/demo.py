"""The Shuozhou demo data set: every figure the plan publishes for 2020, the rest invented.

Figures from the plan (Shuozhou City Mineral Resources Master Plan 2021-2025):
- ch.1 一(二): 68 coal mines (朔城区 6, 平鲁区 27, 山阴县 18, 怀仁市 11, 右玉县 6), 核定生产能力
  20740 万吨/年; 103 non-coal mines: province-licensed 3 (iron 1, limestone 2), city-licensed 94
  (limestone 75, granite 5, basalt 5, dolomite 1, clay 8), county-licensed 6 (construction sand 2,
  brick clay 4); by county 朔城区 16, 平鲁区 23, 山阴县 23, 怀仁市 20, 右玉县 19, 应县 2.
- ch.1 一(三): large and medium mines 41% of all mines; 8 mines on the national or provincial
  green-mine list (about 12%), no non-coal mine among them; the iron mine has stood idle.
- ch.2 三(二) 4 and ch.6 二: 225 historical mine sites to restore, 12.73 km² of historical mines
  (1273 ha, the demo's total damaged area of the 225 sites); 8 key and 6 general governance
  zones; 34 key projects estimated at 13.6 亿元.
- ch.5 三(四): two key protection and restoration areas, 大同煤矿矿区 and 平朔煤矿矿区.
- ch.3 三(二) 2 and ch.4 三(一): three national planning mining areas (大同, 平朔, 朔南) and 38
  concentrated mining zones.

The plan's coal split "生产矿井50座，停产矿井14座，基建矿井5座" adds up to 69, not 68. The demo
keeps the published total (68), the 14 suspended and the 5 under construction, and so has 49
producing mines.

Everything else (names, licence numbers, coordinates, companies, the split of the 13.6 亿元 among
projects, each site's area) is invented, deterministic and marked `is_demo`.
"""

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from mines.choices import (
    DamageType,
    GreenMineLevel,
    GreenMineStatus,
    LicensingLevel,
    Mineral,
    MiningMethod,
    PlanningAreaKind,
    ProductionStatus,
    ProjectStatus,
    Scale,
    SiteStatus,
    TreatmentMode,
    ZoneKind,
)
from mines.models import (
    Company,
    Contractor,
    County,
    GovernanceZone,
    GreenMineListing,
    HistoricalSite,
    KeyProject,
    KeyProtectionArea,
    Mine,
    PlanningArea,
)
from mines.validators import credit_code_check_character

SEED = 20201231

# County code, name, English name, and an invented box (lon_min, lon_max, lat_min, lat_max) for coordinates.
COUNTIES = [
    ("140602", "朔城区", "Shuocheng District", (112.20, 112.65, 39.15, 39.50)),
    ("140603", "平鲁区", "Pinglu District", (111.98, 112.55, 39.40, 39.80)),
    ("140621", "山阴县", "Shanyin County", (112.60, 113.05, 39.38, 39.70)),
    ("140622", "应县", "Ying County", (113.00, 113.50, 39.35, 39.70)),
    ("140623", "右玉县", "Youyu County", (112.15, 112.70, 39.85, 40.20)),
    ("140681", "怀仁市", "Huairen City", (112.90, 113.30, 39.70, 40.00)),
]

# Published figures, used by the loader and asserted by the tests.
COAL_BY_COUNTY = {"朔城区": 6, "平鲁区": 27, "山阴县": 18, "怀仁市": 11, "右玉县": 6}
COAL_CAPACITY_TOTAL = Decimal("20740")
COAL_STATUS = {
    ProductionStatus.PRODUCING: 49,
    ProductionStatus.SUSPENDED: 14,
    ProductionStatus.UNDER_CONSTRUCTION: 5,
}
NON_COAL_BY_COUNTY = {"朔城区": 16, "平鲁区": 23, "山阴县": 23, "怀仁市": 20, "右玉县": 19, "应县": 2}
NON_COAL_BY_LEVEL = {LicensingLevel.PROVINCE: 3, LicensingLevel.CITY: 94, LicensingLevel.COUNTY: 6}
HISTORICAL_SITES = 225
HISTORICAL_SITES_AREA_HA = Decimal("1273.00")  # 12.73 km², the provincial task for 2025
KEY_PROJECTS = 34
KEY_PROJECTS_BUDGET = Decimal("1360000000.00")  # 13.6 亿元
KEY_ZONES = 8
GENERAL_ZONES = 6
GREEN_MINES = 8
CONCENTRATED_ZONES = 38

# Non-coal mines: (county, licensing level, mineral, count). Sums: by county, by level and by
# mineral exactly as ch.1 一(二) gives them.
NON_COAL_PLAN = [
    # Province-licensed: iron 1, limestone 2.
    ("朔城区", LicensingLevel.PROVINCE, Mineral.IRON, 1),
    ("怀仁市", LicensingLevel.PROVINCE, Mineral.CEMENT_LIMESTONE, 1),
    ("山阴县", LicensingLevel.PROVINCE, Mineral.CEMENT_LIMESTONE, 1),
    # County-licensed: construction sand 2, brick clay 4.
    ("应县", LicensingLevel.COUNTY, Mineral.BRICK_CLAY, 2),
    ("怀仁市", LicensingLevel.COUNTY, Mineral.BRICK_CLAY, 1),
    ("山阴县", LicensingLevel.COUNTY, Mineral.BRICK_CLAY, 1),
    ("右玉县", LicensingLevel.COUNTY, Mineral.CONSTRUCTION_SAND, 1),
    ("平鲁区", LicensingLevel.COUNTY, Mineral.CONSTRUCTION_SAND, 1),
    # City-licensed: granite 5, basalt 5, dolomite 1, clay 8, limestone 75.
    ("右玉县", LicensingLevel.CITY, Mineral.GRANITE, 3),
    ("平鲁区", LicensingLevel.CITY, Mineral.GRANITE, 2),
    ("右玉县", LicensingLevel.CITY, Mineral.BASALT, 3),
    ("山阴县", LicensingLevel.CITY, Mineral.BASALT, 2),
    ("朔城区", LicensingLevel.CITY, Mineral.DOLOMITE, 1),
    ("怀仁市", LicensingLevel.CITY, Mineral.CERAMIC_CLAY, 4),
    ("朔城区", LicensingLevel.CITY, Mineral.CERAMIC_CLAY, 1),
    ("朔城区", LicensingLevel.CITY, Mineral.REFRACTORY_CLAY, 1),
    ("平鲁区", LicensingLevel.CITY, Mineral.REFRACTORY_CLAY, 1),
    ("平鲁区", LicensingLevel.CITY, Mineral.KAOLIN, 1),
    ("朔城区", LicensingLevel.CITY, Mineral.CEMENT_LIMESTONE, 5),
    ("朔城区", LicensingLevel.CITY, Mineral.CONSTRUCTION_LIMESTONE, 7),
    ("平鲁区", LicensingLevel.CITY, Mineral.CONSTRUCTION_LIMESTONE, 18),
    ("山阴县", LicensingLevel.CITY, Mineral.CEMENT_LIMESTONE, 5),
    ("山阴县", LicensingLevel.CITY, Mineral.CONSTRUCTION_LIMESTONE, 14),
    ("怀仁市", LicensingLevel.CITY, Mineral.CEMENT_LIMESTONE, 5),
    ("怀仁市", LicensingLevel.CITY, Mineral.CONSTRUCTION_LIMESTONE, 9),
    ("右玉县", LicensingLevel.CITY, Mineral.CONSTRUCTION_LIMESTONE, 12),
]

SITES_BY_COUNTY = {"朔城区": 40, "平鲁区": 55, "山阴县": 45, "应县": 20, "右玉县": 30, "怀仁市": 35}

NATIONAL_PLANNING_AREAS = [
    ("NP-DT", "大同煤炭国家规划矿区", "Datong national planning mining area"),
    ("NP-PS", "平朔煤炭国家规划矿区", "Pingshuo national planning mining area"),
    ("NP-SN", "朔南煤炭国家规划矿区", "Shuonan national planning mining area"),
]
COAL_PLANNING_AREA = {"朔城区": "NP-SN", "平鲁区": "NP-PS", "山阴县": "NP-DT", "怀仁市": "NP-DT", "右玉县": "NP-DT"}

KEY_PROTECTION_AREAS = [
    ("大同煤矿矿区", "Datong coal mining area", ["山阴县", "怀仁市", "右玉县"]),
    ("平朔煤矿矿区", "Pingshuo coal mining area", ["平鲁区", "朔城区"]),
]

# Governance zones: 8 key, 6 general (names invented along the plan's geography).
ZONES = [
    ("ZD01", "平朔露天矿区重点治理区", ZoneKind.KEY, ["平鲁区", "朔城区"], "186.40"),
    ("ZD02", "平鲁井工矿采煤沉陷重点治理区", ZoneKind.KEY, ["平鲁区"], "142.75"),
    ("ZD03", "朔南矿区采煤沉陷重点治理区", ZoneKind.KEY, ["朔城区"], "96.30"),
    ("ZD04", "洪涛山石灰岩矿山重点治理区", ZoneKind.KEY, ["山阴县", "朔城区", "怀仁市"], "58.20"),
    ("ZD05", "山阴西山煤矿采空区重点治理区", ZoneKind.KEY, ["山阴县"], "88.60"),
    ("ZD06", "怀仁西山采煤沉陷重点治理区", ZoneKind.KEY, ["怀仁市"], "77.15"),
    ("ZD07", "右玉东南部煤矿重点治理区", ZoneKind.KEY, ["右玉县"], "45.90"),
    ("ZD08", "应县南山矿山重点治理区", ZoneKind.KEY, ["应县"], "21.35"),
    ("YB01", "朔城区神头一般治理区", ZoneKind.GENERAL, ["朔城区"], "18.40"),
    ("YB02", "平鲁区西部一般治理区", ZoneKind.GENERAL, ["平鲁区"], "24.10"),
    ("YB03", "山阴县东部一般治理区", ZoneKind.GENERAL, ["山阴县"], "12.65"),
    ("YB04", "应县北部一般治理区", ZoneKind.GENERAL, ["应县"], "9.80"),
    ("YB05", "右玉县西部一般治理区", ZoneKind.GENERAL, ["右玉县"], "15.25"),
    ("YB06", "怀仁市东部一般治理区", ZoneKind.GENERAL, ["怀仁市"], "11.70"),
]

PLACES = [
    "东坡",
    "西沟",
    "南梁",
    "北岭",
    "白家窑",
    "石湖",
    "井坪",
    "下面高",
    "凤凰城",
    "阻虎",
    "高石庄",
    "双碾",
    "陶村",
    "榆岭",
    "茹越",
    "马营堡",
    "后所",
    "安荣",
    "岱岳",
    "王坪",
    "薛家庄",
    "玉井",
    "吴马营",
    "合盛堡",
    "新家园",
    "何家堡",
    "海子堡",
    "亲和",
    "金沙滩",
    "小石口",
    "鹅毛口",
    "峙峪",
    "利民",
    "神头",
    "南榆林",
    "窑子头",
    "贾庄",
    "水头",
    "沙楞河",
    "张家坪",
    "东榆林",
    "下木角",
    "白堂",
    "杨千河",
    "威远",
    "元堡子",
    "高家堡",
    "上窑",
    "马家窑",
    "大平易",
    "小平易",
    "后安",
    "西易",
    "刘家口",
    "滋润",
    "北周庄",
    "翟家庄",
]

MINERAL_WORD = {
    Mineral.COAL: "煤矿",
    Mineral.IRON: "铁矿",
    Mineral.CEMENT_LIMESTONE: "水泥用灰岩矿",
    Mineral.CONSTRUCTION_LIMESTONE: "建筑石料用灰岩矿",
    Mineral.DOLOMITE: "白云岩矿",
    Mineral.BASALT: "玄武岩矿",
    Mineral.GRANITE: "花岗岩矿",
    Mineral.CERAMIC_CLAY: "陶瓷土矿",
    Mineral.REFRACTORY_CLAY: "耐火黏土矿",
    Mineral.KAOLIN: "高岭土矿",
    Mineral.CONSTRUCTION_SAND: "建筑用砂矿",
    Mineral.BRICK_CLAY: "砖瓦用黏土矿",
}

CONTRACTORS = [
    ("山西晋北生态修复工程有限公司", "地质灾害治理工程施工甲级"),
    ("朔州市绿野土地整治有限公司", "土地整治工程施工乙级"),
    ("山西桑干河矿山环境治理有限公司", "地质灾害治理工程施工甲级"),
    ("朔州恒基地质工程勘察院", "地质灾害治理工程勘查设计甲级"),
]

# Demo accounts: username, role, name, scope. Printed by `make run`.
# Demo data only, printed by `make run` on purpose.
DEMO_PASSWORD = "Shuozhou-demo-2025"  # noqa: S105  # nosec B105


@dataclass
class DemoAccount:
    username: str
    role: str
    last_name: str
    first_name: str
    description: str
    counties: tuple[str, ...] = ()
    city_wide: bool = False
    company_key: str = ""
    contractor_index: int | None = None


DEMO_ACCOUNTS = [
    DemoAccount("admin", "admin", "管理员", "", "system administrator"),
    DemoAccount("officer", "officer", "王", "建国", "officer, city-wide", city_wide=True),
    DemoAccount("officer_pinglu", "officer", "李", "晓明", "officer, 平鲁区 only", counties=("平鲁区",)),
    DemoAccount("supervisor", "supervisor", "张", "志强", "supervisor, city-wide", city_wide=True),
    DemoAccount("supervisor2", "supervisor", "赵", "丽华", "second supervisor, city-wide", city_wide=True),
    DemoAccount("company_a", "company", "刘", "海", "company user of company A", company_key="A"),
    DemoAccount("company_b", "company", "陈", "静", "company user of company B", company_key="B"),
    DemoAccount("contractor", "contractor", "孙", "工", "contractor user", contractor_index=0),
]


def credit_code(rng: random.Random, division: str) -> str:
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + division + "".join(rng.choice(charset) for _ in range(9))
    return body + credit_code_check_character(body)


def _coordinate(rng, box):
    lon_min, lon_max, lat_min, lat_max = box
    lon = Decimal(str(round(rng.uniform(lon_min, lon_max), 6)))
    lat = Decimal(str(round(rng.uniform(lat_min, lat_max), 6)))
    return lon, lat


def _split(rng, total: Decimal, parts: int, low: float, high: float) -> list[Decimal]:
    """`parts` amounts with two decimals that add up to `total` exactly."""
    weights = [rng.uniform(low, high) for _ in range(parts)]
    scale = total / Decimal(str(sum(weights)))
    amounts = [(Decimal(str(w)) * scale).quantize(Decimal("0.01")) for w in weights]
    amounts[-1] += total - sum(amounts)
    return amounts


class DemoLoader:
    """Upserts the demo data by natural keys: running it twice changes nothing."""

    def __init__(self, stdout=None):
        # Deterministic demo data, not security.
        self.rng = random.Random(SEED)  # nosec B311
        self.stdout = stdout
        self.counties: dict[str, County] = {}

    @transaction.atomic
    def run(self):
        self.load_counties()
        self.load_planning_areas()
        self.load_zones()
        self.load_contractors()
        self.load_mines()
        self.load_green_mines()
        self.load_key_projects()
        self.load_sites()
        self.load_accounts()

    def load_counties(self):
        for code, name, name_en, _box in COUNTIES:
            county, _ = County.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})
            self.counties[name] = county
        self.boxes = {name: box for _c, name, _e, box in COUNTIES}
        self.divisions = {name: code for code, name, _e, _b in COUNTIES}

    def load_planning_areas(self):
        self.planning_areas = {}
        for code, name, name_en in NATIONAL_PLANNING_AREAS:
            area, _ = PlanningArea.objects.update_or_create(
                code=code, defaults={"name": name, "name_en": name_en, "kind": PlanningAreaKind.NATIONAL}
            )
            self.planning_areas[code] = area
        self.concentrated = []
        counties = list(NON_COAL_BY_COUNTY)
        for i in range(1, CONCENTRATED_ZONES + 1):
            county = counties[(i - 1) % len(counties)]
            place = PLACES[(i * 7) % len(PLACES)]
            area, _ = PlanningArea.objects.update_or_create(
                code=f"JZ{i:02d}",
                defaults={
                    "name": f"{county}{place}集中开采区",
                    "name_en": f"Concentrated mining zone {i}",
                    "kind": PlanningAreaKind.CONCENTRATED,
                    "is_demo": True,
                },
            )
            self.concentrated.append((county, area))
        for name, name_en, county_names in KEY_PROTECTION_AREAS:
            area, _ = KeyProtectionArea.objects.update_or_create(name=name, defaults={"name_en": name_en})
            area.counties.set([self.counties[c] for c in county_names])

    def load_zones(self):
        self.zones = {}
        for code, name, kind, county_names, area in ZONES:
            zone, _ = GovernanceZone.objects.update_or_create(
                code=code, defaults={"name": name, "kind": kind, "area_km2": Decimal(area), "is_demo": True}
            )
            zone.counties.set([self.counties[c] for c in county_names])
            self.zones[code] = zone

    def load_contractors(self):
        self.contractors = []
        for name, qualification in CONTRACTORS:
            code = credit_code(self.rng, "140600")
            contractor = Contractor.objects.filter(name=name).first()
            if contractor is None:
                contractor = Contractor.objects.create(
                    name=name, credit_code=code, qualification=qualification, is_demo=True
                )
            self.contractors.append(contractor)

    def _company(self, key: str, name: str, county: str, legal: str) -> Company:
        # Draw every random value whether or not the company exists, so a rerun draws the same sequence.
        code = credit_code(self.rng, self.divisions[county])
        phone = f"0349-{self.rng.randint(2000000, 8999999)}"
        company = Company.objects.filter(name=name).first()
        if company is None:
            company = Company.objects.create(
                name=name,
                credit_code=code,
                legal_representative=legal,
                contact_person=legal,
                contact_phone=phone,
                address=f"山西省朔州市{county}",
                is_demo=True,
            )
        return company

    def _coal_plan(self):
        """68 coal mines: county, status, method, capacity, scale, in a fixed order."""
        rows = []
        for county, n in COAL_BY_COUNTY.items():
            rows.extend([county] * n)
        statuses = (
            [ProductionStatus.UNDER_CONSTRUCTION] * COAL_STATUS[ProductionStatus.UNDER_CONSTRUCTION]
            + [ProductionStatus.SUSPENDED] * COAL_STATUS[ProductionStatus.SUSPENDED]
            + [ProductionStatus.PRODUCING] * COAL_STATUS[ProductionStatus.PRODUCING]
        )
        self.rng.shuffle(statuses)
        # Six open pits, all in the Pingshuo area (平鲁区 and 朔城区).
        open_pit = {i for i, c in enumerate(rows) if c == "平鲁区"}
        open_pit = set(sorted(open_pit)[:5]) | {next(i for i, c in enumerate(rows) if c == "朔城区")}
        # Scale: 52 large, 14 medium, 2 small (with the non-coal mines, 41% large or medium).
        scales = [Scale.LARGE] * 52 + [Scale.MEDIUM] * 14 + [Scale.SMALL] * 2
        # Under-construction and open-pit mines are large.
        order = sorted(
            range(68), key=lambda i: (i not in open_pit and statuses[i] != ProductionStatus.UNDER_CONSTRUCTION, i)
        )
        scale_of = {}
        for rank, i in enumerate(order):
            scale_of[i] = scales[rank] if rank < 52 else None
        rest = [i for i in range(68) if scale_of[i] is None]
        self.rng.shuffle(rest)
        for j, i in enumerate(rest):
            scale_of[i] = scales[52 + j]
        capacities = []
        for i in range(68):
            if i in open_pit:
                capacity = self.rng.choice([600, 1000, 1500, 2000])
            elif scale_of[i] == Scale.LARGE:
                capacity = self.rng.choice([120, 150, 180, 240, 300])
            elif scale_of[i] == Scale.MEDIUM:
                capacity = self.rng.choice([60, 90])
            else:
                capacity = 30
            capacities.append(Decimal(capacity))
        # The open pits take up the difference, so the total is the plan's 核定生产能力 exactly.
        pits = sorted(open_pit)
        share = ((COAL_CAPACITY_TOTAL - sum(capacities)) / len(pits)).quantize(Decimal("10"))
        for i in pits:
            capacities[i] += share
        capacities[pits[0]] += COAL_CAPACITY_TOTAL - sum(capacities)
        if any(capacities[i] < 400 for i in pits):
            raise AssertionError("demo coal capacities cannot reach the published total")
        return [
            (
                rows[i],
                statuses[i],
                MiningMethod.OPEN_PIT if i in open_pit else MiningMethod.UNDERGROUND,
                capacities[i],
                scale_of[i],
            )
            for i in range(68)
        ]

    def load_mines(self):
        self.mines = []
        self.planned_status: dict[int, str] = {}
        # Two groups hold several coal mines each; the rest are one company per mine.
        group_a = self._company("A", "中煤平朔集团有限公司（演示）", "平鲁区", "刘海")
        group_b = self._company("B", "晋能控股朔州煤业有限公司（演示）", "山阴县", "陈静")
        self.demo_companies = {"A": group_a, "B": group_b}
        place_iter = iter(PLACES * 4)
        for i, (county, status, method, capacity, scale) in enumerate(self._coal_plan(), start=1):
            place = next(place_iter)
            if county in ("平鲁区", "朔城区") and i % 4 == 0:
                company = group_a
            elif county in ("山阴县", "怀仁市", "右玉县") and i % 4 == 1:
                company = group_b
            else:
                company = self._company("", f"朔州{place}煤业有限公司（演示）", county, "演示法人")
            level = LicensingLevel.MINISTRY if method == MiningMethod.OPEN_PIT else LicensingLevel.PROVINCE
            self._mine(
                licence=f"C{self.divisions[county]}{2009 + i % 10}{i:06d}",
                name=f"{county.rstrip('区县市')}{place}{'露天' if method == MiningMethod.OPEN_PIT else ''}煤矿",
                company=company,
                county=county,
                mineral=Mineral.COAL,
                method=method,
                level=level,
                scale=scale,
                capacity=capacity,
                status=status,
                planning_area=self.planning_areas[COAL_PLANNING_AREA[county]],
            )
        serial = 0
        for county, level, mineral, count in NON_COAL_PLAN:
            for _ in range(count):
                serial += 1
                place = next(place_iter)
                capacity, scale, status = self._non_coal_profile(mineral, level, serial)
                company_name = f"{county.rstrip('区县市')}{place}{MINERAL_WORD[mineral].rstrip('矿')}有限公司（演示）"
                if serial == 7:
                    company = group_b  # company B also holds one non-coal mine
                else:
                    company = self._company("", company_name, county, "演示法人")
                zones = [area for c, area in self.concentrated if c == county]
                self._mine(
                    licence=f"C{self.divisions[county]}{2012 + serial % 9}{500000 + serial:06d}",
                    name=f"{county}{place}{MINERAL_WORD[mineral]}",
                    company=company,
                    county=county,
                    mineral=mineral,
                    method=MiningMethod.UNDERGROUND if mineral == Mineral.IRON else MiningMethod.OPEN_PIT,
                    level=level,
                    scale=scale,
                    capacity=capacity,
                    status=status,
                    planning_area=zones[serial % len(zones)] if zones and mineral not in (Mineral.IRON,) else None,
                )

    def _non_coal_profile(self, mineral, level, serial):
        """Capacity, scale and status of a non-coal mine; 4 are medium (41% overall with coal)."""
        if mineral == Mineral.IRON:
            return Decimal("30"), Scale.MEDIUM, ProductionStatus.SUSPENDED  # 铁矿一直处于停产状态
        if level == LicensingLevel.PROVINCE:
            return Decimal("120"), Scale.MEDIUM, ProductionStatus.PRODUCING
        if serial == 40:
            return Decimal("100"), Scale.MEDIUM, ProductionStatus.PRODUCING
        if mineral == Mineral.GRANITE:
            capacity = Decimal(self.rng.choice([2, 3, 4]))
        elif mineral in (Mineral.CERAMIC_CLAY, Mineral.REFRACTORY_CLAY, Mineral.KAOLIN, Mineral.BRICK_CLAY):
            capacity = Decimal(self.rng.choice([3, 5, 6, 8]))
        elif mineral == Mineral.CONSTRUCTION_SAND:
            capacity = Decimal(self.rng.choice([5, 10]))
        else:
            capacity = Decimal(self.rng.choice([10, 15, 20, 30, 40]))
        roll = serial % 10
        status = {0: ProductionStatus.SUSPENDED, 3: ProductionStatus.SUSPENDED, 6: ProductionStatus.CLOSING}.get(
            roll, ProductionStatus.PRODUCING
        )
        return capacity, Scale.SMALL, status

    def _mine(self, *, licence, name, company, county, mineral, method, level, scale, capacity, status, planning_area):
        lon, lat = _coordinate(self.rng, self.boxes[county])
        year = 2005 + self.rng.randint(0, 15)
        # The production status is the case workflow's once a case has moved it: set on creation only.
        fields = {
            "name": name,
            "company": company,
            "county": self.counties[county],
            "mineral": mineral,
            "mining_method": method,
            "licensing_level": level,
            "scale": scale,
            "design_capacity": capacity,
            "production_status": status,
            "licence_valid_from": date(year, 1 + self.rng.randint(0, 11), 1),
            "licence_valid_to": date(year + self.rng.choice([10, 15, 20, 30]), 12, 31),
            "longitude": lon,
            "latitude": lat,
            "area_km2": Decimal(str(round(self.rng.uniform(0.05, 30 if mineral == Mineral.COAL else 1.5), 4))),
            "planning_area": planning_area,
            "land_reclamation_plan_filed": self.rng.random() < 0.9,
            "is_demo": True,
        }
        owned = {"production_status": fields.pop("production_status")}
        mine, _ = Mine.objects.update_or_create(
            licence_no=licence, defaults=fields, create_defaults={**fields, **owned}
        )
        self.planned_status[mine.pk] = status
        self.mines.append(mine)
        return mine

    def load_green_mines(self):
        """8 coal mines on the national (5) or provincial (3) green-mine list, none non-coal."""
        candidates = [
            m
            for m in self.mines
            if m.mineral == Mineral.COAL and self.planned_status[m.pk] == ProductionStatus.PRODUCING
        ]
        chosen = candidates[::6][:GREEN_MINES]
        for i, mine in enumerate(chosen):
            level = GreenMineLevel.NATIONAL if i < 5 else GreenMineLevel.PROVINCIAL
            listed = date(2018 + i % 3, 6 + i % 5, 1)
            # Status and last verification belong to the verification cases once they run.
            GreenMineListing.objects.update_or_create(
                mine=mine,
                listed_on=listed,
                defaults={"level": level},
                create_defaults={
                    "level": level,
                    "last_verified_on": date(2020, 11, 1 + i),
                    "status": GreenMineStatus.LISTED,
                },
            )

    def load_key_projects(self):
        """34 projects in the 8 key zones; budgets add up to 13.6 亿元 exactly."""
        self.projects = []
        self.planned_progress: dict[int, int] = {}
        key_zones = [z for z in ZONES if z[2] == ZoneKind.KEY]
        totals = _split(self.rng, KEY_PROJECTS_BUDGET, KEY_PROJECTS, 1.0, 8.0)
        for i in range(KEY_PROJECTS):
            code, zone_name, _kind, county_names, _area = key_zones[i % len(key_zones)]
            county = county_names[i % len(county_names)]
            total = totals[i]
            central = (total * Decimal("0.45")).quantize(Decimal("0.01"))
            provincial = (total * Decimal("0.25")).quantize(Decimal("0.01"))
            enterprise = (total * Decimal("0.05")).quantize(Decimal("0.01")) if i % 5 == 0 else Decimal("0.00")
            social = (total * Decimal("0.10")).quantize(Decimal("0.01")) if i % 4 == 0 else Decimal("0.00")
            municipal = total - central - provincial - enterprise - social
            start = 2021 + i % 4
            progress = [100, 80, 60, 35, 10][i % 5]
            fields = {
                "name": f"{county}{PLACES[(i * 5) % len(PLACES)]}历史遗留矿山生态修复工程",
                "zone": self.zones[code],
                "county": self.counties[county],
                "budget_central": central,
                "budget_provincial": provincial,
                "budget_municipal": municipal,
                "budget_enterprise": enterprise,
                "budget_social": social,
                "contractor": self.contractors[i % len(self.contractors)],
                "start_year": start,
                "end_year": min(start + 2, 2025),
                "status": ProjectStatus.COMPLETED if progress == 100 else ProjectStatus.UNDER_WAY,
                "progress_percent": progress,
                "is_demo": True,
            }
            # Status and progress follow the project's milestones once they are recorded.
            owned = {k: fields.pop(k) for k in ("status", "progress_percent")}
            project, _ = KeyProject.objects.update_or_create(
                code=f"ZDGC{i + 1:02d}", defaults=fields, create_defaults={**fields, **owned}
            )
            self.planned_progress[project.pk] = progress
            self.projects.append(project)

    def load_sites(self):
        """225 historical sites, 1273 ha damaged in all (the 12.73 km² task)."""
        areas = _split(self.rng, HISTORICAL_SITES_AREA_HA, HISTORICAL_SITES, 0.5, 12.0)
        projects_by_county: dict[str, list[KeyProject]] = {}
        for project in self.projects:
            projects_by_county.setdefault(project.county.name, []).append(project)
        zones_by_county: dict[str, list[str]] = {}
        for code, _n, _k, county_names, _a in ZONES:
            for c in county_names:
                zones_by_county.setdefault(c, []).append(code)
        minerals = [Mineral.COAL] * 5 + [Mineral.CONSTRUCTION_LIMESTONE] * 3 + [Mineral.BRICK_CLAY, Mineral.IRON]
        statuses = (
            [SiteStatus.ACCEPTED] * 4
            + [SiteStatus.AWAITING_ACCEPTANCE]
            + [SiteStatus.UNDER_TREATMENT] * 2
            + [SiteStatus.DESIGNED, SiteStatus.SURVEYED, SiteStatus.IDENTIFIED]
        )
        index = 0
        for county, count in SITES_BY_COUNTY.items():
            for n in range(count):
                index += 1
                mineral = minerals[index % len(minerals)]
                status = statuses[index % len(statuses)]
                area = areas[index - 1]
                lon, lat = _coordinate(self.rng, self.boxes[county])
                damage = (
                    [DamageType.SUBSIDENCE, DamageType.FISSURE]
                    if mineral == Mineral.COAL
                    else [
                        DamageType.LANDSCAPE,
                        DamageType.COLLAPSE_HAZARD,
                    ]
                )
                if index % 3 == 0:
                    damage.append(DamageType.LAND_OCCUPATION)
                projects = projects_by_county.get(county, [])
                project = projects[n % len(projects)] if projects and index % 3 != 1 else None
                zone_codes = zones_by_county.get(county, [])
                zone = self.zones[project.zone.code] if project else self.zones[zone_codes[-1]]
                mode = TreatmentMode.GOVERNMENT_LED
                if project is None and index % 5 == 0:
                    mode = TreatmentMode.SOCIAL_CAPITAL
                elif project is None and index % 11 == 0:
                    mode = TreatmentMode.RESPONSIBLE_PARTY
                boundary = None
                if index % 2 == 0:
                    d = Decimal("0.004")
                    boundary = {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [float(lon - d), float(lat - d)],
                                [float(lon + d), float(lat - d)],
                                [float(lon + d), float(lat + d)],
                                [float(lon - d), float(lat + d)],
                                [float(lon - d), float(lat - d)],
                            ]
                        ],
                    }
                fields = {
                    "name": f"{county}{PLACES[index % len(PLACES)]}废弃{MINERAL_WORD[mineral]}",
                    "county": self.counties[county],
                    "former_mineral": mineral,
                    "longitude": lon,
                    "latitude": lat,
                    "boundary": boundary,
                    "damaged_area_ha": area,
                    "damage_types": [str(d) for d in damage],
                    "treatment_mode": mode,
                    "status": status,
                    "area_restored_ha": area if status == SiteStatus.ACCEPTED else Decimal("0.00"),
                    "key_project": project,
                    "zone": zone,
                    "is_demo": True,
                }
                # Accepted before the system: spread over the plan period, for the targets' burn-up.
                fields["accepted_on"] = (
                    date(2021 + index % 5, 1 + (index * 7) % 12, 1 + index % 28)
                    if status == SiteStatus.ACCEPTED
                    else None
                )
                # Status, restored area and acceptance date follow the site's treatment case once one runs.
                owned = {k: fields.pop(k) for k in ("status", "area_restored_ha", "accepted_on")}
                HistoricalSite.objects.update_or_create(
                    code=f"LS{self.divisions[county]}{n + 1:03d}", defaults=fields, create_defaults={**fields, **owned}
                )

    def load_accounts(self):
        from accounts.models import Role, User

        self.accounts = []
        for account in DEMO_ACCOUNTS:
            user = User.objects.filter(username=account.username).first()
            created = user is None
            if created:
                user = User(username=account.username)
            user.role = account.role
            user.last_name = account.last_name
            user.first_name = account.first_name
            user.email = f"{account.username}@demo.invalid"
            user.city_wide = account.city_wide
            user.company = self.demo_companies[account.company_key] if account.company_key else None
            user.contractor = (
                self.contractors[account.contractor_index] if account.contractor_index is not None else None
            )
            user.is_staff = account.role in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
            user.is_superuser = account.role == Role.ADMIN
            if created:
                user.set_password(DEMO_PASSWORD)
            user.save()
            user.counties.set([self.counties[c] for c in account.counties])
            self.accounts.append((account, user))
