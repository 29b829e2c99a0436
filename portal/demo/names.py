"""Vocabulary for the demo generator: clusters, focus directions, product lines, places, name parts.

Focus directions (重点发展方向) and parks follow the Tongliang 14th five-year advanced manufacturing
plan (shared/seed/tongliang-advanced-manufacturing-plan-2021-2025.txt, chapter 5): equipment
(轨道交通 / 汽车和电动摩托车零部件 / 页岩气开采设备), electronics (计算机零部件 / 智能电子 / 节能电子 /
通讯电子 / 机械电子) and health (美妆 / 医疗器械 / 生物医药 / 健康食品). Industry classes are
GB/T 4754-2017 four-digit codes. Company names are invented; none is meant to name a real firm.
"""
from __future__ import annotations

from typing import NamedTuple


class ProductLine(NamedTuple):
    industry_code: str          # GB/T 4754-2017 class
    name_words: tuple[str, ...]  # 行业用语 used in the company name
    unit: str                   # main_product_unit
    qty_per_wan: float          # units of main product per 万元 of output (order of magnitude)


# cluster -> sub_direction -> (weight, product lines)
DIRECTIONS: dict[str, dict[str, tuple[float, tuple[ProductLine, ...]]]] = {
    "equipment": {
        "汽车和电动摩托车零部件": (0.68, (
            ProductLine("3670", ("汽车零部件", "汽车部件", "精密机械", "汽车配件", "车桥"), "件", 40.0),
            ProductLine("3670", ("新能源科技", "电驱科技", "动力科技"), "套", 2.0),
            ProductLine("3752", ("摩托车配件", "摩托车零部件", "机车部件"), "件", 60.0),
            ProductLine("3392", ("压铸", "铝合金制品", "精密铸造"), "吨", 0.5),
            ProductLine("3453", ("齿轮", "传动科技", "变速器"), "件", 25.0),
            ProductLine("3484", ("机械制造", "精密机械", "机械加工"), "件", 50.0),
            ProductLine("3412", ("动力机械", "发动机配件", "通机"), "台", 3.0),
            ProductLine("3812", ("电机", "电机科技"), "台", 4.0),
            ProductLine("3841", ("新能源电池", "电池科技"), "千瓦时", 12.0),
        )),
        "轨道交通": (0.12, (
            ProductLine("3720", ("轨道交通装备", "轨道交通科技", "导轨电车配件"), "套", 0.5),
            ProductLine("3715", ("机车配件", "轨道车辆配件", "制动科技"), "件", 8.0),
            ProductLine("3716", ("轨道设备", "铁路器材"), "套", 1.5),
        )),
        "页岩气开采设备": (0.20, (
            ProductLine("3512", ("石油机械", "钻采设备", "石油装备", "压裂设备"), "台（套）", 0.05),
            ProductLine("3441", ("泵业", "流体设备"), "台", 1.0),
            ProductLine("3443", ("阀门", "流体控制"), "件", 5.0),
            ProductLine("3311", ("钢结构", "能源装备"), "吨", 1.2),
        )),
    },
    "electronics": {
        "计算机零部件": (0.25, (
            ProductLine("3912", ("电子科技", "电脑配件", "精密电子"), "件", 80.0),
            ProductLine("3913", ("电子设备", "外设科技"), "台", 6.0),
            ProductLine("3982", ("电路科技", "线路板", "电子"), "平方米", 12.0),
            ProductLine("3989", ("连接器", "电子元件", "精密电子"), "万只", 1.5),
            ProductLine("3831", ("线缆科技", "电线电缆"), "千米", 0.8),
        )),
        "智能电子": (0.30, (
            ProductLine("3961", ("智能科技", "智能穿戴", "电子科技"), "台", 15.0),
            ProductLine("3969", ("智能家居", "智能科技", "智能电子"), "台", 20.0),
            ProductLine("3964", ("机器人", "智能科技"), "台", 3.0),
            ProductLine("3974", ("显示科技", "光电科技", "触控科技"), "片", 60.0),
            ProductLine("3973", ("半导体", "微电子", "芯片科技"), "万颗", 2.0),
        )),
        "节能电子": (0.15, (
            ProductLine("3975", ("光电科技", "半导体照明", "光电"), "万只", 2.5),
            ProductLine("3872", ("照明科技", "照明电器", "灯饰"), "套", 40.0),
            ProductLine("3874", ("智能照明", "照明科技"), "套", 30.0),
        )),
        "通讯电子": (0.15, (
            ProductLine("3921", ("通信技术", "通信设备", "通讯科技"), "台（套）", 2.0),
            ProductLine("3922", ("通讯科技", "通信终端", "电子科技"), "台", 12.0),
            ProductLine("3976", ("光电子", "光通信", "微波科技"), "只", 25.0),
        )),
        "机械电子": (0.15, (
            ProductLine("3962", ("汽车电子", "车载电子", "智能科技"), "套", 8.0),
            ProductLine("4011", ("自动化科技", "自控设备", "机电科技"), "套", 1.5),
            ProductLine("3979", ("电子器件", "电子科技"), "万只", 1.0),
            ProductLine("3981", ("电子元件", "电子"), "万只", 3.0),
        )),
    },
    "health": {
        "美妆": (0.15, (
            ProductLine("2682", ("化妆品", "日化", "美妆科技", "生物科技"), "千瓶", 1.2),
            ProductLine("2689", ("日用化学品", "日化"), "吨", 0.4),
            ProductLine("2927", ("美妆工具", "塑胶制品"), "万件", 0.6),
        )),
        "医疗器械": (0.25, (
            ProductLine("3581", ("医疗设备", "医疗科技", "医疗器械"), "台", 0.8),
            ProductLine("3584", ("医疗器械", "医用器械"), "件", 30.0),
            ProductLine("3586", ("康复器材", "康复科技"), "件", 4.0),
            ProductLine("2770", ("医用材料", "卫生材料", "医用耗材"), "万件", 0.8),
            ProductLine("2780", ("药用包装", "药用辅料"), "万只", 2.0),
        )),
        "生物医药": (0.20, (
            ProductLine("2710", ("医药化工", "药业", "原料药"), "吨", 0.03),
            ProductLine("2720", ("制药", "药业"), "万盒", 0.2),
            ProductLine("2730", ("中药饮片", "中药材"), "吨", 0.08),
            ProductLine("2740", ("中药", "制药", "药业"), "万盒", 0.25),
            ProductLine("2761", ("生物制药", "生物技术"), "万支", 0.1),
        )),
        "健康食品": (0.40, (
            ProductLine("1371", ("食品", "蔬菜制品", "生态食品"), "吨", 1.5),
            ProductLine("1373", ("果业", "食品"), "吨", 1.2),
            ProductLine("1353", ("食品", "肉制品", "冷鲜食品"), "吨", 0.5),
            ProductLine("1491", ("营养食品", "食品科技"), "吨", 0.3),
            ProductLine("1492", ("保健食品", "健康产业"), "万瓶", 0.2),
            ProductLine("1530", ("茶业", "荷叶茶"), "吨", 0.1),
            ProductLine("1499", ("食品", "食品科技"), "吨", 0.8),
        )),
    },
    "other": {
        "新材料": (0.25, (
            ProductLine("2651", ("新材料", "高分子材料", "材料科技"), "吨", 0.8),
            ProductLine("3252", ("铝业", "铝材", "轻合金"), "吨", 0.6),
            ProductLine("3985", ("电子材料", "新材料"), "吨", 0.1),
        )),
        "金属制品": (0.25, (
            ProductLine("3311", ("钢结构", "金属结构"), "吨", 1.5),
            ProductLine("3360", ("表面处理", "热处理"), "吨", 3.0),
            ProductLine("3130", ("钢材", "金属材料"), "吨", 2.2),
            ProductLine("3399", ("五金制品", "金属制品"), "件", 60.0),
        )),
        "建材": (0.15, (
            ProductLine("3021", ("建材", "新型建材", "混凝土制品"), "立方米", 25.0),
            ProductLine("3031", ("新型墙材", "建材"), "万块", 4.0),
        )),
        "农副食品加工": (0.15, (
            ProductLine("1331", ("粮油", "油脂"), "吨", 1.0),
            ProductLine("1329", ("饲料",), "吨", 3.0),
            ProductLine("1311", ("米业", "粮油"), "吨", 2.5),
        )),
        "轻工消费品": (0.20, (
            ProductLine("2929", ("塑业", "塑胶制品"), "吨", 0.9),
            ProductLine("2231", ("纸业", "包装"), "吨", 1.3),
            ProductLine("2319", ("印务", "包装印刷"), "万件", 2.0),
            ProductLine("2110", ("家具",), "件", 15.0),
            ProductLine("1819", ("服饰", "制衣"), "件", 120.0),
        )),
    },
}

CLUSTER_SHARES = {"equipment": 0.48, "electronics": 0.16, "health": 0.12, "other": 0.24}

# cluster -> (P(town), P(hitech_core | not town)); the rest is damiao (大庙组团: electronics and
# automotive per the plan, 中心城区: electronics, equipment, health).
PARK_PROBS = {
    "equipment": (0.25, 0.48),
    "electronics": (0.08, 0.55),
    "health": (0.30, 0.85),
    "other": (0.40, 0.50),
}

# The 28 镇街 of Tongliang. Weights: the plan names 旧县、蒲吕、侣俸、虎峰、石鱼 as the towns with
# the most above-scale enterprises.
TOWNS: tuple[tuple[str, float], ...] = (
    ("巴川街道", 2.0), ("东城街道", 2.0), ("南城街道", 2.0), ("蒲吕街道", 4.0), ("旧县街道", 4.0),
    ("土桥镇", 1.0), ("二坪镇", 1.0), ("水口镇", 1.0), ("安居镇", 1.5), ("白羊镇", 1.0),
    ("平滩镇", 1.0), ("石鱼镇", 4.0), ("福果镇", 1.0), ("维新镇", 1.0), ("大庙镇", 1.5),
    ("围龙镇", 1.0), ("华兴镇", 1.0), ("永嘉镇", 1.0), ("安溪镇", 1.0), ("西河镇", 1.0),
    ("太平镇", 1.0), ("庆隆镇", 1.0), ("少云镇", 1.0), ("侣俸镇", 4.0), ("小林镇", 1.0),
    ("双山镇", 1.0), ("虎峰镇", 4.0), ("高楼镇", 1.0),
)

# Name parts for the 字号 (trade name). Two characters, one from each list, or a local word.
TRADE_FIRST = "鑫宏华瑞恒永盛金嘉德泰晨明博凯锦天新中富昌祥丰亿联兴佳卓宇正海立汇通创远鼎荣"
TRADE_SECOND = "源达辰腾丰通诚成阳升辉光信创禾桥耀润鼎运峰航泰祥宇川翔隆科威安睿驰"
TRADE_LOCAL = ("龙乡", "巴岳", "玄天", "琼江", "涪江", "渝西", "龙城", "铜元", "西郊", "巴渝")

CMMM_KEYS = (
    "organisation_strategy", "personnel_skills", "data", "integration", "information_security",
    "equipment", "network", "product_design", "process_design", "procurement", "planning_scheduling",
    "production_operations", "equipment_management", "warehousing_distribution", "safety_environment",
    "energy_management", "logistics", "sales", "customer_service", "product_service",
)

# Explanations for warnings (warning code -> reason -> texts).
EXPLANATIONS = {
    ("yoy_output", "up"): (
        "本季度新建生产线投产，产能释放，产值同比大幅增长，数据已核实。",
        "本季度承接主机厂新车型配套大额订单，产值同比增长较多，已与财务报表核对一致。",
        "技改项目完成后产能提升，叠加新客户批量供货，产值增幅较大，数据真实。",
    ),
    ("yoy_output", "down"): (
        "本季度生产线停产技改约两个月，产值同比明显下降，技改完成后将恢复。",
        "主要客户车型停产、订单调整，本季度产值同比下降较多，数据已核实。",
        "本季度厂房搬迁至新址，停产期间产值下降，已于季末恢复生产。",
    ),
    ("yoy_output", "low_base"): (
        "去年同期因停产技改基数偏低，本季度恢复正常生产，同比增幅较大。",
        "去年同期订单不足、产值基数低，本季度恢复正常水平。",
    ),
    ("yoy_output", "high_base"): (
        "去年同期有一次性大额订单，基数偏高，本季度恢复常态。",
        "去年同期新产线集中交付，基数偏高，本季度产值回落属正常。",
    ),
    ("yoy_energy_intensity", "up"): (
        "本季度新建熔炼炉和热处理线调试运行，单位增加值能耗阶段性上升，预计下季度恢复。",
        "新产线试生产期间设备空载运行时间长，能耗偏高，已采取节能措施。",
    ),
    ("yoy_energy_intensity", "down"): (
        "去年同期设备调试能耗偏高，本季度恢复正常水平。",
        "实施空压机和照明节能改造后，单位增加值能耗明显下降。",
    ),
    ("drop", "down"): ("部分老旧设备报废处置、部分专利到期失效，数量减少。",),
}
