"""Monitors from chat and Slack in plain words: the request is turned into a monitor (``tools/alerts/words.py``),
shown for confirmation, and saved to monitors.yaml only after a "yes" in the same conversation. The same
deterministic reading is used in both answer modes (the LLM is not asked to write monitors)."""

from __future__ import annotations

from pathlib import Path

import yaml

from shoplens.agent.events import Event, TextDelta
from shoplens.agent.sessions import Session
from shoplens.data.errors import UserInputError
from shoplens.data.semantic import SemanticLayer

PENDING = "pending_monitor"


def handle(question: str, sess: Session, monitors_path: Path, semantic: SemanticLayer) -> list[Event] | None:
    """Events answering ``question`` when it is about a monitor (a request, or the yes/no to a proposal);
    None when the question is for the analyst."""
    from shoplens.tools.alerts.words import is_confirmation, is_request, monitor_from_words

    pending = sess.planner_state.pop(PENDING, None)  # a proposal lives for one turn: the next message decides
    if pending is not None:
        answer = is_confirmation(question)
        if answer is not None:
            return [TextDelta(_save(monitors_path, pending) if answer else "Dropped; nothing was saved.")]
    if not is_request(question):
        return None
    try:
        spec = monitor_from_words(question, semantic)
    except UserInputError as exc:
        return [TextDelta(f"I can set that up, but: {exc}")]
    data = spec.model_dump(mode="json")
    kind = "digest" if "period" in data else "monitor"
    sess.planner_state[PENDING] = {"kind": kind, "spec": data}
    shown = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip()
    return [TextDelta(f"Here is the {kind} I would save to monitors.yaml:\n\n```yaml\n{shown}\n```\n\n"
                      "Reply **yes** to save it, or **no** to drop it.")]


def _save(path: Path, pending: dict) -> str:
    from shoplens.tools.alerts.monitors import DigestSpec, load_monitors, parse_monitor, save_monitors

    config = load_monitors(path)
    if pending["kind"] == "digest":
        d = DigestSpec.model_validate(pending["spec"])
        config.digests = [x for x in config.digests if x.name != d.name] + [d]
        name = d.name
    else:
        m = parse_monitor(pending["spec"])
        config.monitors = [x for x in config.monitors if x.name != m.name] + [m]
        name = m.name
    save_monitors(path, config)
    return (f"Saved **{name}** to monitors.yaml. The server's scheduler picks it up at its next start; "
            "`shoplens alerts test` tries it now.")
