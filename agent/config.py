"""One typed settings object, built once from defaults < TOML file < environment, then passed down.

This is the only module that reads ``os.environ``. Tools and data code receive plain values from it.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from shoplens.data.errors import UserInputError

ENGINES = ("duckdb", "spark")


def _default_home() -> Path:
    return Path("~/.shoplens").expanduser()


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Field ``x`` is read from env ``SHOPLENS_X`` (unless ``env`` metadata says otherwise)
    or from key ``x`` in the TOML file (``SHOPLENS_CONFIG`` or ``<home>/config.toml``)."""

    home: Path = field(default_factory=_default_home)
    db: Path | None = None  # default: <home>/shoplens.duckdb
    charts_dir: Path | None = None  # default: <home>/charts
    results: Path | None = None  # results store (batch forecasts), never the warehouse; default <home>/results.duckdb
    debug: bool = False  # show tracebacks for unexpected errors
    demo_scale: float = 1.0
    demo_seed: int = 42
    currency: str = "USD"  # the shop's currency (ISO code such as CNY, or a symbol): amounts are written with it
    # SQL runner limits
    sql_timeout_s: float = 10.0
    sql_row_cap: int = 10_000
    sql_memory_limit: str = "4GB"  # hard cap on each SQL worker process (address space)
    sql_threads: int = 2
    sql_workers: int = 0  # SQL worker processes a server may run at once; 0 = one per core (at least 2)
    sql_cache_mb: int = 64  # results of repeated statements, kept until the warehouse file is replaced; 0 = off
    # Warehouse engine: duckdb (the file at ``db``) or spark (Parquet tables under ``spark_warehouse``, or the
    # catalog's tables, through Spark Connect at ``spark_remote`` or a local session on ``spark_master``)
    engine: str = "duckdb"
    spark_remote: str | None = field(default=None, metadata={"secret": True})  # sc://host:15002[/;token=...]
    spark_master: str = "local[2]"
    spark_warehouse: Path | None = None
    # LLM endpoint (vLLM OpenAI-compatible server)
    llm_base_url: str | None = None
    llm_model: str = "shoplens-qwen2.5-7b"
    llm_api_key: str = "EMPTY"
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 1
    llm_max_steps: int = 8
    llm_temperature: float = 0.0
    # reviews
    sentiment_model: str | None = None
    # UI / API
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    ui_auth: str | None = None  # "user:password"
    api_token: str | None = None
    ui_concurrency: int = 8
    chart_workers: int = -1  # chart drawing processes; -1 = one per core on a server, in process for the CLI
    charts_keep_days: float = 7.0  # the charts folder keeps files this long ...
    charts_max_mb: int = 500  # ... and at most this much (the oldest go first)
    # Slack
    slack_bot_token: str | None = field(default=None, metadata={"env": "SLACK_BOT_TOKEN", "secret": True})
    slack_app_token: str | None = field(default=None, metadata={"env": "SLACK_APP_TOKEN", "secret": True})
    slack_signing_secret: str | None = field(
        default=None, metadata={"env": "SLACK_SIGNING_SECRET", "secret": True}
    )
    slack_api_url: str = "https://slack.com/api/"
    slack_allowed_channels: tuple[str, ...] = ()
    slack_allowed_users: tuple[str, ...] = ()
    slack_rate_limit_per_min: int = 10
    slack_answer_timeout_s: float = 120.0
    # Alerts: monitors.yaml and the state store live in the home unless set; email goes over this SMTP server
    alerts_monitors: Path | None = None  # default <home>/monitors.yaml
    alerts_state: Path | None = None  # default <home>/alerts.sqlite (never the warehouse)
    alerts_scheduler: bool = True  # run the alert scheduler inside `shoplens ui` / `shoplens slack`
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, metadata={"env": "SHOPLENS_SMTP_PASSWORD", "secret": True})
    smtp_starttls: bool = False
    smtp_from: str = "shoplens@localhost"

    def __post_init__(self) -> None:
        check_token(self.api_token)
        if self.engine not in ENGINES:
            raise UserInputError(f"SHOPLENS_ENGINE={self.engine!r} is not an engine ShopLens knows.",
                                 hint=f"Use one of: {', '.join(ENGINES)}.")
        if self.spark_warehouse is not None:
            object.__setattr__(self, "spark_warehouse", Path(self.spark_warehouse).expanduser())
        home = Path(self.home).expanduser()
        object.__setattr__(self, "home", home)
        object.__setattr__(self, "db", Path(self.db).expanduser() if self.db else home / "shoplens.duckdb")
        object.__setattr__(
            self, "charts_dir", Path(self.charts_dir).expanduser() if self.charts_dir else home / "charts"
        )
        object.__setattr__(
            self, "results", Path(self.results).expanduser() if self.results else home / "results.duckdb"
        )
        object.__setattr__(self, "alerts_monitors",
                           Path(self.alerts_monitors).expanduser() if self.alerts_monitors else home / "monitors.yaml")
        object.__setattr__(self, "alerts_state",
                           Path(self.alerts_state).expanduser() if self.alerts_state else home / "alerts.sqlite")

    @property
    def db_path(self) -> Path:
        assert self.db is not None
        return self.db

    @property
    def results_path(self) -> Path:
        assert self.results is not None
        return self.results

    @property
    def charts_path(self) -> Path:
        assert self.charts_dir is not None
        return self.charts_dir

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def public_dict(self) -> dict[str, Any]:
        """Settings with secrets masked, for logs and health checks."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            secret = f.metadata.get("secret") or f.name in {"llm_api_key", "api_token", "ui_auth"}
            out[f.name] = ("***" if value else None) if secret and value not in (None, "EMPTY") else value
            if isinstance(value, Path):
                out[f.name] = str(value)
        return out

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, config_file: Path | None = None, **overrides: Any) -> Settings:
        """Build settings: defaults, then the TOML file, then environment variables, then explicit overrides."""
        env = os.environ if env is None else env
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        home = Path(overrides.get("home") or env.get("SHOPLENS_HOME") or _default_home()).expanduser()
        path = config_file or (Path(env["SHOPLENS_CONFIG"]) if env.get("SHOPLENS_CONFIG") else home / "config.toml")
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise UserInputError(f"Cannot read config file {path}: {exc}.", hint="Fix the TOML or remove it.") from exc
            data = data.get("shoplens", data)
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(data) - known)
            if unknown:
                raise UserInputError(
                    f"Unknown setting(s) in {path}: {', '.join(unknown)}.",
                    hint=f"Known settings: {', '.join(sorted(known))}.",
                )
            for key, raw in data.items():
                values[key] = _coerce(key, raw, hints[key])
        for f in fields(cls):
            name = f.metadata.get("env", f"SHOPLENS_{f.name.upper()}")
            if name in env and env[name] != "":
                values[f.name] = _coerce(name, env[name], hints[f.name])
        for key, raw in overrides.items():
            if raw is not None:
                values[key] = _coerce(key, raw, hints[key])
        return cls(**values)


MIN_TOKEN_CHARS = 32


def check_token(token: str | None) -> None:
    """Refuse API tokens a guess or a brute force could find: at least 32 characters, not a repeated pattern."""
    if not token:
        return
    if len(token) < MIN_TOKEN_CHARS or len(set(token)) < 10:
        why = f"only {len(token)} characters" if len(token) < MIN_TOKEN_CHARS else "too few different characters"
        raise UserInputError(
            f"SHOPLENS_API_TOKEN is too weak ({why}; it must be at least {MIN_TOKEN_CHARS} random characters).",
            hint="Generate one with `shoplens token` and set SHOPLENS_API_TOKEN to it.",
        )


def _coerce(name: str, raw: Any, hint: Any) -> Any:
    text = str(hint)
    try:
        if "tuple" in text:
            if isinstance(raw, str):
                return tuple(p.strip() for p in raw.split(",") if p.strip())
            return tuple(str(p) for p in raw)
        if "Path" in text:
            return Path(str(raw)).expanduser()
        if "bool" in text:
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if "float" in text:
            return float(raw)
        if "int" in text:
            return int(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise UserInputError(f"Setting {name}={raw!r} is not a valid {text}.", hint="Fix the value.") from exc
