"""Chinese questions for the offline planner: a normalisation layer, not a second planner.

``to_english(question, as_of)`` rewrites a Chinese question ("上个月各品类的销售额，画成柱状图") into the English
phrasing the planner already reads ("last month by category revenue , bar chart"), using the lexicon in
``prompts/zh_lexicon.yaml`` (patterns for periods and numbers, then jieba's segmentation and a word table).
Latin text in the question (product names, GMV, ROAS) is kept as written. The planner then understands the
English text as usual; the plan remembers the question's language so the answer is worded in Chinese.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NUM = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_PUNCT = str.maketrans({"。": ".", "，": ",", "、": ",", "？": "?", "！": "!", "：": ":", "；": ";", "（": "(",
                        "）": ")", "“": '"', "”": '"', "《": " ", "》": " ", "【": " ", "】": " "})


def is_chinese(text: str) -> bool:
    """True when the text has Chinese characters (the question's language is then Chinese)."""
    return bool(_CJK.search(text or ""))


def cn_number(text: str) -> int | None:
    """'8' -> 8, '五' -> 5, '十二' -> 12, '二十' -> 20, '两' -> 2; None when it is not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _NUM and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_NUM[tens] if tens else 1) * 10 + (_NUM[ones] if ones else 0)
    value = 0
    for c in text:
        value = value * 10 + _NUM[c]
    return value


@dataclass
class Translation:
    question: str  # as asked
    english: str  # what the planner reads
    unknown: list[str] = field(default_factory=list)  # Chinese words the lexicon does not know
    known: int = 0  # Chinese words and phrases it did read


@functools.cache
def lexicon() -> dict[str, Any]:
    text = resources.files("shoplens.prompts").joinpath("zh_lexicon.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    words = {str(k).lower(): ("" if v is None else str(v)) for k, v in (data.get("words") or {}).items()}
    patterns = [(re.compile(p, re.I), r) for p, r in data.get("patterns") or []]
    return {"words": words, "patterns": patterns, "front": [str(w) for w in data.get("front") or []]}


@functools.cache
def _tokenizer() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for word in lexicon()["words"]:
        if is_chinese(word):
            tok.add_word(word, freq=200_000)
    return tok


def _fill(template: str, m: re.Match[str], as_of: dt.date) -> str:
    def one(ph: re.Match[str]) -> str:
        key = ph.group(1)
        if key.startswith("y-"):
            return str(as_of.year - int(key[2:]))
        if key[:2] in ("mn", "my"):  # 上个月 / 本月 -> its month name or its year
            back = 1 if (m.group(int(key[2:])) or "").startswith("上") else 0
            month = (as_of.month - 1 - back) % 12 + 1
            year = as_of.year - (1 if back and as_of.month == 1 else 0)
            return _MONTHS[month - 1] if key[1] == "n" else str(year)
        if key.startswith("yr"):  # 今年 / 去年 / 前年 / 2025年 -> the year; nothing when the group is absent
            said = m.group(int(key[2:])) or ""
            back = {"今年": 0, "去年": 1, "前年": 2}
            return str(as_of.year - back[said]) if said in back else said.rstrip("年")
        if key[0] == "t" and key[1:].isdigit():  # a group through the word table: 品牌 -> brand
            said = m.group(int(key[1:])) or ""
            return lexicon()["words"].get(said, said)
        if key[0] in "nm" and key[1:].isdigit():
            n = cn_number(m.group(int(key[1:])) or "")
            if n is None:
                return m.group(int(key[1:])) or ""
            return _MONTHS[n - 1] if key[0] == "m" and 1 <= n <= 12 else str(n)
        return (m.group(int(key)) or "") if key.isdigit() else ph.group(0)

    return re.sub(r"\{([a-z]{0,2}-?\d+)\}", one, template)


def to_english(question: str, as_of: dt.date) -> Translation:
    """The English phrasing of a Chinese question (see the module docstring)."""
    lex = lexicon()
    text = unicodedata.normalize("NFKC", question).translate(_PUNCT).lower()
    text = re.sub(r"(?<![\d.])([0-3]\d)年", r"20\1年", text)  # 25年 -> 2025年
    pieces: list[tuple[int, int, str]] = []  # spans of the text already read, with their English
    known = 0
    for pattern, template in lex["patterns"]:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in pieces) or m.end() == m.start():
                continue
            pieces.append((m.start(), m.end(), _fill(template, m, as_of).strip()))
            known += 1
    pieces.sort()
    out: list[str] = []
    unknown: list[str] = []
    at = 0
    for start, end, english in [*pieces, (len(text), len(text), "")]:
        if start > at:
            words, k = _words(text[at:start], as_of, unknown)
            out.extend(words)
            known += k
        if english:
            out.append(english)
        at = max(at, end)
    front = [w for w in out if w in lex["front"]]
    out = list(dict.fromkeys(front)) + [w for w in out if w not in lex["front"]]
    english = re.sub(r"\s+", " ", " ".join(w for w in out if w)).strip()
    english = re.sub(r"\s+([,?.!:])", r"\1", english)
    return Translation(question, english, unknown, known)


def _words(chunk: str, as_of: dt.date, unknown: list[str]) -> tuple[list[str], int]:
    words = lexicon()["words"]
    out: list[str] = []
    known = 0
    latin: list[str] = []
    for tok in _tokenizer().lcut(chunk):
        if not is_chinese(tok):
            latin.append(tok)
            continue
        if latin:
            out.append(_latin("".join(latin)))
            latin = []
        if tok in words:
            out.append(words[tok].replace("{y-2}", str(as_of.year - 2)).replace("{y-1}", str(as_of.year - 1)))
            known += 1
            continue
        parts = _split_unknown(tok, words)
        if parts is None:
            unknown.append(tok)
        else:
            out.extend(parts)
            known += 1
    if latin:
        out.append(_latin("".join(latin)))
    return out, known


def _latin(text: str) -> str:
    """Latin text kept as written; a word the lexicon knows (gmv, roas, app) becomes its English cue."""
    words = lexicon()["words"]
    return " ".join(words.get(w, w) if w in words and words.get(w) else w for w in text.split())


def _split_unknown(tok: str, words: dict[str, str]) -> list[str] | None:
    """A word jieba kept whole that the table knows in parts ('上个月卖' -> '上个月' + '卖'), else None."""
    out: list[str] = []
    i = 0
    while i < len(tok):
        for j in range(len(tok), i, -1):
            if tok[i:j] in words:
                out.append(words[tok[i:j]])
                i = j
                break
        else:
            return None
    return out
