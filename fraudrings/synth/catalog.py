"""Static reference data for the synthetic drop: regions, names, drugs, diagnoses."""

from __future__ import annotations

from dataclasses import dataclass

# (admdvs, province, city, lat, lon, population weight, districts[(code, name)])
CITIES: list[tuple[str, str, str, float, float, float, list[tuple[str, str]]]] = [
    (
        "370100",
        "山东省",
        "济南市",
        36.651,
        117.120,
        0.25,
        [
            ("370102", "历下区"),
            ("370103", "市中区"),
            ("370104", "槐荫区"),
            ("370105", "天桥区"),
            ("370112", "历城区"),
        ],
    ),
    (
        "370200",
        "山东省",
        "青岛市",
        36.067,
        120.383,
        0.27,
        [
            ("370202", "市南区"),
            ("370203", "市北区"),
            ("370211", "黄岛区"),
            ("370212", "崂山区"),
            ("370214", "城阳区"),
        ],
    ),
    (
        "370300",
        "山东省",
        "淄博市",
        36.813,
        118.055,
        0.12,
        [("370302", "淄川区"), ("370303", "张店区"), ("370304", "博山区"), ("370305", "临淄区")],
    ),
    (
        "370600",
        "山东省",
        "烟台市",
        37.464,
        121.448,
        0.15,
        [("370602", "芝罘区"), ("370611", "福山区"), ("370613", "莱山区")],
    ),
    (
        "370800",
        "山东省",
        "济宁市",
        35.415,
        116.587,
        0.16,
        [("370811", "任城区"), ("370812", "兖州区"), ("370881", "曲阜市")],
    ),
    (
        "320100",
        "江苏省",
        "南京市",
        32.061,
        118.797,
        0.05,
        [("320102", "玄武区"), ("320104", "秦淮区"), ("320106", "鼓楼区"), ("320115", "江宁区")],
    ),
    # far cities: few insured persons live there, but cards travel (or are lent) there
    (
        "110100",
        "北京市",
        "北京市",
        39.904,
        116.407,
        0.015,
        [("110105", "朝阳区"), ("110108", "海淀区")],
    ),
    (
        "310100",
        "上海市",
        "上海市",
        31.230,
        121.474,
        0.015,
        [("310104", "徐汇区"), ("310115", "浦东新区")],
    ),
    (
        "440100",
        "广东省",
        "广州市",
        23.129,
        113.264,
        0.01,
        [("440104", "越秀区"), ("440106", "天河区")],
    ),
    (
        "510100",
        "四川省",
        "成都市",
        30.572,
        104.066,
        0.01,
        [("510104", "锦江区"), ("510107", "武侯区")],
    ),
    (
        "230100",
        "黑龙江省",
        "哈尔滨市",
        45.803,
        126.535,
        0.01,
        [("230102", "道里区"), ("230103", "南岗区")],
    ),
    (
        "650100",
        "新疆维吾尔自治区",
        "乌鲁木齐市",
        43.825,
        87.617,
        0.005,
        [("650102", "天山区"), ("650104", "新市区")],
    ),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰玉华建国红梅飞鹏辉志宏海燕波斌宇"
    "浩凯健俊帆琳晶欣怡子涵轩博文彬鑫雪婷倩颖佳瑞春庆德福永成淑珍凤荣"
)
ROADS = [
    "经十路",
    "解放路",
    "人民路",
    "泉城路",
    "和平路",
    "建设路",
    "胜利路",
    "文化路",
    "中山路",
    "香港路",
    "山东路",
    "长江路",
    "黄河路",
    "新华路",
    "青年路",
    "北京路",
    "工业南路",
    "花园路",
    "历山路",
    "二环东路",
    "海尔路",
    "延安路",
    "府前街",
    "学府路",
    "滨河路",
    "光明街",
]
COMMUNITIES = [
    "幸福小区",
    "阳光花园",
    "锦绣家园",
    "和谐苑",
    "金色家园",
    "翠苑小区",
    "东方花园",
    "丽景苑",
    "馨园小区",
    "福苑小区",
    "鑫苑名家",
    "绿地新城",
    "世纪华庭",
    "祥和家园",
    "怡景苑",
    "书香门第",
    "润华苑",
    "海逸花园",
    "红星美凯龙小区",
    "康乐新村",
]
CHAINS = ["漱玉平民", "老百姓", "益丰", "立健", "燕喜堂", "宏济堂", "国大", "一心堂", "大参林"]
HOSPITAL_NAMES = {
    3: ["第一人民医院", "中心医院", "中医医院", "大学附属医院", "第二人民医院", "肿瘤医院"],
    2: ["第三人民医院", "妇幼保健院", "中西医结合医院", "人民医院分院", "骨科医院", "康复医院"],
    1: ["社区卫生服务中心", "街道卫生院", "镇卫生院", "康宁诊所", "仁和门诊部", "社区医院"],
}
PRIVATE_HOSPITAL_PREFIX = ["仁爱", "康泰", "博爱", "华康", "瑞康", "济民", "安康", "德信"]
SUPPLIER_WORDS = ["华润", "国药", "瑞康", "海王", "九州通", "柳药", "鲁抗", "齐鲁", "新华", "上药"]
SUPPLIER_SUFFIX = {
    "wholesaler": "医药有限公司",
    "manufacturer": "制药股份有限公司",
    "logistics": "医药物流有限公司",
}

# Diagnosis groups (ICD-10 national edition codes).
DISEASES: dict[str, list[str]] = {
    "resp": ["J06.900", "J20.900", "J02.900", "J03.900"],
    "htn": ["I10.x00"],
    "dm": ["E11.900"],
    "gi": ["K29.700", "K21.000", "K59.000"],
    "pain": ["M54.500", "M17.900", "M47.800"],
    "lipid": ["E78.500"],
    "chd": ["I25.100", "I20.900"],
    "stroke": ["I63.900"],
    "derm": ["L30.900", "L23.900"],
    "eye": ["H10.900", "H04.100"],
    "uro": ["N40.x00"],
    "psy": ["F32.900", "G47.000"],
    "neuro": ["G40.900", "G30.900"],
    "thyroid": ["E03.900"],
    "allergy": ["J30.400"],
    "asthma": ["J45.900"],
    "onc_lung": ["C34.900"],
    "onc_breast": ["C50.900"],
    "onc_prostate": ["C61.x00"],
    "onc_blood": ["C90.000"],
    "hep_b": ["B18.100"],
    "hep_c": ["B18.200"],
    "ra": ["M06.900"],
    "hf": ["I50.900"],
    "infusion": ["J18.900", "A09.900"],
}
INPATIENT_DISEASES = [
    "J18.900",
    "I63.900",
    "I25.100",
    "K80.200",
    "S72.000",
    "K35.800",
    "N20.000",
    "E11.900",
    "I50.900",
    "C34.900",
    "J44.100",
    "O80.000",
]
# rural place names for recruited villagers (镇 town, 村 village)
TOWNS = [
    "王集",
    "李庄",
    "张桥",
    "刘营",
    "陈楼",
    "杨店",
    "黄寨",
    "赵屯",
    "孙集",
    "马湾",
    "朱口",
    "胡家",
]
VILLAGES = ["东", "西", "南", "北", "前", "后", "大", "小", "新", "老", "上", "下"]
# chronic kidney disease (dialysis), a group check-up, an occupational screening
DIALYSIS_DISEASE = "N18.500"
CHECKUP_DISEASES = ["Z10.000", "Z00.000", "Z57.800"]
RECRUIT_DISEASES = ["I63.900", "M47.800", "I67.200", "M54.500", "I25.100", "E11.900"]
FAMILY_DISEASES = ["T62.900", "A05.900", "T58.x00", "V89.200"]
# split admissions: conditions a stay can plausibly be cut on
SPLIT_DISEASES = ["I63.900", "I25.100", "E11.900", "M47.800", "J44.100", "I50.900", "M54.500"]
# planned chemotherapy cycles (ICD-10 family C)
CANCER_DISEASES = ["C34.900", "C50.900", "C16.900", "C18.900", "C22.000", "C61.x00", "C90.000"]
# a first stay, and what may bring the patient back within days
READMISSION: list[tuple[str, list[str]]] = [
    ("K80.200", ["T81.400", "K80.200"]),
    ("K35.800", ["T81.400", "K35.800"]),
    ("S72.000", ["T84.500", "S72.000"]),
    ("J18.900", ["J18.900"]),
    ("I50.900", ["I50.900"]),
    ("O80.000", ["O86.000"]),
]
# the last stay of a life
TERMINAL_DISEASES = ["I63.900", "I61.900", "I50.900", "J18.900", "C34.900", "J44.100"]


@dataclass(frozen=True)
class Item:
    name: str
    list_type: str  # drug|consumable|service
    price: int  # reference unit price, cents
    daily: float  # boxes per day at the usual dose (0 = not applicable)
    group: str  # diagnosis group or item kind
    atc: str = ""
    high_value: bool = False
    key_monitored: bool = False
    rx: bool = True  # needs a prescription


# Common drugs: (name, price yuan, box units, units per day, group, atc, rx)
_COMMON: list[tuple[str, float, int, int, str, str, bool]] = [
    ("阿莫西林胶囊", 12.5, 24, 6, "resp", "J01CA04", True),
    ("头孢克肟分散片", 23.8, 12, 2, "resp", "J01DD08", True),
    ("阿奇霉素片", 18.6, 6, 1, "resp", "J01FA10", True),
    ("左氧氟沙星片", 16.4, 10, 1, "resp", "J01MA12", True),
    ("布洛芬缓释胶囊", 14.2, 20, 2, "pain", "M01AE01", False),
    ("对乙酰氨基酚片", 6.8, 20, 3, "resp", "N02BE01", False),
    ("连花清瘟胶囊", 19.5, 36, 12, "resp", "", False),
    ("感冒灵颗粒", 13.9, 9, 3, "resp", "", False),
    ("板蓝根颗粒", 9.8, 20, 3, "resp", "", False),
    ("复方甘草片", 4.5, 100, 9, "resp", "R05", False),
    ("氨溴索口服溶液", 21.3, 1, 1, "resp", "R05CB06", False),
    ("蒙脱石散", 15.6, 10, 3, "gi", "A07BC05", False),
    ("奥美拉唑肠溶胶囊", 11.2, 14, 1, "gi", "A02BC01", True),
    ("雷贝拉唑钠肠溶片", 32.6, 14, 1, "gi", "A02BC04", True),
    ("铝碳酸镁咀嚼片", 24.5, 20, 3, "gi", "A02AD04", False),
    ("多潘立酮片", 16.0, 30, 3, "gi", "A03FA03", False),
    ("乳果糖口服溶液", 38.9, 1, 1, "gi", "A06AD11", False),
    ("双歧杆菌三联活菌胶囊", 29.7, 36, 6, "gi", "A07FA", False),
    ("硝苯地平控释片", 32.4, 7, 1, "htn", "C08CA05", True),
    ("苯磺酸氨氯地平片", 8.6, 28, 1, "htn", "C08CA01", True),
    ("缬沙坦胶囊", 17.3, 28, 1, "htn", "C09CA03", True),
    ("厄贝沙坦片", 12.9, 28, 1, "htn", "C09CA04", True),
    ("美托洛尔缓释片", 21.0, 28, 1, "htn", "C07AB02", True),
    ("氢氯噻嗪片", 3.2, 100, 1, "htn", "C03AA03", True),
    ("盐酸二甲双胍缓释片", 9.7, 60, 2, "dm", "A10BA02", True),
    ("阿卡波糖片", 28.9, 30, 3, "dm", "A10BF01", True),
    ("格列美脲片", 15.4, 30, 1, "dm", "A10BB12", True),
    ("阿托伐他汀钙片", 9.9, 28, 1, "lipid", "C10AA05", True),
    ("瑞舒伐他汀钙片", 8.4, 28, 1, "lipid", "C10AA07", True),
    ("阿司匹林肠溶片", 15.8, 30, 1, "chd", "B01AC06", True),
    ("硫酸氢氯吡格雷片", 24.6, 28, 1, "chd", "B01AC04", True),
    ("复方丹参滴丸", 27.5, 180, 30, "chd", "", True),
    ("单硝酸异山梨酯缓释片", 19.8, 24, 1, "chd", "C01DA14", True),
    ("曲美他嗪缓释片", 33.1, 30, 2, "chd", "C01EB15", True),
    ("银杏叶片", 26.4, 48, 6, "stroke", "", True),
    ("甲钴胺片", 18.2, 20, 3, "neuro", "B03BA05", True),
    ("左甲状腺素钠片", 25.3, 100, 1, "thyroid", "H03AA01", True),
    ("孟鲁司特钠片", 45.2, 10, 1, "asthma", "R03DC03", True),
    ("沙美特罗替卡松吸入粉雾剂", 182.0, 1, 0, "asthma", "R03AK06", True),
    ("布地奈德鼻喷雾剂", 58.6, 1, 0, "allergy", "R01AD05", True),
    ("氯雷他定片", 18.5, 6, 1, "allergy", "R06AX13", False),
    ("盐酸西替利嗪片", 21.7, 12, 1, "allergy", "R06AE07", False),
    ("塞来昔布胶囊", 36.8, 6, 2, "pain", "M01AH01", True),
    ("双氯芬酸钠缓释片", 12.0, 20, 1, "pain", "M01AB05", True),
    ("洛索洛芬钠片", 17.2, 20, 3, "pain", "M01AE", True),
    ("盐酸氨基葡萄糖胶囊", 48.0, 60, 2, "pain", "M01AX05", False),
    ("坦索罗辛缓释胶囊", 42.3, 10, 1, "uro", "G04CA02", True),
    ("非那雄胺片", 55.9, 30, 1, "uro", "G04CB01", True),
    ("艾司唑仑片", 2.9, 20, 1, "psy", "N05CD04", True),
    ("盐酸舍曲林片", 29.8, 14, 1, "psy", "N06AB06", True),
    ("草酸艾司西酞普兰片", 38.6, 14, 1, "psy", "N06AB10", True),
    ("丙戊酸钠缓释片", 48.2, 30, 2, "neuro", "N03AG01", True),
    ("左乙拉西坦片", 66.5, 30, 2, "neuro", "N03AX14", True),
    ("盐酸多奈哌齐片", 38.0, 14, 1, "neuro", "N06DA02", True),
    ("华法林钠片", 9.8, 100, 1, "chd", "B01AA03", True),
    ("呋塞米片", 2.6, 100, 1, "hf", "C03CA01", True),
    ("螺内酯片", 4.1, 100, 1, "hf", "C03DA01", True),
    ("恩替卡韦分散片", 16.9, 28, 1, "hep_b", "J05AF10", True),
    ("红霉素软膏", 3.5, 1, 0, "derm", "D06AX", False),
    ("莫匹罗星软膏", 19.9, 1, 0, "derm", "D06AX09", False),
    ("糠酸莫米松乳膏", 27.4, 1, 0, "derm", "D07AC13", True),
    ("玻璃酸钠滴眼液", 36.2, 1, 0, "eye", "S01XA20", False),
    ("左氧氟沙星滴眼液", 17.8, 1, 0, "eye", "S01AE05", True),
    ("藿香正气水", 8.5, 10, 6, "gi", "", False),
    ("六味地黄丸", 16.5, 200, 24, "psy", "", False),
    ("逍遥丸", 14.0, 200, 24, "psy", "", False),
    ("维生素D滴剂", 39.8, 30, 1, "thyroid", "A11CC05", False),
    ("碳酸钙D3片", 29.9, 60, 1, "pain", "A12AX", False),
    ("0.9%氯化钠注射液", 3.1, 1, 1, "infusion", "B05BB01", True),
    ("5%葡萄糖注射液", 3.4, 1, 1, "infusion", "B05BA03", True),
    ("注射用头孢曲松钠", 14.6, 1, 1, "infusion", "J01DD04", True),
    ("注射用泮托拉唑钠", 26.5, 1, 1, "infusion", "A02BC02", True),
    ("注射用丹参多酚酸盐", 78.0, 1, 1, "stroke", "", True),
    ("注射用血栓通", 42.0, 1, 1, "stroke", "", True),
    ("低分子肝素钙注射液", 36.9, 2, 1, "stroke", "B01AB", True),
]

# High-value drugs: (name, price yuan, box units, units per day, group, atc, key_monitored)
_HIGH: list[tuple[str, float, int, float, str, str, bool]] = [
    ("吉非替尼片", 547.0, 10, 1, "onc_lung", "L01EB01", False),
    ("盐酸埃克替尼片", 1398.0, 21, 3, "onc_lung", "L01EB", False),
    ("甲磺酸奥希替尼片", 2980.0, 14, 1, "onc_lung", "L01EB04", False),
    ("盐酸安罗替尼胶囊", 2466.0, 7, 0.67, "onc_lung", "L01EX", True),
    ("来曲唑片", 216.5, 10, 1, "onc_breast", "L02BG04", False),
    ("哌柏西利胶囊", 2850.0, 21, 1, "onc_breast", "L01EF01", True),
    ("醋酸阿比特龙片", 1108.0, 120, 4, "onc_prostate", "L02BX03", False),
    ("恩扎卢胺软胶囊", 2790.0, 112, 4, "onc_prostate", "L02BB04", True),
    ("来那度胺胶囊", 2588.0, 21, 1, "onc_blood", "L04AX04", True),
    ("奥拉帕利片", 2996.0, 56, 4, "onc_breast", "L01XK01", True),
    ("依维莫司片", 1350.0, 28, 1, "onc_breast", "L01EG02", False),
    ("索磷布韦维帕他韦片", 1520.0, 28, 1, "hep_c", "J05AP55", True),
    ("丙酚替诺福韦片", 268.0, 30, 1, "hep_b", "J05AF13", False),
    ("司美格鲁肽注射液", 888.0, 28, 1, "dm", "A10BJ06", True),
    ("利拉鲁肽注射液", 412.0, 10, 1, "dm", "A10BJ02", False),
    ("德谷胰岛素注射液", 286.0, 15, 1, "dm", "A10AE06", False),
    ("甘精胰岛素注射液", 215.0, 15, 1, "dm", "A10AE04", False),
    ("度拉糖肽注射液", 796.0, 28, 1, "dm", "A10BJ05", False),
    ("阿达木单抗注射液", 1290.0, 14, 1, "ra", "L04AB04", True),
    ("托法替布片", 1028.0, 28, 2, "ra", "L04AA29", False),
    ("沙库巴曲缬沙坦钠片", 236.0, 28, 2, "hf", "C09DX04", False),
    ("人血白蛋白", 398.0, 2, 1, "infusion", "B05AA01", True),
    ("注射用胸腺法新", 612.0, 1, 1, "onc_lung", "L03AX", True),
    ("注射用鼠神经生长因子", 262.0, 3, 1, "neuro", "N07XX", True),
]

_CONSUMABLES: list[tuple[str, float]] = [
    ("一次性使用输液器", 6.5),
    ("一次性使用无菌注射器", 0.9),
    ("医用脱脂纱布", 3.2),
    ("医用外科口罩", 1.2),
    ("血糖试纸", 68.0),
    ("胰岛素笔用针头", 45.0),
    ("一次性使用导尿包", 28.0),
    ("医用弹力绷带", 12.5),
    ("一次性使用吸痰管", 4.8),
    ("医用胶带", 5.6),
    ("留置针", 18.9),
    ("一次性使用静脉采血针", 1.5),
    ("医用冰袋", 9.0),
    ("电子体温计", 35.0),
    ("一次性使用换药包", 15.0),
]

# Services: (name, price yuan, kind)
_SERVICES: list[tuple[str, float, str]] = [
    ("普通门诊诊查费", 10.0, "consult"),
    ("副主任医师诊查费", 25.0, "consult"),
    ("主任医师诊查费", 40.0, "consult"),
    ("急诊诊查费", 15.0, "consult_er"),
    ("血常规检查", 20.0, "test"),
    ("尿常规检查", 10.0, "test"),
    ("肝功能检测", 65.0, "test"),
    ("肾功能检测", 42.0, "test"),
    ("血糖测定", 8.0, "test"),
    ("心电图检查", 25.0, "test"),
    ("胸部X线摄影", 75.0, "test"),
    ("CT平扫", 210.0, "test"),
    ("磁共振平扫", 480.0, "test"),
    ("彩色多普勒超声检查", 130.0, "test"),
    ("静脉输液", 12.0, "infusion"),
    ("肌肉注射", 3.0, "infusion"),
    ("三级医院床位费", 60.0, "bed"),
    ("二级医院床位费", 40.0, "bed"),
    ("一级医院床位费", 25.0, "bed"),
    ("二级护理", 28.0, "nursing"),
    ("一级护理", 45.0, "nursing"),
    ("针灸治疗", 35.0, "physio"),
    ("中频脉冲电治疗", 22.0, "physio"),
    ("推拿治疗", 48.0, "physio"),
    ("腹腔镜胆囊切除术", 2600.0, "surgery"),
    ("阑尾切除术", 1350.0, "surgery"),
    ("血液透析", 420.0, "dialysis"),
]


def items() -> list[Item]:
    """The catalogue, in a fixed order."""
    out: list[Item] = []
    for name, price, units, per_day, group, atc, rx in _COMMON:
        daily = round(per_day / units, 6) if per_day else 0.0
        out.append(Item(name, "drug", round(price * 100), daily, group, atc, rx=rx))
    for name, price, units, per_day_f, group, atc, km in _HIGH:
        daily = round(per_day_f / units, 6)
        out.append(Item(name, "drug", round(price * 100), daily, group, atc, True, km))
    for name, price in _CONSUMABLES:
        out.append(Item(name, "consumable", round(price * 100), 0.0, "consumable", rx=False))
    for name, price, kind in _SERVICES:
        out.append(Item(name, "service", round(price * 100), 0.0, kind, rx=False))
    return out
