"""`shoplens llm check`: probe the configured endpoint through exactly the client every question uses.

The chat model comes from :func:`build_chat_model` (the same settings, SDK, timeout and retries as ``ask``), the
model list from that client's own SDK object, the tool-call round trip is a streamed call with a tool bound, as
in the agent, and failures are described by :mod:`shoplens.agent.llm.failures`, so ``check`` cannot pass while
``ask`` fails for a reason a probe can see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shoplens.agent.llm.failures import Endpoint, ModelClock, client_error, describe, run_with_deadline
from shoplens.data.errors import ModelUnavailable

if TYPE_CHECKING:
    from shoplens.agent.config import Settings

TOOL_CHOICE_HINT = ("Start vLLM with --enable-auto-tool-choice --tool-call-parser hermes (llama3_json for Llama "
                    "3.x), e.g. `shoplens llm serve`.")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""


@dataclass
class Report:
    base_url: str
    model: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str, hint: str | None = "") -> bool:
        self.checks.append(Check(name, ok, detail, hint or ""))
        return ok

    def to_dict(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "model": self.model, "ok": self.ok,
                "checks": [c.__dict__ for c in self.checks]}


def query_metric(metric: str, start: str | None = None, end: str | None = None) -> str:
    """Compute a business metric for a period.

    Args:
        metric: Metric name, e.g. revenue.
        start: First day, YYYY-MM-DD.
        end: Last day, YYYY-MM-DD.
    """
    return ""


PROBE_MESSAGES = [("system", "You answer by calling tools."),
                  ("user", "What was revenue from 2025-01-01 to 2025-01-31? Use the query_metric tool.")]


def probe(settings: Settings) -> Report:
    """Reachable? Serving the configured model? Does a streamed tool-call round trip work? Each failed step says
    what is wrong in the same words a question would get, and what to do."""
    from shoplens.agent.llm.model import build_chat_model

    ep = Endpoint(url=(settings.llm_base_url or "").rstrip("/"), model=settings.llm_model,
                  timeout_s=settings.llm_timeout_s)
    report = Report(ep.url, ep.model)
    try:
        chat = build_chat_model(settings)
    except Exception as exc:  # noqa: BLE001 - reported, as ask would
        report.add("client", False, client_error(exc, ep).message, "Check SHOPLENS_LLM_BASE_URL.")
        return report

    try:
        listed = _with_deadline(lambda: chat.root_client.models.list(), ep)
    except ModelUnavailable as exc:
        report.add("reachable", False, exc.message, exc.hint)
        return report
    except Exception as exc:  # noqa: BLE001
        kind, message, hint = describe(exc, ep)
        if kind == "model":  # GET /models itself answered 404: the path is wrong
            message, hint = f"{ep.url}/models does not exist (HTTP 404)", "The base URL usually ends in /v1."
        report.add("reachable", False, message, hint)
        return report
    served = [str(getattr(m, "id", m)) for m in getattr(listed, "data", []) or []]
    report.add("reachable", True, f"{ep.url} answers; it serves: {', '.join(served) or '(nothing)'}")
    if ep.model not in served:
        report.add("model name", False, f"SHOPLENS_LLM_MODEL is '{ep.model}' but the server serves "
                                        f"{', '.join(served) or 'no model'}",
                   f"Set SHOPLENS_LLM_MODEL={served[0] if served else '<name>'} or start vLLM with "
                   f"--served-model-name {ep.model}.")
        return report
    report.add("model name", True, f"'{ep.model}' is served")

    try:
        message = _with_deadline(lambda: _stream_once(chat), ep)
    except ModelUnavailable as exc:
        report.add("tool calling", False, exc.message.replace("did not answer within",
                                                              "took longer than"), exc.hint)
        return report
    except Exception as exc:  # noqa: BLE001
        kind, text, hint = describe(exc, ep)
        if kind == "tools-off":
            text = f"tool calling is not enabled (HTTP 400: {text.split('(', 1)[-1]}"
        report.add("tool calling", False, text, hint)
        return report
    _judge_tool_call(report, message)
    return report


def _stream_once(chat: Any) -> Any:
    """One streamed call with the probe tool bound, aggregated like the agent does."""
    bound = chat.bind_tools([query_metric], tool_choice="auto")
    total = None
    for chunk in bound.stream(PROBE_MESSAGES):
        total = chunk if total is None else total + chunk
    return total


def _with_deadline(fn: Any, ep: Endpoint) -> Any:
    clock = ModelClock()
    clock.start()
    result = list(run_with_deadline(lambda: iter([fn()]), clock, ep))
    return result[0]


def _judge_tool_call(report: Report, message: Any) -> None:
    calls = list(getattr(message, "tool_calls", []) or [])
    content = getattr(message, "content", "") or ""
    content = content if isinstance(content, str) else json.dumps(content)
    raw = [c.get("args") for c in getattr(message, "tool_call_chunks", []) or []]
    if calls:
        call = calls[0]
        args = call.get("args") or {}
        if "__invalid_arguments__" in args:
            report.add("tool calling", False, "the tool call's arguments are not a JSON object: "
                                              f"{args['__invalid_arguments__']!r}",
                       "ShopLens recovers from this with retries, but a larger or better instruction-tuned model "
                       "will answer more reliably.")
        else:
            report.add("tool calling", True, f"the model called {call['name']}({json.dumps(args)})")
    elif raw and any(raw):
        report.add("tool calling", False, f"the tool call's arguments are not a JSON object: {raw[0]!r}")
    elif "<tool_call>" in content or '"arguments"' in content:
        report.add("tool calling", False, "the model wrote its tool call as plain text; the server did not parse it",
                   "Use --tool-call-parser hermes for Qwen2.5/Hermes models (llama3_json for Llama 3.x). ShopLens "
                   "recovers Hermes text calls, but the parser is more reliable.")
    else:
        report.add("tool calling", False, f"the model answered without calling the tool: {content[:120]!r}",
                   "Small models sometimes ignore tools; ShopLens needs one that calls them (Qwen2.5-7B-Instruct "
                   "or larger).")
