"""Review text for the demo warehouse: titles and bodies that read like a real shop's reviews.

A review is planned from its star rating (5: praise, maybe a nit; 4: praise with a complaint about half the time;
3: mixed or lukewarm; 2: complaints with a concession; 1: complaints), then written from the product's category
aspects (battery, sound, fit, taste, scent ...) and generic ones (shipping, packaging, value, service), using
hand-written sentences and compositional frames with negations ("isn't tinny at all", "not worth it"), in short,
medium and long shapes, with openers, verdicts, closers, a list style, and some typos. About 1% of reviews have
text that contradicts the stars, as real shops do. Event stories are woven in: the Aurora X2 battery defect and
its fixed batch, and Luna Glow Serum's viral moment. About 3% of reviews are written in Chinese
(``reviews_zh``), so the Chinese review path runs on the demo too.

Randomness comes from one numpy array of uniforms per batch (deterministic for a seed); no global state.
"""

from __future__ import annotations

import numpy as np

from shoplens.data.demo import review_phrases as ph
from shoplens.data.demo.catalog import Catalog
from shoplens.data.demo.review_aspects import ASPECTS, CATEGORY_ASPECTS, GENERIC_ASPECTS
from shoplens.data.demo.review_picks import FLAG_DEFECT, FLAG_FIXED, FLAG_RETURNED, FLAG_VIRAL
from shoplens.data.demo.reviews_zh import ZH_SHARE, write_zh

_DRAWS_PER_REVIEW = 96
MISMATCH_SHARE = 0.01
#: Adjectives that take no intensifier ("very perfect").
_ABSOLUTE = {"perfect", "excellent", "amazing", "incredible", "fantastic", "terrible", "awful", "useless", "nonexistent",
             "unbeatable", "gorgeous", "endless", "huge", "top-notch", "premium", "bombproof", "heavenly", "pathetic",
             "missing", "off", "way off"}
TYPO_SHARE = 0.09


class _Dice:
    """Reads a review's slice of pre-drawn uniforms (wrapping around inside the slice)."""

    __slots__ = ("u", "i", "start", "end")

    def __init__(self, u: list[float], start: int, size: int) -> None:
        self.u, self.i, self.start, self.end = u, start, start, start + size

    def __call__(self) -> float:
        v = self.u[self.i]
        self.i += 1
        if self.i == self.end:
            self.i = self.start
        return v

    def pick(self, seq: list[str] | tuple[str, ...]) -> str:
        return seq[int(self() * len(seq))]

    def chance(self, p: float) -> bool:
        return self() < p


def _product_slots(noun: str, plural: bool, brand: str) -> dict[str, str]:
    return {
        "noun": noun, "brand": brand,
        "it": "them" if plural else "it", "they": "they" if plural else "it", "It": "They" if plural else "It",
        "s": "" if plural else "s",
        "is": "are" if plural else "is", "its": "their" if plural else "its",
        "it_s": "they're" if plural else "it's", "It_s": "They're" if plural else "It's",
        "does": "do" if plural else "does", "doesnt": "don't" if plural else "doesn't",
        "has": "have" if plural else "has", "was": "were" if plural else "was",
        "wasnt": "weren't" if plural else "wasn't",
        "this": f"these {noun}" if plural else f"this {noun}", "This": f"These {noun}" if plural else f"This {noun}",
    }


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _lower_first(s: str) -> str:
    if s[:2] in ("I ", "I'") or (len(s) > 1 and s[1].isupper()):
        return s
    return s[:1].lower() + s[1:]


class _Writer:
    def __init__(self, cat: Catalog) -> None:
        self.slots = [_product_slots(n, bool(p), b) for n, p, b in zip(cat.nouns, cat.plural, cat.brands, strict=True)]
        self.aspects: list[list[str]] = []
        for c, s, n in zip(cat.categories, cat.subcategories, cat.nouns, strict=True):
            specific = CATEGORY_ASPECTS.get(n) or CATEGORY_ASPECTS.get(f"{c}/{s}") or CATEGORY_ASPECTS[c]
            merged = specific + CATEGORY_ASPECTS[c] if len(specific) < 3 else specific
            self.aspects.append(list(dict.fromkeys(merged)))
        self.categories = cat.categories

    # -------------------------------------------------------------------------------------------- sentences
    def aspect_sentence(self, d: _Dice, aspect: str, pol: str, slots: dict[str, str]) -> str:
        a = ASPECTS[aspect]
        if pol == "neu":
            if d.chance(0.6):
                return d.pick(a["neu"]).format_map(slots)
            frame = d.pick(ph.FRAMES_NEU)
            term, plural = self._term(d, a)
            return frame.format_map({**slots, "term": term, "Term": _cap(term), "be": "are" if plural else "is"})
        if d.chance(0.5):
            return d.pick(a[pol]).format_map(slots)  # type: ignore[literal-required]
        term, plural = self._term(d, a)
        adj, opp = (d.pick(a["good"]), d.pick(a["bad"])) if pol == "pos" else (d.pick(a["bad"]), d.pick(a["good"]))
        adv = "" if " " in adj or adj in _ABSOLUTE else d.pick(ph.ADVERBS_POS if pol == "pos" else ph.ADVERBS_NEG)
        good, bad = (adj, opp) if pol == "pos" else (opp, adj)
        frame = d.pick(ph.FRAMES_POS if pol == "pos" else ph.FRAMES_NEG)
        if aspect == "value" and "price" in frame:
            frame = "The {term} {be} {adv}{adj}."
        return frame.format_map({
            **slots, "term": term, "Term": _cap(term), "be": "are" if plural else "is", "adv": adv, "adj": adj,
            "tis": "they're" if plural else "it's",
            "Adj": _cap(adj), "good": good, "bad": bad,
        })

    @staticmethod
    def _term(d: _Dice, a: dict) -> tuple[str, bool]:
        t = d.pick(a["terms"])
        return (t[:-1], True) if t.endswith("+") else (t, False)

    def pros_cons(self, d: _Dice, aspects: list[str], pols: list[str]) -> str:
        pros = [f"{d.pick(ASPECTS[a]['good'])} {self._term(d, ASPECTS[a])[0]}" for a, p in zip(aspects, pols, strict=True) if p == "pos"]
        cons = [f"{d.pick(ASPECTS[a]['bad'])} {self._term(d, ASPECTS[a])[0]}" for a, p in zip(aspects, pols, strict=True) if p == "neg"]
        return f"Pros: {', '.join(pros) or 'not many'}. Cons: {', '.join(cons) or 'none really'}."

    # -------------------------------------------------------------------------------------------------- plan
    @staticmethod
    def plan(d: _Dice, rating: int, n_aspects: int) -> list[str]:
        """Polarity of each aspect sentence; 'c' marks a contrasting complaint, 'n' a mild nit, 'k' a concession."""
        if rating == 5:
            pols = ["pos"] * n_aspects
            if n_aspects > 1 and d.chance(0.12):
                pols[-1] = "n"
        elif rating == 4:
            pols = ["pos"] * n_aspects
            if n_aspects > 1 and d.chance(0.5):
                pols[-1] = "c"
        elif rating == 3:
            r = d()
            if n_aspects == 1:
                pols = ["neu" if r < 0.5 else "pos" if r < 0.75 else "neg"]
            else:
                pols = ["pos", "c"] if r < 0.45 else ["neu", "neu"] if r < 0.75 else ["neg", "k"]
                pols = (pols + ["neu"] * n_aspects)[:n_aspects]
        elif rating == 2:
            pols = ["neg"] * n_aspects
            if n_aspects > 1 and d.chance(0.45):
                pols[0] = "k"
        else:
            pols = ["neg"] * n_aspects
        return pols

    def write(self, d: _Dice, product: int, rating: int, flags: int) -> tuple[str, str]:
        slots = dict(self.slots[product])
        slots["time"], person = d.pick(ph.TIMES), d.pick(ph.PEOPLE)
        slots["person"], slots["person_cap"], slots["person_short"] = person, _cap(person), person.split()[-1]
        category = self.categories[product]
        text_rating = rating
        if d.chance(MISMATCH_SHARE):  # stars that contradict the text (misclicks, confused buyers)
            text_rating = 6 - rating if rating != 3 else (5 if d.chance(0.5) else 1)
        shape = d()  # < 0.25 short, < 0.8 medium, < 0.94 long, else very long
        n_aspects = 1 if shape < 0.25 else (2 if shape < 0.8 else 3 if shape < 0.94 else 4)
        pool = self.aspects[product]
        chosen: list[str] = []
        for _ in range(n_aspects):
            name = d.pick(pool) if d.chance(0.8) or len(chosen) == 0 else d.pick(GENERIC_ASPECTS)
            if name not in chosen:
                chosen.append(name)
        pols = self.plan(d, text_rating, len(chosen))
        overall = "pos" if text_rating >= 4 else "neg" if text_rating <= 2 else "neu"
        defect, fixed = bool(flags & FLAG_DEFECT), bool(flags & FLAG_FIXED)

        sentences: list[str] = []
        opened = shape >= 0.25 and d.chance(0.3 if shape < 0.8 else 0.75)
        if opened:
            openers = ph.CATEGORY_OPENERS.get(category, []) if d.chance(0.45) else ph.OPENERS
            sentences.append(d.pick(openers or ph.OPENERS).format_map(slots))
        if shape >= 0.8 and d.chance(0.6 if shape < 0.94 else 1.0):
            sentences.append(d.pick(ph.USAGE).format_map(slots))
        if flags & FLAG_VIRAL:
            sentences.append(d.pick(ph.VIRAL_POS if text_rating >= 4 else ph.VIRAL_NEG).format_map(slots))
        if fixed:
            sentences.append(d.pick(ph.FIXED_SENTENCES).format_map(slots))
        if shape < 0.25 and d.chance(0.45):
            verdict = {"pos": ph.VERDICT_POS, "neg": ph.VERDICT_NEG, "neu": ph.VERDICT_NEU}[overall]
            sentences.append(d.pick(verdict).format_map(slots))
        elif shape >= 0.8 and d.chance(0.08) and text_rating in (3, 4):
            sentences.append(self.pros_cons(d, chosen, ["neg" if p in ("c", "neg") else "pos" for p in pols]))
        else:
            self._aspect_sentences(d, chosen, pols, slots, sentences, defect)
            if shape >= 0.25 and d.chance(0.35):
                verdict = {"pos": ph.VERDICT_POS, "neg": ph.VERDICT_NEG, "neu": ph.VERDICT_NEU}[overall]
                sentences.append(d.pick(verdict).format_map(slots))
        if defect and not any("batter" in s or "charg" in s for s in sentences):
            lucky = text_rating >= 4 and d.chance(0.8)
            sentences.append(d.pick(ph.DEFECT_LUCKY if lucky else ph.DEFECT_SENTENCES).format_map(slots))
        if flags & FLAG_RETURNED and text_rating <= 3 and d.chance(0.6):
            sentences.append(d.pick(ph.RETURNED).format_map(slots))
        if shape >= 0.94 and d.chance(0.5):
            updates = {"pos": ph.UPDATE_POS, "neg": ph.UPDATE_NEG, "neu": ph.UPDATE_NEU}[overall]
            sentences.append(d.pick(updates).format_map(slots))
        elif shape >= 0.25 and d.chance(0.25 if shape < 0.8 else 0.6):
            closers = {"pos": ph.CLOSERS_POS, "neg": ph.CLOSERS_NEG, "neu": ph.CLOSERS_NEU}[overall]
            sentences.append(d.pick(closers).format_map(slots))
        body = " ".join(sentences)
        title = self.title(d, text_rating, pols, chosen, slots, defect, fixed, "" if opened else body)
        return _style(d, title, body, overall)

    def _aspect_sentences(
        self, d: _Dice, chosen: list[str], pols: list[str], slots: dict[str, str], out: list[str], defect: bool
    ) -> None:
        for aspect, pol in zip(chosen, pols, strict=True):
            if pol in ("c", "n"):  # the complaint (or nit) in an otherwise positive review
                if defect:
                    text = d.pick(ph.DEFECT_SENTENCES).format_map(slots)
                else:
                    text = self.aspect_sentence(d, aspect, "neg" if pol == "c" else "neu", slots)
                conn = d.pick(ph.CONTRAST if pol == "c" else ph.NITS)
                if out and d.chance(0.5) and conn in ("but", "though", "although"):
                    out[-1] = f"{out[-1].rstrip('.!')}, {conn} {_lower_first(text)}"
                else:
                    out.append(f"{_cap(conn)} {_lower_first(text)}")
            elif pol == "k":  # a concession in an otherwise negative review
                out.append(f"{d.pick(ph.CONCESSION_POS)} {_lower_first(self.aspect_sentence(d, aspect, 'pos', slots))}")
            elif defect and pol == "neg" and d.chance(0.8):
                out.append(d.pick(ph.DEFECT_SENTENCES).format_map(slots))
            else:
                out.append(self.aspect_sentence(d, aspect, pol, slots))

    def title(
        self, d: _Dice, rating: int, pols: list[str], chosen: list[str], slots: dict[str, str], defect: bool,
        fixed: bool, body: str,
    ) -> str:
        if defect and rating <= 3 and d.chance(0.7):
            return d.pick(ph.DEFECT_TITLES)
        if fixed and d.chance(0.4):
            return d.pick(ph.FIXED_TITLES)
        first = body.split(". ")[0]
        if d.chance(0.1) and 0 < len(first.split()) <= 7:  # the first sentence as the title
            return first.rstrip(".,!:")
        a1 = ASPECTS[chosen[0]]
        term1, plural1 = self._term(d, a1)
        slots = {**slots, "be": "are" if plural1 else "is"}
        mixed = "c" in pols or "k" in pols
        if mixed and d.chance(0.45) and len(chosen) > 1:
            a2 = ASPECTS[chosen[-1]]
            bad2 = d.pick(a2["bad"])
            template = d.pick(ph.TITLES_MIXED) if " " not in bad2 else "Love the {term1}, not the {term2}"
            return template.format_map({**slots, "term1": term1, "term2": self._term(d, a2)[0], "bad2": bad2})
        if rating >= 4:
            if d.chance(0.25):
                good = d.pick(a1["good"])
                return d.pick(ph.TITLES_ASPECT_POS).format_map({**slots, "term": term1, "Term": _cap(term1), "good": good, "Good": _cap(good)})
            return d.pick(ph.TITLES_POS).format_map(slots)
        if rating <= 2:
            if d.chance(0.25):
                bad = d.pick(a1["bad"])
                return d.pick(ph.TITLES_ASPECT_NEG).format_map({**slots, "term": term1, "Term": _cap(term1), "bad": bad, "Bad": _cap(bad)})
            return d.pick(ph.TITLES_NEG).format_map(slots)
        return d.pick(ph.TITLES_NEU).format_map(slots)


def _style(d: _Dice, title: str, body: str, overall: str) -> tuple[str, str]:
    r = d()
    if overall == "pos" and r < 0.12:
        body = body.replace(".", "!", 1) if d.chance(0.5) else body.rstrip(".") + "!"
        if d.chance(0.3):
            title += "!"
    elif overall == "neg" and r < 0.03:
        title = title.upper()
    elif overall == "neg" and r < 0.06:
        body = body.rstrip(".") + "!!"
    if d.chance(TYPO_SHARE):
        body = _typos(d, body, 1 + int(d() * 2))
    if d.chance(0.03):
        body, title = body.lower().rstrip("."), title.lower()
    return title, body


def _typos(d: _Dice, text: str, n: int) -> str:
    for _ in range(n):
        op = d()
        words = text.split(" ")
        if op < 0.4:
            hits = [i for i, w in enumerate(words) if w.strip(".,!?").lower() in ph.MISSPELLINGS]
            if "a lot" in text and d.chance(0.5):
                text = text.replace("a lot", "alot", 1)
                continue
            if hits:
                i = hits[int(d() * len(hits))]
                core = words[i].strip(".,!?")
                wrong = ph.MISSPELLINGS[core.lower()]
                words[i] = words[i].replace(core, wrong if core.islower() else _cap(wrong))
                text = " ".join(words)
                continue
        long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long_words:
            continue
        i = long_words[int(d() * len(long_words))]
        w = words[i]
        k = 1 + int(d() * (len(w) - 2))
        if op < 0.65:
            w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]  # swapped letters
        elif op < 0.85:
            w = w[:k] + w[k + 1 :]  # dropped letter
        else:
            w = w[:k] + w[k] + w[k:]  # doubled letter
        words[i] = w
        text = " ".join(words)
    return text


def compose_reviews(
    rng: np.random.Generator, product: np.ndarray, rating: np.ndarray, flags: np.ndarray, cat: Catalog
) -> tuple[list[str], list[str]]:
    """Titles and bodies for a batch of reviews (product index, stars 1-5, FLAG_* bits per review)."""
    writer = _Writer(cat)
    u = rng.random(len(product) * _DRAWS_PER_REVIEW).tolist()
    chinese = (rng.random(len(product)) < ZH_SHARE).tolist()  # drawn after u: the English texts stay as they were
    titles, bodies = [], []
    for i, (p, r, f) in enumerate(zip(product.tolist(), rating.tolist(), flags.tolist(), strict=True)):
        dice = _Dice(u, i * _DRAWS_PER_REVIEW, _DRAWS_PER_REVIEW)
        if chinese[i]:
            title, body = write_zh(dice, writer.categories[p], r, bool(f & FLAG_DEFECT))
        else:
            title, body = writer.write(dice, p, r, f)
        titles.append(title)
        bodies.append(body)
    return titles, bodies
