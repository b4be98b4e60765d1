"""Chinese questions through the one planner: translate with the lexicon, understand, remember the language.

``understand_zh(understander, question, last)`` reads a Chinese question (or a Chinese follow-up of any question)
through ``zh_translate.to_english`` and the ordinary ``Understander``; the plan carries ``lang="zh"`` so the
executor's answer, notes, refusals and clarifying questions are written in Chinese (``zh_wording``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from shoplens.agent.planner.plan import Plan
from shoplens.agent.planner.zh_translate import to_english

if TYPE_CHECKING:
    from shoplens.agent.planner.understand import Understander

#: Requests the planner never carries out, whatever else the question says (it reads the warehouse only).
_WRITE_WORDS = ("change the price", "delete", "export")
_OFF_TOPIC = ("stock market index",)


def understand_zh(understander: Understander, question: str, last: Plan | None = None) -> Plan:
    tr = to_english(question, understander.as_of)
    english = f" {re.sub(r'[^a-z0-9%.]+', ' ', tr.english.lower())} "
    if any(f" {w}" in english for w in _WRITE_WORDS):
        return _refuse(question, "我只能读取店铺数据来回答问题，不能修改、删除或导出数据（包括客户的个人信息）。")
    if any(f" {w} " in english for w in _OFF_TOPIC):
        return _refuse(question, "这不是店铺数据里的问题：我只能回答关于销售、商品、客户、评价和营销的问题。")
    if not tr.english.strip(" ?.!,:;()"):
        return _refuse(question, "我没能把这句话理解成关于店铺数据的问题。")
    plan = understander.understand(tr.english, last)
    plan.lang = "zh"
    if tr.unknown and plan.kind not in ("unsupported", "clarify"):
        plan.notes.append(f"没有用到的词：{'、'.join(dict.fromkeys(tr.unknown))}")
    return plan


def _refuse(question: str, reason: str) -> Plan:
    return Plan(kind="unsupported", question=question, confidence=0.0, reason=reason, lang="zh")
