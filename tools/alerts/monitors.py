"""``monitors.yaml``: the monitors and digests a shop configured, validated with pydantic, written atomically.

A monitor is a metric of the semantic layer with filters and a grain, a condition, a schedule (cron syntax) and
channels. The schema is documented in docs/alerts.md; ``example_yaml()`` prints a commented example.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shoplens.data.errors import UserInputError

CHANNEL_RE = re.compile(r"^(slack:[#@]?[\w.\-]+|email:[^@\s]+@[^@\s]+|webhook:https?://\S+|ui)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Threshold(_Strict):
    type: Literal["threshold"]
    op: Literal["above", "below"] = "above"
    value: float


class Change(_Strict):
    type: Literal["change"]
    vs: Literal["previous", "last_year"] = "previous"
    op: Literal["up", "down", "either"] = "either"
    pct: float = Field(20.0, gt=0, description="change in percent that triggers")


class ForecastBreach(_Strict):
    type: Literal["forecast"]
    level: Literal[95] = 95


class Anomaly(_Strict):
    type: Literal["anomaly"]
    z: float = Field(4.0, gt=0)


class NegativeReviews(_Strict):
    type: Literal["negative_reviews"]
    share: float = Field(0.3, gt=0, le=1, description="share of negative reviews over 14 days")


class TopComplaint(_Strict):
    type: Literal["top_complaint"]


class ReturnRate(_Strict):
    type: Literal["return_rate"]
    above: float = Field(0.08, gt=0, le=1)


class StockOut(_Strict):
    type: Literal["stockout"]


Condition = Annotated[Threshold | Change | ForecastBreach | Anomaly | NegativeReviews | TopComplaint | ReturnRate
                      | StockOut, Field(discriminator="type")]


def _check_channels(v: list[str]) -> list[str]:
    bad = [c for c in v if not CHANNEL_RE.match(c)]
    if bad:
        raise ValueError(f"unknown channel {bad[0]!r}: use slack:#channel, email:name@shop.com, "
                         "webhook:https://..., or ui")
    return v


class Monitor(_Strict):
    name: str = Field(min_length=1, max_length=80)
    metric: str = "revenue"
    filters: dict[str, str | list[str]] = Field(default_factory=dict)
    grain: Literal["day", "week", "month"] = "day"
    condition: Condition
    schedule: str = "0 8 * * *"
    channels: list[str] = Field(default_factory=lambda: ["ui"])
    enabled: bool = True

    _channels = field_validator("channels")(classmethod(lambda cls, v: _check_channels(v)))

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        if len(v.split()) != 5:
            raise ValueError(f"{v!r} is not a cron schedule (five fields: minute hour day month weekday)")
        return v

    def filter_lists(self) -> dict[str, list[str]]:
        return {k: [v] if isinstance(v, str) else list(v) for k, v in self.filters.items()}


class DigestSpec(_Strict):
    name: str = "digest"
    period: Literal["day", "week"] = "day"
    schedule: str = "0 8 * * *"
    channels: list[str] = Field(default_factory=lambda: ["ui"])

    _channels = field_validator("channels")(classmethod(lambda cls, v: _check_channels(v)))


class MonitorsFile(_Strict):
    version: Literal[1] = 1
    default_watch: bool = True
    default_channels: list[str] = Field(default_factory=lambda: ["ui"])
    watch_schedule: str = "0 7 * * *"
    monitors: list[Monitor] = Field(default_factory=list)
    digests: list[DigestSpec] = Field(default_factory=list)

    def monitor(self, name: str) -> Monitor:
        for m in self.monitors:
            if m.name == name:
                return m
        raise UserInputError(f"No monitor named {name!r}.",
                             hint=f"Known: {', '.join(m.name for m in self.monitors) or 'none yet'}.")


def load_monitors(path: Path) -> MonitorsFile:
    """The monitors file at ``path`` (an empty configuration when it does not exist)."""
    if not path.exists():
        return MonitorsFile()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return MonitorsFile.model_validate(raw)
    except yaml.YAMLError as exc:
        raise UserInputError(f"{path.name} is not valid YAML: {exc}.", hint="Fix the file or remove it.") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserInputError(f"{path.name}: {where}: {first['msg']}.", hint="See docs/alerts.md for the schema.") from None


def save_monitors(path: Path, config: MonitorsFile) -> None:
    """Write ``config`` to ``path`` atomically (a temporary file renamed over it)."""
    text = yaml.safe_dump(config.model_dump(mode="json", exclude_defaults=False), sort_keys=False, allow_unicode=True)
    atomic_write(path, text)


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_monitor(data: dict[str, Any]) -> Monitor:
    try:
        return Monitor.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserInputError(f"Monitor {where}: {first['msg']}.", hint="See docs/alerts.md for the schema.") from None
