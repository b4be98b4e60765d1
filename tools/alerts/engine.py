"""One alert run: detect (default watch + monitors) as of a day, record incidents and queue messages in the state
store, then deliver. ``run_once`` is what `shoplens alerts run --once` and the server's scheduler call.

Senders are passed in (``{"slack": ..., "email": ..., "webhook": ..., "ui": ...}``): each is a callable
``send(target, payload) -> external id``; front ends provide Slack, this package the rest (``channels.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from shoplens.data.errors import ShopLensError
from shoplens.tools.alerts import chart
from shoplens.tools.alerts.evaluate import HISTORY_DAYS, evaluate
from shoplens.tools.alerts.findings import Finding
from shoplens.tools.alerts.incidents import Incident, IncidentBook
from shoplens.tools.alerts.monitors import MonitorsFile
from shoplens.tools.alerts.panel import Panel, load_panel
from shoplens.tools.alerts.state import StateStore
from shoplens.tools.alerts.watch import DefaultWatch, event_days
from shoplens.tools.context import ToolContext

Sender = Callable[[str, dict[str, Any]], "str | None"]


def detect(ctx: ToolContext, config: MonitorsFile, day: dt.date) -> tuple[list[Finding], Panel, list[str]]:
    """Findings on ``day`` from the default watch (when on) and every enabled monitor; monitor errors are
    returned as warnings, never raised."""
    panel = load_panel(ctx.runner, day, start=day - dt.timedelta(days=HISTORY_DAYS))
    findings: list[Finding] = []
    if config.default_watch:
        watch = DefaultWatch(panel, event_days(ctx.semantic.events, panel.days[0].date(), day))
        findings += watch.scan(panel.index_of(day))
    warnings: list[str] = []
    for m in config.monitors:
        if not m.enabled:
            continue
        try:
            findings += evaluate(ctx, m, day, panel)
        except ShopLensError as exc:
            warnings.append(f"Monitor {m.name!r}: {exc}")
    return findings, panel, warnings


def channels_for(inc: Incident, config: MonitorsFile) -> list[str]:
    """Every channel any of the incident's findings asks for (monitors name theirs; the watch uses the defaults)."""
    out: list[str] = []
    for f in inc.findings.values():
        name = f.evidence.get("monitor")
        wanted = next((m.channels for m in config.monitors if m.name == name), config.default_channels) if name \
            else config.default_channels
        out += [c for c in wanted if c not in out]
    return out


SQL_METRICS = {"orders": "orders", "units": "units", "revenue": "revenue", "return_rate": "return_rate",
               "avg_price": "avg_price", "negative_review_share": "negative_share"}


def evidence_sql(ctx: ToolContext, f: Finding) -> str | None:
    """The SQL a reader can run to see the finding's series (the last 8 weeks, daily), when the semantic layer
    has the metric."""
    from shoplens.tools.query import MetricQuery, compile_query

    if f.evidence.get("sql"):
        return str(f.evidence["sql"])
    metric = SQL_METRICS.get(f.metric)
    try:
        if metric is None or metric not in ctx.semantic.metrics:
            return None
        q = MetricQuery(metric, filters={k: [v] for k, v in f.filters.items()}, start=f.date - dt.timedelta(days=55),
                        end=f.date, grain="day", order="period")
        return compile_query(q, ctx.semantic)
    except ShopLensError:
        return None


def payload(inc: Incident, what: str, chart_path: Path | None, sql: str | None = None) -> dict[str, Any]:
    h = inc.headline
    return {"incident_id": inc.id, "what": what, **inc.alert(), "why": h.why, "evidence_numbers": h.evidence,
            "sql": sql, "chart": str(chart_path) if chart_path else None,
            "findings": [f.title for f in inc.findings.values()][:8], "updates": inc.updates}


def _chart(panel: Panel, inc: Incident, charts_dir: Path) -> Path | None:
    from shoplens.tools.alerts.series import build_series

    h = inc.headline
    s = build_series(panel)
    rows = [i for i, (m, f) in enumerate(zip(s.metric, s.filters, strict=True)) if f == h.filters]
    if not rows:
        return None
    i = rows[0]
    days = panel.days[-56:]
    try:
        return chart.draw(charts_dir, h.title, days, s.y[i, -56:].astype(float), [days[-1]], h.expected if h.lo95
                          is not None else None, h.lo95, h.hi95)
    except (OSError, ValueError):
        return None


def run_once(ctx: ToolContext, config: MonitorsFile, store: StateStore, day: dt.date, senders: dict[str, Sender],
             charts_dir: Path, *, deliver_now: bool = True) -> dict[str, Any]:
    """Detect, record and deliver for ``day``. Returns ``{"date", "opened", "updated", "sent", "failed",
    "warnings"}``."""
    recovered = store.recover()
    findings, panel, warnings = detect(ctx, config, day)
    book = IncidentBook(store.open_incidents())
    before = {i.id for i in book.open}
    opened, updated = book.add(day, findings)
    closed = sorted(before - {i.id for i in book.open})
    messages = []
    for inc, what in [(i, "open") for i in opened] + [(i, "update") for i in updated]:
        status, snoozed = store.status_of(inc.id)
        if what == "update" and (status == "acked" or (snoozed and snoozed >= day.isoformat())):
            continue
        png, sql = _chart(panel, inc, charts_dir), evidence_sql(ctx, inc.headline)
        for channel in channels_for(inc, config):
            key = hashlib.sha1(f"{inc.id}|{day.isoformat()}|{channel}".encode()).hexdigest()[:20]
            messages.append({"key": key, "incident_id": inc.id, "channel": channel, "what": what,
                             "payload": payload(inc, what, png, sql)})
    store.record(day, opened + updated, messages, closed)
    result = {"date": day.isoformat(), "opened": [i.alert() for i in sorted(opened, key=lambda i: -i.impact)],
              "updated": [i.id for i in updated], "closed": closed, "warnings": warnings,
              "recovered_unknown": recovered}
    result.update(deliver(store, senders) if deliver_now else {"sent": 0, "failed": 0})
    store.finish_run(day, len(opened))
    return result


def deliver(store: StateStore, senders: dict[str, Sender]) -> dict[str, Any]:
    """Send every queued message once: claim, send, mark. A channel without a sender is skipped with a reason."""
    sent = failed = 0
    errors: list[str] = []
    for row in store.pending():
        kind, _, target = row["channel"].partition(":")
        sender = senders.get(kind)
        if not store.claim(row["key"]):
            continue
        if sender is None:
            store.finish(row["key"], error=f"{kind} delivery is not configured", skipped=True)
            continue
        try:
            external = sender(target, row["payload"])
        except Exception as exc:  # noqa: BLE001 - a failed send is recorded and retried, never fatal
            store.finish(row["key"], error=f"{type(exc).__name__}: {exc}"[:300])
            failed += 1
            errors.append(f"{row['channel']}: {type(exc).__name__}: {exc}"[:200])
            continue
        store.finish(row["key"], external_id=external)
        sent += 1
    return {"sent": sent, "failed": failed, "errors": errors}


def ranked(alerts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(alerts, key=lambda a: -float(np.nan_to_num(a.get("impact", 0.0))))
