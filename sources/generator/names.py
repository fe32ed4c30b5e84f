"""Name vocabularies: Chinese surnames and given names with pinyin, Western first names
with their nicknames, Western surnames. Weights are rough population frequencies, so
common names (王芳, 张伟, James Smith) recur the way they do in real customer bases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True)
class Vocabulary:
    """Parallel arrays of one vocabulary; ``p`` is the normalised weight."""

    values: np.ndarray
    p: np.ndarray
    extra: dict[str, np.ndarray]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indices into this vocabulary drawn by weight."""
        return rng.choice(len(self.values), size=n, p=self.p)

    def take(self, idx: np.ndarray, column: str | None = None) -> pl.Series:
        """The values (or the ``extra`` column) at ``idx`` as a string Series."""
        source = self.values if column is None else self.extra[column]
        return pl.Series(source.tolist(), dtype=pl.String).gather(idx)


def _vocabulary(values: list[str], weights: list[float], **extra: list) -> Vocabulary:
    w = np.asarray(weights, dtype=np.float64)
    return Vocabulary(
        values=np.asarray(values, dtype=object),
        p=w / w.sum(),
        extra={k: np.asarray(v, dtype=object) for k, v in extra.items()},
    )


# hanzi, pinyin, weight (% of population), alternative romanisation used abroad ('-' none)
_CN_SURNAMES = """
王 Wang 7.1 Wong|李 Li 7.0 Lee|张 Zhang 6.7 Cheung|刘 Liu 5.4 Lau|陈 Chen 4.5 Chan
杨 Yang 3.1 Yeung|黄 Huang 2.2 Wong|赵 Zhao 2.1 Chiu|吴 Wu 2.0 Ng|周 Zhou 1.9 Chow
徐 Xu 1.3 Tsui|孙 Sun 1.2 -|马 Ma 1.2 -|朱 Zhu 1.1 Chu|胡 Hu 1.1 Woo|郭 Guo 1.1 Kwok
何 He 1.0 Ho|林 Lin 0.95 Lam|高 Gao 0.95 Ko|罗 Luo 0.9 Law|郑 Zheng 0.8 Cheng
梁 Liang 0.75 Leung|谢 Xie 0.7 Tse|宋 Song 0.65 Sung|唐 Tang 0.6 Tong|许 Xu 0.6 Hui
韩 Han 0.55 Hon|邓 Deng 0.55 Tang|冯 Feng 0.55 Fung|曹 Cao 0.5 Tso|彭 Peng 0.5 Pang
曾 Zeng 0.5 Tsang|肖 Xiao 0.5 Siu|田 Tian 0.45 Tin|董 Dong 0.45 Tung|潘 Pan 0.4 Poon
袁 Yuan 0.4 Yuen|蔡 Cai 0.4 Choi|蒋 Jiang 0.4 Chiang|余 Yu 0.38 Yue|于 Yu 0.38 -
杜 Du 0.37 To|叶 Ye 0.37 Yip|程 Cheng 0.36 Ching|魏 Wei 0.35 Ngai|苏 Su 0.35 So
吕 Lv 0.33 Lui|丁 Ding 0.33 Ting|任 Ren 0.32 Yam|沈 Shen 0.32 Shum|姚 Yao 0.31 Yiu
卢 Lu 0.30 Lo|姜 Jiang 0.30 Keung|崔 Cui 0.29 Tsui|钟 Zhong 0.29 Chung|谭 Tan 0.28 Tam
陆 Lu 0.27 Luk|汪 Wang 0.27 -|范 Fan 0.26 Fan|金 Jin 0.26 Kam|石 Shi 0.25 Shek
廖 Liao 0.25 Liu|贾 Jia 0.24 -|夏 Xia 0.24 Ha|韦 Wei 0.23 Wai|付 Fu 0.23 Foo
方 Fang 0.22 Fong|白 Bai 0.22 Pak|邹 Zou 0.21 Chau|孟 Meng 0.21 -|熊 Xiong 0.2 Hung
秦 Qin 0.2 Chun|邱 Qiu 0.2 Yau|江 Jiang 0.2 Kong|尹 Yin 0.19 Wan|薛 Xue 0.19 Sit
闫 Yan 0.18 -|段 Duan 0.18 Tuen|雷 Lei 0.18 Lui|侯 Hou 0.17 Hau|龙 Long 0.17 Lung
史 Shi 0.16 Sze|陶 Tao 0.16 To|黎 Li 0.16 Lai|贺 He 0.15 Ho|顾 Gu 0.15 Koo
毛 Mao 0.15 Mo|郝 Hao 0.14 -|龚 Gong 0.14 Kung|邵 Shao 0.14 Shiu|万 Wan 0.13 Man
钱 Qian 0.13 Chin|严 Yan 0.13 Yim|武 Wu 0.12 Mo|戴 Dai 0.12 Tai|莫 Mo 0.12 Mok
孔 Kong 0.11 Hung|向 Xiang 0.11 -|汤 Tang 0.11 Tong|欧阳 Ouyang 0.04 Au-Yeung
司马 Sima 0.01 -|诸葛 Zhuge 0.005 -
"""

# hanzi, pinyin (syllables joined by '-'), gender (m/f/u), weight: the given names that
# recur everywhere
_CN_COMMON_GIVEN = """
伟 Wei m 10|芳 Fang f 9|娜 Na f 8|秀英 Xiu-ying f 7|敏 Min f 7|静 Jing f 7|丽 Li f 6
强 Qiang m 6|磊 Lei m 6|军 Jun m 6|洋 Yang m 5|勇 Yong m 5|艳 Yan f 5|杰 Jie m 5
娟 Juan f 4|涛 Tao m 4|明 Ming m 4|超 Chao m 4|秀兰 Xiu-lan f 4|霞 Xia f 4|平 Ping u 4
刚 Gang m 4|桂英 Gui-ying f 3|建华 Jian-hua m 3|建国 Jian-guo m 3|志强 Zhi-qiang m 3
晓明 Xiao-ming m 3|海燕 Hai-yan f 3|红梅 Hong-mei f 3|丽娟 Li-juan f 3|玉兰 Yu-lan f 2
建军 Jian-jun m 2|子轩 Zi-xuan m 2|浩然 Hao-ran m 2|欣怡 Xin-yi f 2|梓涵 Zi-han f 2
雨涵 Yu-han f 2|宇轩 Yu-xuan m 2|俊杰 Jun-jie m 2|佳怡 Jia-yi f 2|婷婷 Ting-ting f 2
丹丹 Dan-dan f 2|晓燕 Xiao-yan f 2|文博 Wen-bo m 1|思远 Si-yuan m 1|一鸣 Yi-ming m 1
"""

# hanzi, pinyin, gender: characters composed into the long tail of given names
_CN_GIVEN_CHARS = """
伟 wei m|强 qiang m|磊 lei m|军 jun m|洋 yang m|勇 yong m|杰 jie m|涛 tao m|明 ming m
超 chao m|刚 gang m|辉 hui m|鹏 peng m|华 hua u|飞 fei m|鑫 xin m|波 bo m|斌 bin m
宇 yu m|浩 hao m|凯 kai m|健 jian m|俊 jun m|帆 fan m|帅 shuai m|旭 xu m|宁 ning u
龙 long m|林 lin u|阳 yang m|峰 feng m|建 jian m|国 guo m|志 zhi m|文 wen u|海 hai m
东 dong m|亮 liang m|成 cheng m|晨 chen u|博 bo m|子 zi u|轩 xuan m|豪 hao m|振 zhen m
嘉 jia u|德 de m|永 yong m|新 xin u|芳 fang f|娜 na f|敏 min f|静 jing f|丽 li f
艳 yan f|娟 juan f|霞 xia f|秀 xiu f|英 ying f|兰 lan f|玲 ling f|婷 ting f|燕 yan f
红 hong f|梅 mei f|琳 lin f|雪 xue f|慧 hui f|颖 ying f|倩 qian f|琴 qin f|云 yun u
莉 li f|萍 ping f|欣 xin f|怡 yi f|佳 jia u|雅 ya f|晶 jing f|洁 jie f|蕾 lei f
薇 wei f|璐 lu f|晓 xiao u|月 yue f|凤 feng f|桂 gui f|淑 shu f|珍 zhen f|春 chun u
瑶 yao f|诗 shi f|梦 meng f|思 si u|涵 han f|琪 qi f|悦 yue f|妍 yan f|然 ran u
"""

# English first names Chinese customers give in shops and on social media
_CN_ENGLISH_NAMES = """
Kevin m|Jack m|Tony m|David m|Michael m|Eric m|Jason m|Leo m|Peter m|Frank m|Andy m
Vincent m|Sam m|Ray m|Alan m|Amy f|Grace f|Lily f|Cindy f|Vivian f|Emma f|Coco f
Helen f|Linda f|Jenny f|Angela f|Crystal f|Sunny u|Joyce f|Fiona f|Iris f|Cherry f
"""

# name, gender, weight, pool (a = English-speaking, d = German, b = both), nicknames
_WESTERN_FIRST = """
James m 3.3 a Jim,Jimmy,Jamie|John m 3.2 a Johnny,Jack|Robert m 3.1 a Bob,Rob,Bobby
Michael m 2.9 b Mike,Mickey|William m 2.4 a Bill,Will,Billy,Liam|David m 2.3 b Dave
Richard m 1.5 a Rick,Dick,Rich|Joseph m 1.3 a Joe,Joey|Thomas m 1.3 b Tom,Tommy
Charles m 1.2 a Charlie,Chuck|Christopher m 1.1 a Chris|Daniel m 1.1 b Dan,Danny
Matthew m 0.9 a Matt|Anthony m 0.9 a Tony|Mark m 0.9 a -|Donald m 0.8 a Don,Donnie
Steven m 0.8 a Steve|Paul m 0.8 b -|Andrew m 0.8 a Andy,Drew|Joshua m 0.7 a Josh
Kenneth m 0.6 a Ken,Kenny|Kevin m 0.6 a -|Brian m 0.6 a -|George m 0.6 a -
Edward m 0.5 a Ed,Ted,Eddie|Ronald m 0.5 a Ron,Ronnie|Timothy m 0.5 a Tim
Jason m 0.5 a -|Jeffrey m 0.5 a Jeff|Ryan m 0.4 a -|Gregory m 0.4 a Greg
Benjamin m 0.4 a Ben,Benny|Samuel m 0.4 a Sam,Sammy|Patrick m 0.4 a Pat,Paddy
Alexander m 0.4 b Alex,Sasha|Nicholas m 0.4 a Nick,Nicky|Jonathan m 0.4 a Jon
Frederick m 0.2 a Fred,Freddie|Lawrence m 0.2 a Larry|Henry m 0.3 a Hank,Harry
Peter m 0.4 b Pete|Oliver m 0.4 a Ollie|Harry m 0.3 a -|Jack m 0.3 a -
Elizabeth f 1.6 a Liz,Beth,Betty,Lizzy|Mary f 2.6 a -|Patricia f 1.1 a Pat,Patty,Trish
Jennifer f 1.1 a Jen,Jenny|Linda f 1.0 a -|Barbara f 1.0 a Barb,Babs|Susan f 0.9 a Sue,Susie
Jessica f 0.9 a Jess,Jessie|Sarah f 0.9 b -|Karen f 0.8 a -|Nancy f 0.7 a -
Margaret f 0.7 a Maggie,Peggy,Meg|Lisa f 0.7 b -|Betty f 0.6 a -|Dorothy f 0.5 a Dot,Dottie
Sandra f 0.5 a Sandy|Ashley f 0.5 a -|Kimberly f 0.5 a Kim|Emily f 0.5 a Em,Emmy
Donna f 0.5 a -|Michelle f 0.5 a Shelly|Carol f 0.4 a -|Amanda f 0.4 a Mandy
Melissa f 0.4 a Mel,Missy|Deborah f 0.4 a Deb,Debbie|Stephanie f 0.4 a Steph
Rebecca f 0.4 a Becky,Becca|Laura f 0.4 b -|Sharon f 0.3 a -|Cynthia f 0.3 a Cindy
Kathleen f 0.3 a Kathy,Kate|Katherine f 0.4 a Kate,Kathy,Katie|Catherine f 0.3 a Cathy,Kate
Victoria f 0.3 a Vicky,Tori|Samantha f 0.3 a Sam,Sammy|Alexandra f 0.3 b Alex,Sandra
Christina f 0.3 a Chris,Tina|Abigail f 0.3 a Abby|Natalie f 0.3 a Nat|Olivia f 0.3 a Liv
Emma f 0.4 b -|Sophie f 0.3 b -|Anna f 0.4 b -|Charlotte f 0.3 a Charlie,Lottie
Lukas m 0.8 d Luki|Maximilian m 0.7 d Max|Felix m 0.5 d -|Jonas m 0.5 d -|Leon m 0.5 d -
Johannes m 0.5 d Hannes,Jo|Wolfgang m 0.5 d Wolf|Friedrich m 0.3 d Fritz|Sebastian m 0.5 d Basti
Tobias m 0.5 d Tobi|Matthias m 0.5 d Matze|Christian m 0.6 d Chris|Andreas m 0.6 d Andi
Stefan m 0.6 d Steffen|Jürgen m 0.4 d -|Klaus m 0.4 d -|Uwe m 0.3 d -|Jörg m 0.3 d -
Hans m 0.4 d Hansi|Günter m 0.3 d -|Dieter m 0.3 d -|Florian m 0.4 d Flo|Jan m 0.5 d -
Katharina f 0.6 d Kathi,Kati|Franziska f 0.4 d Franzi|Johanna f 0.4 d Hanna|Susanne f 0.5 d Susi
Gabriele f 0.4 d Gabi|Elisabeth f 0.4 d Lisa,Liesl|Magdalena f 0.3 d Lena|Ursula f 0.3 d Uschi
Monika f 0.4 d Moni|Petra f 0.4 d -|Sabine f 0.5 d Bine|Claudia f 0.4 d -|Julia f 0.5 d Jule
Lena f 0.4 d -|Lea f 0.4 d -|Mia f 0.4 d -|Hannah f 0.5 d -
Aaron m 0.2 a -|Adam m 0.25 b -|Adrian m 0.15 b -|Alan m 0.2 a -|Arthur m 0.15 a -
Austin m 0.15 a -|Bradley m 0.15 a Brad|Bruce m 0.15 a -|Carl m 0.15 a -|Craig m 0.15 a -
Dennis m 0.2 a -|Derek m 0.1 a -|Dylan m 0.15 a -|Eric m 0.25 a -|Ethan m 0.2 a -
Eugene m 0.1 a Gene|Evan m 0.15 a -|Gary m 0.25 a -|Gerald m 0.15 a Gerry|Glenn m 0.1 a -
Gordon m 0.1 a -|Graham m 0.1 a -|Harold m 0.15 a Hal|Ian m 0.15 a -|Isaac m 0.15 a -
Jacob m 0.25 a Jake|Jeremy m 0.15 a -|Jerome m 0.1 a -|Jordan m 0.15 a -|Keith m 0.15 a -
Kyle m 0.15 a -|Lewis m 0.1 a -|Logan m 0.1 a -|Luke m 0.15 a -|Martin m 0.2 b -
Nathan m 0.2 a Nate|Neil m 0.1 a -|Noah m 0.15 a -|Owen m 0.1 a -|Philip m 0.2 a Phil
Ralph m 0.1 a -|Randall m 0.1 a Randy|Raymond m 0.2 a Ray|Roger m 0.15 a -|Russell m 0.1 a -
Scott m 0.2 a -|Sean m 0.15 a -|Shane m 0.1 a -|Simon m 0.15 b -|Stuart m 0.1 a -
Terry m 0.1 a -|Trevor m 0.1 a -|Tyler m 0.15 a -|Victor m 0.1 a -|Vincent m 0.15 a Vince
Walter m 0.15 a Walt|Wayne m 0.15 a -|Zachary m 0.1 a Zach|Alice f 0.2 a -|Amber f 0.1 a -
Amy f 0.25 a -|Andrea f 0.15 b -|Angela f 0.25 a -|Anne f 0.2 a Annie|Beverly f 0.1 a Bev
Brenda f 0.2 a -|Caroline f 0.15 a Carrie|Cheryl f 0.15 a -|Chloe f 0.15 a -|Claire f 0.15 a -
Danielle f 0.15 a Dani|Denise f 0.15 a -|Diana f 0.15 a Di|Diane f 0.15 a -|Eleanor f 0.1 a Ellie
Evelyn f 0.1 a Evie|Frances f 0.1 a Fran|Gloria f 0.1 a -|Grace f 0.15 a Gracie|Hazel f 0.1 a -
Heather f 0.15 a -|Helen f 0.2 a -|Irene f 0.1 a -|Jacqueline f 0.1 a Jackie|Janet f 0.2 a -
Janice f 0.1 a -|Jean f 0.15 a -|Joan f 0.15 a -|Joyce f 0.1 a -|Judith f 0.15 a Judy
Julie f 0.15 a -|Katie f 0.1 a -|Kelly f 0.15 a -|Lauren f 0.15 a -|Lucy f 0.15 a -
Marie f 0.15 b -|Marilyn f 0.1 a -|Martha f 0.1 a Marty|Megan f 0.15 a Meg|Natasha f 0.1 a Tasha
Nicole f 0.2 a Nikki|Paula f 0.1 a -|Rachel f 0.2 a -|Rose f 0.1 a Rosie|Ruth f 0.15 a -
Sara f 0.1 a -|Shirley f 0.1 a -|Teresa f 0.15 a Terri|Tiffany f 0.1 a -|Valerie f 0.1 a Val
Vanessa f 0.1 a Nessa|Virginia f 0.1 a Ginny|Wendy f 0.1 a -|Bernd m 0.2 d -|Dirk m 0.15 d -
Frank m 0.2 d -|Holger m 0.15 d -|Jens m 0.2 d -|Kai m 0.15 d -|Lars m 0.15 d -|Marco m 0.15 d -
Markus m 0.25 d -|Niklas m 0.2 d Nik|Oliver m 0.2 d Olli|Ralf m 0.15 d -|Sven m 0.15 d -
Thorsten m 0.15 d -|Timo m 0.15 d -|Anja f 0.2 d -|Birgit f 0.15 d Biggi|Brigitte f 0.15 d Gitte
Daniela f 0.2 d Dani|Heike f 0.15 d -|Ines f 0.1 d -|Jana f 0.15 d -|Karin f 0.2 d -
Kerstin f 0.15 d -|Laura f 0.2 d -|Marion f 0.1 d -|Melanie f 0.15 d Mel|Nicole f 0.2 d Nici
Renate f 0.15 d -|Sandra f 0.2 d -|Silke f 0.15 d -|Tanja f 0.15 d -|Ute f 0.1 d -
"""

# name, weight, pool
_WESTERN_LAST = """
Smith 2.5 a|Johnson 2.0 a|Williams 1.7 a|Brown 1.5 a|Jones 1.5 a|Garcia 1.1 a|Miller 1.1 a
Davis 1.0 a|Rodriguez 1.0 a|Martinez 1.0 a|Wilson 0.9 a|Anderson 0.8 a|Taylor 0.8 a
Thomas 0.8 a|Moore 0.7 a|Jackson 0.7 a|Martin 0.7 a|Lee 0.7 a|Thompson 0.6 a|White 0.6 a
Harris 0.6 a|Clark 0.5 a|Lewis 0.5 a|Robinson 0.5 a|Walker 0.5 a|Young 0.5 a|Allen 0.5 a
King 0.5 a|Wright 0.5 a|Scott 0.4 a|Hill 0.4 a|Green 0.4 a|Adams 0.4 a|Baker 0.4 a
Nelson 0.4 a|Carter 0.4 a|Mitchell 0.4 a|Roberts 0.4 a|Turner 0.4 a|Phillips 0.3 a
Campbell 0.3 a|Parker 0.3 a|Evans 0.3 a|Edwards 0.3 a|Collins 0.3 a|Stewart 0.3 a
Morris 0.3 a|Murphy 0.3 a|Cook 0.3 a|Rogers 0.3 a|Morgan 0.3 a|Cooper 0.3 a
Peterson 0.3 a|Reed 0.2 a|Bailey 0.2 a|Bell 0.2 a|Kelly 0.2 a|Howard 0.2 a|Ward 0.2 a
Cox 0.2 a|Richardson 0.2 a|Wood 0.2 a|Watson 0.2 a|Brooks 0.2 a|Bennett 0.2 a|Gray 0.2 a
Hughes 0.2 a|Price 0.2 a|Sanders 0.2 a|Patel 0.3 a|Khan 0.2 a|O'Brien 0.2 a|O'Connor 0.2 a
McDonald 0.2 a|MacLeod 0.1 a|Hall 0.3 a|Davies 0.3 a|Fitzgerald 0.1 a|Smith-Jones 0.02 a
Müller 1.2 d|Schmidt 0.9 d|Schneider 0.7 d|Fischer 0.7 d|Weber 0.6 d|Meyer 0.6 d
Wagner 0.5 d|Becker 0.5 d|Schulz 0.5 d|Hoffmann 0.5 d|Schäfer 0.4 d|Koch 0.4 d|Bauer 0.4 d
Richter 0.4 d|Klein 0.4 d|Wolf 0.4 d|Schröder 0.3 d|Neumann 0.3 d|Schwarz 0.3 d
Zimmermann 0.3 d|Braun 0.3 d|Krüger 0.3 d|Hofmann 0.3 d|Hartmann 0.3 d|Lange 0.3 d
Schmitt 0.3 d|Werner 0.3 d|Schmitz 0.3 d|Krause 0.3 d|Meier 0.3 d|Lehmann 0.3 d
Köhler 0.2 d|Herrmann 0.2 d|König 0.2 d|Walter 0.2 d|Huber 0.2 d|Kaiser 0.2 d|Fuchs 0.2 d
Peters 0.2 d|Lang 0.2 d|Scholz 0.2 d|Möller 0.2 d|Weiß 0.2 d|Jung 0.2 d|Hahn 0.2 d
Schubert 0.2 d|Vogel 0.2 d|Friedrich 0.2 d|Günther 0.1 d|Keller 0.2 b|Frank 0.2 b
"""


# The long tail of Western surnames: most people do not carry one of the hundred most
# common names. Tail names are composed the way many English and German surnames were
# formed (a place or trade word and an ending), giving thousands of plausible names with
# a falling frequency.
_SURNAME_PARTS = {
    "a": (
        "Ash Black Brad Bright Brook Cald Cart Chad Chester Clay Craw Dal Dun East Ell Fair "
        "Farn Gold Green Hal Hart Haw Heath Hol Kings Lang Lock Mar Mid Mill Mor New North "
        "Oak Pen Pres Rad Red Ring Rock Rush Sand Shel South Stan Stock Thorn Wake Wal Wes "
        "Whit Win Wood Brom Cross Dray Eg Fen Grim Hay Al Ather Bar Bel Birch Bland Bram "
        "Brid Bur Cal Chap Clif Cot Dart Dor Elm Fal Fern Glad Ham Har Hen Hurst Ken Knight "
        "Lam Lind Mark Mel Nor Pem Quen Ram Ros Sel Stam Sut Tal Up Ven Went Wil Yar".split(),
        "ford ley ton wood field by ham worth ridge well more man croft dale hurst stone "
        "wick land brook cott gate ington shaw thorpe stead low hill combe bury den".split(),
    ),
    "d": (
        "Alt Bach Berg Brand Eber Eich Engel Falk Fein Gross Hart Hein Hirsch Hoch Holz "
        "Kirch Kohl Kraft Lind Mahl Neu Ober Rein Rosen Sauer Schön Stein Stroh Wald Wies "
        "Wild Winter Zimmer Baum Dorn Ahl Beck Blum Buch Dietz Ehr Fried Gold Grün Haber "
        "Kessel Lau Mohr Roth Sieg".split(),
        "mann er hardt berg feld bach meier huber stein hof dorf brunner hauser ler inger "
        "ecker wald baum reuter born hausen thal mayr rich wieser".split(),
    ),
}


def _composed_surnames() -> Vocabulary:
    """Composed tail surnames with gently falling weights (1 / (rank + 300)): the most
    common of them is rarer than the rarest name of the head list."""
    values: list[str] = []
    weights: list[float] = []
    pools: list[str] = []
    order = np.random.default_rng(20240601)
    for pool, (heads, tails) in _SURNAME_PARTS.items():
        composed = sorted({h + t for h in heads for t in tails})
        ranks = order.permutation(len(composed)) + 1
        values += composed
        weights += list(1.0 / (ranks + 300.0))
        pools += [pool] * len(composed)
    return _vocabulary(values, weights, pool=pools)


def _rows(table: str) -> list[list[str]]:
    return [item.split() for line in table.strip().splitlines() for item in line.split("|")]


def _chinese_surnames() -> Vocabulary:
    rows = _rows(_CN_SURNAMES)
    return _vocabulary(
        [r[0] for r in rows],
        [float(r[2]) for r in rows],
        pinyin=[r[1] for r in rows],
        abroad=[r[1] if r[3] == "-" else r[3] for r in rows],
    )


def _chinese_common_given() -> Vocabulary:
    rows = _rows(_CN_COMMON_GIVEN)
    return _vocabulary(
        [r[0] for r in rows],
        [float(r[3]) for r in rows],
        pinyin=[r[1] for r in rows],
        gender=[r[2] for r in rows],
    )


def _chinese_given_chars() -> Vocabulary:
    rows = _rows(_CN_GIVEN_CHARS)
    return _vocabulary(
        [r[0] for r in rows],
        [1.0] * len(rows),
        pinyin=[r[1] for r in rows],
        gender=[r[2] for r in rows],
    )


def _chinese_english_names() -> Vocabulary:
    rows = _rows(_CN_ENGLISH_NAMES)
    return _vocabulary([r[0] for r in rows], [1.0] * len(rows), gender=[r[1] for r in rows])


def _western_first() -> Vocabulary:
    rows = _rows(_WESTERN_FIRST)
    return _vocabulary(
        [r[0] for r in rows],
        [float(r[2]) for r in rows],
        gender=[r[1] for r in rows],
        pool=[r[3] for r in rows],
        nicknames=["" if r[4] == "-" else r[4] for r in rows],
    )


def _western_last() -> Vocabulary:
    rows = _rows(_WESTERN_LAST)
    return _vocabulary([r[0] for r in rows], [float(r[1]) for r in rows], pool=[r[2] for r in rows])


CN_SURNAMES = _chinese_surnames()
CN_COMMON_GIVEN = _chinese_common_given()
CN_GIVEN_CHARS = _chinese_given_chars()
CN_ENGLISH_NAMES = _chinese_english_names()
WESTERN_FIRST = _western_first()
WESTERN_LAST = _western_last()
WESTERN_LAST_TAIL = _composed_surnames()


def subset(vocab: Vocabulary, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the entries selected by ``mask`` and their renormalised weights."""
    idx = np.flatnonzero(mask)
    w = vocab.p[idx]
    return idx, w / w.sum()
