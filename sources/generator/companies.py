"""Company-name vocabulary: brands, sectors and legal forms per country, in Latin script
and (for China) in characters.
"""

from __future__ import annotations

WESTERN_BRANDS = (
    "Acme Globex Initech Vandelay Hooli Stark Umbrella Cyberdyne Tyrell Soylent Wonka "
    "Monarch Pinnacle Summit Evergreen Bluewater Redwood Silverline Northwind Contoso "
    "Fabrikam Brightway Keystone Ironclad Horizon Vertex Apex Lakeside Riverside Oakridge "
    "Sterling Meridian Beacon Cascade Harbor Granite Falcon Atlas Nimbus Quantum Crescent"
).split()

# hanzi, pinyin
CHINESE_BRANDS = (
    ("华信", "Huaxin"),
    ("恒达", "Hengda"),
    ("宏远", "Hongyuan"),
    ("鑫源", "Xinyuan"),
    ("金泰", "Jintai"),
    ("东方", "Dongfang"),
    ("天成", "Tiancheng"),
    ("永盛", "Yongsheng"),
    ("瑞丰", "Ruifeng"),
    ("中联", "Zhonglian"),
    ("博雅", "Boya"),
    ("海纳", "Haina"),
    ("汇通", "Huitong"),
    ("安达", "Anda"),
    ("佳美", "Jiamei"),
    ("康泰", "Kangtai"),
    ("百盛", "Baisheng"),
    ("盛世", "Shengshi"),
    ("长城", "Changcheng"),
    ("新元", "Xinyuan"),
    ("华鼎", "Huading"),
    ("凯越", "Kaiyue"),
    ("远航", "Yuanhang"),
    ("嘉禾", "Jiahe"),
    ("明德", "Mingde"),
    ("启航", "Qihang"),
    ("润发", "Runfa"),
    ("顺达", "Shunda"),
    ("星辰", "Xingchen"),
    ("宏图", "Hongtu"),
    ("正泰", "Zhengtai"),
    ("兴业", "Xingye"),
    ("联创", "Lianchuang"),
    ("锦程", "Jincheng"),
    ("万通", "Wantong"),
    ("华宇", "Huayu"),
    ("天宇", "Tianyu"),
    ("中信达", "Zhongxinda"),
    ("亿丰", "Yifeng"),
    ("同创", "Tongchuang"),
)

SECTORS_EN = (
    "Logistics Trading Industries Technologies Consulting Foods Retail Medical Energy "
    "Systems Partners Solutions Manufacturing Textiles Electronics"
).split()
SECTORS_DE = "Logistik Handel Technik Beratung Maschinenbau Bau Lebensmittel Elektronik".split()

# hanzi, English
SECTORS_CN = (
    ("贸易", "Trading"),
    ("科技", "Technology"),
    ("电子", "Electronics"),
    ("食品", "Food"),
    ("物流", "Logistics"),
    ("医疗器械", "Medical Devices"),
    ("服装", "Apparel"),
    ("建材", "Building Materials"),
    ("化工", "Chemicals"),
    ("咨询", "Consulting"),
)

LEGAL_FORMS = {
    "US": ("Inc.", ", Inc.", "LLC", "Corp."),
    "GB": ("Ltd", "Limited", "PLC", "Ltd."),
    "DE": ("GmbH", "AG", "GmbH & Co. KG", "KG"),
    "CN": ("Co., Ltd.",),
}
TOP_LEVEL_DOMAINS = {"US": ".com", "GB": ".co.uk", "DE": ".de", "CN": ".com.cn"}
COMPANY_MAILBOXES = {
    "US": ("info", "accounts", "billing", "ap"),
    "GB": ("info", "accounts", "finance"),
    "DE": ("info", "buchhaltung", "rechnung", "kontakt"),
    "CN": ("info", "finance", "service", "caiwu"),
}
ORGANIZATION_COUNTRY_WEIGHTS = {"CN": 0.35, "US": 0.35, "GB": 0.15, "DE": 0.15}
