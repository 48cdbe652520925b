"""What the demo's residents and officials write, in Chinese and English: generated appeals, extra proposals,
answers and projects. (The demo's named people and items are in server/commands/demo.py.)"""

#: category → [(zh, en)] problems residents send as appeals.
APPEAL_TEXTS = {
    "roads": [("{v}村口的路面塌了一个大坑，电动车晚上容易摔倒。", "There is a deep pothole at the entrance of {v}; scooters fall in it at night."),
              ("去{v}的班车最近经常不来，学生上学很难。", "The bus to {v} often does not come; pupils cannot get to school."),
              ("{v}小学门口没有减速带，车开得太快。", "Cars drive too fast past the school in {v}: there is no speed bump."),
              ("下雨后{v}的土路全是泥，三轮车进不去。", "After rain the dirt road in {v} is mud; tricycles cannot get through.")],
    "water": [("{v}这几天自来水发黄，有异味。", "The tap water in {v} has been yellow and smells for days."),
              ("{v}上片的水压太低，二楼一滴水都没有。", "Water pressure in upper {v} is so low that nothing reaches the first floor."),
              ("{v}路边的水管漏水一个星期了。", "A pipe by the road in {v} has been leaking for a week.")],
    "sanitation": [("{v}的垃圾箱满了没人清运，招苍蝇。", "The bins in {v} are full and nobody empties them; flies everywhere."),
                   ("有人往{v}的河里倒建筑垃圾。", "Someone dumps building rubble in the river at {v}."),
                   ("{v}公厕坏了很久，没有水冲。", "The public toilet in {v} has been broken for a long time, no water.")],
    "education": [("{v}小学的暖气不热，孩子上课冻手。", "The heating at the {v} school does not work; children are cold in class."),
                  ("希望{v}幼儿园延长放学时间，家长还在地里干活。", "Could the {v} kindergarten close later? Parents are still in the fields.")],
    "electricity": [("{v}这个月停电四次，冰箱里的东西都坏了。", "Four power cuts in {v} this month; the food in our fridges spoiled."),
                    ("{v}的电线杆歪了，快倒了。", "A power pole in {v} is leaning and about to fall.")],
    "health": [("{v}卫生室的医生经常不在。", "The doctor at the {v} clinic is often not there."),
               ("{v}卫生室缺降压药，老人要跑到镇上买。", "The {v} clinic has no blood-pressure pills; old people walk to town for them.")],
    "safety": [("{v}河边没有护栏，孩子在那里玩很危险。", "There is no railing along the river in {v}; children play there."),
               ("{v}的路灯坏了，晚上有人偷东西。", "The street lights in {v} are out and things get stolen at night.")],
    "other": [("想咨询{v}的危房改造补贴怎么申请。", "How do we apply for the house repair grant in {v}?"),
              ("{v}的广场舞音乐太吵，晚上十点还在放。", "Dance music on the {v} square is loud until ten at night.")],
}

#: Answers: (on-the-way words, solved words), by language.
ANSWERS = {
    "zh_Hans": ["已转交维修队，三天内到现场处理。", "已经派人查看，正在安排维修材料。", "问题已登记，我们会和村委会一起解决。"],
    "en": ["We have passed it to the repair team; they will be there within three days.",
           "Staff have looked at it and are getting the materials.", "It is on our list; we are working on it with the village."],
}
SOLVED = {"zh_Hans": "已处理完毕，请您查看。如仍有问题可以重新提出。",
          "en": "It is done; please have a look. If the problem is still there you can reopen this appeal."}
REJECTED = {"zh_Hans": "这件事不属于县里的职责，已告知村委会协调。",
            "en": "This is not the county's task; we have asked the village committee to help."}
REOPEN = {"zh_Hans": "还是老样子，没有修好。", "en": "Nothing has changed; it is still broken."}
RATING_COMMENTS = {"zh_Hans": ["很快就修好了，谢谢！", "态度很好。", "等的时间太长了。", None, None],
                   "en": ["Fixed quickly, thank you!", "Friendly and clear.", "It took far too long.", None, None]}
NOTE = "已电话联系反映人，约好周四上门。"
KIOSK_TRANSCRIPTS = ["我们组的路灯坏了一个多月了", "村里的水井水位下降很厉害", "卫生室的药不够用", "桥上的栏杆松了"]
#: What an official wrote down after listening to a voice-only kiosk appeal.
VOICE_ONLY_TRANSCRIPTS = ["老人说的是方言：后山的小路被雨冲断了，放牛过不去。", "老人用方言反映：家门口的排水沟堵了，一下雨就进水。",
                          "录音内容：村里的低压电一到晚上就不够用，电饭锅都煮不熟饭。"]

#: Proposals beyond the named ones: village, category, language, title, body, fate, days ago, project kind.
EXTRA_PROPOSALS = [
    ("FY-QS-01", "water", "zh_Hans", "青石村饮水管网改造", "村里的水管是九十年代铺的，经常爆管。建议整体更换主管道，村民出工挖沟。",
     "completed", 330),
    ("FY-HK-01", "health", "en", "Repaint and re-equip the Hekou clinic",
     "The clinic's walls are damp and the examination bed is broken. Residents offer to paint; the county buys the bed.",
     "completed", 290),
    ("FY-QS-02", "roads", "zh_Hans", "柳树湾河堤步道", "沿河修一条步道，老人散步、孩子上学都安全。", "in_progress", 200),
    ("FY-HK-02", "safety", "zh_Hans", "石桥加装护栏", "石桥两边没有护栏，雨天桥面很滑，已经有人掉下去过。", "in_progress", 140),
    ("FY-QS-01", "sanitation", "zh_Hans", "青石村垃圾分类亭", "在村东和村西各建一个垃圾分类亭，定时投放。", "planned", 60),
    ("FY-HK-01", "other", "en", "A shaded bench by the Hekou bus stop",
     "People wait for the county bus in the full sun. A small roof and a bench would do.", "qualified", 25),
    ("FY-QS-02", "education", "zh_Hans", "柳树湾儿童放学托管", "放学后孩子没人看，建议村里请退休老师做托管。", "qualified", 40),
    ("FY-HK-02", "water", "zh_Hans", "石桥村水窖清淤", "水窖多年没有清理，夏天水发臭。", "funded", 95),
    ("FY-QS-01", "other", "zh_Hans", "村委会门前建一个文化广场", "建议把村委会前的空地硬化，装篮球架和健身器材。", "rejected", 250),
    ("FY-HK-01", "roads", "en", "Paint a crossing outside the market",
     "Market days are busy and there is no crossing. Paint one and put up a sign.", "withdrawn", 170),
    ("FY-QS-02", "other", "zh_Hans", "每月一次流动电影", "以前每月有电影放映，现在没有了，希望恢复。", "expired", 300),
    ("FY-HK-02", "sanitation", "zh_Hans", "石桥村公共厕所改造", "旱厕味道很大，建议改成水冲式。", "expired", 230),
    ("FY-QS-01", "education", "en", "Evening literacy class for adults",
     "Several of us never learnt to read well. An evening class twice a week at the school would help.", "open", 20),
    ("FY-HK-01", "sanitation", "zh_Hans", "河口村河道清淤", "河道淤积，下大雨就漫到路上。", "released", 150),
]

#: Milestones of the demo's projects (zh, en): they are named in both languages, as officials of a bilingual
#: county write them.
STEPS = [("勘察设计 Survey and design", 1), ("材料采购 Buying materials", 1), ("施工 Works", 3),
         ("验收 Inspection", 1), ("村民回访 Asking the residents", 1)]
UPDATES = ["勘察完成，方案已在村务公开栏公示。The survey is done; the plan is on the village notice board.",
           "材料已到位，村民志愿者下周开始出工。Materials are here; volunteers start next week.",
           "主体施工完成一半。Half of the main works are done.",
           "工程完工，等待验收。The works are finished and wait for inspection."]
PAYEES = [("凤仪建材 Fengyi Building Supplies", "材料 Materials"), ("青石运输队 Qingshi Haulage", "运输 Transport"),
          ("河口五金 Hekou Hardware", "工具 Tools"), ("凤仪县第二建筑队 Fengyi Builders No. 2", "施工 Works")]
PROJECT_RATINGS = ["修得很结实，谢谢大家。", "Much better than before.", "工期拖了一点，但是质量不错。", None]
