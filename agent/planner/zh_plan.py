"""Chinese questions through the one planner: translate with the lexicon, understand, remember the language.

``understand_zh(understander, question, last)`` reads a Chinese question (or a Chinese follow-up of any question)
through ``zh_translate.to_english`` and the ordinary ``Understander``; the plan carries ``lang="zh"`` so the
executor's answer, notes, refusals and clarifying questions are written in Chinese (``zh_wording``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from shoplens.agent.planner.plan import Plan
from shoplens.agent.planner.unknown_words import OWN_WORDS, words_needed
from shoplens.agent.planner.zh_translate import to_english

if TYPE_CHECKING:
    from shoplens.agent.planner.understand import Understander

#: Requests the planner never carries out, whatever else the question says (it reads the warehouse only).
_WRITE_WORDS = ("change the price", "delete", "export", "send messages", "create a promotion")
_OFF_TOPIC = ("stock market index", "competitors", "small talk")
#: Unknown Chinese words that name a measure ("净利润", "库存周转率"): asked for, but not in the shop's data.
_MEASURE = re.compile(r"(?:率|额|润|利润|成本|费用|费|价|量|数|值|比)$")


def understand_zh(understander: Understander, question: str, last: Plan | None = None) -> Plan:
    tr = to_english(question, understander.as_of)
    english = f" {re.sub(r'[^a-z0-9%.]+', ' ', tr.english.lower())} "
    if any(f" {w}" in english for w in _WRITE_WORDS):
        return _refuse(question, "我只能读取店铺数据来回答问题，不能新建活动，也不能修改、删除或导出数据（包括客户的个人信息）。")
    if " payment method " in english:
        return _refuse(question, "店铺数据里没有支付方式（微信支付、支付宝、花呗、信用卡等）的记录，所以没法按支付方式统计。")
    if any(f" {w} " in english for w in _OFF_TOPIC):
        return _refuse(question, "这不是店铺数据里的问题：我只能回答关于销售、商品、客户、评价和营销的问题。")
    if not tr.english.strip(" ?.!,:;()"):
        return _refuse(question, "我没能把这句话理解成关于店铺数据的问题。")
    plan = understander.understand(tr.english, last)
    plan.lang = "zh"
    unknown_measures = [w for w in tr.unknown if len(w) >= 2 and _MEASURE.search(w)]
    if unknown_measures and any(n.startswith("no metric named") for n in plan.notes):
        return _refuse(question, f"店铺数据里没有“{unknown_measures[0]}”这个指标。可以问的指标有：销售额、订单数、客单价、"
                                 "退货率、毛利、新客数、广告花费、投入产出比（ROAS）、点击率、加购率、平均评分等"
                                 "（问“可以问哪些指标”看全部）。")
    strange = list(dict.fromkeys(w for w in tr.unknown if len(w) >= 2))
    named = bool(plan.filters or plan.group_by) or not any(n.startswith("no metric named") for n in plan.notes)
    if len(strange) >= words_needed(named) and plan.kind not in OWN_WORDS:  # as unknown_words.py: about something the data lacks
        return _refuse(question, f"店铺数据里没有关于“{'”“'.join(strange[:4])}”的信息，所以没法回答。"
                                 "可以问“你有哪些数据”看看能问什么。")
    if tr.unknown and plan.kind not in ("unsupported", "clarify"):
        plan.notes.append(f"没有用到的词：{'、'.join(dict.fromkeys(tr.unknown))}")
    return plan


def _refuse(question: str, reason: str) -> Plan:
    return Plan(kind="unsupported", question=question, confidence=0.0, reason=reason, lang="zh")
