"""Offline aspect extraction: (aspect, polarity, verbatim snippet) triples per review, plus brand/product mentions.

A review is cut into clauses (sentences, then contrast words such as "but"/"although", then "and" before a new
subject). Each clause is matched to the aspects of its product category by keywords and, when an encoder is
given, by MiniLM similarity to aspect descriptions. Polarity per clause comes from VADER with a product-review
lexicon and phrase cues that handle negation ("not bad", "didn't last", "no complaints"), blended with the
sentiment head's score on the clause's embedding when one is available. The snippet is the clause, verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from shoplens.tools.reviews.backends import VaderScorer

ASPECTS_VERSION = "a4"


@dataclass(frozen=True)
class Aspect:
    name: str
    keywords: str  # regex alternation, matched on word boundaries
    description: str  # "|"-separated example phrases; their mean embedding stands for the aspect


_A = Aspect
ASPECTS: dict[str, Aspect] = {a.name: a for a in (
    _A("battery", r"batter(y|ies)|charg(e|es|ed|ing|er)|recharg\w*|power bank|runtime|run time|mah|"
       r"dies (after|within|in)|died (after|within|in)|holds? a charge", "battery life and charging|it runs out of power after a few hours|goes dead quickly and needs recharging"),
    _A("sound", r"sound\w*|audio|bass|treble|volume|speakers?|mic|microphone|noise.cancell\w*|anc|music|"
       r"hiss\w*|tinny|muffled|crackl\w*", "sound quality, bass and volume|the audio sounds clear and rich|music sounds tinny and distorted"),
    _A("connectivity", r"bluetooth|pair(s|ed|ing)?|connect(s|ed|ion|ivity|ing)?|wi-?fi|signal|app|"
       r"disconnect\w*|drop(s|ped)? (out|connection)|sync\w*|firmware", "bluetooth pairing and connection|keeps disconnecting from my phone|the signal drops out"),
    _A("display", r"screen|display|brightness|resolution|touchscreen|pixels?", "screen and display quality"),
    _A("comfort", r"comfort\w*|uncomfortable|comfy|cushion\w*|ergonomic|hurts?|pinch\w*|sore|soft|scratchy|"
       r"itch(y|es)?|breathable", "comfortable to wear all day|hurts my ears after an hour|feels comfortable"),
    _A("fit/size", r"fit(s|ted|ting)?|size[sd]?|sizing|small|large|tight|loose|snug|runs? (small|big|large)|"
       r"length|too (short|long)|waist|inseam", "fit and sizing|runs small, order a size up|fits true to size"),
    _A("ease of use", r"easy|easier|difficult|hard to (use|set|figure|open)|intuitive|confusing|setup|set up|"
       r"user.friendly|controls?|buttons?|instructions?|manual", "easy to use and set up|the controls are confusing|simple to figure out"),
    _A("performance", r"performance|powerful|power|speed|fast|slow|works? (great|well|perfectly|fine)|"
       r"suction|heats? (up|evenly)|blend\w*|cooks?|cooking|grip|traction|accura\w+|lag\w*", "how well it performs|it does the job quickly and powerfully|works really well"),
    _A("noise", r"noisy|loud|quiet|silent|rattl\w*|whin\w*|buzz\w*|hum(s|ming)?", "noise level, loud or quiet"),
    _A("cleaning", r"clean(s|ed|ing|up)?|dishwasher|wash(es|ed|ing)?|rins\w*|stains?|scrub\w*",
       "easy to clean|hard to wash and clean afterwards"),
    _A("capacity", r"capacity|holds? (enough|a lot|plenty)|roomy|spacious|too small for|fits? (everything|a lot)|"
       r"liters?|quarts?|cups?", "capacity and how much it holds"),
    _A("design", r"design\w*|look(s|ed)?|looking|style|stylish|sleek|color(s|ed)?|colour\w*|pretty|gorgeous|"
       r"ugly|aesthetic\w*|finish", "design, looks and color"),
    _A("scent", r"scent\w*|smell\w*|fragrance\w*|perfume\w*|odou?r\w*|stinks?", "scent and smell|smells lovely|the fragrance is overpowering"),
    _A("texture", r"textur\w*|greasy|sticky|oily|absorb\w*|lightweight|thick|runny|consistency|feels? (light|heavy)",
       "texture and how it feels on the skin"),
    _A("results", r"results?|work(s|ed)? (wonders|great|for me)|did(n'?t| not)( really)? work|difference|"
       r"effective|improv\w*|cleared|breakouts?|wrinkles?|hydrat\w*|moisturi\w*|glow\w*|brighter|acne",
       "visible results on my skin|my skin looks better after a week|did nothing for my skin"),
    _A("skin reaction", r"irritat\w*|rash\w*|burn(s|ed|ing)?|redness|sensitive skin|allerg\w*|broke (me )?out|"
       r"stings?|gentle", "irritation or gentleness on sensitive skin"),
    _A("material", r"material|fabric|cotton|polyester|leather|stitch\w*|seams?|zipper|thin|see.through|"
       r"pill(s|ed|ing)|shrunk|shrinks?|shrinkage|stretch\w*", "fabric and material quality"),
    _A("taste", r"tast(e|es|ed|y|ing)|flavou?r\w*|delicious|yummy|bland|sweet|salty|bitter|sour|aftertaste|"
       r"crunch\w*|chewy", "taste and flavor|tastes delicious|tastes bland and bitter"),
    _A("freshness", r"fresh\w*|stale|expir\w*|best.by|moldy|mould\w*|rancid|spoiled|ripe", "freshness and expiry date|arrived stale and past its date|fresh and crisp"),
    _A("ingredients", r"ingredients?|organic|sugar|calories|protein|natural|artificial|gluten|vegan|healthy|"
       r"preservatives?", "ingredients and nutrition"),
    _A("fun", r"fun|bor(ed|ing)|loves? (it|playing)|play(s|ed|ing)? with|entertain\w*|engag\w*|hours of|"
       r"favorite toy|kids? (love|adore|enjoy)", "fun to play with|my kids play with it for hours|the children got bored with it"),
    _A("assembly", r"assembl\w*|put (it )?together|pieces?|parts? (missing|were missing)|missing (parts?|pieces?)|"
       r"screws?|set.?up", "assembly and missing parts"),
    _A("safety", r"safe(ty|ly)?|sharp edges?|choking|toxic|hazard\w*|recall\w*", "safety for children"),
    _A("story", r"story|plot|characters?|ending|storyline|narrative|chapters?|twist\w*|pacing|page.turner|"
       r"couldn'?t put it down|content", "story, plot and characters|the plot kept me hooked|the characters are flat"),
    _A("writing", r"writ(ing|ten|er)|author|prose|translation|editing|typos?|wordy|dry|readable|"
       r"easy to read|well.written", "writing style and editing"),
    _A("shipping", r"ship(ping|ped|s)?|deliver\w*|arriv\w*|came (early|late|quickly|fast)|courier|ups|fedex|usps|"
       r"tracking|showed up|took (weeks|days|forever)|on time|late", "shipping and delivery time|the order arrived quickly|the parcel took weeks to come"),
    _A("packaging", r"packag\w*|box(es|ed)?|wrap(ped|ping)|bubble wrap|seal(ed)?|dented|crushed|leak(ed|ing|s)? "
       r"in the box|arrived (broken|damaged|open)", "packaging and the box|it came well packed|the box was damaged in transit"),
    _A("price/value", r"price[sd]?|pricey|value|worth|cheap(er|ly)?|expensive|overpriced|money|bargain|deal|"
       r"cost(s|ly)?|afford\w*|budget|\$\d+|penny|dollars?|for what you pay", "price and value for money|good value for what you pay|too expensive for what it is"),
    _A("quality/durability", r"(?<!sound )(?<!audio )(?<!picture )(?<!call )(?<!image )(?<!video )quality|durab\w*|sturdy|flimsy|broke(?! (me )?out)|broken|break(s|ing)?|crack(ed|s)?|"
       r"fell apart|falling apart|lasted|lasts? (long|a|more|only|forever|all|through|well)|"
       r"(did|does|do|wo|would)(n'?t| not) last|last(ing)? (long|longer)|wore out|worn|tore|ripped|"
       r"well.made|cheaply made|solid|defect\w*|stopped working|holds? up|held up|rust\w*|peel\w*|fray\w*",
       "build quality and durability|it broke after a few weeks|feels solid and well made"),
    _A("customer service", r"customer service|support|seller|refund\w*|replacement|warranty|"
       r"return(ed|ing|s)?|exchange[sd]?|contacted|emails?|responded|response|helpful staff|rep\b",
       "customer service, returns and refunds|the seller was helpful|support ignored my messages"),
)}

GENERIC = ("shipping", "packaging", "price/value", "quality/durability", "customer service")
CATEGORY_ASPECTS: dict[str, tuple[str, ...]] = {
    "Electronics": ("battery", "sound", "connectivity", "display", "comfort", "ease of use", "performance", "noise"),
    "Home & Kitchen": ("performance", "noise", "cleaning", "capacity", "ease of use", "design", "assembly"),
    "Beauty": ("scent", "texture", "results", "skin reaction", "design"),
    "Apparel": ("fit/size", "comfort", "material", "design", "cleaning"),
    "Sports & Outdoors": ("comfort", "fit/size", "performance", "ease of use", "material", "assembly", "battery"),
    "Toys & Games": ("fun", "assembly", "safety", "ease of use", "battery", "design"),
    "Grocery": ("taste", "freshness", "ingredients", "scent"),
    "Books": ("story", "writing"),
}


def aspects_for(category: str | None) -> tuple[str, ...]:
    """The aspect names that apply to a category (every aspect when the category is unknown)."""
    if category in CATEGORY_ASPECTS:
        return CATEGORY_ASPECTS[category] + GENERIC
    return tuple(ASPECTS)


_KEYWORDS = {name: re.compile(rf"\b(?:{a.keywords})\b", re.I) for name, a in ASPECTS.items()}
_SENT_RE = re.compile(r"(?<=[.!?])\s+|\n+|\s*;\s*|\s+-{1,2}\s+|\s*\.{3}\s*")
_CONTRAST_RE = re.compile(r",?\s+(?=\b(?:but|however|although|though|yet|except|whereas|while|otherwise)\b)", re.I)
_AND_RE = re.compile(
    r",?\s+and\s+(?=(?:the|it|its|it's|they|their|this|that|my|shipping|delivery|price|customer|support|"
    r"seller|i|it's|packaging)\b)", re.I)
_LEAD_RE = re.compile(r"^(?:and|but|however|although|though|yet|so|also|plus|overall|otherwise)\b[,\s]*", re.I)


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of ``text`` (leading conjunctions trimmed off; empty clauses dropped)."""
    spans: list[tuple[int, int]] = []
    for s0, s1 in _split(text, 0, len(text), _SENT_RE):
        for c0, c1 in _split(text, s0, s1, _CONTRAST_RE):
            for a0, a1 in _split(text, c0, c1, _AND_RE):
                piece = text[a0:a1]
                lead = _LEAD_RE.match(piece)
                if lead and lead.end() < len(piece):
                    a0 += lead.end()
                while a1 > a0 and text[a1 - 1] in " ,.!?":
                    a1 -= 1
                while a0 < a1 and text[a0] in " ,":
                    a0 += 1
                if a1 - a0 >= 3 and re.search(r"[A-Za-z]", text[a0:a1]):
                    spans.append((a0, a1))
    return spans


def _split(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def snippet_of(text: str, span: tuple[int, int], hit: tuple[int, int] | None = None, max_len: int = 140) -> str:
    """A verbatim piece of ``text``: the clause, or a word-aligned window around the keyword when it is long."""
    a, b = span
    if b - a <= max_len:
        return text[a:b].strip()
    centre = (hit[0] + hit[1]) // 2 if hit else a + max_len // 2
    lo = max(a, centre - max_len // 2)
    hi = min(b, lo + max_len)
    lo = max(a, hi - max_len)
    if lo > a:
        lo = text.find(" ", lo, hi) + 1 or lo
    if hi < b:
        cut = text.rfind(" ", lo, hi)
        hi = cut if cut > lo else hi
    return text[lo:hi].strip()


@dataclass(frozen=True)
class AspectMention:
    aspect: str  # an aspect name, or "mention:<brand or product>"
    polarity: str  # positive | negative | neutral
    snippet: str
    score: float = 0.0

    def as_row(self) -> tuple[str, str, str]:
        return (self.aspect, self.polarity, self.snippet)


def polarity_label(score: float, threshold: float = 0.2) -> str:
    return "positive" if score >= threshold else "negative" if score <= -threshold else "neutral"


class MentionFinder:
    """Finds brand and product names in text (whole words, case-insensitive; product names also by their
    distinctive first words, e.g. "Aurora X2" for "Aurora X2 Wireless Earbuds")."""

    def __init__(self, products: Sequence[tuple[str, str | None]]) -> None:
        keys: dict[str, str] = {}
        prefixes: dict[str, set[str]] = {}
        for name, brand in products:
            keys[name.lower()] = name
            words = name.split()
            if len(words) >= 3:
                prefixes.setdefault(" ".join(words[:2]).lower(), set()).add(name)
            if brand:
                keys.setdefault(brand.lower(), brand)
        for prefix, names in prefixes.items():
            if len(names) == 1 and len(prefix) >= 5:
                keys.setdefault(prefix, next(iter(names)))
        self._keys = keys
        alternation = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
        self._re = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.I) if keys else None

    def find(self, text: str) -> list[tuple[str, int, int]]:
        if not self._re:
            return []
        return [(self._keys[m.group(0).lower()], m.start(), m.end()) for m in self._re.finditer(text)]


class AspectExtractor:
    """Aspect triples for many reviews at once.

    ``aspect_vectors`` (aspect -> unit vector) turns on embedding similarity for clauses without a keyword;
    ``clause_score`` (clause embeddings, clause texts -> signed scores) blends a learned polarity into VADER's.
    """

    def __init__(self, *, mentions: MentionFinder | None = None, aspect_vectors: dict[str, np.ndarray] | None = None,
                 similarity_threshold: float = 0.42, similarity_margin: float = 0.05, clause_score: Callable[[np.ndarray, list[str]], np.ndarray] | None = None,
                 learned_weight: float = 0.5, threshold: float = 0.2) -> None:
        self._vader = VaderScorer(domain=True)
        self.mentions = mentions
        self.aspect_vectors = aspect_vectors or {}
        self.similarity_threshold = similarity_threshold
        self.similarity_margin = similarity_margin
        self.clause_score = clause_score
        self.learned_weight = learned_weight
        self.threshold = threshold

    @property
    def version(self) -> str:
        return f"{ASPECTS_VERSION}{'e' if self.aspect_vectors else ''}{'l' if self.clause_score else ''}"

    def clause_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [split_clauses(t or "") for t in texts]

    def extract(self, texts: Sequence[str], categories: Sequence[str | None] | None = None,
                spans: Sequence[Sequence[tuple[int, int]]] | None = None,
                clause_vectors: Sequence[np.ndarray] | None = None) -> list[list[AspectMention]]:
        """One list of AspectMention per text. Pass ``spans``/``clause_vectors`` from a shared encoder pass."""
        spans = spans if spans is not None else self.clause_spans(texts)
        categories = categories or [None] * len(texts)
        learned: list[np.ndarray | None] = [None] * len(texts)
        if self.clause_score and clause_vectors is not None:
            flat_vecs = [v for vecs in clause_vectors for v in vecs]
            if flat_vecs:
                flat_texts = [t[a:b] for t, sp in zip(texts, spans, strict=True) for a, b in sp]
                scores = self.clause_score(np.vstack(flat_vecs), flat_texts)
                pos = 0
                for i, sp in enumerate(spans):
                    learned[i] = scores[pos:pos + len(sp)]
                    pos += len(sp)
        return [self._one(texts[i] or "", categories[i], spans[i],
                          clause_vectors[i] if clause_vectors is not None else None, learned[i])
                for i in range(len(texts))]

    def _one(self, text: str, category: str | None, spans: Sequence[tuple[int, int]],
             vectors: np.ndarray | None, learned: np.ndarray | None) -> list[AspectMention]:
        allowed = aspects_for(category)
        out: dict[str, AspectMention] = {}
        found_mentions = self.mentions.find(text) if self.mentions else []
        for k, (a, b) in enumerate(spans):
            clause = text[a:b]
            score = self._vader.compound(clause)
            if learned is not None and vectors is not None and np.any(vectors[k]):
                score = (1 - self.learned_weight) * score + self.learned_weight * float(learned[k])
            polarity = polarity_label(score, self.threshold)
            hits: list[tuple[str, tuple[int, int]]] = []
            for name in allowed:
                if m := _KEYWORDS[name].search(clause):
                    hits.append((name, (a + m.start(), a + m.end())))
            if not hits and vectors is not None and self.aspect_vectors and np.any(vectors[k]):
                best, sim, runner_up = self._nearest(vectors[k], allowed)
                if best and sim >= self.similarity_threshold and sim - runner_up >= self.similarity_margin:
                    hits.append((best, (a, b)))
            for name, hit in hits:
                self._keep(out, AspectMention(name, polarity, snippet_of(text, (a, b), hit), round(score, 3)))
            for entity, m0, m1 in found_mentions:
                if a <= m0 and m1 <= b:
                    self._keep(out, AspectMention(f"mention:{entity}", polarity, snippet_of(text, (a, b), (m0, m1)),
                                                  round(score, 3)))
        return list(out.values())

    @staticmethod
    def _keep(out: dict[str, AspectMention], item: AspectMention) -> None:
        """One triple per (aspect, polarity) per review; the strongest clause wins."""
        key = f"{item.aspect}|{item.polarity}"
        if key not in out or abs(item.score) > abs(out[key].score):
            out[key] = item

    def _nearest(self, vec: np.ndarray, allowed: Sequence[str]) -> tuple[str | None, float, float]:
        """Best aspect, its cosine similarity, and the runner-up's (a clear winner is required)."""
        sims = sorted(((float(vec @ self.aspect_vectors[n]), n) for n in allowed if n in self.aspect_vectors),
                      reverse=True)
        if not sims:
            return None, -1.0, -1.0
        return sims[0][1], sims[0][0], sims[1][0] if len(sims) > 1 else -1.0


def aspect_vectors(encode: Callable[[list[str]], np.ndarray]) -> dict[str, np.ndarray]:
    """Embed the aspect descriptions once with the caller's encoder (returns unit vectors)."""
    names = list(ASPECTS)
    phrases = [(n, p.strip()) for n in names for p in ASPECTS[n].description.split("|")]
    vecs = encode([p for _, p in phrases])
    out = {}
    for n in names:
        mean = np.mean([vecs[i] for i, (m, _) in enumerate(phrases) if m == n], axis=0)
        out[n] = mean / (np.linalg.norm(mean) or 1.0)
    return out
