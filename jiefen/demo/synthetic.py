"""Synthetic disputes for the demo, `jiefen seed` and the benchmarks: realistic, repeatable, fast.

Every dispute is played through the lifecycle move by move — register, accept, sessions,
transfer, receive, assign, report, resolve, visit, close, now and then decline, return or
reopen — and each move changes the projection, the level stays and the deadline exactly as the
service of the same name in jiefen.disputes.services does, with the same event parameters.
The deadline rules and the working-day calendar are the real ones. The test suite replays
generated disputes through the services and compares the rows.

Calling the services for each move costs milliseconds (locks, a dozen queries); a demo of
100,000 disputes would take an hour. Here the rows are built as plain tuples in memory and
written in batches (executemany on SQLite, COPY on PostgreSQL), with ids assigned in order of
registration, so "newest first" by id stays true. On two cores a child process plays the
disputes while the parent writes; into empty tables everything goes in one transaction with
the secondary indexes built at the end. Rule lookups are made once, up front; due dates are
remembered per rule and day.

What is realistic: categories in the proportions of people's mediation statistics, seasons
(wage arrears in the weeks before Spring Festival, mountains and land in spring), a Zipf-like
spread over villages, most disputes resolved in the village, some transferred to the town and
a few to the county, agreements in about 95 % of resolutions, satisfaction mostly 4–5, late
transfers, declines, reopened cases and mass disputes now and then. Disputes of the last weeks
are still open with their current deadlines and colours. Parties' names, phone and ID numbers
are made up (ID numbers carry a correct GB 11643 check digit) and encrypted like any other.

Deterministic: the same seed, period, regions and moment give the same disputes; nothing
depends on database ids or the order of rows the database returns.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import marshal
import math
import multiprocessing
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from jiefen.accounts.models import User
from jiefen.calendars.services import calendar_current
from jiefen.demo.services import village_short_name
from jiefen.disputes.deadlines import warning_for
from jiefen.disputes.lifecycle import Action
from jiefen.disputes.models import (
    OPEN_STATUSES,
    Agreement,
    Category,
    Channel,
    Dispute,
    Event,
    LevelStay,
    NumberCounter,
    Outcome,
    Party,
    PartyKind,
    Risk,
    Route,
    Session,
    Side,
    Status,
    Tier,
)
from jiefen.disputes.reads import disputes_exist
from jiefen.disputes.services import MASS_THRESHOLD, TIER_OF_KIND
from jiefen.lib.personal import credit_code_check
from jiefen.lib.sealed import digest
from jiefen.lib.workdays import WorkCalendar
from jiefen.org.models import Body, BodyKind, Membership, Role
from jiefen.regions.models import Level, Region, code_span, short_code
from jiefen.rules.services import due_date, rule_for


def _plain(choices: Iterable[Any]) -> SimpleNamespace:
    """A choices class's values as plain strings: quicker to compare, and marshal takes them."""
    return SimpleNamespace(**{member.name: member.value for member in choices})


STATUS, TIER, SIDE, KIND, OUTCOME, ROUTE, CHANNEL, RISK, ACTION, LEFT = (
    _plain(choices)
    for choices in (
        Status, Tier, Side, PartyKind, Outcome, Route, Channel, Risk, Action, LevelStay.Left
    )
)  # fmt: skip

BATCH = 10_000  # disputes per transaction: about 140,000 rows
DEMO_COUNT = 100_000
DEMO_SEED = 2026

Progress = Callable[[int, int], None]

# --- proportions --------------------------------------------------------------------------------

# Share of registrations by category (people's mediation statistics, rounded), in per cent.
CATEGORY_SHARE = {
    "neighbourhood": 24.0,
    "marriage_family": 14.0,
    "housing_land": 10.0,
    "contract": 9.0,
    "damages": 9.0,
    "labour": 9.0,
    "traffic": 5.0,
    "forest_land": 4.0,
    "property_mgmt": 4.0,
    "other": 4.0,
    "consumer": 2.5,
    "village_affairs": 2.5,
    "land_requisition": 1.5,
    "environment": 1.0,
    "medical": 1.0,
}
CHANNELS = (
    (CHANNEL.WALK_IN, 40),
    (CHANNEL.SCREENING, 25),
    (CHANNEL.PHONE, 12),
    (CHANNEL.ONLINE, 10),
    (CHANNEL.HOTLINE, 8),
    (CHANNEL.REFERRAL, 5),
)
DECLINED = 0.02
# Where the disputes that are accepted end up.
REACH_TOWN = 0.153  # 15 % of all
REACH_COUNTY = 0.031  # 3 % of all
LATE_TRANSFER = 0.04
RETURNED = 0.02  # of transfers to a town
AGREEMENT = 0.955
REOPENED = 0.012
STALLED = 0.003  # left open for months: the clean-up campaign's work
MASS_SHARE = {"labour": 0.05, "land_requisition": 0.12, "environment": 0.10, "property_mgmt": 0.04}
# Spring Festival (正月初一): wage arrears peak in the weeks before it.
SPRING_FESTIVAL = {
    2004: (1, 22), 2005: (2, 9), 2006: (1, 29), 2007: (2, 18), 2008: (2, 7), 2009: (1, 26),
    2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10), 2014: (1, 31), 2015: (2, 19),
    2016: (2, 8), 2017: (1, 28), 2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12),
    2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6),
    2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11), 2033: (1, 31),
    2034: (2, 19), 2035: (2, 8),
}  # fmt: skip

# --- made-up people and words -------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严武戴莫孔汤骆楼寿宣斯"
)
GIVEN = (
    "建国建华建军志强志明国强国平海燕丽华秀英秀兰桂英玉兰美华红梅晓东晓燕伟明卫东立新永康"
    "文斌文华小龙小红春燕春华金花金土水根阿根国庆海波海军海峰丽娟丽萍雪芳雅琴佳怡子涵浩然"
    "宇航俊杰欣怡梓萱一鸣思远嘉伟家豪明辉振华"
)
INDUSTRIES = (
    "纺织", "袜业", "五金", "建材", "机械", "印染", "服饰", "电器", "珍珠", "汽配",
    "食品", "建筑工程", "装饰工程", "物流", "农业开发", "电子", "家具", "化纤", "轴承", "管业",
)  # fmt: skip
MOBILE = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
# Where migrant workers' identity numbers come from (labour disputes): Zhejiang first.
ELSEWHERE = (
    "330102", "330621", "330203", "330302", "511025", "412823", "342401", "360421", "522422",
    "430524", "452122", "532128", "410526", "341221",
)  # fmt: skip
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # GB 11643
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(prefix: str, born: date, sequence: int) -> str:
    """An 18-character resident identity number with the GB 11643 check digit."""
    body = f"{prefix}{born:%Y%m%d}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def credit_code(region: str, serial: str) -> str:
    """An enterprise's unified social credit code (GB 32100) with both check characters."""
    org = sum(int(c) * w for c, w in zip(serial, _ORG_WEIGHTS, strict=True))
    org_check = {10: "X", 11: "0"}.get(11 - org % 11, str(11 - org % 11))
    body = f"91{region}{serial}{org_check}"
    return body + credit_code_check(body)


def person_name(rng: random.Random) -> str:
    surname = SURNAMES[min(int(rng.expovariate(1 / 14)), len(SURNAMES) - 1)]
    if rng.random() < 0.3:
        return surname + GIVEN[int(rng.random() * len(GIVEN))]
    i = int(rng.random() * (len(GIVEN) // 2)) * 2
    return surname + GIVEN[i : i + 2]


def mobile(rng: random.Random) -> str:
    return _one(rng, MOBILE) + f"{int(rng.random() * 10**8):08d}"


# Per category: (title, facts). {a} applicant, {b} respondent, {v} village, {n} people,
# {x} amount in yuan. Terms of the agreement follow in TERMS.
STORIES: dict[str, list[tuple[str, str]]] = {
    "neighbourhood": [
        (
            "相邻通行纠纷",
            "{a}与{b}系{v}邻居，{b}在两户之间的通道上砌墙，影响{a}家通行，双方多次争吵。",
        ),
        ("排水纠纷", "{b}翻修院子后抬高地面，雨水倒灌{a}家厨房，{a}要求{b}恢复原排水沟。"),
        (
            "噪音扰邻纠纷",
            "{b}在自家一楼开设加工点，机器夜间运转，{a}一家休息受到影响，双方发生口角。",
        ),
        ("堆放杂物纠纷", "{b}长期在公共场地堆放建材杂物，{a}认为影响出行和消防安全，要求清理。"),
        ("树木遮挡采光纠纷", "{b}家院内香樟树遮挡{a}家采光，树根顶裂{a}家院墙，双方协商未果。"),
        ("饲养家禽扰邻纠纷", "{b}在房前散养鸡鸭，损坏{a}家菜地，{a}要求赔偿并圈养。"),
    ],
    "marriage_family": [
        ("赡养纠纷", "{a}年过七旬，育有子女三人，{b}等子女对赡养费分担意见不一，{a}生活困难。"),
        ("婚姻家庭矛盾", "{a}与{b}系夫妻，因家庭琐事及经济问题长期争吵，{a}回娘家居住，要求调解。"),
        ("分家析产纠纷", "{a}与{b}系兄弟，父亲去世后因老屋及存款分割发生争执，涉及金额约{x}元。"),
        ("抚养费纠纷", "{a}与{b}离婚后，{b}未按约定支付孩子抚养费，累计拖欠{x}元。"),
        ("婆媳矛盾", "{a}与儿媳{b}因照看孩子和家务分工长期不和，多次发生争吵，影响家庭和睦。"),
    ],
    "housing_land": [
        (
            "宅基地边界纠纷",
            "{a}与{b}两户宅基地相邻，{b}建房时越过原界址约半米，{a}要求拆除越界部分。",
        ),
        ("房屋漏水纠纷", "{b}家楼上卫生间漏水，导致楼下{a}家天花板霉变，{a}要求维修并赔偿{x}元。"),
        ("建房影响纠纷", "{b}新建房屋施工导致{a}家墙体开裂，{a}要求赔偿修缮费用{x}元。"),
        ("房屋租赁纠纷", "{a}将房屋出租给{b}，{b}拖欠租金{x}元且拒不搬离。"),
    ],
    "forest_land": [
        ("山林权属纠纷", "{a}与{b}对{v}后山一片竹林的承包权属各执一词，春笋季节多次发生冲突。"),
        ("承包地界纠纷", "{a}与{b}承包田相邻，{b}春耕时翻耕越界，{a}要求恢复田埂。"),
        ("坟地纠纷", "清明前{b}在{a}承包的山林内修坟，{a}要求迁移，双方发生争执。"),
        ("土地流转纠纷", "{a}将承包地流转给{b}种植苗木，{b}拖欠流转费{x}元。"),
    ],
    "contract": [
        ("买卖合同纠纷", "{a}向{b}供应货物，{b}收货后以质量问题为由拒付余款{x}元。"),
        ("借款纠纷", "{b}向{a}借款{x}元，约定一年内归还，到期后{b}以资金困难为由拖欠。"),
        ("装修合同纠纷", "{a}委托{b}装修房屋，因工期延误和质量问题，双方对尾款{x}元发生争议。"),
        ("承揽合同纠纷", "{b}承接{a}的加工业务后交货延迟，{a}要求扣减货款{x}元。"),
    ],
    "damages": [
        (
            "人身损害赔偿纠纷",
            "{a}在{b}家帮工时从梯子上摔下受伤，医药费等损失约{x}元，双方对赔偿数额有争议。",
        ),
        ("财产损害赔偿纠纷", "{b}焚烧秸秆引燃{a}家柴房，{a}要求赔偿损失{x}元。"),
        ("犬只伤人纠纷", "{b}饲养的犬只咬伤{a}，{a}花费医疗费{x}元，要求{b}赔偿。"),
        (
            "打架斗殴赔偿纠纷",
            "{a}与{b}酒后发生口角并互殴，{a}受轻微伤，要求赔偿医疗费和误工费{x}元。",
        ),
    ],
    "labour": [
        ("拖欠工资纠纷", "{a}在{b}从事生产工作，{b}拖欠工资{x}元，临近年关{a}要求结清。"),
        (
            "农民工工资纠纷",
            "{a}等{n}人在{b}承建的工地务工，年底工程款未到位，{b}拖欠工资共计{x}元。",
        ),
        ("工伤待遇纠纷", "{a}在{b}工作期间手指受伤，双方对停工留薪期工资和补偿{x}元有争议。"),
        ("解除劳动关系纠纷", "{b}以订单减少为由辞退{a}，{a}要求支付经济补偿{x}元。"),
    ],
    "traffic": [
        (
            "道路交通事故赔偿纠纷",
            "{a}驾驶电动自行车与{b}驾驶的小型轿车相撞受伤，交警认定{b}负主要责任，双方对赔偿{x}元有争议。",
        ),
        ("农用车事故纠纷", "{b}驾驶三轮车倒车时撞倒{a}，造成{a}腿部骨折，医药费{x}元。"),
    ],
    "property_mgmt": [
        ("物业服务纠纷", "{a}等业主认为{b}服务不到位，拒交物业费，{b}要求补缴{x}元。"),
        ("停车管理纠纷", "{b}调整小区停车收费标准，{a}等业主不同意，双方发生争执。"),
    ],
    "consumer": [
        ("消费纠纷", "{a}在{b}购买的家电使用一月即出现故障，要求退货退款{x}元，{b}只同意维修。"),
        ("预付卡消费纠纷", "{a}在{b}办理的会员卡余额{x}元，{b}停业后拒绝退款。"),
    ],
    "village_affairs": [
        ("村务管理纠纷", "{a}对{v}集体资产出租收益分配方案有异议，认为本户应分得份额未足额发放。"),
        ("村民待遇纠纷", "{a}出嫁后户口仍在{v}，要求享受村集体经济分红，与村经济合作社意见不一。"),
    ],
    "land_requisition": [
        (
            "征地补偿纠纷",
            "{a}等{n}户对{v}土地征收中青苗补偿标准有异议，要求提高补偿，涉及金额{x}元。",
        ),
        ("房屋拆迁安置纠纷", "{a}对旧房拆迁安置面积认定有异议，与{b}多次协商未果。"),
    ],
    "environment": [
        ("环境污染纠纷", "{a}等{n}户村民反映{b}排放废气异味，影响生活，要求整改并赔偿。"),
        ("噪声污染纠纷", "{b}厂区夜间生产噪声超标，附近{a}等住户多次投诉。"),
    ],
    "medical": [
        ("医疗纠纷", "{a}家属认为{b}诊疗过程中存在过错，导致病情延误，要求赔偿{x}元。"),
    ],
    "other": [
        ("其他民间纠纷", "{a}与{b}因合伙养殖收益分配发生争执，涉及金额约{x}元。"),
        ("宠物纠纷", "{b}的宠物猫多次进入{a}家中毁坏物品，双方发生口角。"),
        ("婚恋彩礼纠纷", "{a}与{b}解除婚约后，双方对返还彩礼{x}元的数额有争议。"),
    ],
}
TERMS = {
    "neighbourhood": "{b}于{d}前拆除妨碍部分、恢复原状，{a}予以配合；双方今后和睦相处",
    "marriage_family": "双方就{t}达成一致：按约定分担、按月履行，互谅互让",
    "housing_land": "{b}于{d}前按原界址整改或支付补偿款{x}元；双方不再就此事争执",
    "forest_land": "以调处时共同确认的界址为准，{b}于{d}前恢复原状",
    "contract": "{b}于{d}前向{a}支付{x}元，{a}放弃其余请求",
    "damages": "{b}一次性赔偿{a}各项损失共计{x}元",
    "labour": "{b}于{d}前支付{a}工资（补偿）共计{x}元，双方劳动争议就此了结",
    "traffic": "{b}（含保险理赔）赔偿{a}各项损失共计{x}元",
    "property_mgmt": "{b}于{d}前完成整改，业主按调整后标准缴纳费用",
    "consumer": "{b}为{a}办理退货并退款{x}元",
    "village_affairs": "村经济合作社按民主议定的方案补发应得份额",
    "land_requisition": "按补偿标准核定后，于{d}前足额发放补偿款{x}元",
    "environment": "{b}于{d}前完成整改并经监测达标，给予周边住户适当补偿",
    "medical": "{b}一次性补偿{a}{x}元，双方就此次诊疗再无争议",
    "other": "{b}于{d}前向{a}支付{x}元，双方纠纷就此了结",
}
# Categories with a sum of money at stake: (median yuan, spread, share of disputes with one).
AMOUNTS = {
    "labour": (12000, 0.9, 1.0),
    "contract": (30000, 1.2, 1.0),
    "damages": (8000, 1.0, 1.0),
    "traffic": (15000, 0.9, 1.0),
    "consumer": (2500, 0.8, 1.0),
    "medical": (60000, 0.8, 1.0),
    "land_requisition": (150000, 1.0, 0.8),
    "housing_land": (30000, 1.0, 0.4),
    "marriage_family": (40000, 1.0, 0.2),
    "forest_land": (8000, 0.8, 0.2),
    "property_mgmt": (6000, 0.8, 0.5),
    "other": (5000, 1.0, 0.5),
}
ORGANISATION_RESPONDENT = {
    "labour": 0.8, "property_mgmt": 0.9, "consumer": 0.8, "medical": 0.9, "environment": 0.8,
    "contract": 0.35, "land_requisition": 0.4,
}  # fmt: skip
ROUTES = {
    "labour": ROUTE.ARBITRATION, "contract": ROUTE.LITIGATION, "land_requisition":
    ROUTE.ADMINISTRATIVE, "forest_land": ROUTE.ADMINISTRATIVE, "village_affairs":
    ROUTE.ADMINISTRATIVE,
}  # fmt: skip
DECLINE_REASONS = [
    ("该纠纷已由人民法院受理，依法不予受理", ROUTE.LITIGATION),
    ("纠纷属于劳动人事争议仲裁范围，已告知当事人申请仲裁", ROUTE.ARBITRATION),
    ("被申请人明确拒绝调解，已告知当事人其他解决途径", ROUTE.LITIGATION),
    ("属于行政机关依法处理的事项，已告知向有关部门申请", ROUTE.ADMINISTRATIVE),
]
PROGRESS_WORDS = [
    "双方各自陈述理由，分歧较大，约定再次调解",
    "调解员释法明理，双方态度有所缓和，同意回去商量",
    "组织双方现场查看，核实了基本事实",
    "请村两委干部和乡贤参与，双方初步达成意向",
    "背对背做工作，双方在主要事项上接近一致",
]
TRANSFER_REASONS = {
    "village": [
        "纠纷涉及邻村，需镇矛调中心协调",
        "疑难复杂，涉及多个部门职责，村级难以调处",
        "经多次调解未能化解，当事人情绪激烈，提请镇矛调中心调处",
    ],
    "town": [
        "经镇矛调中心多次调解未能化解，涉及多部门职责，提请县级联席会议研究",
        "涉及跨乡镇、跨部门事项，需县级统筹协调",
        "群体性纠纷，需明确牵头部门和包案领导",
    ],
}
REPORT_REASONS = [
    "已会同当事人现场核查，提出处理意见，建议由矛调中心组织调解",
    "已依职责调查处理，相关责任已明确，办理结果已告知当事人",
    "已约谈被申请人，其同意履行相应义务",
]


# --- rows ---------------------------------------------------------------------------------------

# The columns written, per model; checked against the models so that a new field cannot be
# forgotten silently.
COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    Dispute: (
        "id", "number", "category_id", "channel", "region_id", "region_code", "title",
        "description", "people_involved", "amount", "risk", "complex", "cross_area", "mass",
        "status", "holder_id", "tier", "owner_id", "transfer_to_id", "department_id",
        "due_date", "due_action", "due_rule", "warning", "outcome", "route", "satisfaction",
        "registered_at", "accepted_at", "resolved_at", "closed_at", "registered_by_id",
        "version", "query_digest", "project",
    ),
    Party: (
        "id", "dispute_id", "side", "kind", "name", "phone", "id_number", "address",
        "anonymised_at", "phone_digest", "id_digest",
    ),
    LevelStay: (
        "id", "dispute_id", "tier", "body_id", "region_code", "arrived_at", "arrived_how",
        "left_at", "left_how", "due_date", "due_rule", "met",
    ),
    Session: (
        "id", "dispute_id", "held_on", "place", "mediators", "attendees", "record", "agreed",
        "recorded_by_id",
    ),
    Agreement: ("id", "dispute_id", "facts", "terms", "performance", "signed_on"),
    Event: (
        "id", "dispute_id", "at", "actor_id", "action", "from_status", "to_status", "body_id",
        "reason", "params", "public",
    ),
}  # fmt: skip
TABLES = tuple(COLUMNS)
PARTY, EVENT = TABLES.index(Party), TABLES.index(Event)


def check_columns() -> None:
    """Fail loudly if a model has gained (or lost) a column the generator does not write."""
    for model, columns in COLUMNS.items():
        actual = {f.attname for f in model._meta.concrete_fields}
        if actual != set(columns):
            raise RuntimeError(
                f"{model.__name__}: the generator writes {sorted(set(columns) - actual)} "
                f"but not {sorted(actual - set(columns))}; update jiefen/demo/synthetic.py"
            )


class _Adapt:
    """Values as Django's fields would send them to the database, as plain text and numbers
    so that batches cross the pipe from the playing process cheaply (marshal)."""

    def __init__(self, first: date, last: date) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.zone = timezone.get_default_timezone()
        # China has kept UTC+8 all year since 1991: one offset for the whole period, unless
        # the zone says otherwise on the first of some month.
        offsets = set()
        month = date(first.year, first.month, 1)
        while month <= last + timedelta(days=800):
            offsets.add(self.zone.utcoffset(datetime(month.year, month.month, 1, 12)))  # noqa: DTZ001
            month = (month + timedelta(days=32)).replace(day=1)
        self.offset = offsets.pop() if len(offsets) == 1 else None
        self.encrypt_phone = _encrypter("phone")
        self.encrypt_id = _encrypter("id_number")

    def at(self, local: datetime | None) -> str | None:
        """UTC text: naive, as Django sends it to SQLite and MySQL; with the offset for COPY."""
        if local is None:
            return None
        offset = self.offset or self.zone.utcoffset(local) or timedelta(0)
        text = str(local - offset)
        return text + "+00:00" if self.postgres else text

    @staticmethod
    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()


def _encrypter(name: str) -> Callable[[str], str | None]:
    """The field's own get_prep_value for a string, without its attempt to decrypt first."""
    fernet = Party._meta.get_field(name).f  # type: ignore[union-attr]  # keys derived once

    def encrypt(value: str) -> str | None:
        return fernet.encrypt(value.encode("utf-8")).decode("utf-8") if value else None

    return encrypt


def _json_encoder() -> Callable[[Any], str]:
    """json.dumps with its default options, as JSONField writes, without building a new
    encoder for each of the million calls."""
    from json import encoder as std

    make = getattr(std, "c_make_encoder", None)
    if make is None:
        return json.dumps

    def default(value: Any) -> Any:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    # The arguments of json.JSONEncoder.iterencode for dumps' defaults, minus the cycle check.
    encode = make(None, default, std.encode_basestring_ascii, None, ": ", ", ", False, False, True)
    return lambda value: "".join(encode(value, 0))


_to_json = _json_encoder()


# --- the world: villages, bodies, staff, rules ------------------------------------------------


@dataclass
class _Village:
    code: int
    name: str
    town: str  # name
    county_code: int
    body: int
    town_body: int | None
    county_body: int | None
    number_prefix: str


@dataclass
class _Department:
    body: int
    matters: frozenset[str]


@dataclass
class _World:
    calendar: WorkCalendar
    villages: list[_Village]
    categories: dict[str, int]
    # body id → (clerk, head): users holding CLERK and HEAD roles there.
    staff: dict[int, tuple[int, int]]
    department_staff: dict[int, int]
    names: dict[int, str]
    departments: dict[int, list[_Department]]  # by region code of the town or county
    body_region: dict[int, int]
    staff_added: int = 0
    # (tier, trigger, facts) → the winning rule as (key, days, day kind, action), or None.
    _rules: dict[tuple[str, str, frozenset[str]], tuple | None] = field(default_factory=dict)
    _dues: dict[tuple[str, date], tuple[date, str, str]] = field(default_factory=dict)

    def prepare(self) -> None:
        """Look up every rule the disputes can need now, so that playing them reads nothing
        from the database (rule_for checks the rules' stamp on each call)."""
        extra = ({"complex_or_cross_area"}, {"major_or_mass"})
        for tier in Tier.values:
            for trigger in ("registered", "arrived", "accepted"):
                for with_complex in (False, True):
                    for with_major in (False, True):
                        facts = frozenset(
                            {"always", "not_resolved"}
                            | (extra[0] if with_complex else set())
                            | (extra[1] if with_major else set())
                        )
                        rule = rule_for(tier=tier, trigger=trigger, facts=facts)
                        self._rules[(tier, trigger, facts)] = (
                            None
                            if rule is None
                            else (
                                rule.key,
                                rule.days,
                                rule.day_kind,
                                rule.action,
                            )
                        )

    def due(
        self, tier: str, trigger: str, facts: frozenset[str], start: date
    ) -> tuple[date, str, str] | None:
        """deadlines.deadline_for's rule_for and due_date, remembered: both are pure."""
        rule = self._rules[(tier, trigger, facts)]
        if rule is None:
            return None
        found = self._dues.get((rule[0], start))
        if found is None:
            key, days, day_kind, action = rule
            day = due_date(start=start, days=days, day_kind=day_kind, calendar=self.calendar)
            found = self._dues[(key, start)] = (day, action, key)
        return found

    def department_for(self, region: int, category: str, rng: random.Random) -> int | None:
        candidates = self.departments.get(region, [])
        if not candidates:
            return None
        fitting = [d for d in candidates if category in d.matters] or candidates
        return fitting[int(rng.random() * len(fitting))].body


STAFF_ROLES = {
    # body kind → ((slot, roles), ...): who registers and mediates, who heads.
    BodyKind.VILLAGE_GROUP: (
        ("clerk", (Role.CLERK, Role.MEDIATOR)),
        ("head", (Role.HEAD, Role.MEDIATOR)),
    ),
    BodyKind.TOWN_CENTRE: (
        ("clerk", (Role.CLERK, Role.MEDIATOR)),
        ("head", (Role.HEAD, Role.MEDIATOR)),
    ),
    BodyKind.COUNTY_MEETING: (("clerk", (Role.CLERK,)), ("head", (Role.HEAD,))),
    BodyKind.DEPARTMENT: (("clerk", (Role.CLERK,)),),
}
SLOT_ROLE = {"clerk": Role.CLERK, "head": Role.HEAD}


def _load_world(within: Region | None) -> _World:
    check_columns()
    low, high = within.span if within is not None else (0, 10**12)
    villages_q = Body.objects.filter(
        kind=BodyKind.VILLAGE_GROUP,
        active=True,
        region__level=Level.VILLAGE,
        region_code__range=(low, high),
    )
    rows = list(
        villages_q.order_by("region_code", "name").values_list(
            "pk", "region_code", "region__name", "region__parent_id"
        )
    )
    tier_bodies: dict[tuple[str, int], int] = {}
    for pk, kind, region in (
        Body.objects.filter(active=True, kind__in=[BodyKind.TOWN_CENTRE, BodyKind.COUNTY_MEETING])
        .order_by("region_code", "kind", "name")
        .values_list("pk", "kind", "region_id")
    ):
        tier_bodies.setdefault((kind, region), pk)  # the first, like services.next_body
    towns = {
        code: (name, parent)
        for code, name, parent in Region.objects.filter(
            code__in={parent for *_, parent in rows if parent is not None}
        ).values_list("code", "name", "parent_id")
    }
    villages: list[_Village] = []
    seen: set[int] = set()
    for pk, code, name, parent in rows:
        if code in seen or parent not in towns:
            continue  # one group per village (a unique constraint), and a town above it
        seen.add(code)
        town_name, county = towns[parent]
        town_body = tier_bodies.get((BodyKind.TOWN_CENTRE, parent))
        county_body = tier_bodies.get((BodyKind.COUNTY_MEETING, county)) if county else None
        villages.append(
            _Village(
                code=code,
                name=village_short_name(name),
                town=town_name,
                county_code=county or 0,
                body=pk,
                town_body=town_body,
                county_body=county_body if town_body else None,
                number_prefix=short_code(code_span(code, Level.TOWN)[0], Level.TOWN),
            )
        )
    involved_towns = {code_span(v.code, Level.TOWN)[0] for v in villages}
    involved_counties = {v.county_code for v in villages}
    departments: dict[int, list[_Department]] = {}
    department_bodies: list[tuple[int, int, str]] = []
    for pk, region, matters, type_key in (
        Body.objects.filter(
            kind=BodyKind.DEPARTMENT,
            active=True,
            region_id__in=sorted(involved_towns | involved_counties),
        )
        .order_by("region_code", "department_type__key", "pk")
        .values_list("pk", "region_id", "department_type__matters", "department_type__key")
    ):
        keys = frozenset(m.strip() for m in (matters or "").split(",") if m.strip())
        departments.setdefault(region, []).append(_Department(pk, keys))
        department_bodies.append((pk, region, type_key))

    tier_needed: list[tuple[int, str, int]] = []  # (body, kind, region)
    for v in villages:
        tier_needed.append((v.body, BodyKind.VILLAGE_GROUP, v.code))
    for (kind, region), pk in sorted(tier_bodies.items(), key=lambda item: item[1]):
        if (kind == BodyKind.TOWN_CENTRE and region in involved_towns) or (
            kind == BodyKind.COUNTY_MEETING and region in involved_counties
        ):
            tier_needed.append((pk, kind, region))
    staff, department_staff, names, added = _staff(tier_needed, department_bodies)
    calendar = calendar_current()
    categories = dict(Category.objects.filter(active=True).values_list("key", "pk"))
    body_region = {pk: region for pk, _kind, region in tier_needed}
    body_region.update({pk: region for pk, region, _key in department_bodies})
    return _World(
        calendar=calendar,
        villages=villages,
        categories=categories,
        staff=staff,
        department_staff=department_staff,
        names=names,
        departments=departments,
        body_region=body_region,
        staff_added=added,
    )


def _staff(
    tier: list[tuple[int, str, int]], departments: list[tuple[int, int, str]]
) -> tuple[dict[int, tuple[int, int]], dict[int, int], dict[int, str], int]:
    """The staff who act for each body: its own members where it has some with the role, and
    otherwise a stand-in account (no usable password; not counted as centre staff)."""
    members: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for body, role, user, username in Membership.objects.filter(
        user__is_active=True, body__active=True, role__in=[Role.CLERK, Role.HEAD]
    ).values_list("body_id", "role", "user_id", "user__username"):
        members.setdefault((body, role), []).append((username, user))
    wanted: list[tuple[str, int, str, tuple[str, ...]]] = []  # (username, body, slot, roles)
    for body, kind, region in tier:
        for slot, roles in STAFF_ROLES[BodyKind(kind)]:
            wanted.append((f"syn-{region}-{slot}", body, slot, roles))
    for body, region, type_key in departments:
        wanted.append((f"syn-{region}-{type_key}", body, "clerk", (Role.CLERK,)))
    missing = [w for w in wanted if (w[1], SLOT_ROLE[w[2]]) not in members]
    existing = dict(User.objects.filter(username__startswith="syn-").values_list("username", "pk"))
    new_users = []
    for username, *_rest in missing:
        if username not in existing:
            rng = random.Random(username)
            new_users.append(
                User(username=username, full_name=person_name(rng), password="!synthetic")
            )
    with transaction.atomic():
        User.objects.bulk_create(new_users, batch_size=2000)  # audit-exempt: demo data loading
        if new_users:
            existing = dict(
                User.objects.filter(username__startswith="syn-").values_list("username", "pk")
            )
        held = set(
            Membership.objects.filter(user__username__startswith="syn-").values_list(
                "user_id", "body_id", "role"
            )
        )
        memberships = [
            Membership(
                user_id=existing[username], body_id=body, role=role, counts_as_centre_staff=False
            )
            for username, body, _slot, roles in missing
            for role in roles
            if (existing[username], body, role) not in held
        ]
        Membership.objects.bulk_create(
            memberships, batch_size=2000
        )  # audit-exempt: demo data loading
    for username, body, slot, _roles in missing:
        members.setdefault((body, SLOT_ROLE[slot]), []).append((username, existing[username]))
    pick = {key: min(users)[1] for key, users in members.items()}
    staff = {
        body: (pick[(body, Role.CLERK)], pick[(body, Role.HEAD)]) for body, _kind, _region in tier
    }
    department_staff = {body: pick[(body, Role.CLERK)] for body, _region, _key in departments}
    ids = {*department_staff.values()} | {u for pair in staff.values() for u in pair}
    names = {}
    for pk, full_name, username in (
        User.objects.filter(pk__in=sorted(ids)).values_list("pk", "full_name", "username")
        if len(ids) < 900
        else User.objects.values_list("pk", "full_name", "username")
    ):
        names[pk] = full_name or username
    return staff, department_staff, names, len(new_users)


# --- one dispute --------------------------------------------------------------------------------


class _Stop(Exception):
    """The next move would happen after `now`: the dispute stays where it is."""


class _Rows:
    """Rows waiting to be written, and the next id of each table."""

    def __init__(self, adapt: _Adapt, batch: int) -> None:
        self.adapt, self.batch = adapt, batch
        self.rows: dict[type[models.Model], list[tuple]] = {m: [] for m in TABLES}
        self.next_id: dict[type[models.Model], int] = {}
        for model in TABLES:
            top = model._default_manager.aggregate(top=Max("id"))["top"] or 0
            self.next_id[model] = top + 1
        self.counters: dict[str, int] = dict(NumberCounter.objects.values_list("prefix", "last"))
        self.touched: set[str] = set()
        self.statuses: Counter[str] = Counter()

    def take_id(self, model: type[models.Model]) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    def number(self, prefix: str, year: int) -> str:
        key = f"{prefix}-{year}"
        last = self.counters.get(key, 0) + 1
        self.counters[key] = last
        self.touched.add(key)
        return f"{key}-{last:06d}"

    def take(self) -> Batch:
        """The rows so far, the counters they moved on and their statuses; starts afresh."""
        batch = (
            [self.rows[model] for model in TABLES],
            {key: self.counters[key] for key in self.touched},
            dict(self.statuses),
        )
        self.rows = {m: [] for m in TABLES}
        self.touched = set()
        self.statuses = Counter()
        return batch


class _Stay:
    __slots__ = ("arrived", "body", "due", "how", "left", "left_how", "met", "pk", "rule", "tier")

    def __init__(self, pk: int, tier: str, body: int, arrived: datetime, how: str) -> None:
        self.pk, self.tier, self.body, self.arrived, self.how = pk, tier, body, arrived, how
        self.left: datetime | None = None
        self.left_how = ""
        self.due: date | None = None
        self.rule = ""
        self.met: bool | None = None


TIER_OF_BODY_KIND = {kind.value: tier.value for kind, tier in TIER_OF_KIND.items()}


class _Case:
    """One dispute played through the services' moves; see services.py for each move."""

    def __init__(
        self, world: _World, rows: _Rows, village: _Village, registered: datetime, now: datetime
    ) -> None:
        self.w, self.r, self.v, self.now = world, rows, village, now
        self.pk = rows.take_id(Dispute)
        self.status = ""
        self.holder = village.body
        self.tier = TIER.VILLAGE
        self.owner: int | None = None
        self.transfer_to: int | None = None
        self.department: int | None = None
        self.due: date | None = None
        self.due_action = ""
        self.due_rule = ""
        self.outcome = ""
        self.route = ""
        self.satisfaction: int | None = None
        self.accepted_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.version = 1
        self.stays: list[_Stay] = []
        self.agreement: tuple | None = None
        self.last = registered
        self.registered_at = registered
        self.registered_by = 0
        self.facts: frozenset[str] = frozenset()
        self.attendees = ""
        self.description = ""
        # number, category, channel, title, description, people, amount, risk, complex, cross
        self.fixed: tuple = ()

    # -- the projection and deadlines, as services._refresh_deadline ---------------------------

    def _open_stay(self) -> _Stay | None:
        for stay in reversed(self.stays):
            if stay.left is None:
                return stay
        return None

    def _due(self, tier: str, trigger: str, start: date) -> tuple[date, str, str] | None:
        found = self.w.due(tier, trigger, self.facts, start)
        if found is not None and found[1] == "assign_department" and self.department:
            return None  # as deadlines.deadline_for: a lead department is already assigned
        return found

    def _refresh(self) -> None:
        if self.status == STATUS.ASSIGNED:
            return
        found = None
        stay = self._open_stay()
        if self.status in (STATUS.REGISTERED, STATUS.ACCEPTED, STATUS.MEDIATING) and stay:
            trigger = "registered" if stay.how == "registered" else "arrived"
            found = self._due(stay.tier, trigger, stay.arrived.date())
            if self.status != STATUS.REGISTERED and self.accepted_at is not None:
                accepted = max(self.accepted_at, stay.arrived).date()
                other = self._due(stay.tier, "accepted", accepted)
                if other is not None and (found is None or other[0] < found[0]):
                    found = other
        self.due, self.due_action, self.due_rule = found or (None, "", "")
        if stay is not None and stay.due != self.due:
            stay.due, stay.rule = self.due, self.due_rule

    def _deadline_params(self) -> dict[str, Any]:
        if self.due is None:
            return {}
        return {
            "due": self.due.isoformat(),
            "due_action": self.due_action,
            "due_rule": self.due_rule,
        }

    def _arrive(self, body: int, how: str, at: datetime) -> None:
        tier = TIER_OF_BODY_KIND[self.kind_of(body)]
        self.stays.append(_Stay(self.r.take_id(LevelStay), tier, body, at, how))

    def _leave(self, how: str, at: datetime) -> bool | None:
        stay = self._open_stay()
        if stay is None:
            return None
        stay.left, stay.left_how = at, how
        stay.met = None if stay.due is None else at.date() <= stay.due
        return stay.met

    def kind_of(self, body: int) -> str:
        v = self.v
        if body == v.body:
            return BodyKind.VILLAGE_GROUP
        if body == v.town_body:
            return BodyKind.TOWN_CENTRE
        return BodyKind.COUNTY_MEETING

    def _event(
        self,
        at: datetime,
        actor: int | None,
        action: str,
        from_status: str,
        body: int | None,
        reason: str = "",
        params: dict[str, Any] | None = None,
        public: bool = True,
    ) -> None:
        a = self.r.adapt
        self.r.rows[Event].append(
            (
                self.r.take_id(Event),
                self.pk,
                a.at(at),
                actor,
                action,
                from_status,
                self.status,
                body,
                reason,
                params or {},  # as JSON when written
                public,
            )
        )

    def _check_time(self, at: datetime) -> datetime:
        if at <= self.last:
            at = self.last + timedelta(minutes=3)
        if at > self.now:
            raise _Stop
        self.last = at
        return at

    def move(
        self,
        action: str,
        target: str,
        at: datetime,
        actor: int,
        *,
        who: str = "holder",
        reason: str = "",
        public: bool = True,
        apply: Callable[[datetime], dict] | None = None,
    ) -> datetime:
        at = self._check_time(at)
        from_status = self.status
        body = {"holder": self.holder, "receiver": self.transfer_to, "department": self.department}[
            who
        ]
        self.status = target
        params = apply(at) if apply else {}
        self.version += 1
        self._refresh()
        self._event(
            at, actor, action, from_status, body, reason, params | self._deadline_params(), public
        )
        return at

    # -- the moves ------------------------------------------------------------------------------

    def register(self, at: datetime, actor: int, info: dict[str, Any]) -> None:
        self.last = at
        self.status = STATUS.REGISTERED
        self.owner = actor
        self.registered_at = at
        self.registered_by = actor
        self._arrive(self.v.body, "registered", at)
        self._refresh()
        params = self._deadline_params() | info
        self._event(at, actor, ACTION.REGISTER, "", self.v.body, params=params)

    def accept(self, at: datetime, actor: int) -> datetime:
        def apply(now: datetime) -> dict:
            self.accepted_at = self.accepted_at or now
            self.owner = self.owner or actor
            return {}

        return self.move(ACTION.ACCEPT, STATUS.ACCEPTED, at, actor, apply=apply)

    def decline(self, at: datetime, actor: int, reason: str, route: str) -> datetime:
        def apply(now: datetime) -> dict:
            self._leave(LEFT.DECLINED, now)
            self.route = route
            self.closed_at = now
            return {"route": route}

        return self.move(ACTION.DECLINE, STATUS.DECLINED, at, actor, reason=reason, apply=apply)

    def session(self, at: datetime, actor: int, text: tuple[str, str, str, str]) -> datetime:
        place, mediators, record, agreed = text

        def apply(now: datetime) -> dict:
            self.accepted_at = self.accepted_at or now
            pk = self.r.take_id(Session)
            self.r.rows[Session].append(
                (
                    pk,
                    self.pk,
                    self.r.adapt.day(now.date()),
                    place,
                    mediators,
                    self.attendees,
                    record,
                    agreed,
                    actor,
                )
            )
            return {"session": pk, "held_on": now.date().isoformat()}

        return self.move(ACTION.SESSION, STATUS.MEDIATING, at, actor, apply=apply, public=False)

    def transfer(self, at: datetime, actor: int, reason: str) -> datetime:
        target = self.v.town_body if self.holder == self.v.body else self.v.county_body
        assert target is not None

        def apply(now: datetime) -> dict:
            in_time = self._leave(LEFT.TRANSFERRED, now)
            self.transfer_to = target
            tier = TIER_OF_BODY_KIND[self.kind_of(target)]
            return {"to_body": target, "to_tier": tier, "in_time": in_time}

        return self.move(
            ACTION.TRANSFER, STATUS.TRANSFERRING, at, actor, reason=reason, apply=apply
        )

    def receive(self, at: datetime, actor: int) -> datetime:
        def apply(now: datetime) -> dict:
            assert self.transfer_to is not None
            from_body = self.holder
            self.holder = self.transfer_to
            self.tier = TIER_OF_BODY_KIND[self.kind_of(self.holder)]
            self.transfer_to = None
            self.owner = actor
            self.accepted_at = self.accepted_at or now
            self._arrive(self.holder, "transferred", now)
            return {"from_body": from_body}

        return self.move(ACTION.RECEIVE, STATUS.ACCEPTED, at, actor, who="receiver", apply=apply)

    def give_back(self, at: datetime, actor: int, reason: str) -> datetime:
        def apply(now: datetime) -> dict:
            from_body = self.transfer_to
            self.transfer_to = None
            self.accepted_at = self.accepted_at or now
            self._arrive(self.holder, "returned", now)
            return {"from_body": from_body, "holder": self.holder}

        return self.move(
            ACTION.RETURN,
            STATUS.ACCEPTED,
            at,
            actor,
            who="receiver",
            reason=reason,
            apply=apply,
        )

    def assign(self, at: datetime, actor: int, department: int, days: int) -> datetime:
        def apply(now: datetime) -> dict:
            self.department = department
            self.due = self.w.calendar.add(now.date(), days)
            self.due_action = "report"
            self.due_rule = "assignment"
            return {"department": department, "days": days}

        return self.move(ACTION.ASSIGN, STATUS.ASSIGNED, at, actor, apply=apply)

    def report(self, at: datetime, actor: int, reason: str) -> datetime:
        department = self.department
        return self.move(
            ACTION.REPORT,
            STATUS.MEDIATING,
            at,
            actor,
            who="department",
            reason=reason,
            apply=lambda now: {"department": department},
        )

    def resolve(
        self, at: datetime, actor: int, outcome: str, route: str, agreement: tuple | None
    ) -> datetime:
        def apply(now: datetime) -> dict:
            self.outcome = outcome
            self.route = route if outcome == OUTCOME.NO_AGREEMENT else ""
            self.resolved_at = now
            in_time = self._leave(LEFT.RESOLVED, now)
            if outcome == OUTCOME.AGREEMENT and agreement is not None:
                pk = self.agreement[0] if self.agreement else self.r.take_id(Agreement)
                self.agreement = (pk, self.pk, *agreement, self.r.adapt.day(now.date()))
            return {"outcome": outcome, "route": self.route, "in_time": in_time, "tier": self.tier}

        return self.move(ACTION.RESOLVE, STATUS.RESOLVED, at, actor, apply=apply)

    def visit(self, at: datetime, actor: int, satisfaction: int, held: bool | None) -> datetime:
        def apply(now: datetime) -> dict:
            self.satisfaction = satisfaction
            return {"satisfaction": satisfaction, "held": held}

        return self.move(ACTION.VISIT, STATUS.VISITED, at, actor, apply=apply)

    def close(self, at: datetime, actor: int) -> datetime:
        def apply(now: datetime) -> dict:
            self.closed_at = now
            return {}

        return self.move(ACTION.CLOSE, STATUS.CLOSED, at, actor, apply=apply)

    def reopen(self, at: datetime, actor: int, reason: str) -> datetime:
        def apply(now: datetime) -> dict:
            previous = {"outcome": self.outcome, "satisfaction": self.satisfaction}
            self.outcome = self.route = ""
            self.satisfaction = None
            self.resolved_at = self.closed_at = None
            self._arrive(self.holder, "reopened", now)
            return previous

        return self.move(ACTION.REOPEN, STATUS.ACCEPTED, at, actor, reason=reason, apply=apply)

    # -- writing --------------------------------------------------------------------------------

    def flush(self, today: date) -> None:
        a = self.r.adapt
        rows = self.r.rows
        for s in self.stays:
            rows[LevelStay].append(
                (
                    s.pk,
                    self.pk,
                    s.tier,
                    s.body,
                    self.v.code,
                    a.at(s.arrived),
                    s.how,
                    a.at(s.left),
                    s.left_how,
                    a.day(s.due),
                    s.rule,
                    s.met,
                )
            )
        if self.agreement is not None:
            rows[Agreement].append(self.agreement)
        warning = int(warning_for(self.due, today, self.w.calendar))
        (
            number,
            category,
            channel,
            title,
            description,
            people,
            amount,
            risk,
            complex_,
            cross_area,
        ) = self.fixed
        rows[Dispute].append(
            (
                self.pk,
                number,
                category,
                channel,
                self.v.code,
                self.v.code,
                title,
                description,
                people,
                amount and str(amount),
                risk,
                complex_,
                cross_area,
                people >= MASS_THRESHOLD,
                self.status,
                self.holder,
                self.tier,
                self.owner,
                self.transfer_to,
                self.department,
                a.day(self.due),
                self.due_action,
                self.due_rule,
                warning,
                self.outcome,
                self.route,
                self.satisfaction,
                a.at(self.registered_at),
                a.at(self.accepted_at),
                a.at(self.resolved_at),
                a.at(self.closed_at),
                self.registered_by,
                self.version,
                "",  # no query code: registered by staff, not filed through the portal
                "",  # no project named
            )
        )
        self.r.statuses[self.status] += 1


# --- time ---------------------------------------------------------------------------------------


def office_time(rng: random.Random, day: date) -> datetime:
    """A moment of the working day: 8:30–11:45 or 13:30–17:30, local time."""
    if rng.random() < 0.58:
        minute = 8 * 60 + 30 + int(rng.random() * 195)
    else:
        minute = 13 * 60 + 30 + int(rng.random() * 240)
    hour, minute = divmod(minute, 60)
    # Naive local time while playing; made aware (or UTC text) when written.
    return datetime(day.year, day.month, day.day, hour, minute, int(rng.random() * 60))  # noqa: DTZ001


class _Clock:
    def __init__(self, rng: random.Random, calendar: WorkCalendar) -> None:
        self.rng, self.calendar = rng, calendar

    def after(self, at: datetime, working_days: int) -> datetime:
        """At office hours `working_days` after `at`; for 0, a little later the same day, or the
        next working morning when the day is over."""
        if working_days <= 0:
            later = at + timedelta(minutes=_int(self.rng, 10, 119))
            if later.date() == at.date() and later.hour < 18:
                return later
            working_days = 1
        return office_time(self.rng, self.calendar.add(at.date(), working_days))


# --- the story of one dispute ------------------------------------------------------------------


_TABLES: dict[tuple, tuple[list[Any], list[float]]] = {}


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    """A value drawn with the given weights."""
    table = _TABLES.get(weighted)
    if table is None:
        values, cumulative = [v for v, _w in weighted], list(_accumulate(w for _v, w in weighted))
        table = _TABLES[weighted] = (values, cumulative)
    values, cumulative = table
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _int(rng: random.Random, low: int, high: int) -> int:
    """Like rng.randint, a few times faster; this runs millions of times."""
    return low + int(rng.random() * (high - low + 1))


def _one(rng: random.Random, items: Any) -> Any:
    return items[int(rng.random() * len(items))]


def _amount(rng: random.Random, category: str, people: int) -> Decimal | None:
    spec = AMOUNTS.get(category)
    if spec is None or rng.random() >= spec[2]:
        return None
    median, spread, _share = spec
    value = median * math.exp(rng.gauss(0, spread))
    if category == "labour" and people > 2:
        value *= people * 0.6
    value = min(max(value, 200), 50_000_000)
    step = 100 if value >= 2000 else 10
    return Decimal(int(value / step) * step).quantize(Decimal("0.01"))


def _people(rng: random.Random, category: str) -> int:
    if rng.random() < MASS_SHARE.get(category, 0.002):
        return min(int(MASS_THRESHOLD + rng.expovariate(1 / 22)), 400)
    return _pick(rng, ((2, 62), (3, 17), (4, 8), (5, 5), (6, 3), (7, 2), (8, 2), (9, 1)))


def _parties(rng: random.Random, category: str, case: _Case, year: int) -> list[str]:
    """The party rows of `case`; returns their names, applicant first, respondent second."""
    village, rows = case.v, case.r
    county = str(village.county_code)[:6]
    sides = [SIDE.APPLICANT, SIDE.RESPONDENT]
    extra = rng.random()
    if extra < 0.10:
        sides.append(SIDE.THIRD)
    elif extra < 0.22:
        sides.append(SIDE.AGENT)
    names = []
    for side in sides:
        org_share = ORGANISATION_RESPONDENT.get(category, 0.03) if side == SIDE.RESPONDENT else 0
        if rng.random() < org_share:
            place = village.town[:2] if rng.random() < 0.6 else "绍兴"
            trade = {"property_mgmt": "物业服务"}.get(category) or _one(rng, INDUSTRIES)
            name = f"{place}{person_name(rng)[1:]}{trade}有限公司"
            if category == "medical":
                name = f"{village.town}卫生院"
            phone = f"0575-8{int(rng.random() * 10**7):07d}" if rng.random() < 0.8 else ""
            serial = f"{int(rng.random() * 10**8):08d}"
            ident = credit_code(county, serial) if rng.random() < 0.8 else ""
            address = f"{village.town}工业区{_int(rng, 1, 80)}号"
            kind = KIND.ORGANISATION
        else:
            name = person_name(rng)
            has_phone = {SIDE.APPLICANT: 0.96, SIDE.RESPONDENT: 0.65}.get(side, 0.5)
            phone = mobile(rng) if rng.random() < has_phone else ""
            has_id = {SIDE.APPLICANT: 0.7, SIDE.RESPONDENT: 0.35}.get(side, 0.3)
            ident = ""
            if rng.random() < has_id:
                prefix = county
                if category == "labour" and rng.random() < 0.6:
                    prefix = _one(rng, ELSEWHERE)
                born = date(year - _int(rng, 20, 80), _int(rng, 1, 12), _int(rng, 1, 28))
                ident = resident_id(prefix, born, int(rng.random() * 1000))
            address = f"{village.town}{village.name}{_int(rng, 1, 12)}组{_int(rng, 1, 99)}号"
            kind = KIND.PERSON
        # Encrypted when written.
        party = (rows.take_id(Party), case.pk, side, kind, name, phone, ident, address, None)
        rows.rows[Party].append(party)
        names.append(name)
    return names


PLACES = {
    TIER.VILLAGE: "{village}人民调解室",
    TIER.TOWN: "{town}社会治理中心调解室",
    TIER.COUNTY: "县社会矛盾纠纷调处化解中心",
}


class _Story:
    """Draws one dispute's facts and plays its moves up to `now` (see _play)."""

    def __init__(
        self,
        world: _World,
        rows: _Rows,
        rng: random.Random,
        village: _Village,
        category: str,
        registered: datetime,
        now: datetime,
    ) -> None:
        self.w, self.rng, self.category = world, rng, category
        self.clock = _Clock(rng, world.calendar)
        case = self.case = _Case(world, rows, village, registered, now)
        names = _parties(rng, category, case, registered.year)
        self.a, self.b = names[0], names[1]
        case.attendees = "、".join(names)
        people = _people(rng, category)
        mass = people >= MASS_THRESHOLD
        amount = _amount(rng, category, people)
        self.x = f"{amount:,.0f}" if amount is not None else "若干"
        stories = STORIES[category]
        if people < 3:  # "{a}等{n}人" only for groups
            stories = [item for item in stories if "{n}" not in item[1]] or stories
        title, story = _one(rng, stories)
        description = story.format(a=self.a, b=self.b, v=village.name, n=people, x=self.x)
        if rng.random() < 0.3:
            description += "双方多次协商未果，申请调解。"
        case.description = description
        roll = rng.random()
        risk = RISK.ORDINARY
        if mass:
            risk = RISK.MAJOR if roll < 0.25 else RISK.ELEVATED if roll < 0.85 else RISK.ORDINARY
        elif roll < 0.006:
            risk = RISK.MAJOR
        elif roll < 0.05:
            risk = RISK.ELEVATED

        # Where it ends: declined, or resolved in the village, the town or the county.
        roll = rng.random()
        big = mass or risk == RISK.MAJOR
        if roll < DECLINED:
            self.reach = "declined"
        elif roll < DECLINED + REACH_COUNTY * (5 if big else 1) and village.county_body:
            self.reach = TIER.COUNTY
        elif roll < DECLINED + REACH_COUNTY + REACH_TOWN * (3 if big else 1) and village.town_body:
            self.reach = TIER.TOWN
        else:
            self.reach = TIER.VILLAGE
        if self.reach == TIER.VILLAGE:
            complex_, cross_area = rng.random() < 0.015, rng.random() < 0.008
        else:
            complex_, cross_area = rng.random() < 0.75, rng.random() < 0.2
        self.complex = complex_ or cross_area
        case.facts = frozenset(
            {"always", "not_resolved"}
            | ({"complex_or_cross_area"} if self.complex else set())
            | ({"major_or_mass"} if big else set())
        )
        self.stalled = rng.random() < STALLED

        clerk, head = world.staff[village.body]
        registrar = clerk if rng.random() < 0.85 else head
        channel = _pick(rng, CHANNELS)
        case.fixed = (
            rows.number(village.number_prefix, registered.year),
            world.categories[category],
            channel,
            title,
            description,
            people,
            amount,
            risk,
            complex_,
            cross_area,
        )
        case.register(
            registered,
            registrar,
            {
                "category": category,
                "channel": channel,
                "risk": risk,
                "complex": complex_,
                "cross_area": cross_area,
                "mass": mass,
                "parties": len(names),
            },
        )

    def play(self, today: date) -> None:
        with contextlib.suppress(_Stop):
            self._play()
        self.case.flush(today)

    # -- pieces -----------------------------------------------------------------------------

    def _place(self) -> str:
        v = self.case.v
        return PLACES[self.case.tier].format(village=v.name, town=v.town)

    def _sessions(
        self, at: datetime, count: int, first_gap: int | None = None, quick: bool = False
    ) -> datetime:
        """`count` sessions at the holder, the first `first_gap` working days after `at`;
        `quick`: close together, as at a town centre with its seven working days."""
        rng, case = self.rng, self.case
        clerk, head = self.w.staff[case.holder]
        mediators = "、".join(dict.fromkeys([self.w.names[clerk], self.w.names[head]]))
        for i in range(count):
            if i == 0:
                gap = first_gap
                if gap is None and quick:
                    gap = _pick(rng, ((0, 50), (1, 35), (2, 15)))
                elif gap is None:
                    gap = _pick(rng, ((0, 25), (1, 25), (2, 20), (3, 15), (5, 10), (8, 5)))
            else:
                gap = _int(rng, 1, 2) if quick else _int(rng, 2, 8)
            words = _one(rng, PROGRESS_WORDS)
            record = f"调解员分别听取双方陈述，核实了有关情况，宣讲相关法律法规。{words}。"
            recorder = clerk if rng.random() < 0.7 else head
            text = (self._place(), mediators, record, "")
            at = case.session(self.clock.after(at, gap), recorder, text)
        return at

    def _resolve(self, at: datetime, same_day: bool, rate: float = AGREEMENT) -> datetime:
        rng, case = self.rng, self.case
        clerk, _head = self.w.staff[case.holder]
        when = self.clock.after(at, 0 if same_day else _int(rng, 1, 3))
        if rng.random() < rate:
            by = self.w.calendar.add(when.date(), _one(rng, [5, 10, 15, 20]))
            by_text = f"{by.year}年{by.month}月{by.day}日"
            terms = TERMS[self.category].format(
                a=self.a, b=self.b, x=self.x, d=by_text, t="赡养、抚养及财产事项"
            )
            performance = _one(
                rng,
                [
                    "协议签订当日一次性履行完毕",
                    f"于{by_text}前履行完毕",
                    f"分两期履行，首期于协议签订之日支付，余款于{by_text}前付清",
                ],
            )
            agreement = (case.description, terms + "。", performance)
            at = case.resolve(when, clerk, OUTCOME.AGREEMENT, "", agreement)
            self.agreed = True
        else:
            route = ROUTES.get(self.category) or _one(rng, [ROUTE.LITIGATION, ROUTE.OTHER])
            at = case.resolve(when, clerk, OUTCOME.NO_AGREEMENT, route, None)
            self.agreed = False
        return at

    def _aftercare(self, at: datetime, reopen_allowed: bool = True) -> None:
        rng, case = self.rng, self.case
        clerk, head = self.w.staff[case.holder]
        if self.agreed:
            satisfaction = _pick(rng, ((5, 63), (4, 27), (3, 7), (2, 2), (1, 1)))
            held: bool | None = rng.random() < 0.96
        else:
            satisfaction = _pick(rng, ((5, 15), (4, 30), (3, 30), (2, 15), (1, 10)))
            held = None
        reopen = reopen_allowed and rng.random() < REOPENED * (8 if held is False else 0.7)
        at = case.visit(self.clock.after(at, _int(rng, 3, 12)), clerk, satisfaction, held)
        if not reopen or rng.random() < 0.5:
            at = case.close(self.clock.after(at, _int(rng, 0, 3)), clerk)
        if not reopen:
            return
        reason = (
            "回访发现协议未履行，当事人申请重新调解"
            if held is False
            else "当事人对处理结果提出新的异议，经负责人同意重新调处"
        )
        at = case.reopen(self.clock.after(at, _int(rng, 3, 25)), head, reason)
        at = self._sessions(at, _int(rng, 1, 2))
        at = self._resolve(at, True, 0.8)
        self._aftercare(at, reopen_allowed=False)

    def _stall(self, at: datetime) -> datetime:
        return self.clock.after(at, _int(self.rng, 30, 250)) if self.stalled else at

    # -- the whole story ----------------------------------------------------------------------

    def _play(self) -> None:
        rng, case, clock, w = self.rng, self.case, self.clock, self.w
        v = case.v
        clerk, head = w.staff[v.body]
        at = case.registered_at

        if self.reach == "declined":
            reason, route = _one(rng, DECLINE_REASONS)
            when = clock.after(at, _one(rng, [0, 0, 1, 2]))
            case.decline(when, _one(rng, [clerk, head]), reason, route)
            return

        # Complex disputes may go up straight from registration, within three working days.
        direct = self.reach != TIER.VILLAGE and self.complex and rng.random() < 0.4
        if not direct:
            gap = _pick(rng, ((0, 75), (1, 20), (2, 5)))
            at = case.accept(clock.after(at, gap), case.owner or clerk)
        if self.reach == TIER.VILLAGE:
            late = rng.random() < 0.03
            first = _int(rng, 18, 30) if late else None
            at = self._sessions(at, _pick(rng, ((1, 55), (2, 30), (3, 15))), first)
            at = self._resolve(self._stall(at), rng.random() < 0.75)
            self._aftercare(at)
            return

        if self.complex:
            if rng.random() < LATE_TRANSFER:
                gap = _int(rng, 4, 7)
            else:
                gap = _pick(rng, ((0, 30), (1, 35), (2, 25), (3, 10)))
            if not direct and gap > 1 and rng.random() < 0.5:
                at = self._sessions(at, 1, 0)
            at = max(at, clock.after(case.registered_at, gap))
        else:
            at = self._sessions(at, _int(rng, 1, 3))
            if rng.random() < LATE_TRANSFER:
                at = clock.after(at, _int(rng, 15, 25))
        reason = _one(rng, TRANSFER_REASONS["village"])
        at = case.transfer(clock.after(at, 0), _one(rng, [clerk, head]), reason)
        assert v.town_body is not None
        t_clerk, t_head = w.staff[v.town_body]
        if rng.random() < RETURNED:
            reason = "经审查不属于疑难复杂纠纷，退回村调处工作组继续调解"
            at = case.give_back(clock.after(at, _int(rng, 0, 2)), t_head, reason)
            at = self._sessions(at, _int(rng, 1, 2))
            self._aftercare(self._resolve(at, True))
            return
        gap = _pick(rng, ((0, 40), (1, 40), (2, 20)))
        at = case.receive(clock.after(at, gap), _one(rng, [t_clerk, t_head]))
        if self.reach == TIER.TOWN:
            at = self._sessions(at, _pick(rng, ((1, 50), (2, 35), (3, 15))), quick=True)
            department = w.department_for(w.body_region[v.town_body], self.category, rng)
            if department is not None and rng.random() < 0.25:
                at = self._department(at, t_head, department, _int(rng, 3, 5), 0.05)
                at = self._sessions(at, 1, _int(rng, 0, 1))
            at = self._resolve(self._stall(at), rng.random() < 0.7)
            self._aftercare(at)
            return

        # Up to the county joint meeting, usually within the town's seven working days.
        at = self._sessions(at, 1, quick=True)
        gap = _int(rng, 6, 10) if rng.random() < LATE_TRANSFER else _int(rng, 1, 3)
        reason = _one(rng, TRANSFER_REASONS["town"])
        at = case.transfer(clock.after(at, gap), t_head, reason)
        assert v.county_body is not None
        c_clerk, c_head = w.staff[v.county_body]
        at = case.receive(clock.after(at, _int(rng, 0, 3)), c_clerk)
        department = w.department_for(v.county_code, self.category, rng)
        if department is not None and rng.random() < 0.9:
            # Put on the agenda of the monthly meeting, which names the lead department.
            meeting = case.due or clock.calendar.add(at.date(), 10)
            span = max(clock.calendar.between(at.date(), meeting), 0)
            at = clock.after(at, _int(rng, 0, span)) if span else at
            at = self._department(at, c_head, department, _int(rng, 10, 20), 0.1)
        at = self._sessions(at, _int(rng, 1, 2))
        at = self._resolve(self._stall(at), rng.random() < 0.6, 0.85)
        self._aftercare(at)

    def _department(
        self, at: datetime, head: int, department: int, days: int, late_share: float
    ) -> datetime:
        rng, case, clock = self.rng, self.case, self.clock
        at = case.assign(clock.after(at, _int(rng, 0, 1)), head, department, days)
        gap = days + _int(rng, 1, 6) if rng.random() < late_share else _int(rng, 1, days)
        reason = _one(rng, REPORT_REASONS)
        return case.report(clock.after(at, gap), self.w.department_staff[department], reason)


# --- when disputes arise ------------------------------------------------------------------------


def spring_festival(year: int) -> date:
    month, day = SPRING_FESTIVAL.get(year, (2, 5))
    return date(year, month, day)


def season(category: str, day: date) -> float:
    """How much more (or less) often disputes of `category` arise on `day` than on average."""
    festival = spring_festival(day.year)
    if day > festival + timedelta(days=25):
        ahead = (spring_festival(day.year + 1) - day).days
    else:
        ahead = (festival - day).days
    doy = day.timetuple().tm_yday
    if category == "labour":
        if 0 <= ahead <= 14:
            return 4.0  # wage arrears before Spring Festival
        if 14 < ahead <= 49:
            return 1.0 + 3.0 * (49 - ahead) / 35
        if -20 <= ahead < 0:
            return 0.6
        return 1.0
    if category == "marriage_family":
        return 1.6 if -25 <= ahead < 0 else 1.0
    if category == "forest_land":  # spring planting, bamboo shoots and Qingming
        return 1.0 + 1.6 * math.exp(-(((doy - 92) / 22) ** 2))
    if category == "housing_land":
        return 1.0 + 0.5 * math.exp(-(((doy - 100) / 35) ** 2))
    if category == "neighbourhood":
        return 1.2 if day.month in (7, 8) else 1.0
    if category == "traffic":
        return 1.25 if day.month in (12, 1) else 1.0
    return 1.0


def _day_weights(
    start: date, end: date, calendar: WorkCalendar, keys: list[str]
) -> tuple[list[date], list[float], list[list[float]]]:
    """Days, the cumulative weight of each, and per day the cumulative weight of each category."""
    days, cumulative, by_category = [], [], []
    total = 0.0
    shares = [CATEGORY_SHARE.get(key, 0.5) for key in keys]
    day = start
    while day <= end:
        if calendar.is_working_day(day):
            factor = 1.0
        elif 0 <= (day - spring_festival(day.year)).days <= 7:
            factor = 0.04
        else:
            factor = 0.12  # screening finds some on rest days too
        weights, running = [], 0.0
        for key, share in zip(keys, shares, strict=True):
            running += share * season(key, day)
            weights.append(running)
        total += running * factor
        days.append(day)
        cumulative.append(total)
        by_category.append(weights)
        day += timedelta(days=1)
    return days, cumulative, by_category


# --- writing ------------------------------------------------------------------------------------


def _insert(model: type[models.Model], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in COLUMNS[model])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS[model]))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


# Rows per table (in TABLES order), number counters moved on, disputes by status.
Batch = tuple[list[list[tuple]], dict[str, int], dict[str, int]]


def _write(batch: Batch, adapt: _Adapt) -> None:
    """Write one batch of rows, with the number counters it moved on, in one transaction.

    Phone and ID numbers are encrypted and event parameters turned into JSON only here: in
    parallel mode that is the writing process's work, which would otherwise wait.
    """
    tables, counters, _statuses = batch
    phone, ident = adapt.encrypt_phone, adapt.encrypt_id
    to_json = _to_json
    converted = {
        Party: [
            (*r[:5], phone(r[5]), ident(r[6]), *r[7:], digest(r[5]), digest(r[6]))
            for r in tables[PARTY]
        ],
        Event: [(*r[:9], to_json(r[9]), r[10]) for r in tables[EVENT]],
    }
    with transaction.atomic():
        for model, rows in zip(TABLES, tables, strict=True):
            _insert(model, converted.get(model, rows))
        if counters:
            NumberCounter.objects.bulk_create(
                [NumberCounter(prefix=key, last=last) for key, last in sorted(counters.items())],
                update_conflicts=True,
                unique_fields=["prefix"],
                update_fields=["last"],
            )


@contextlib.contextmanager
def _loading(fresh: bool) -> Iterator[None]:
    """Into empty tables (or for a bulk copy), everything goes in one transaction, with the
    secondary indexes dropped while loading and built again at the end: several times faster
    than keeping seventeen indexes of the dispute table up to date row by row. Should anything
    fail, the transaction takes the drop back with it. Otherwise each batch commits on its own."""
    indexes = _secondary_indexes() if fresh else []
    if not indexes:
        yield
        return
    quote = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Check foreign keys row by row rather than queue millions of checks.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        yield
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the non-unique indexes of the generated tables, as
    the database itself describes them."""
    found = []
    with connection.cursor() as cursor:
        for model in TABLES:
            table = model._meta.db_table
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
                    " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                    [table],
                )
            elif connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                    " JOIN pg_class c ON c.oid = i.indexrelid"
                    " WHERE i.indrelid = %s::regclass AND NOT i.indisunique"
                    " AND NOT i.indisprimary ORDER BY c.relname",
                    [connection.ops.quote_name(table)],
                )
            else:
                return []
            found.extend(cursor.fetchall())
    return found


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(TABLES))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- the entry points ---------------------------------------------------------------------------


def disputes_generate(
    *,
    count: int,
    seed: int,
    start: date,
    end: date,
    within: Region | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    parallel: bool | None = None,
    batch: int = BATCH,
) -> dict[str, Any]:
    """Create `count` disputes registered between `start` and `end` in the villages (with a
    village group) in `within`, or everywhere, played up to `now` (default: the present, or
    the end of `end` if that is earlier). Returns counts of the rows written.

    `parallel` (default: for more than one batch, where processes can fork) plays the
    disputes in a child process while this one writes, which nearly halves the time on two
    cores; the child never touches the database. The rows are the same either way.
    """
    began = time.perf_counter()
    if count < 0 or end < start:
        raise ValueError("count must be ≥ 0 and end no earlier than start")
    zone = timezone.get_default_timezone()
    if now is None:
        now = min(timezone.now(), datetime.combine(end, datetime.max.time(), zone))
    local_now = timezone.localtime(now, zone).replace(tzinfo=None, microsecond=0)
    world = _load_world(within)
    if not world.villages:
        raise LookupError("no village group in the chosen regions")
    world.prepare()
    rows = _Rows(_Adapt(start, end), batch)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB for the index pages
    if parallel is None:
        parallel = count > batch and "fork" in multiprocessing.get_all_start_methods()
    plan = _Plan(world, rows, count, seed, start, end, local_now)

    totals: Counter[str] = Counter()
    done = 0
    fresh = all(pk == 1 for pk in rows.next_id.values())
    with _loading(fresh):
        for tables, counters, statuses in _batches(plan, parallel):
            if not tables[0]:
                continue
            _write((tables, counters, statuses), rows.adapt)
            for model, rows_written in zip(TABLES, tables, strict=True):
                totals[model._meta.model_name or ""] += len(rows_written)
            totals.update(statuses)
            done += len(tables[0])
            if progress:
                progress(done, count)
    _reset_sequences()
    return {
        "disputes": totals["dispute"],
        "parties": totals["party"],
        "events": totals["event"],
        "stays": totals["levelstay"],
        "sessions": totals["session"],
        "agreements": totals["agreement"],
        "staff_added": world.staff_added,
        "by_status": {s: totals[s] for s in Status.values if totals[s]},
        "open": sum(totals[s] for s in OPEN_STATUSES),
        "seconds": round(time.perf_counter() - began, 1),
    }


@dataclass
class _Plan:
    """Everything needed to play the disputes; pure Python, no database."""

    world: _World
    rows: _Rows
    count: int
    seed: int
    start: date
    end: date
    now: datetime  # local, naive

    def batches(self) -> Iterator[Batch]:
        world, rows, now = self.world, self.rows, self.now
        today = now.date()
        keys = sorted(key for key in world.categories if key in STORIES)
        rng = random.Random(self.seed)
        # A Zipf-like spread: a few villages have many disputes, most have a few.
        ranks = list(range(len(world.villages)))
        rng.shuffle(ranks)
        village_cumulative = list(_accumulate(1 / (rank + 50) for rank in ranks))
        days, day_cumulative, day_categories = _day_weights(
            self.start, self.end, world.calendar, keys
        )
        per_day = Counter(
            bisect.bisect_right(day_cumulative, rng.random() * day_cumulative[-1])
            for _ in range(self.count)
        )
        for index, day in enumerate(days):
            weights = day_categories[index]
            todays = []
            for _ in range(per_day.get(index, 0)):
                category = keys[bisect.bisect_right(weights, rng.random() * weights[-1])]
                pick = rng.random() * village_cumulative[-1]
                village = world.villages[bisect.bisect_right(village_cumulative, pick)]
                registered = office_time(rng, day)
                if registered > now:
                    registered = now - timedelta(minutes=_int(rng, 1, 90))
                todays.append((registered, category, village.code, village, rng.getrandbits(64)))
            todays.sort(key=lambda item: item[:3])
            for registered, category, _code, village, own_seed in todays:
                own = random.Random(own_seed)
                _Story(world, rows, own, village, category, registered, now).play(today)
                if len(rows.rows[Dispute]) >= rows.batch:
                    yield rows.take()
        yield rows.take()


def _batches(plan: _Plan, parallel: bool) -> Iterator[Batch]:
    if not parallel:
        yield from plan.batches()
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_play_into, args=(plan, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = marshal.loads(receiver.recv_bytes())
            except EOFError:
                raise RuntimeError("the process playing the disputes ended unexpectedly") from None
            if kind == "done":
                break
            if kind == "error":
                raise RuntimeError(f"the process playing the disputes failed:\n{payload}")
            yield payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receiver.close()


def _play_into(plan: _Plan, sender: Any) -> None:
    """The child: play and send batch after batch; the pipe's buffer keeps it one ahead."""
    try:
        for batch in plan.batches():
            sender.send_bytes(marshal.dumps(("batch", batch)))
        sender.send_bytes(marshal.dumps(("done", None)))
    except BaseException:
        sender.send_bytes(marshal.dumps(("error", traceback.format_exc())))
    finally:
        sender.close()


def _accumulate(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def years_back(day: date, years: int) -> date:
    """The same day `years` years earlier (28 February for 29 February), plus one day."""
    try:
        earlier = day.replace(year=day.year - years)
    except ValueError:
        earlier = day.replace(year=day.year - years, day=28)
    return earlier + timedelta(days=1)


def demo_disputes(
    count: int = DEMO_COUNT, seed: int = DEMO_SEED, progress: Progress | None = None
) -> dict[str, Any] | None:
    """The demo's disputes: `count` over the last two years, once. Returns None, and writes
    nothing, when there are disputes already or no village group to register them at."""
    if count <= 0 or disputes_exist():
        return None
    if not Body.objects.filter(kind=BodyKind.VILLAGE_GROUP, active=True).exists():
        return None
    from jiefen.demo.agreements import agreement_items_fill

    today = timezone.localdate()
    result = disputes_generate(
        count=count, seed=seed, start=years_back(today, 2), end=today, progress=progress
    )
    result["agreement_items"] = agreement_items_fill()
    return result
