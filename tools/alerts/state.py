"""The alert state store: incidents, acknowledgements, snoozes and what was sent, in SQLite beside (never inside)
the warehouse. Every change is one transaction, so a crash leaves the store as it was before or after it.

Sending follows an outbox: detection writes the incidents and one outbox row per (incident, day, channel) in one
transaction (a repeated row is ignored); delivery then *claims* a row (status ``sending``, committed) before it
sends and marks it ``sent`` after. A row found ``sending`` when a run starts was interrupted mid-send: it is marked
``unknown`` and never sent again, so nothing is sent twice after a crash (webhooks carry the row key as an
idempotency key for receivers that want to check). A send that failed cleanly is retried by the next runs, at most
``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shoplens.tools.alerts.incidents import Incident

MAX_ATTEMPTS = 3
SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, opened TEXT, last_seen TEXT, status TEXT DEFAULT 'open',
    acked_by TEXT, snoozed_until TEXT, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, incident_id TEXT, day TEXT, channel TEXT, what TEXT,
    payload TEXT NOT NULL, status TEXT DEFAULT 'pending', attempts INTEGER DEFAULT 0, error TEXT, external_id TEXT,
    created TEXT, sent_at TEXT);
CREATE TABLE IF NOT EXISTS runs (day TEXT, finished TEXT, alerts INTEGER);
"""


class StateStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=FULL")
        self._con.executescript(SCHEMA)

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield self._con
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    # incidents
    def open_incidents(self) -> list[Incident]:
        rows = self._con.execute("SELECT body FROM incidents WHERE status != 'closed'").fetchall()
        return [Incident.from_dict(json.loads(r[0])) for r in rows]

    def incident_rows(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        sql = "SELECT id, status, acked_by, snoozed_until, body FROM incidents"
        args: tuple[Any, ...] = ()
        if status:
            sql, args = sql + " WHERE status = ?", (status,)
        rows = self._con.execute(sql + " ORDER BY last_seen DESC, opened DESC LIMIT ?", (*args, limit)).fetchall()
        out = []
        for r in rows:
            inc = Incident.from_dict(json.loads(r[4]))
            out.append({"id": r[0], "status": r[1], "acked_by": r[2], "snoozed_until": r[3], **inc.alert(),
                        "last_seen": inc.last_seen.isoformat(), "updates": inc.updates,
                        "why": inc.headline.why, "evidence_numbers": inc.headline.evidence})
        return out

    def record(self, day: dt.date, incidents: list[Incident], messages: list[dict[str, Any]],
               closed: list[str]) -> None:
        """Save the incidents and queue their messages, in one transaction (messages already queued are kept)."""
        with self.transaction() as con:
            for inc in incidents:
                con.execute(
                    "INSERT INTO incidents (id, opened, last_seen, body) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO "
                    "UPDATE SET last_seen = excluded.last_seen, body = excluded.body",
                    (inc.id, inc.opened.isoformat(), inc.last_seen.isoformat(), json.dumps(inc.to_dict())))
            con.executemany("UPDATE incidents SET status = 'closed' WHERE id = ?", [(i,) for i in closed])
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            for m in messages:
                con.execute(
                    "INSERT OR IGNORE INTO outbox (key, incident_id, day, channel, what, payload, created) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (m["key"], m.get("incident_id"), day.isoformat(), m["channel"], m["what"], json.dumps(m["payload"]),
                     now))

    def status_of(self, incident_id: str) -> tuple[str, str | None]:
        row = self._con.execute("SELECT status, snoozed_until FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return (row[0], row[1]) if row else ("open", None)

    # delivery
    def recover(self) -> int:
        """Rows left ``sending`` by a crash become ``unknown`` (never resent). Returns how many."""
        with self.transaction() as con:
            return con.execute("UPDATE outbox SET status = 'unknown' WHERE status = 'sending'").rowcount

    def pending(self) -> list[dict[str, Any]]:
        rows = self._con.execute(
            "SELECT key, incident_id, channel, what, payload, attempts FROM outbox WHERE status IN ('pending', 'failed') "
            "AND attempts < ? ORDER BY created, key", (MAX_ATTEMPTS,)).fetchall()
        return [{"key": r[0], "incident_id": r[1], "channel": r[2], "what": r[3], "payload": json.loads(r[4]),
                 "attempts": r[5]} for r in rows]

    def claim(self, key: str) -> bool:
        with self.transaction() as con:
            return con.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE key = ? AND status "
                               "IN ('pending', 'failed')", (key,)).rowcount == 1

    def finish(self, key: str, *, external_id: str | None = None, error: str | None = None,
               skipped: bool = False) -> None:
        status = "skipped" if skipped else "failed" if error else "sent"
        with self.transaction() as con:
            con.execute("UPDATE outbox SET status = ?, error = ?, external_id = ?, sent_at = ? WHERE key = ?",
                        (status, error, external_id, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), key))

    def sent(self, channel: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT key, channel, what, status, external_id, payload FROM outbox"
        rows = self._con.execute(sql + (" WHERE channel = ?" if channel else "") + " ORDER BY created, key",
                                 (channel,) if channel else ()).fetchall()
        return [{"key": r[0], "channel": r[1], "what": r[2], "status": r[3], "external_id": r[4],
                 "payload": json.loads(r[5])} for r in rows]

    # people
    def ack(self, incident_id: str, who: str) -> bool:
        with self.transaction() as con:
            return con.execute("UPDATE incidents SET status = 'acked', acked_by = ? WHERE id = ? AND status != "
                               "'closed'", (who, incident_id)).rowcount == 1

    def snooze(self, incident_id: str, until: dt.date) -> bool:
        with self.transaction() as con:
            return con.execute("UPDATE incidents SET snoozed_until = ? WHERE id = ? AND status != 'closed'",
                               (until.isoformat(), incident_id)).rowcount == 1

    def finish_run(self, day: dt.date, alerts: int) -> None:
        with self.transaction() as con:
            con.execute("INSERT INTO runs VALUES (?, ?, ?)",
                        (day.isoformat(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), alerts))
