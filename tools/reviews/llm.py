"""LLM aspect-based review analysis through an OpenAI-compatible endpoint (vLLM), batched, JSON-schema constrained.

Review text is data: it is JSON-escaped (``<``, ``>`` and ``&`` included, so it cannot close its delimiter) inside
``<reviews>...</reviews>`` and the system prompt says never to follow instructions found there. The reply is then
checked: unknown ids are ignored, aspects are mapped onto the known list, and a snippet that is not verbatim in the
review is dropped, so an injected review cannot put words in another review's mouth.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from shoplens.data.errors import ModelUnavailable
from shoplens.tools.reviews.aspects import ASPECTS, AspectMention, aspects_for
from shoplens.tools.reviews.backends import LABELS, Prediction

PROMPT_FILE = "review_aspects.j2"
_ALIASES = {
    "price": "price/value", "value": "price/value", "cost": "price/value", "fit": "fit/size", "size": "fit/size",
    "sizing": "fit/size", "quality": "quality/durability", "durability": "quality/durability", "build": "quality/durability",
    "service": "customer service", "support": "customer service", "returns": "customer service", "delivery": "shipping",
    "smell": "scent", "fragrance": "scent", "flavor": "taste", "flavour": "taste", "usability": "ease of use",
    "setup": "ease of use", "battery life": "battery", "audio": "sound", "sound quality": "sound", "look": "design",
}


def response_schema() -> dict[str, Any]:
    """The JSON schema the endpoint must follow (OpenAI ``response_format`` json_schema, strict)."""
    polarity = {"type": "string", "enum": list(LABELS)}
    aspect = {"type": "object", "additionalProperties": False, "required": ["aspect", "polarity", "snippet"],
              "properties": {"aspect": {"type": "string"}, "polarity": polarity, "snippet": {"type": "string"}}}
    review = {"type": "object", "additionalProperties": False,
              "required": ["id", "sentiment", "score", "aspects", "mentions"],
              "properties": {"id": {"type": "integer"}, "sentiment": polarity,
                             "score": {"type": "number", "minimum": -1, "maximum": 1},
                             "aspects": {"type": "array", "items": aspect},
                             "mentions": {"type": "array", "items": {"type": "string"}}}}
    return {"type": "object", "additionalProperties": False, "required": ["reviews"],
            "properties": {"reviews": {"type": "array", "items": review}}}


@cache
def _template_source() -> str:
    return resources.files("shoplens.prompts").joinpath(PROMPT_FILE).read_text(encoding="utf-8")


def render_prompt(reviews: Sequence[tuple[int, str, str | None]]) -> list[dict[str, str]]:
    """Chat messages for a batch of (id, text, category)."""
    from jinja2 import Environment, StrictUndefined

    template = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False).from_string(
        _template_source())
    names = sorted({a for _, _, c in reviews for a in aspects_for(c)}, key=list(ASPECTS).index)
    items = [{"id": rid, "category": _attr(cat or "unknown"), "text_json": data_json(text)} for rid, text, cat in reviews]
    common = {"reviews": items, "aspects": names, "labels": list(LABELS)}
    return [{"role": "system", "content": template.render(part="system", **common)},
            {"role": "user", "content": template.render(part="user", **common)}]


def data_json(text: str) -> str:
    """JSON string of ``text`` that cannot contain markup: ``<``, ``>`` and ``&`` become ``\\u003c`` etc."""
    return json.dumps(text, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _attr(value: str) -> str:
    return re.sub(r"[^\w &/-]", "", value)[:40]


@dataclass
class LLMReview:
    label: str
    score: float
    aspects: list[AspectMention] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)


class LLMReviewAnalyzer:
    """Sentiment + aspect triples from an OpenAI-compatible chat endpoint; also a ``SentimentBackend``."""

    name = "llm"

    def __init__(self, base_url: str, model: str, *, api_key: str = "EMPTY", timeout_s: float = 60.0,
                 max_retries: int = 1, batch_size: int = 8, concurrency: int = 4, temperature: float = 0.0,
                 client: Any = None) -> None:
        from openai import OpenAI

        self.model = model
        self.batch_size = max(1, batch_size)
        self.concurrency = max(1, concurrency)
        self.temperature = temperature
        self.client = client or OpenAI(base_url=base_url, api_key=api_key or "EMPTY", timeout=timeout_s,
                                       max_retries=max_retries)
        self.base_url = base_url

    @property
    def version(self) -> str:
        digest = hashlib.sha256((_template_source() + json.dumps(response_schema())).encode()).hexdigest()[:8]
        return f"llm-{self.model}-{digest}"

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return [(r.label, r.score) for r in self.analyze(texts)]

    def analyze(self, texts: Sequence[str], categories: Sequence[str | None] | None = None) -> list[LLMReview]:
        """One LLMReview per text, in order. Raises ModelUnavailable when the endpoint cannot be used."""
        cats = list(categories) if categories else [None] * len(texts)
        items = [(i, t or "", cats[i]) for i, t in enumerate(texts)]
        batches = [items[k:k + self.batch_size] for k in range(0, len(items), self.batch_size)]
        results: dict[int, LLMReview] = {}
        with ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(batches)))) as pool:
            for part in pool.map(self._batch, batches):
                results.update(part)
        missing = [i for i in range(len(texts)) if i not in results]
        if missing:  # one retry, one review per request, for ids the model skipped
            for i in missing:
                results.update(self._batch([items[i]]))
        return [results.get(i) or LLMReview("neutral", 0.0) for i in range(len(texts))]

    def _batch(self, batch: list[tuple[int, str, str | None]]) -> dict[int, LLMReview]:
        import openai

        try:
            resp = self.client.chat.completions.create(
                model=self.model, messages=render_prompt(batch), temperature=self.temperature,
                response_format={"type": "json_schema",
                                 "json_schema": {"name": "review_aspects", "schema": response_schema(), "strict": True}},
            )
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise ModelUnavailable(f"The LLM endpoint at {self.base_url} is unreachable: {exc}.",
                                   hint="Start the model server or unset SHOPLENS_LLM_BASE_URL to use the offline model.") from exc
        except openai.APIStatusError as exc:
            raise ModelUnavailable(f"The LLM endpoint refused the request ({exc.status_code}): {exc.message}.",
                                   hint="Check SHOPLENS_LLM_MODEL and that the server supports json_schema output.") from exc
        content = (resp.choices[0].message.content or "") if resp.choices else ""
        return parse_reply(content, {rid: (text, cat) for rid, text, cat in batch})


def parse_reply(content: str, batch: dict[int, tuple[str, str | None]]) -> dict[int, LLMReview]:
    """Validate a model reply against the batch (defensive: code fences, bad types, invented ids or snippets)."""
    text = content.strip()
    if text.startswith("```"):
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    rows = data.get("reviews") if isinstance(data, dict) else data
    out: dict[int, LLMReview] = {}
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        try:
            rid = int(row.get("id"))
        except (TypeError, ValueError):
            continue
        if rid not in batch or rid in out:
            continue
        review_text, category = batch[rid]
        label = row.get("sentiment") if row.get("sentiment") in LABELS else "neutral"
        try:
            score = max(-1.0, min(1.0, float(row.get("score", 0.0))))
        except (TypeError, ValueError):
            score = 0.0
        aspects = []
        allowed = set(aspects_for(category)) | {"other"}
        for a in row.get("aspects") or []:
            if not isinstance(a, dict):
                continue
            name = normalise_aspect(str(a.get("aspect", "")), allowed)
            polarity = a.get("polarity") if a.get("polarity") in LABELS else "neutral"
            snippet = verbatim(str(a.get("snippet", "")), review_text)
            if name and snippet:
                aspects.append(AspectMention(name, polarity, snippet))
        mentions = [m for m in (str(x).strip() for x in row.get("mentions") or []) if m and m.lower() in review_text.lower()]
        out[rid] = LLMReview(label, round(score, 4), aspects, mentions)
    return out


def normalise_aspect(raw: str, allowed: set[str]) -> str | None:
    key = raw.strip().lower()
    key = _ALIASES.get(key, key)
    if key in allowed:
        return key
    for name in allowed:
        if key and (key in name.split("/") or name.startswith(key)):
            return name
    return "other" if key else None


def verbatim(snippet: str, text: str, max_len: int = 160) -> str | None:
    """The snippet as it appears in ``text`` (case/space-insensitive match), or None if the model invented it."""
    s = " ".join(snippet.split()).strip(" .\"'")
    if not s:
        return None
    pattern = r"\s+".join(re.escape(w) for w in s.split(" "))
    m = re.search(pattern, text, re.I)
    return text[m.start():m.end()][:max_len] if m else None
