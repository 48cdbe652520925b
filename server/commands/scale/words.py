"""The vocabulary generated texts are made of, in Chinese and English."""

# (zh, en) pairs. The first word of each topic is what the search benchmark looks for.
TOPICS = [
    ("路灯", "streetlight", "lighting"), ("垃圾", "rubbish", "sanitation"), ("道路", "road", "roads"),
    ("桥梁", "bridge", "roads"), ("水井", "well", "water"), ("自来水", "tap water", "water"),
    ("学校", "school", "education"), ("卫生室", "clinic", "health"), ("广场", "square", "culture"),
    ("公交", "bus", "roads"), ("停车", "parking", "roads"), ("排水沟", "drain", "water"),
    ("篮球场", "basketball court", "culture"), ("图书室", "library", "education"), ("养老", "elderly care", "elderly"),
    ("菜市场", "market", "agriculture"), ("公厕", "public toilet", "sanitation"), ("绿化", "trees", "sanitation"),
    ("监控", "camera", "safety"), ("网络", "internet", "culture"), ("灌溉", "irrigation", "agriculture"),
    ("护栏", "guardrail", "safety"), ("幼儿园", "kindergarten", "education"), ("健身", "fitness", "culture"),
]
CATEGORIES = [("roads", "道路交通", "Roads and transport"), ("water", "供水排水", "Water and drainage"),
              ("lighting", "照明", "Lighting"), ("sanitation", "环境卫生", "Sanitation"),
              ("education", "教育", "Education"), ("health", "医疗卫生", "Health"),
              ("agriculture", "农业", "Agriculture"), ("culture", "文化体育", "Culture and sport"),
              ("safety", "公共安全", "Public safety"), ("elderly", "养老服务", "Elderly care")]
#: Words that occur in about 0.1% of proposals of their language ("rare" searches). The two-character
#: Chinese word matters: pg_trgm cannot index a search term shorter than three characters.
RARE = ("桃花节", "beekeeping", "养蜂")
PLACES_ZH = ["村口", "小学旁", "河边", "老街", "新村", "后山", "集市", "村委会前", "东头", "西头"]
PLACES_EN = ["at the village entrance", "near the primary school", "by the river", "on the old street",
             "in the new quarter", "behind the hill", "at the market", "outside the village office"]
ACTIONS_ZH = ["维修", "新建", "改造", "增设", "清理", "扩建", "整治"]
ACTIONS_EN = ["Repair the", "Build a new", "Upgrade the", "Add more", "Clean up the", "Extend the", "Fix the"]
FILLER_ZH = ["大家每天都要经过这里。", "晚上很不方便，老人和孩子尤其危险。", "已经反映过几次，希望这次能解决。",
             "我们愿意出工出力。", "附近有三百多户村民受益。", "下雨天问题更严重。", "希望村里和乡里一起想办法。",
             "预算可以由村民众筹一部分。", "这件事拖了很久了。", "建议先做一个简单的方案。"]
FILLER_EN = ["Everyone passes here every day.", "It is dangerous at night, especially for children and the elderly.",
             "We have raised this before and hope it is solved this time.", "Residents are ready to volunteer.",
             "More than three hundred households would benefit.", "It gets worse when it rains.",
             "The village and the township could work on it together.", "Part of the cost could be crowdfunded.",
             "This has been waiting for a long time.", "A simple first plan would already help."]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
EN_NAMES = ["Wang Wei", "Li Na", "Zhang Min", "Liu Yang", "Chen Jie", "Yang Fang", "Zhao Lei", "Zhou Tao"]
TOWN_ZH = ["凤仪", "青山", "石桥", "河口", "龙泉", "松坪", "白塔", "金沙", "云台", "梅溪", "柳林", "大坝"]
TOWN_EN = ["Fengyi", "Qingshan", "Shiqiao", "Hekou", "Longquan", "Songping", "Baita", "Jinsha", "Yuntai",
           "Meixi", "Liulin", "Daba"]
REASONS = ["Duplicate of an earlier proposal.", "Outside the village budget this year.", "已由乡里统一安排。"]
PROBLEMS_ZH = ["坏了", "不亮了", "漏水", "堵了", "没人管", "太危险", "很脏", "停了三天"]
PROBLEMS_EN = ["is broken", "does not work", "leaks", "is blocked", "is dangerous", "is dirty", "stopped"]
STEPS_ZH = ["方案设计", "材料采购", "场地清理", "主体施工", "验收", "村民公示"]
STEPS_EN = ["Design", "Buying materials", "Site clearing", "Main works", "Inspection", "Public notice"]
PAYEES = ["凤仪建筑有限公司", "青山建材店", "Hekou Hardware", "石桥运输队", "Longquan Electrical"]
