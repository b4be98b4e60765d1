"""Chinese review text for a small share of the demo's reviews, so the Chinese path (language detection, the
Chinese sentiment model and aspects) runs on the demo too.

A Chinese review says what its stars say: praise (4-5), mixed (3) or complaints (1-2) about one or two of its
category's aspects and maybe a generic one (物流, 包装, 价格, 客服, 质量). The Aurora X2 battery defect is told
in Chinese as well (电池 complaints), so the event keeps its battery trail. Draws come from the review's own
dice, like the English writer's.
"""

from __future__ import annotations

from typing import Any

#: Share of demo reviews written in Chinese (decided from a separate stream of the batch's generator).
ZH_SHARE = 0.03

_CATEGORY: dict[str, dict[str, list[str]]] = {
    "Electronics": {
        "pos": ["音质很好，低音很足。", "电池续航很长，充一次电能用好几天。", "蓝牙连接很稳定，配对很快。", "屏幕显示清楚，亮度够用。",
                "佩戴很舒服，戴一天也不累。"],
        "neg": ["音质一般，声音有点闷。", "电池不耐用，半天就没电了。", "蓝牙经常断连，很烦。", "屏幕有坏点，显示发黄。",
                "戴久了耳朵疼，不舒服。"],
    },
    "Home & Kitchen": {
        "pos": ["做饭很方便，加热很均匀。", "噪音很小，很安静。", "清洗很方便，几分钟就洗好了。", "外观很漂亮，放在厨房很好看。"],
        "neg": ["噪音太大了，很吵。", "清洗很麻烦，死角太多。", "用了两次就加热不均匀。", "安装很复杂，说明书看不懂。"],
    },
    "Beauty": {
        "pos": ["味道很清新，不刺鼻。", "保湿效果很好，皮肤水水的。", "质地清爽，吸收很快。", "用了两周皮肤变亮了。"],
        "neg": ["香味太浓了，闻着头晕。", "用了过敏，脸上起了红疹。", "质地很油腻，不吸收。", "用了一个月没有任何效果。"],
    },
    "Apparel": {
        "pos": ["尺码很标准，穿着很合身。", "面料很舒服，透气性好。", "款式很好看，颜色也正。", "洗了几次不掉色不起球。"],
        "neg": ["尺码偏小，建议拍大一码。", "面料很薄，还起球。", "颜色和图片差别很大。", "洗了一次就缩水了。"],
    },
    "Sports & Outdoors": {
        "pos": ["很结实，户外用了几次都没问题。", "穿着舒服，大小合适。", "防水效果很好。"],
        "neg": ["用了几次就坏了，质量太差。", "尺寸不合适，太紧了。", "防水效果很差，一下雨就湿透。"],
    },
    "Toys & Games": {
        "pos": ["孩子很喜欢，玩了一下午。", "做工精细，没有毛刺，很安全。", "组装简单，几分钟就装好了。"],
        "neg": ["孩子玩了两天就不玩了，很无聊。", "零件少了好几个，没法组装。", "边缘很锋利，不安全。"],
    },
    "Grocery": {
        "pos": ["口感很好，很新鲜。", "味道不错，甜度刚好。", "配料很干净，吃着放心。"],
        "neg": ["口感很差，有点发苦。", "收到的时候已经快过期了。", "味道太甜了，吃不下去。"],
    },
    "Books": {
        "pos": ["故事很精彩，一口气读完了。", "翻译很流畅，文笔很好。", "印刷清楚，纸张很好。"],
        "neg": ["情节拖沓，看不下去。", "翻译很生硬，错别字很多。", "印刷模糊，纸张很差。"],
    },
}
_GENERIC = {
    "pos": ["物流很快，第二天就到了。", "包装很严实，没有破损。", "性价比很高，价格很划算。", "客服态度很好，回复很及时。",
            "质量很好，做工精细。"],
    "neg": ["物流太慢了，等了一个多星期。", "包装破损，盒子都压坏了。", "价格太贵了，不值这个价。", "客服不理人，售后很差。",
            "质量太差了，用了几天就坏了。"],
}
_MIXED = ["总体还行，但是有些小问题。", "一般般吧，没有想象中好。", "东西还可以，就是价格有点贵。", "中规中矩，没什么特别的。"]
_VERDICT = {"pos": ["非常满意，推荐购买！", "很喜欢，会回购的。", "好评！"],
            "neg": ["非常失望，不推荐。", "差评，不会再买了。", "后悔买了。"]}
_DEFECT = ["电池有问题，充满电用两个小时就没电了。", "用了两周电池就充不进电了，质量太差。", "耳机电池坏了，申请退货中。"]
_TITLES = {"pos": ["好评", "很满意", "值得购买", "推荐"], "neu": ["还行", "一般", "中评"],
           "neg": ["差评", "很失望", "不推荐", "质量问题"]}


def write_zh(d: Any, category: str, rating: int, defect: bool) -> tuple[str, str]:
    """A Chinese (title, body) for a review with ``rating`` stars (``d``: the review's dice)."""
    overall = "pos" if rating >= 4 else "neg" if rating <= 2 else "neu"
    bank = _CATEGORY.get(category, _GENERIC)
    sentences: list[str] = []
    if defect and overall != "pos":
        sentences.append(d.pick(_DEFECT))
    if overall == "neu":
        sentences.append(d.pick(bank["pos"]))
        sentences.append(d.pick(_MIXED))
    else:
        first = d.pick(bank[overall])
        if first not in sentences:
            sentences.append(first)
        if d.chance(0.5):
            generic = d.pick(_GENERIC[overall])
            if generic not in sentences:
                sentences.append(generic)
        if d.chance(0.4):
            sentences.append(d.pick(_VERDICT[overall]))
    return d.pick(_TITLES[overall]), "".join(sentences)
