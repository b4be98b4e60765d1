"""The side panel's texts: which brain answers (from what the last real model call saw), the data's period and row
counts (``StatusCache`` refreshes them), and what to say while the warehouse cannot answer."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst

log = logging.getLogger("shoplens.ui")

STATUS_TTL_S = 30.0


class StatusCache:
    """``Analyst.status()`` for the side panel, refreshed at most every ``STATUS_TTL_S`` seconds."""

    def __init__(self, analyst: Analyst) -> None:
        self.analyst = analyst
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._at = 0.0
        self._generation = -1

    def get(self) -> dict[str, Any]:
        generation = self.analyst.warehouse_generation()  # a replaced warehouse shows at once, not after the TTL
        with self._lock:
            if self._value is None or time.monotonic() - self._at > STATUS_TTL_S or generation != self._generation:
                self._value = self.analyst.status()
                self._at = time.monotonic()
                self._generation = self.analyst.warehouse_generation()
            value = dict(self._value)
        value["mode"] = self.analyst.mode()  # cheap and changes when the model goes away or comes back
        return value

    def panel(self) -> tuple[str, str]:
        try:
            status = self.get()
        except Exception as exc:  # noqa: BLE001 - the panel reports; the chat still explains on its own
            log.warning("status failed: %s", exc)
            return panel_error(exc), ""
        return status_light(status), data_panel(status)

def status_light(status: dict[str, Any]) -> str:
    """One line: which brain answers, from what the last real model call saw (not from the configuration)."""
    llm = status.get("llm") or {}
    model = llm.get("model")
    state = llm.get("state")
    if state == "ok":
        took = (llm.get("last_call") or {}).get("seconds")
        return f"🟢 **LLM answering** · `{model}`" + (f" · last answer in {took:g} s" if took is not None else "")
    if state == "untested":
        return f"🟡 **LLM configured** · `{model}` — not asked yet; the offline planner steps in if it fails"
    if state == "down":
        why = str(llm.get("last_error") or "it failed")
        retry = llm.get("retry_in_s") or 0
        when = f"; trying it again in {retry} s" if retry else "; the next question tries it again"
        return f"🟠 **LLM unavailable** · `{model}` — {why}. The offline planner answers{when}."
    return "⚪ **Offline planner** · no language model configured (set `SHOPLENS_LLM_BASE_URL` to add one)"


def data_panel(status: dict[str, Any]) -> str:
    wh = status.get("warehouse") or {}
    tables = wh.get("tables") or {}
    lines = [
        f"**Data** {wh.get('first_date', '?')} → {wh.get('as_of', '?')}  ",
        f"**As of** {wh.get('as_of', '?')}",
        "",
        "| table | rows |",
        "|:--|--:|",
    ]
    lines += [f"| {name} | {int(n):,} |" for name, n in tables.items()]
    return "\n".join(lines)


def unavailable_text(exc: Any) -> str:
    """The chat's reply while the warehouse cannot answer (a job holds or replaces it)."""
    hint = f" {exc.hint}" if getattr(exc, "hint", None) else ""
    return f"⏳ **Not answered:** {exc.message}{hint} Ask again in about {int(exc.retry_after_s)} s."


def panel_error(exc: Exception) -> str:
    from shoplens.data.redact import redact_paths

    return f"🔴 **Warehouse unavailable** — {redact_paths(str(exc))}"
