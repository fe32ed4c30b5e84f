"""Place vocabularies: cities with their region, postal-code prefix and landline area
code, and street names, for China, the US, the UK and Germany.
"""

from __future__ import annotations

import polars as pl

COUNTRY_NAMES = {
    "CN": "China",
    "US": "United States",
    "GB": "United Kingdom",
    "DE": "Germany",
}
COUNTRY_NAMES_HANZI = {"CN": "中国", "US": "美国", "GB": "英国", "DE": "德国"}

# city; city in hanzi; region code; region; region in hanzi; postal prefixes; area code;
# weight; districts as hanzi:pinyin
_CN_CITIES = """
Shanghai;上海;SH;Shanghai;上海;200,201;21;20;浦东新区:Pudong,徐汇区:Xuhui,静安区:Jing'an,黄浦区:Huangpu,长宁区:Changning,闵行区:Minhang
Beijing;北京;BJ;Beijing;北京;100,101;10;18;朝阳区:Chaoyang,海淀区:Haidian,东城区:Dongcheng,西城区:Xicheng,丰台区:Fengtai
Shenzhen;深圳;GD;Guangdong;广东;518;755;12;南山区:Nanshan,福田区:Futian,罗湖区:Luohu,宝安区:Bao'an,龙岗区:Longgang
Guangzhou;广州;GD;Guangdong;广东;510;20;9;天河区:Tianhe,越秀区:Yuexiu,海珠区:Haizhu,白云区:Baiyun
Hangzhou;杭州;ZJ;Zhejiang;浙江;310;571;7;西湖区:Xihu,上城区:Shangcheng,滨江区:Binjiang,拱墅区:Gongshu
Chengdu;成都;SC;Sichuan;四川;610;28;6;武侯区:Wuhou,锦江区:Jinjiang,青羊区:Qingyang,成华区:Chenghua
Nanjing;南京;JS;Jiangsu;江苏;210;25;5;鼓楼区:Gulou,玄武区:Xuanwu,秦淮区:Qinhuai,建邺区:Jianye
Wuhan;武汉;HB;Hubei;湖北;430;27;5;武昌区:Wuchang,江汉区:Jianghan,洪山区:Hongshan,江岸区:Jiang'an
Xi'an;西安;SN;Shaanxi;陕西;710;29;4;雁塔区:Yanta,碑林区:Beilin,未央区:Weiyang,莲湖区:Lianhu
Suzhou;苏州;JS;Jiangsu;江苏;215;512;4;姑苏区:Gusu,吴中区:Wuzhong,相城区:Xiangcheng
Tianjin;天津;TJ;Tianjin;天津;300;22;4;和平区:Heping,南开区:Nankai,河西区:Hexi
Chongqing;重庆;CQ;Chongqing;重庆;400;23;4;渝中区:Yuzhong,江北区:Jiangbei,南岸区:Nan'an
"""

# hanzi; pinyin; English
_CN_STREETS = """
南京西路;Nanjing Xilu;West Nanjing Road|人民路;Renmin Lu;Renmin Road
中山路;Zhongshan Lu;Zhongshan Road|解放路;Jiefang Lu;Jiefang Road
建设路;Jianshe Lu;Jianshe Road|和平路;Heping Lu;Heping Road
淮海中路;Huaihai Zhonglu;Middle Huaihai Road|世纪大道;Shiji Dadao;Century Avenue
深南大道;Shennan Dadao;Shennan Avenue|天河路;Tianhe Lu;Tianhe Road
文化路;Wenhua Lu;Wenhua Road|新华路;Xinhua Lu;Xinhua Road
光明路;Guangming Lu;Guangming Road|东风路;Dongfeng Lu;Dongfeng Road
青年路;Qingnian Lu;Qingnian Road|复兴路;Fuxing Lu;Fuxing Road
延安路;Yan'an Lu;Yan'an Road|学院路;Xueyuan Lu;Xueyuan Road
朝阳路;Chaoyang Lu;Chaoyang Road|滨江大道;Binjiang Dadao;Binjiang Avenue
科技园路;Kejiyuan Lu;Science Park Road|花园路;Huayuan Lu;Huayuan Road
胜利路;Shengli Lu;Shengli Road|北京路;Beijing Lu;Beijing Road
长江路;Changjiang Lu;Changjiang Road|黄河路;Huanghe Lu;Huanghe Road
长安街;Chang'an Jie;Chang'an Street|金融街;Jinrong Jie;Financial Street
站前路;Zhanqian Lu;Zhanqian Road
"""

# city; region code; region; postal prefixes; area codes; weight
_US_CITIES = """
New York;NY;New York;100,101,102;212,646,917;12
Brooklyn;NY;New York;112;718,347;5
Los Angeles;CA;California;900;213,310,323;10
San Francisco;CA;California;941;415,628;6
San Jose;CA;California;951;408,669;3
San Diego;CA;California;921;619,858;3
Seattle;WA;Washington;981;206;4
Chicago;IL;Illinois;606;312,773;8
Boston;MA;Massachusetts;021;617,857;4
Austin;TX;Texas;787;512,737;4
Houston;TX;Texas;770;713,281,832;6
Dallas;TX;Texas;752;214,469,972;5
Denver;CO;Colorado;802;303,720;3
Miami;FL;Florida;331;305,786;4
Atlanta;GA;Georgia;303;404,678;4
Portland;OR;Oregon;972;503,971;2
Phoenix;AZ;Arizona;850;602,480;4
Philadelphia;PA;Pennsylvania;191;215,267;4
Minneapolis;MN;Minnesota;554;612;2
"""

# name; abbreviated type; full type ('' for names without a type)
_US_STREETS = "Main|Oak|Maple|Park|Pine|Cedar|Elm|Washington|Lake|Hill|Sunset|Jefferson|Lincoln|Madison|Market|Mission|Church|Highland|Forest|River|Spring|Valley|Ridge|Meadow|Franklin|Adams|1st|2nd|3rd|5th|Center|Union|Grove"  # noqa: E501
US_STREET_TYPES = (
    ("St", "Street"),
    ("Ave", "Avenue"),
    ("Blvd", "Boulevard"),
    ("Rd", "Road"),
    ("Dr", "Drive"),
    ("Ln", "Lane"),
    ("Way", "Way"),
    ("Ct", "Court"),
    ("Pl", "Place"),
)
US_UNITS = ("Apt", "Apt", "#", "Unit", "Suite")

# city; region code; region; postcode areas; area code; weight
_GB_CITIES = """
London;ENG;England;SW,SE,NW,N,E,W,EC,WC;20;12
Manchester;ENG;England;M;161;4
Birmingham;ENG;England;B;121;4
Leeds;ENG;England;LS;113;3
Glasgow;SCT;Scotland;G;141;3
Edinburgh;SCT;Scotland;EH;131;3
Bristol;ENG;England;BS;117;2
Liverpool;ENG;England;L;151;2
Cardiff;WLS;Wales;CF;29;2
Cambridge;ENG;England;CB;1223;1
Oxford;ENG;England;OX;1865;1
"""

# full; abbreviated
_GB_STREETS = """
High Street;High St|Station Road;Station Rd|Church Lane;Church Ln|Victoria Road;Victoria Rd
Park Road;Park Rd|Green Lane;Green Ln|Manor Road;Manor Rd|Queens Road;Queens Rd
King Street;King St|Mill Lane;Mill Ln|The Crescent;The Cres|Albert Road;Albert Rd
London Road;London Rd|New Street;New St|Kings Avenue;Kings Ave|Grange Road;Grange Rd
"""
GB_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
HOUSE_NAMES = ("Rose Cottage", "The Willows", "Ivy House", "The Old Rectory", "Orchard House")

# city; English name ('-' none); region code; region; postal prefixes; area code; weight
_DE_CITIES = """
Berlin;-;BE;Berlin;10,12,13;30;8
Hamburg;-;HH;Hamburg;20,22;40;5
München;Munich;BY;Bayern;80,81;89;5
Köln;Cologne;NW;Nordrhein-Westfalen;50,51;221;4
Frankfurt am Main;Frankfurt;HE;Hessen;60;69;3
Stuttgart;-;BW;Baden-Württemberg;70;711;3
Düsseldorf;Dusseldorf;NW;Nordrhein-Westfalen;40;211;2
Leipzig;-;SN;Sachsen;04;341;2
Dresden;-;SN;Sachsen;01;351;2
Hannover;Hanover;NI;Niedersachsen;30;511;2
Nürnberg;Nuremberg;BY;Bayern;90;911;2
"""

_DE_STREETS = "Hauptstraße|Bahnhofstraße|Schulstraße|Gartenstraße|Dorfstraße|Bergstraße|Lindenstraße|Kirchstraße|Goethestraße|Schillerstraße|Friedrichstraße|Mozartstraße|Ringstraße|Waldstraße|Am Markt|Birkenweg|Rosenweg"  # noqa: E501
DE_UNITS = ("Whg. ", "3. OG", "Hinterhaus", "App. ")


def _lines(table: str) -> list[list[str]]:
    return [line.split(";") for line in table.strip().splitlines()]


def _items(table: str) -> list[list[str]]:
    return [item.split(";") for line in table.strip().splitlines() for item in line.split("|")]


def _cn_cities() -> pl.DataFrame:
    rows = _lines(_CN_CITIES)
    return pl.DataFrame(
        {
            "city": [r[0] for r in rows],
            "city_hz": [r[1] for r in rows],
            "region_code": [r[2] for r in rows],
            "region": [r[3] for r in rows],
            "region_hz": [r[4] for r in rows],
            "postal_prefixes": [r[5].split(",") for r in rows],
            "area_codes": [[r[6]] for r in rows],
            "weight": [float(r[7]) for r in rows],
            "districts_hz": [[d.split(":")[0] for d in r[8].split(",")] for r in rows],
            "districts": [[d.split(":")[1] for d in r[8].split(",")] for r in rows],
        }
    )


def _us_cities() -> pl.DataFrame:
    rows = _lines(_US_CITIES)
    return pl.DataFrame(
        {
            "city": [r[0] for r in rows],
            "region_code": [r[1] for r in rows],
            "region": [r[2] for r in rows],
            "postal_prefixes": [r[3].split(",") for r in rows],
            "area_codes": [r[4].split(",") for r in rows],
            "weight": [float(r[5]) for r in rows],
        }
    )


def _gb_cities() -> pl.DataFrame:
    rows = _lines(_GB_CITIES)
    return pl.DataFrame(
        {
            "city": [r[0] for r in rows],
            "region_code": [r[1] for r in rows],
            "region": [r[2] for r in rows],
            "postal_prefixes": [r[3].split(",") for r in rows],
            "area_codes": [[r[4]] for r in rows],
            "weight": [float(r[5]) for r in rows],
        }
    )


def _de_cities() -> pl.DataFrame:
    rows = _lines(_DE_CITIES)
    return pl.DataFrame(
        {
            "city": [r[0] for r in rows],
            "city_alt": [None if r[1] == "-" else r[1] for r in rows],
            "region_code": [r[2] for r in rows],
            "region": [r[3] for r in rows],
            "postal_prefixes": [r[4].split(",") for r in rows],
            "area_codes": [[r[5]] for r in rows],
            "weight": [float(r[6]) for r in rows],
        }
    )


CN_CITIES = _cn_cities()
US_CITIES = _us_cities()
GB_CITIES = _gb_cities()
DE_CITIES = _de_cities()
CN_STREETS = pl.DataFrame(
    _items(_CN_STREETS), schema=["street_hz", "street_py", "street_en"], orient="row"
)
US_STREETS = _US_STREETS.split("|")
GB_STREETS = pl.DataFrame(_items(_GB_STREETS), schema=["full", "short"], orient="row")
DE_STREETS = _DE_STREETS.split("|")
