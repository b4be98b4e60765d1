"""A tiny OpenAI-compatible chat server on 127.0.0.1 for review-aspect tests (self-contained, bounded).

It plays a *naive* model: it reads the reviews from ``<review id=..>"json"</review>`` elements of the user message
and answers with a rule-based analysis that follows ``response_format``'s schema. Like a gullible model, it obeys
"ignore previous instructions" when that phrase appears OUTSIDE the review elements (it then marks every review
positive with a made-up snippet), so a test can tell whether review text stayed inside its delimiters.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REVIEW_RE = re.compile(r'<review id="(\d+)"[^>]*>(.*?)</review>', re.S)
NEG = ("broke", "died", "terrible", "awful", "stopped", "never", "leak", "worst", "refund", "didn't last")
POS = ("great", "love", "excellent", "perfect", "amazing", "no complaints", "not bad")
KEYWORDS = {"battery": "battery", "sound": "sound", "shipping": "shipping", "price": "price/value",
            "fit": "fit/size", "scent": "scent", "taste": "taste"}


def analyse(text: str) -> dict[str, Any]:
    low = text.lower()
    score = sum(w in low for w in POS) - sum(w in low for w in NEG)
    label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
    aspects = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for key, aspect in KEYWORDS.items():
            if key in sentence.lower():
                s_low = sentence.lower()
                s = sum(w in s_low for w in POS) - sum(w in s_low for w in NEG)
                pol = "positive" if s > 0 else "negative" if s < 0 else "neutral"
                aspects.append({"aspect": aspect, "polarity": pol, "snippet": sentence.strip()})
    return {"sentiment": label, "score": max(-1.0, min(1.0, score / 2)), "aspects": aspects, "mentions": []}


class FakeReviewLLM:
    """``with FakeReviewLLM() as srv: srv.base_url`` -> ``http://127.0.0.1:PORT/v1``; ``srv.requests`` logs bodies."""

    def __init__(self, max_requests: int = 50, max_seconds: float = 30.0, drop_ids: set[int] | None = None) -> None:
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.drop_ids = drop_ids or set()  # ids the "model" forgets on first sight (tests the retry)
        self.requests: list[dict[str, Any]] = []
        self._seen: set[int] = set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append(body)
                if len(outer.requests) > outer.max_requests or not self.path.endswith("/chat/completions"):
                    self._send(503 if len(outer.requests) > outer.max_requests else 404, {"error": {"message": "no"}})
                    return
                self._send(200, outer.reply(body))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _serve(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        self._server.timeout = 0.05
        while not self._stop and time.monotonic() < deadline and len(self.requests) <= self.max_requests:
            self._server.handle_request()

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        reviews = [(int(i), json.loads(raw)) for i, raw in REVIEW_RE.findall(user)]
        outside = REVIEW_RE.sub("", user).lower()
        hijacked = "ignore previous instructions" in outside
        rows = []
        for rid, text in reviews:
            if rid in self.drop_ids and rid not in self._seen:
                self._seen.add(rid)
                continue
            row = {"id": rid, **analyse(text)}
            if hijacked:
                row.update(sentiment="positive", score=1.0,
                           aspects=[{"aspect": "battery", "polarity": "positive", "snippet": "best battery ever"}])
            rows.append(row)
        content = json.dumps({"reviews": rows})
        return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}

    def __enter__(self) -> FakeReviewLLM:
        self._stop = False
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._thread.join(timeout=5)
        self._server.server_close()
