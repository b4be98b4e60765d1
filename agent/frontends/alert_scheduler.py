"""The alert scheduler inside the server process (APScheduler's BackgroundScheduler, one worker thread): the
default watch on ``watch_schedule``, each monitor on its own cron schedule, digests on theirs. Every job opens its
own warehouse context and state store and goes through the same ``run_once`` as `shoplens alerts run --once`, so
what it sends is recorded and never sent twice, even across restarts."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
from typing import Any

from shoplens.agent.config import Settings

log = logging.getLogger("shoplens.alerts")


class AlertScheduler:
    def __init__(self, settings: Settings, slack_client: Any | None = None) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.settings, self.slack_client = settings, slack_client
        self.scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(1)},
                                             job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": 3600})

    def start(self) -> list[str]:
        """Add the jobs from monitors.yaml and start; returns the job ids."""
        from apscheduler.triggers.cron import CronTrigger

        from shoplens.tools.alerts.monitors import load_monitors

        config = load_monitors(self.settings.alerts_monitors)
        groups: dict[str, list[str]] = {}
        for m in config.monitors:
            if m.enabled:
                groups.setdefault(m.schedule, []).append(m.name)
        if config.default_watch:
            groups.setdefault(config.watch_schedule, [])
        for cron, names in groups.items():
            watch = config.default_watch and cron == config.watch_schedule
            self.scheduler.add_job(self.run_alerts, CronTrigger.from_crontab(cron), args=[names, watch],
                                   id=f"alerts:{cron}", replace_existing=True)
        for d in config.digests:
            self.scheduler.add_job(self.run_digest, CronTrigger.from_crontab(d.schedule), args=[d.period, d.channels],
                                   id=f"digest:{d.name}", replace_existing=True)
        self.scheduler.start()
        return [j.id for j in self.scheduler.get_jobs()]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.scheduler.shutdown(wait=False)

    def _open(self) -> tuple[Any, Any]:
        from shoplens.tools.alerts.state import StateStore
        from shoplens.tools.context import ToolContext

        s = self.settings
        ctx = ToolContext.open(s.db_path, s.charts_path, timeout_s=max(s.sql_timeout_s, 120.0),
                               memory_limit=s.sql_memory_limit, threads=s.sql_threads)
        return ctx, StateStore(s.alerts_state)

    def run_alerts(self, names: list[str], watch: bool) -> dict[str, Any] | None:
        from shoplens.agent.frontends.alert_delivery import senders
        from shoplens.data.errors import ShopLensError
        from shoplens.tools.alerts.engine import run_once
        from shoplens.tools.alerts.monitors import load_monitors

        try:
            config = load_monitors(self.settings.alerts_monitors)
            config = config.model_copy(update={"default_watch": watch,
                                               "monitors": [m for m in config.monitors if m.name in names]})
            ctx, store = self._open()
            try:
                return run_once(ctx, config, store, ctx.as_of, senders(self.settings, self.slack_client),
                                self.settings.charts_path)
            finally:
                store.close()
                ctx.close()
        except ShopLensError as exc:
            log.warning("alert run failed: %s", exc)
            return None

    def run_digest(self, period: str, channels: list[str]) -> dict[str, Any] | None:
        from shoplens.agent.frontends.alert_delivery import senders
        from shoplens.data.errors import ShopLensError
        from shoplens.tools.alerts.digest import digest
        from shoplens.tools.alerts.engine import deliver

        try:
            ctx, store = self._open()
            try:
                d = digest(ctx, period, ctx.as_of, store.incident_rows("open"), self.settings.charts_path)
                day = dt.date.fromisoformat(d["end"])
                msgs = [{"key": hashlib.sha1(f"digest|{period}|{d['end']}|{c}".encode()).hexdigest()[:20],
                         "channel": c, "what": "digest", "payload": digest_payload(d)} for c in channels]
                store.record(day, [], msgs, [])
                return deliver(store, senders(self.settings, self.slack_client))
            finally:
                store.close()
                ctx.close()
        except ShopLensError as exc:
            log.warning("digest failed: %s", exc)
            return None


def digest_payload(d: dict[str, Any]) -> dict[str, Any]:
    """A digest in the shape every sender understands (title, why lines, chart, numbers)."""
    title = f"{'Daily' if d['period'] == 'day' else 'Weekly'} digest {d['start']}" + \
        ("" if d["start"] == d["end"] else f" to {d['end']}")
    numbers = {k: v["value"] for k, v in d["kpis"].items()}
    return {"incident_id": f"digest-{d['end']}", "what": "digest", "title": title, "severity": "info", "impact": 0.0,
            "date": d["end"], "why": d["text"], "evidence_numbers": numbers, "sql": d.get("sql"),
            "chart": d.get("chart")}
