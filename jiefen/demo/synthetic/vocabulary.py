"""The generator's vocabulary: the lifecycle's values as plain strings, made-up names, phone,
ID and credit numbers, the stories, terms and reasons written into the records, and the quick
draws from a random stream that pick among them. Nothing here touches the database."""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable
from datetime import date
from types import SimpleNamespace
from typing import Any

from jiefen.disputes.lifecycle import Action
from jiefen.disputes.models import (
    Channel,
    LevelStay,
    Outcome,
    PartyKind,
    Risk,
    Route,
    Side,
    Status,
    Tier,
)
from jiefen.lib.personal import credit_code_check


def _plain(choices: Iterable[Any]) -> SimpleNamespace:
    """A choices class's values as plain strings: quicker to compare, and marshal takes them."""
    return SimpleNamespace(**{member.name: member.value for member in choices})


STATUS, TIER, SIDE, KIND, OUTCOME, ROUTE, CHANNEL, RISK, ACTION, LEFT = (
    _plain(choices)
    for choices in (
        Status, Tier, Side, PartyKind, Outcome, Route, Channel, Risk, Action, LevelStay.Left
    )
)  # fmt: skip

# --- drawing --------------------------------------------------------------------------------------

_DRAW_TABLES: dict[tuple, tuple[list[Any], list[float]]] = {}


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    """A value drawn with the given weights."""
    table = _DRAW_TABLES.get(weighted)
    if table is None:
        values, cumulative = [v for v, _w in weighted], list(_accumulate(w for _v, w in weighted))
        table = _DRAW_TABLES[weighted] = (values, cumulative)
    values, cumulative = table
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _int(rng: random.Random, low: int, high: int) -> int:
    """Like rng.randint, a few times faster; this runs millions of times."""
    return low + int(rng.random() * (high - low + 1))


def _one(rng: random.Random, items: Any) -> Any:
    return items[int(rng.random() * len(items))]


def _accumulate(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


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

PLACES = {
    TIER.VILLAGE: "{village}人民调解室",
    TIER.TOWN: "{town}社会治理中心调解室",
    TIER.COUNTY: "县社会矛盾纠纷调处化解中心",
}
