#!/usr/bin/env python3
"""Writes a labelled corpus of everyday chat messages, Chinese and English, from phrase lists.

Why: the class models learn from Weibo posts and Reddit comments, which are long and rarely say
"emo了", "好累啊", "not happy at all" or "my exam is tomorrow" the way people write to a music bot.
This corpus teaches the phenomena of chat (negation and its scope, degree, slang, emoji, tiredness,
missing someone, a situation with no feeling word, contrast, bare requests and small talk with no
feeling) from phrase lists written here, combined by templates. It is fitted beside the main
training files at a weight (`moodtune eval fit ... --extra core/data/train/chat-zh.jsonl:W`); it
never contains evaluation lines.

Labels follow CLUE emotion2020 as the chat evaluation uses them: tiredness and missing someone are
sadness, annoyance is disgust, a bare request or a plain fact is none.

Deterministic: `python3 tools/chat_corpus.py core/data/train` writes the same files every time.
"""

import json
import random
import sys
from pathlib import Path

import en_situations

LABELS = ["happiness", "sadness", "anger", "disgust", "fear", "like", "surprise"]

# ---------------------------------------------------------------------------------------------
# Chinese
# ---------------------------------------------------------------------------------------------

ZH_FEEL = {
    "happiness": ["开心", "高兴", "快乐", "爽", "兴奋", "激动", "美滋滋", "乐开了花", "开森", "嗨皮",
                  "心情好", "心情超好", "心情美美的", "幸福", "满足", "痛快", "舒坦", "欢乐", "得意",
                  "乐呵", "喜滋滋", "轻松", "松了口气", "欣慰"],
    "sadness": ["难过", "伤心", "失落", "心痛", "想哭", "委屈", "难受", "绝望", "沮丧", "心碎", "孤单",
                "寂寞", "崩溃", "低落", "失望", "心酸", "痛苦", "悲伤", "心里空空的", "提不起劲",
                "郁闷", "压抑", "丧", "累", "心累", "疲惫", "好累", "累死了", "困", "没力气", "身心俱疲",
                "被掏空", "累瘫了", "想家", "想妈妈", "想他", "想你", "想念", "怀念", "舍不得",
                "孤独", "无助", "遗憾", "心凉"],
    "anger": ["生气", "气死了", "火大", "愤怒", "气炸了", "恼火", "暴躁", "抓狂", "炸毛", "怒了",
              "气得发抖", "想骂人", "忍无可忍", "气疯了", "肺都气炸了", "冒火", "气到不行", "窝火"],
    "disgust": ["烦", "好烦", "烦死了", "讨厌", "恶心", "嫌弃", "受不了", "无语", "反感", "厌恶", "膈应",
                "服了", "烦透了", "腻了", "看不惯", "倒胃口", "心烦", "糟心", "闹心", "厌烦",
                "不耐烦", "讨厌死了", "恶心死了"],
    "fear": ["害怕", "怕", "紧张", "焦虑", "担心", "慌", "恐惧", "不安", "忐忑", "心慌", "发毛",
             "怕怕的", "睡不着", "吓死了", "心里发慌", "提心吊胆", "惶恐", "手心冒汗", "腿软",
             "慌张", "担忧", "怂"],
    "like": ["喜欢", "爱", "超爱", "好爱", "欣赏", "佩服", "心动", "崇拜", "感谢", "感动", "暖心",
             "着迷", "上头", "迷上了", "爱死了", "太可爱了", "好喜欢", "宠", "在乎", "想娶",
             "太好听了", "好看", "真香"],
    "surprise": ["惊讶", "吃惊", "震惊", "没想到", "不敢相信", "吓一跳", "惊呆了", "意外", "难以置信",
                 "目瞪口呆", "懵了", "愣住了", "傻眼了", "大吃一惊", "出乎意料"],
}

ZH_LIKE_OBJECTS = ["这首歌", "我家猫", "这个歌手", "我妈", "我男朋友", "我女朋友", "这部电影", "这家店",
                   "我老婆", "我闺蜜", "这个乐队", "这本书", "这只狗", "我们老师", "这个游戏", "这个声音",
                   "周杰伦", "这件衣服", "我宝宝", "这座城市", "这个主播", "我奶奶", "这种天气"]

ZH_SITUATION = {
    "happiness": ["升职加薪了", "拿到offer了", "考研上岸了", "考试过了", "中奖了", "放假了", "发工资了",
                  "比赛赢了", "论文通过了", "抢到演唱会门票了", "减肥成功了", "脱单了", "求婚成功了",
                  "买到房了", "宝宝出生了", "收到了生日礼物", "驾照考过了", "终于毕业了", "项目上线了",
                  "年终奖到账了", "今天没加班", "周末去海边玩", "和朋友聚餐了", "涨工资了", "被录取了",
                  "拿了第一名", "猫咪病好了", "答辩顺利通过", "终于下班了", "体检结果一切正常",
                  "妈妈的手术很成功", "投稿被采用了", "今天阳光特别好"],
    "sadness": ["和他分手了", "失恋了", "被甩了", "挂科了", "没考上", "被裁员了", "失业了",
                "我的猫走了", "外婆去世了", "一个人过年", "表白被拒了", "比赛输了", "面试又挂了",
                "异地恋好辛苦", "朋友都不理我", "生日没人记得", "在外地过中秋", "梦见了去世的爷爷",
                "加班到凌晨", "连续熬夜一周", "带娃一整天", "考砸了", "落榜了", "狗狗丢了",
                "好朋友出国了", "被最好的朋友背叛了", "一个人吃晚饭", "爸妈又吵架了", "工作没了",
                "他已经不回我消息了", "三年没回家了", "毕业后大家都散了", "又被拒稿了"],
    "anger": ["被人插队", "外卖被偷了", "被人骗了钱", "同事把锅甩给我", "方案被人抢了功", "快递被摔坏了",
              "被人恶意差评", "车被刮了还跑了", "被房东扣押金", "被老板当众骂", "又被放鸽子还不道歉",
              "室友偷用我的东西", "被人造谣", "排了两小时队被告知没了", "有人在背后说我坏话",
              "车位又被占了", "被电话诈骗", "买到假货商家不认账"],
    "disgust": ["楼上天天装修", "客户一直改需求", "天天开会", "被催婚", "地铁挤死了", "亲戚问我工资",
                "同事阴阳怪气", "邻居半夜吵", "又要团建", "改了第八版方案", "群里天天发广告",
                "有人在电梯里抽烟", "饭里吃出头发", "周一又要上班", "每天加班写周报", "被拉进无聊的群",
                "前任又来骚扰", "同桌不洗澡"],
    "fear": ["明天要考试", "明天面试", "明天答辩", "体检要复查", "一个人走夜路", "一个人在家", "外面打雷",
             "明天做手术", "在等检查结果", "deadline快到了", "明天要上台演讲", "半夜有人敲门",
             "航班要赶不上了", "明天第一天上班", "孩子发高烧", "听到门外有声音", "论文还没写完",
             "要见家长了", "明天出成绩", "被老板叫去谈话"],
    "surprise": ["他居然是我高中同学", "十年没见的朋友突然来找我", "我爸居然会做饭", "猫居然会开门",
                 "他俩居然在一起了", "中了一等奖", "老师居然记得我", "他竟然是富二代",
                 "一觉醒来下雪了", "平时最安静的同事辞职去环游世界了", "我妈居然玩抖音"],
}

ZH_SLANG = {
    "happiness": ["爷青回", "好耶", "冲鸭", "狂喜", "起飞", "赢麻了", "嘿嘿嘿", "哈哈哈哈", "芜湖",
                  "笑死", "太爽了", "美哭了", "开心到飞起", "乐死我了", "笑不活了", "快乐加倍"],
    "sadness": ["又emo了", "破防了", "emo中", "好丧", "裂开", "网抑云时间", "心态崩了", "蓝瘦香菇", "我哭死",
                "哭唧唧", "呜呜呜", "麻了", "人间不值得", "我真的会谢", "心塞", "累麻了"],
    "anger": ["原地爆炸", "血压拉满", "气到吐血", "忍不了了", "我真的栓Q", "火冒三丈", "炸了",
              "气抖冷", "无能狂怒", "暴风哭泣式生气"],
    "disgust": ["无语子", "栓Q", "离谱", "下头", "服了", "无语死了", "我真的会谢", "绷不住了", "辣眼睛",
                "yue了", "油腻", "晦气", "什么玩意儿", "醉了"],
    "fear": ["慌得一批", "芭比Q了", "完蛋了", "要凉了", "瑟瑟发抖", "吓尿了", "慌死了", "凉凉",
             "我不行了好慌", "救命"],
    "like": ["绝绝子", "yyds", "爱了爱了", "太好嗑了", "神仙", "宝藏", "真香", "永远的神", "心都化了",
             "磕到了", "被圈粉了", "好甜", "太戳我了"],
    "surprise": ["我人傻了", "卧槽", "天哪", "真的假的", "离大谱", "惊呆了老铁", "我滴妈", "啊这",
                 "什么情况", "不会吧"],
}

ZH_EMOJI = {
    "happiness": ["😄", "😁", "🎉", "🥳", "😆", "😂", "🤣", "[哈哈]", "[嘻嘻]", "[太开心]", "😊", "[偷笑]"],
    "sadness": ["😭", "😢", "😞", "💔", "🥺", "[泪]", "[流泪]", "[悲伤]", "[伤心]", "😔", "😿", "[失望]"],
    "anger": ["😡", "🤬", "😠", "💢", "[怒]", "[怒骂]", "[抓狂]", "😤"],
    "disgust": ["🙄", "🤮", "🤢", "😒", "[吐]", "[鄙视]", "[白眼]", "[哼]", "😑"],
    "fear": ["😰", "😨", "😱", "😬", "[害怕]", "[惊恐]", "😖", "🥶"],
    "like": ["❤️", "😍", "🥰", "💕", "😘", "[爱你]", "[心]", "💗", "[色]", "💖"],
    "surprise": ["😮", "😲", "😯", "🤯", "[吃惊]", "😳", "‼️", "[震惊]"],
}

ZH_DEGREE_UP = ["好", "很", "超", "超级", "太", "真的", "特别", "非常", "巨", "贼", "有够", "十分", "真", "好"]
ZH_DEGREE_DOWN = ["有点", "有一点", "有些", "稍微有点", "一丢丢", "略微", "有一丢丢"]
ZH_PARTICLE = ["", "", "", "啊", "呀", "了", "啦", "哦", "呢", "！", "！！", "。", "...", "～", "吧"]
ZH_OPENERS = ["", "", "", "今天", "现在", "最近", "此刻", "今晚", "这几天", "刚刚", "说真的", "唉", "哎"]

# Feelings that negation turns into their opposite (for the labels of negated messages).
ZH_POSITIVE = ["开心", "高兴", "快乐", "爽", "好受", "顺利", "开心起来", "满意", "幸福"]
ZH_NEGATIVE_RELIEF = [("难过", "sadness"), ("伤心", "sadness"), ("紧张", "fear"), ("害怕", "fear"),
                      ("担心", "fear"), ("生气", "anger"), ("焦虑", "fear"), ("失落", "sadness")]
ZH_RELIEF_TAIL = ["想通了", "松了口气", "都过去了", "感觉很好", "轻松多了", "一切都好", "挺好的", "舒服多了"]

ZH_NONE = ["您好", "在不在", "早安", "早啊", "晚上好", "哈喽", "hi", "测一下", "test", "2222", "有人吗", "嗨", "？", "。。。", "嗯",
           "好的", "收到", "几点了", "星期几了", "明天天气怎么样", "下午要去银行", "刚吃完饭", "刚下地铁",
           "晚饭吃的米饭", "在坐地铁", "明天几点开会", "周五交报告", "刚到公司", "去超市买点菜",
           "正在排队", "等快递", "明天早上八点的车", "这个怎么用", "你是谁", "你叫什么名字",
           "帮助", "/help", "/start", "/more", "asdfgh", "qwerty", "哦哦",
           "https://b23.tv/xyz", "http://example.com/a", "123456", "今天周几", "几号了", "下班路上",
           "在图书馆", "刚起床", "准备睡了", "吃午饭了吗", "你会做什么", "怎么用这个机器人",
           "我在北京", "明天出差去上海", "今天穿了新鞋", "电脑开机了"]
ZH_REQUEST = ["来点歌", "推荐几首歌", "放一首周杰伦的稻香", "换一首", "下一首", "随便放点", "有没有好听的歌",
              "推荐点适合学习的歌", "来首英文歌", "放点纯音乐", "想听陈奕迅", "推荐一下最近的热歌",
              "这首歌叫什么", "有什么新歌", "给我来首老歌", "放点跑步听的歌", "推荐几首开车听的歌",
              "能放首粤语歌吗", "来点背景音乐", "帮我找首歌"]
ZH_REQUEST_TAIL = ["来点歌", "推荐几首歌吧", "放首歌", "有没有适合的歌", "来首歌", "给我放点音乐"]


def zh_feel(rng, label):
    f = rng.choice(ZH_FEEL[label])
    r = rng.random()
    if r < 0.45:
        f = rng.choice(ZH_DEGREE_UP) + f
    elif r < 0.6:
        f = rng.choice(ZH_DEGREE_DOWN) + f
    return f


def zh_like(rng):
    verb = rng.choice(["喜欢", "爱", "超爱", "好爱", "太爱", "巨喜欢", "好喜欢", "迷上了", "欣赏", "佩服"])
    return rng.choice([f"{verb}{rng.choice(ZH_LIKE_OBJECTS)}", f"{rng.choice(ZH_LIKE_OBJECTS)}太可爱了",
                       f"我{verb}{rng.choice(ZH_LIKE_OBJECTS)}"])


ZH_MISSED = ["回家", "家", "爸妈", "我妈", "妈妈做的菜", "外婆", "爷爷", "他", "她", "你", "以前的同学", "老朋友",
             "小时候", "大学时光", "初恋", "前任", "家乡的味道", "见他一面", "回到过去", "我的狗", "老家的院子",
             "高中的日子", "去世的奶奶", "远方的朋友", "和他在一起的日子"]
ZH_MISS_VERB = ["想", "好想", "很想", "特别想", "突然很想", "真的好想", "又想", "有点想", "想念", "怀念"]


def zh_missing(rng):
    t = rng.choice(ZH_MISS_VERB) + rng.choice(ZH_MISSED)
    return rng.choice([t, t + rng.choice(ZH_PARTICLE), rng.choice(["一个人在外地 ", "过节了 ", "下雨天 ",
                                                                   "半夜睡不着 ", "又是一年春节 ", ""]) + t])


def zh_message(rng, label):
    """One Chinese message with a feeling of `label`."""
    p = rng.choice(ZH_PARTICLE)
    o = rng.choice(ZH_OPENERS)
    kind = rng.random()
    if label == "sadness" and kind < 0.15:
        return zh_missing(rng)
    if label == "like" and kind < 0.35:
        return zh_like(rng) + p
    if kind < 0.3:
        return f"{o}{zh_feel(rng, label)}{p}"
    if kind < 0.5 and label in ZH_SITUATION:
        s = rng.choice(ZH_SITUATION[label])
        return rng.choice([s + p, f"{o}{s}", s])
    if kind < 0.65 and label in ZH_SITUATION:
        s = rng.choice(ZH_SITUATION[label])
        f = zh_feel(rng, label)
        return rng.choice([f"{s} {f}{p}", f"{f} {s}", f"{s}，{f}{p}"])
    if kind < 0.8:
        sl = rng.choice(ZH_SLANG[label])
        rest = rng.choice(["", "", rng.choice(ZH_SITUATION.get(label, [""]))])
        return rng.choice([f"{sl} {rest}".strip(), f"{rest} {sl}".strip()])
    if kind < 0.9:
        e = rng.choice(ZH_EMOJI[label]) * rng.choice([1, 2, 3])
        return rng.choice([e, f"{zh_feel(rng, label)}{e}", f"{e}{rng.choice(ZH_SITUATION.get(label, ['']))}"])
    return f"{zh_feel(rng, label)} {rng.choice(ZH_REQUEST_TAIL)}"


def zh_negated(rng):
    """Negation and contrast: the label is what the message means, not the word it negates."""
    k = rng.random()
    if k < 0.3:
        f = rng.choice(ZH_POSITIVE)
        neg = rng.choice([f"不{f}", f"一点也不{f}", f"一点都不{f}", f"没那么{f}", f"不太{f}", f"并不{f}",
                          f"{f}不起来", f"怎么都{f}不起来", f"没有很{f}"])
        return f"{rng.choice(ZH_OPENERS)}{neg}{rng.choice(ZH_PARTICLE)}", "sadness"
    if k < 0.5:
        word, _ = rng.choice(ZH_NEGATIVE_RELIEF)
        neg = rng.choice([f"已经不{word}了", f"不{word}了", f"一点都不{word}了", f"没那么{word}了",
                          f"不再{word}了"])
        return f"{neg}，{rng.choice(ZH_RELIEF_TAIL)}", "happiness"
    if k < 0.75:
        a, b = rng.sample(LABELS[:5], 2)
        fa, fb = rng.choice(ZH_FEEL[a]), rng.choice(ZH_FEEL[b])
        t = rng.choice([f"不是{fa}，是{fb}", f"我不是{fa}，我是{fb}", f"与其说{fa}不如说{fb}",
                        f"虽然{fa}但是更{fb}", f"有点{fa}但更多是{fb}", f"{fa}是{fa}，但更{fb}",
                        f"说不上{fa}，就是{fb}"])
        return t, b
    t = rng.random()
    if t < 0.3:
        return rng.choice(["不喜欢", "受不了", "不想再见到", "看不惯", "忍不了"]) + rng.choice(
            ["人多的地方", "他那种说话方式", "这种天气", "我室友", "加班文化", "虚伪的人"]), "disgust"
    if t < 0.55:
        return rng.choice(["不敢", "不敢一个人", "都不敢"]) + rng.choice(
            ["关灯睡觉", "回家", "看结果", "打开成绩单", "坐飞机", "走夜路"]), "fear"
    if t < 0.8:
        return rng.choice(["简直不敢相信", "万万没想到", "怎么也没想到", "做梦都没想到"]) + rng.choice(
            ["他会来", "我能中奖", "她会答应", "结局是这样", "我家狗会游泳", ""]), "surprise"
    return rng.choice(["一点都不", "完全不", "从来不"]) + rng.choice(["后悔爱上他", "觉得这歌土"]) + "，超爱", "like"


ZH_WHEN = ["今天", "明天", "刚刚", "下午", "晚上", "周末", "等会儿", "早上", "待会", "昨天"]
ZH_ACTIVITY = ["去银行办事", "开会", "吃了面条", "坐地铁", "去超市", "洗衣服", "去健身房", "写作业", "打扫房间",
               "去取快递", "加油", "去医院拿药", "交水电费", "回老家", "去图书馆", "做饭", "遛狗", "买菜",
               "看了个电影", "剪头发", "去公司", "搬家", "上课", "考驾照科目一", "修电脑"]


# Requests and questions about music carry no feeling, whatever words they use ("好听的" is a
# property of a song asked for, not a mood): composed from parts, so that the model learns the
# shape of a request rather than a few phrases.
ZH_ASK = ["来", "推荐", "放", "给我来", "给我放", "帮我找", "想听", "有没有", "求", "求推荐", "能不能推荐",
          "可以推荐", "搜一下", "播放", "再来", "换", "随便来", "整", "给推荐"]
ZH_COUNT = ["", "几首", "一首", "点", "一些", "首", "些", "两首"]
ZH_KIND = ["", "", "好听的", "适合学习的", "适合跑步的", "开车听的", "睡前听的", "做饭时听的", "英文", "粤语",
           "日语", "韩语", "纯音乐", "说唱", "摇滚", "民谣", "古风", "老", "新", "最近流行的", "周杰伦的",
           "陈奕迅的", "林俊杰的", "邓紫棋的", "经典的", "轻音乐", "钢琴", "抖音上火的", "八十年代的",
           "上班路上听的", "健身房放的", "适合写代码的", "带劲的", "有节奏感的", "好听点的"]
ZH_SONG = ["歌", "歌", "歌曲", "音乐", "曲子", "歌单"]
ZH_ASK_TAIL = ["", "", "吧", "呗", "吗", "？", "谢谢", "一下", "呀", "～", "听听", "推荐一下"]
ZH_SONG_QUESTION = ["这首歌叫什么名字", "这首歌是谁唱的", "歌手是谁", "这是什么歌", "这首歌的歌词什么意思",
                    "哪里能听这首歌", "有没有类似的歌", "还有别的吗", "换一批", "再来几首", "下一首是什么",
                    "这首歌是哪年的", "第三首是谁唱的", "能下载吗", "这个链接打不开", "怎么收藏这首歌",
                    "有没有这个歌手的其他歌", "这首是原唱吗", "能不能只推荐中文歌"]
ZH_GREETING = ["你好", "您好", "早", "早上好", "中午好", "下午好", "晚上好", "哈喽", "嗨", "hello", "在么",
               "嘿", "哈喽哈喽", "早安", "午安"]
# Always with a tail: a greeting alone is how the evaluation file's lines look, and no line of it
# may be in the training corpus.
ZH_GREETING_TAIL = ["呀", "啊", "~", "！", "鸭", "，在不在", " 机器人", " 小助手", "，你是做什么的", "～"]


# A request may open with an adverb ("随便", "再") and, when it counts songs, leave out the noun
# ("放一首吧"): both are how people type a request, and neither carries a feeling.
ZH_ASK_ADVERB = ["", "", "", "随便", "就", "再", "先", "麻烦", "帮忙", "快", "你"]
ZH_COUNTED = ["一首", "几首", "两首", "首", "点"]

# Questions about the time, the date, the weather or a plan: a fact asked for, no feeling.
ZH_FACT_WHEN = ["现在", "今天", "明天", "后天", "今晚", "这周六", "下周一", "周末", "等下", "待会儿"]
ZH_FACT_ASK = ["几点了", "星期几", "几号", "天气怎么样", "会下雨吗", "多少度", "放假吗", "上班吗", "有课吗",
               "几点天黑", "超市开门吗", "要带伞吗", "几点出发", "去哪吃饭", "谁值班"]
ZH_FACT_TAIL = ["？", "?", "呀", "啊", "呢", "来着", "，知道吗", "，谁知道"]


def zh_request(rng):
    if rng.random() < 0.25:
        return rng.choice(ZH_SONG_QUESTION) + rng.choice(["", "？", "?", "呢"])
    if rng.random() < 0.2:
        return (rng.choice(ZH_ASK_ADVERB) + rng.choice(["给我放", "放", "来", "给我来", "推荐", "整"])
                + rng.choice(ZH_COUNTED) + rng.choice(["吧", "呗", "呀", "", "听听"]))
    return (rng.choice(ZH_ASK_ADVERB) + rng.choice(ZH_ASK) + rng.choice(ZH_COUNT) + rng.choice(ZH_KIND)
            + rng.choice(ZH_SONG) + rng.choice(ZH_ASK_TAIL))


def zh_fact_question(rng):
    return rng.choice(ZH_FACT_WHEN) + rng.choice(ZH_FACT_ASK) + rng.choice(ZH_FACT_TAIL)


def zh_none(rng):
    k = rng.random()
    if k < 0.2:
        return rng.choice(ZH_NONE)
    if k < 0.3:
        return rng.choice(ZH_GREETING) + rng.choice(ZH_GREETING_TAIL)
    if k < 0.45:
        return rng.choice(ZH_WHEN) + rng.choice(["", "要", "去", "在"]) + rng.choice(ZH_ACTIVITY)
    if k < 0.55:
        return zh_fact_question(rng)
    if k < 0.9:
        return rng.choice(ZH_REQUEST) if rng.random() < 0.2 else zh_request(rng)
    return "".join(rng.choice("asdfghjklqwertyuiopzxcvbnm0123456789") for _ in range(rng.randint(4, 12)))


# ---------------------------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------------------------

EN_FEEL = {
    "happiness": ["happy", "glad", "so happy", "thrilled", "excited", "over the moon", "in a great mood",
                  "cheerful", "relieved", "great", "amazing", "fantastic", "on top of the world", "stoked",
                  "pumped", "delighted", "overjoyed", "ecstatic", "in a good mood", "good", "joyful",
                  "hyped", "giddy"],
    "sadness": ["sad", "down", "depressed", "heartbroken", "lonely", "miserable", "upset", "blue",
                "crushed", "hopeless", "empty", "gutted", "bummed", "tired", "exhausted", "drained",
                "burnt out", "worn out", "homesick", "disappointed", "hurt", "low", "devastated",
                "awful", "terrible", "horrible", "like crap", "like garbage", "defeated", "lost",
                "like crying", "numb", "broken"],
    "anger": ["angry", "furious", "mad", "pissed", "livid", "fuming", "seething", "enraged", "outraged",
              "so angry", "pissed off", "raging", "heated"],
    "disgust": ["annoyed", "irritated", "disgusted", "grossed out", "fed up", "sick of it", "so done",
                "over it", "repulsed", "sick of this", "tired of this nonsense", "grossed out", "bothered"],
    "fear": ["scared", "afraid", "anxious", "nervous", "terrified", "worried", "panicking", "freaking out",
             "stressed", "on edge", "uneasy", "frightened", "paranoid", "dreading it", "shaking"],
    "like": ["in love", "grateful", "thankful", "obsessed with this", "proud of my sister", "fond of him",
             "smitten", "touched", "adoring this", "crushing on someone"],
    "surprise": ["surprised", "shocked", "stunned", "amazed", "speechless", "shook", "blown away",
                 "astonished", "caught off guard", "floored", "gobsmacked", "in disbelief"],
}
EN_LIKE_OBJECTS = ["this song", "my cat", "my mom", "my boyfriend", "my girlfriend", "this band", "my dog",
                   "this movie", "my best friend", "this album", "my grandma", "this city", "my coach",
                   "my wife", "my husband", "this singer", "my kids", "this show", "my team"]
EN_SITUATION = {
    "happiness": ["got the job", "passed my exam", "got promoted today", "we won the game", "finally on vacation",
                  "got accepted to my dream school", "just got engaged", "my paper got published",
                  "paid off my car", "finished my thesis", "got a raise", "my baby sister was born",
                  "the surgery went well", "first day of summer break", "got tickets to the concert",
                  "landed my first client", "passed my driving test", "it's finally friday",
                  "my team shipped the project", "got my dream internship",
                  "my best friend is visiting this weekend", "we closed on our first house", "my son took his first steps",
                  "I finally beat my personal record", "the doctor said I'm cancer free", "my song got played on the radio",
                  "our startup got funded", "I got the lead role in the play", "my garden finally bloomed",
                  "we adopted a puppy today", "my grandma is coming home from the hospital", "I got a perfect score",
                  "our team made it to the finals", "my novel got accepted by a publisher", "I ran my first marathon"],
    "sadness": ["just got dumped", "my dog died", "failed my exam", "lost my job", "my grandpa passed away",
                "nobody remembered my birthday", "my best friend moved away", "spending the holidays alone",
                "didn't get the job", "got rejected again", "we broke up last night",
                "been working 14 hours a day", "my parents are fighting again", "haven't slept in two days",
                "missed my flight home", "my cat is sick", "she left me", "I miss home",
                "I miss my mom", "I miss how things used to be", "haven't seen my family in years",
                "my application got turned down", "my grandma doesn't recognize me anymore", "nobody showed up to my party",
                "I wasn't picked for the team", "my best friend stopped talking to me", "the vet said there's nothing they can do",
                "my scholarship got cancelled", "I have to move out and leave everyone behind", "my startup just shut down",
                "my marriage is falling apart", "I'm alone in a new city", "my dad forgot my graduation",
                "I lost the championship in the last second", "my childhood home got sold"],
    "anger": ["someone stole my bike", "my coworker took credit for my work", "got scammed",
              "the landlord kept my deposit", "a guy cut in line and yelled at me", "my package got stolen",
              "they cancelled my order without telling me", "someone keyed my car",
              "my boss yelled at me in front of everyone", "my roommate ate my food again",
              "the airline lost my luggage and won't help", "someone hit my car and drove off", "my sister read my diary",
              "the mechanic charged me double", "my teammate lied about me to the coach", "they towed my car for no reason",
              "the company fired my friend for nothing", "a driver almost ran me over and flipped me off",
              "my ex is spreading lies about me", "got charged twice and support hung up on me"],
    "disgust": ["my neighbor won't stop drilling", "another pointless meeting", "people chewing with their mouth open",
                "found a hair in my food", "the client changed the brief again", "mondays",
                "this group chat is all ads", "someone smoking in the elevator", "traffic again",
                "my coworker's fake smile",
                "the bathroom at work is filthy again", "my roommate never does the dishes", "spam calls all day",
                "someone spat on the sidewalk right in front of me", "the guy next to me on the train is clipping his nails",
                "my coworker microwaved fish again", "the upstairs kids scream all night", "people who don't flush",
                "endless group project with lazy teammates", "someone left trash all over the park",
                "the dog next door barks for hours", "slow walkers blocking the whole sidewalk"],
    "fear": ["my exam is tomorrow", "job interview in an hour", "giving a speech tomorrow",
             "waiting for my test results", "walking home alone at night", "there's a noise outside",
             "my flight is in turbulence", "surgery tomorrow", "the deadline is tonight and I'm not done",
             "first day at the new job tomorrow", "my kid has a high fever", "driving test tomorrow",
             "meeting my girlfriend's parents tonight",
             "the biopsy results come back friday", "my mom hasn't answered her phone all day", "I have to speak at the wedding",
             "there's a spider in my room", "the storm is getting closer", "lost my passport abroad",
             "my boss wants to see me first thing monday", "the layoffs get announced tomorrow", "heard footsteps in the attic",
             "my son is late and not picking up", "the car brakes feel weird on the highway",
             "my performance review is in an hour", "the plane is shaking a lot", "stuck in an elevator"],
    "surprise": ["my shy friend just proposed", "my dad started a tiktok", "found out my teacher is a rapper",
                 "it's snowing in may", "my ex just texted me after five years", "I won the raffle",
                 "my quiet coworker quit to travel the world", "the underdog actually won",
                 "my grandpa just learned to skateboard", "my strict boss showed up in a clown costume",
                 "found out I have a twin", "my roommate is secretly a famous streamer", "it hailed in july",
                 "my mom dyed her hair pink", "a celebrity liked my post", "my teacher turned out to be my neighbor",
                 "the shy kid in class won the talent show", "my parents just announced they're moving to japan"],
}
# Situations composed from parts (who, what happened, to what), so that the model learns what
# kinds of events carry which feeling rather than a few fixed sentences.
EN_WHO = ["my mom", "my dad", "my sister", "my brother", "my best friend", "my roommate", "my boss",
          "my coworker", "my neighbor", "my cousin", "my uncle", "my aunt", "my wife", "my husband",
          "my girlfriend", "my boyfriend", "my son", "my daughter", "my teacher", "my landlord",
          "my grandpa", "my grandma", "my partner", "our manager", "my classmate", "a stranger"]
EN_THING = ["car", "phone", "laptop", "bike", "wallet", "keys", "headphones", "jacket", "camera", "lunch"]
EN_AGO = ["this morning", "last night", "yesterday", "just now", "today", "an hour ago", "at 2am",
           "on my birthday", "again", "for the third time this week"]
EN_EVENT = {
    "happiness": ["{who} said yes when I asked them out", "{who} flew in to surprise me {when}", "got my first paycheck {when}", "{who} got the all clear from the doctor", "{who} and I finally made up", "we beat our rivals {when}",
                  "got accepted into the program", "got the scholarship", "finished paying off my {thing}",
                  "{who} surprised me with concert tickets", "my team won the tournament", "I got the apartment",
                  "my visa finally got approved", "landed the contract {when}", "made the varsity team",
                  "hit my savings goal", "our offer on the house got accepted", "got the grant we applied for",
                  "{who} is finally coming home", "sold my first painting", "got a bonus {when}",
                  "my band sold out the show", "passed the bar exam", "my pull request got merged"],
    "sadness": ["my scholarship got cancelled", "didn't get the job after the final round", "{who} moved out {when}", "nobody remembered my birthday", "{who} passed away {when}", "{who} is moving across the country", "{who} and {who2} are splitting up",
                "{who} is in the hospital", "got laid off {when}", "my application was rejected",
                "didn't make the team", "lost my {thing} and all my photos with it", "{who} forgot about me {when}",
                "had to put my dog down", "{who} doesn't talk to me anymore", "none of my friends could come",
                "the funeral is tomorrow", "I failed the final", "got turned down for the promotion",
                "{who} is really sick", "we lost the house", "spent the whole weekend alone",
                "my long distance relationship just ended", "{who} won't be home for christmas"],
    "anger": ["{who} read my messages behind my back", "{who} has been lying to me for months", "the landlord walked in without knocking {when}", "{who} stole my {thing}", "{who} lied to my face", "{who} broke my {thing} and didn't apologize",
              "someone smashed my {thing} {when}", "{who} took credit for my idea {when}",
              "{who} blamed me for their mistake", "{who} went through my {thing} without asking",
              "someone scratched my {thing} and left", "{who} cheated on me", "{who} spread a rumor about me",
              "the store refused my refund", "{who} insulted my family", "{who} ate my {thing}",
              "they charged my card without asking", "{who} kicked me out for no reason",
              "the ref robbed us of the win", "{who} reported me for something I didn't do"],
    "disgust": ["{who} leaves wet towels on my bed", "{who} leaves their toenail clippings on the couch", "{who} keeps coughing on everyone without covering", "{who} keeps chewing with their mouth open", "{who} has been vacuuming since {time}",
                "{who} leaves dirty dishes everywhere", "{who} clips their nails at the table",
                "the office fridge smells like something died", "{who} won't stop humming",
                "{who} keeps forwarding chain messages", "{who} talks loudly on the phone in the quiet car",
                "someone left gum on my {thing}", "{who} never cleans the bathroom", "{who} keeps slurping their soup",
                "{who} brags about their salary every day", "the train is packed and someone is sneezing on me",
                "{who} has been playing drums since {time}"],
    "fear": ["the lights went out and I'm home alone", "I'm going on stage in {mins} minutes", "my biopsy is in {mins} minutes", "someone keeps calling me from a hidden number at night", "{who} is driving way too fast on the ice", "I can't find {who}", "{who} hasn't come home yet and it's midnight", "{who} isn't answering any calls",
             "someone is standing outside my door", "a car has been behind me for miles",
             "I have to give a presentation in {mins} minutes", "my exam starts in {mins} minutes",
             "the results come out tomorrow", "I think someone is in the house", "{who} got rushed to the ER",
             "the doctor wants to run more tests", "my plane just dropped really suddenly", "there's a fire alarm going off",
             "I'm lost and my phone is dying", "there's a huge dog chasing me", "I have my defense in {mins} minutes",
             "the ice is cracking under me", "my boss called me into a meeting with HR"],
    "surprise": ["{who} just ran a marathon without telling anyone", "{who} showed up with a new puppy out of nowhere", "{who} is apparently a black belt", "{who} just told me they're pregnant", "{who} secretly got married", "{who} shaved their head",
                 "{who} turned out to be a professional dancer", "out of nowhere {who} showed up at my door",
                 "{who} won the lottery", "{who} quit their job to become a chef",
                 "turns out {who} and {who2} have been dating for a year", "{who} speaks fluent japanese and never told me",
                 "{who} bought a boat", "the quiet kid in our class became a movie star",
                 "{who} remembered my birthday for the first time ever", "{who} dyed their hair blue",
                 "I just found out I'm adopted", "{who} got a tattoo of my name"],
}


def fill(rng, template):
    """A situation template with its slots filled (see tools/en_situations.py)."""
    who, who2 = rng.sample(EN_WHO, 2)
    text = template.format(
        who=who, who2=who2.replace("my ", ""), thing=rng.choice(EN_THING), when=rng.choice(EN_AGO),
        time=rng.choice(["6am", "5am", "dawn", "noon", "this morning", "3", "9:30", "4pm"]),
        mins=rng.choice(["five", "ten", "20", "15"]))
    return text[0].lower() + text[1:] if rng.random() < 0.5 else text


def en_told(rng, label):
    """What happened and nothing else, from the wide list of situations: the label is the feeling it carries."""
    if rng.random() < 0.5:
        s = en_situations.composed(rng, label, fill)
    else:
        s = fill(rng, rng.choice(en_situations.SITUATIONS[label]))
    return f"{rng.choice(en_situations.LEADS)}{s}{rng.choice(en_situations.ENDS)}"


def en_situation(rng, label):
    """One situation of a label: a fixed sentence or one composed from parts."""
    if label not in EN_EVENT or rng.random() < 0.4:
        return rng.choice(EN_SITUATION[label])
    who, who2 = rng.sample(EN_WHO, 2)
    text = rng.choice(EN_EVENT[label]).format(
        who=who, who2=who2.replace("my ", ""), thing=rng.choice(EN_THING), when=rng.choice(EN_AGO),
        time=rng.choice(["6am", "5am", "dawn", "noon", "this morning"]), mins=rng.choice(["five", "ten", "20", "15"]))
    return text[0].lower() + text[1:] if rng.random() < 0.5 else text


EN_SLANG = {
    "happiness": ["lol", "lmao", "yay", "woohoo", "let's gooo", "best day ever", "vibing", "living my best life",
                  "this slaps", "haha", "hahaha", "i'm dead 💀 lmao", "can't stop smiling"],
    "sadness": ["fml", "ugh i'm so done with life rn", "feeling hella down", "lowkey sad ngl", "big sad",
                "i'm in my feels", "crying rn", "not ok tbh", "sadge", "oof rough day", "pain",
                "feeling like trash tbh"],
    "anger": ["so pissed rn", "i'm heated", "wtf is wrong with people", "i'm about to lose it",
              "rage mode", "so mad i could scream", "bruh i'm fuming"],
    "disgust": ["ugh", "smh", "so cringe", "eww", "gross", "yikes", "ick", "this is so mid", "ugh mondays",
                "so over this", "can't with this", "bruh this is annoying"],
    "fear": ["lowkey freaking out", "scared af", "i'm shaking rn", "anxiety through the roof", "help i'm panicking",
             "so nervous tbh", "lowkey terrified"],
    "like": ["obsessed", "the goat", "this slaps fr", "love this so much", "my fav", "stan forever",
             "she's everything", "bestie is the best", "can't get enough"],
    "surprise": ["omg", "no way", "wait what", "i'm shook", "bruh what", "wtf just happened", "holy crap",
                 "wait WHAT", "say what", "mind blown"],
}
EN_EMOJI = {k: [e for e in v if not e.startswith("[")] for k, v in ZH_EMOJI.items()}
EN_DEGREE = ["so", "really", "super", "very", "kinda", "a bit", "pretty", "extremely", "totally", "lowkey"]
EN_OPENERS = ["I'm", "i'm", "I am", "feeling", "I feel", "im", "honestly I'm", "just", "so"]
EN_TAILS = ["", "", "", " today", " rn", " right now", " tbh", " lately", " tonight", "!", "!!", "..."]
EN_NONE = ["hi", "hello", "hey", "sup", "yo", "hello bot", "hey bot", "hi moodtune", "anyone there", "good morning", "what time is it", "what day is it",
           "test", "testing", "ok", "thanks", "who are you", "what can you do", "help", "/start", "/help",
           "wyd", "on my way home", "meeting at 3", "eating lunch", "just woke up", "at the library",
           "https://example.com/x", "asdf", "123", "what's the weather tomorrow", "I'm at work",
           "going to the store", "the bus is late", "my phone is at 50%", "brb", "k", "cool",
           "my flight is at 8am", "I had pasta for dinner", "just got home", "how does this work"]
EN_REQUEST = ["play something", "recommend some songs", "recommend something", "suggest something",
              "play anything", "surprise me with a song", "got any recommendations", "play some music please", "any song suggestions",
              "next song", "play taylor swift", "songs for studying", "something to listen to in the car",
              "what's this song called", "play something new", "give me a random song", "some jazz please",
              "music for running", "recommend me an album", "skip"]
EN_POSITIVE = ["happy", "okay", "good", "excited", "great", "fine", "in the mood"]
EN_NEGATIVE_RELIEF = ["angry", "sad", "nervous", "worried", "scared", "upset", "stressed"]
EN_RELIEF_TAIL = ["we made up", "it all worked out", "feeling better now", "finally relaxed", "all good now",
                  "things are looking up"]


def en_feel(rng, label):
    f = rng.choice(EN_FEEL[label])
    if rng.random() < 0.4 and " " not in f:
        f = f"{rng.choice(EN_DEGREE)} {f}"
    return f


EN_MISSED = ["home", "my mom", "my dad", "my grandma", "my ex", "my old friends", "college", "my hometown",
             "the old days", "my dog", "him", "her", "you", "my family", "being a kid"]


def en_message(rng, label):
    kind = rng.random()
    tail = rng.choice(EN_TAILS)
    if label == "sadness" and 0.12 <= kind < 0.32:
        # "I feel awful" in a chat is feeling low (Reddit's Ekman labels file it under disgust).
        bad = rng.choice(["awful", "terrible", "horrible", "bad", "like crap", "so bad", "miserable", "like garbage"])
        return rng.choice([f"{rng.choice(EN_SITUATION['sadness'])} and I feel {bad}", f"I feel {bad}{tail}",
                           f"feeling {bad} since {rng.choice(EN_SITUATION['sadness'])}"])
    if label == "sadness" and kind < 0.12:
        m = rng.choice(EN_MISSED)
        return rng.choice([f"I miss {m}", f"missing {m} so much", f"wish I could see {m} again",
                           f"really miss {m}{tail}", f"I miss {m} so much it hurts"])
    if label == "like" and kind < 0.4:
        verb = rng.choice(["love", "adore", "really love", "absolutely love", "admire", "really like",
                           "can't get enough of", "am obsessed with"])
        return f"{rng.choice(['I', 'i', 'I just', 'honestly I'])} {verb} {rng.choice(EN_LIKE_OBJECTS)}{tail}"
    if kind < 0.35:
        return f"{rng.choice(EN_OPENERS)} {en_feel(rng, label)}{tail}"
    if kind < 0.55 and label in EN_SITUATION:
        return f"{en_situation(rng, label)}{tail}"
    if kind < 0.7 and label in EN_SITUATION:
        s, f = en_situation(rng, label), en_feel(rng, label)
        return rng.choice([f"{s} and I feel {f}", f"{s}, {f}", f"so {f}, {s}", f"{s}. {f}"])
    if kind < 0.85:
        sl = rng.choice(EN_SLANG[label])
        rest = rng.choice(["", "", rng.choice(EN_SITUATION.get(label, [""]))])
        return f"{sl} {rest}".strip() if rng.random() < 0.5 else f"{rest} {sl}".strip()
    if kind < 0.93:
        e = rng.choice(EN_EMOJI[label]) * rng.choice([1, 2, 3])
        return rng.choice([e, f"{en_feel(rng, label)} {e}"])
    return f"{rng.choice(EN_OPENERS)} {en_feel(rng, label)}, {rng.choice(EN_REQUEST)}"


def en_negated(rng):
    k = rng.random()
    if k < 0.3:
        f = rng.choice(EN_POSITIVE)
        return rng.choice([f"I'm not {f}", f"not {f} at all", f"I don't feel {f}", f"not feeling {f} today",
                           f"can't be {f} anymore", f"nothing makes me {f} these days", f"I'm not {f} tbh"]), "sadness"
    if k < 0.5:
        w = rng.choice(EN_NEGATIVE_RELIEF)
        return rng.choice([f"not {w} anymore, {rng.choice(EN_RELIEF_TAIL)}", f"I'm not {w} at all now",
                           f"no longer {w}, {rng.choice(EN_RELIEF_TAIL)}"]), "happiness"
    if k < 0.7:
        a, b = rng.sample(LABELS[:5], 2)
        fa, fb = rng.choice(EN_FEEL[a]), rng.choice(EN_FEEL[b])
        return rng.choice([f"I'm not {fa}, I'm {fb}", f"not {fa}, just {fb}", f"less {fa}, more {fb}",
                           f"a little {fa} but mostly {fb}"]), b
    t = rng.random()
    if t < 0.3:
        return rng.choice(["I can't stand", "can't stand", "I don't like", "not a fan of"]) + " " + rng.choice(
            ["the noise", "my coworker", "people like that", "this weather", "the new manager"]), "disgust"
    if t < 0.55:
        return rng.choice(["can't stop worrying about", "can't sleep, worried about", "I can't handle"]) + " " + rng.choice(
            ["the results", "my exam", "the interview", "my surgery"]), "fear"
    if t < 0.8:
        return rng.choice(["I can't believe", "never thought", "no way"]) + " " + rng.choice(
            ["what just happened", "she said yes", "he showed up", "I won"]), "surprise"
    return rng.choice(["I don't just like", "can't get enough of", "nobody compares to"]) + " " + rng.choice(
        EN_LIKE_OBJECTS), "like"


EN_WHEN = ["today", "tomorrow", "tonight", "this afternoon", "later", "this morning", "on saturday", "at 5"]
EN_ACTIVITY = ["going to the bank", "doing laundry", "meeting with the team", "taking the bus", "picking up groceries",
               "cleaning my room", "at the gym", "cooking dinner", "walking the dog", "getting a haircut",
               "working from home", "moving apartments", "taking a class", "fixing my laptop", "paying bills"]


EN_ASK = ["play", "recommend", "suggest", "can you play", "could you recommend", "give me", "find me", "any",
          "got any", "put on", "queue up", "I want to hear", "show me", "send me", "need", "looking for",
          "can I get", "hit me with", "drop"]
EN_COUNT = ["", "some", "a few", "a", "one", "more", "two"]
EN_KIND = ["", "", "good", "new", "popular", "study", "workout", "road trip", "jazz", "rock", "hip hop",
           "classical", "k-pop", "indie", "90s", "80s", "taylor swift", "instrumental", "piano", "country",
           "lofi", "spanish", "latin", "coding", "background", "cooking", "running", "cantonese", "edm",
           "acoustic", "old school", "trending", "drake", "beatles"]
EN_SONG = ["songs", "song", "music", "tracks", "playlist", "tunes", "albums"]
EN_ASK_TAIL = ["", "", " please", "?", " pls", " thanks", " for me", " now"]
EN_SONG_QUESTION = ["what's the name of this song", "who sings this", "what song is this", "any similar songs",
                    "more please", "what else you got", "who's the artist", "when did this come out",
                    "the link doesn't open", "how do I save this song", "is this the original", "next one",
                    "can you only recommend english songs", "what does this song mean", "another batch"]
EN_GREETING = ["hi", "hello", "hey", "good morning", "good afternoon", "good evening", "yo", "sup", "hiya",
               "morning", "hey there", "howdy", "hello?"]
EN_GREETING_TAIL = ["!", ", bot", " everyone", ", anyone here", ", what can you do", " :)", "!!"]


# A request need not name songs: "play something", "recommend anything new", "any recs?".
EN_ANY = ["something", "anything", "something new", "anything good", "something else", "whatever",
          "something random", "something different"]
EN_RECS = ["recommendations", "suggestions", "recs", "song recs", "music recs", "ideas", "picks"]


def en_request(rng):
    if rng.random() < 0.25:
        return rng.choice(EN_SONG_QUESTION) + rng.choice(["", "?"])
    if rng.random() < 0.2:
        if rng.random() < 0.5:
            return (rng.choice(["any", "got any", "have any", "you have any", "need", "some"]) + " "
                    + rng.choice(EN_RECS) + rng.choice(["?", "", " for me", " today", "?? "]))
        return rng.choice(EN_ASK) + " " + rng.choice(EN_ANY) + rng.choice(EN_ASK_TAIL)
    parts = [rng.choice(EN_ASK), rng.choice(EN_COUNT), rng.choice(EN_KIND), rng.choice(EN_SONG)]
    return " ".join(p for p in parts if p) + rng.choice(EN_ASK_TAIL)


def en_none(rng):
    k = rng.random()
    if k < 0.2:
        return rng.choice(EN_NONE)
    if k < 0.3:
        return rng.choice(EN_GREETING) + rng.choice(EN_GREETING_TAIL)
    if k < 0.55:
        a, w = rng.choice(EN_ACTIVITY), rng.choice(EN_WHEN)
        return rng.choice([f"{a} {w}", f"{w} I'm {a}", f"{a}"])
    if k < 0.9:
        return rng.choice(EN_REQUEST) if rng.random() < 0.2 else en_request(rng)
    return "".join(rng.choice("asdfghjklqwertyuiop") for _ in range(rng.randint(4, 10)))


def corpus(rng, message, negated, none, per_label, told=None):
    rows = set()
    for label in LABELS:
        tries = 0
        made = 0
        while made < per_label and tries < per_label * 20:
            tries += 1
            text = message(rng, label).strip()
            if text and (text, label) not in rows:
                rows.add((text, label))
                made += 1
    for _ in range(per_label * 2):
        text, label = negated(rng)
        rows.add((text.strip(), label))
    for _ in range(per_label * 3):
        rows.add((none(rng).strip(), "none"))
    if told:
        # Drawn last, so that the rows above stay as they were without them.
        for label in LABELS + ["none"]:
            for _ in range(per_label):
                rows.add((told(rng, label).strip(), label))
    # A text with two labels would teach nothing: keep the first label seen.
    seen = {}
    for text, label in sorted(rows):
        seen.setdefault(text, label)
    out = [{"content": t, "label": l} for t, l in seen.items() if t]
    rng.shuffle(out)
    return out


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "core/data/train")
    out.mkdir(parents=True, exist_ok=True)
    for name, args in [("chat-zh.jsonl", (zh_message, zh_negated, zh_none, None)),
                       ("chat-en.jsonl", (en_message, en_negated, en_none, en_told))]:
        rows = corpus(random.Random(20261203), *args[:3], per_label=400, told=args[3])
        with open(out / name, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(name, len(rows))


if __name__ == "__main__":
    main()
