"""Settings: defaults < TOML < environment < explicit overrides; bad values get clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoplens.agent.config import Settings
from shoplens.data.errors import UserInputError


def test_defaults_live_under_home(tmp_path: Path) -> None:
    s = Settings.load(env={"SHOPLENS_HOME": str(tmp_path)})
    assert s.db_path == tmp_path / "shoplens.duckdb"
    assert s.charts_path == tmp_path / "charts"
    assert not s.llm_configured


def test_toml_then_env_then_overrides(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[shoplens]\nsql_timeout_s = 3\nllm_model = "from-toml"\nslack_allowed_channels = ["C1", "C2"]\n')
    env = {"SHOPLENS_HOME": str(tmp_path), "SHOPLENS_LLM_MODEL": "from-env", "SHOPLENS_SQL_ROW_CAP": "500"}
    s = Settings.load(env=env)
    assert s.sql_timeout_s == 3.0 and s.llm_model == "from-env" and s.sql_row_cap == 500
    assert s.slack_allowed_channels == ("C1", "C2")
    assert Settings.load(env=env, llm_model="override").llm_model == "override"


def test_slack_tokens_use_slack_names_and_are_masked(tmp_path: Path) -> None:
    s = Settings.load(env={"SHOPLENS_HOME": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-secret"})
    assert s.slack_bot_token == "xoxb-secret"
    assert "xoxb-secret" not in str(s.public_dict())


def test_bad_value_and_unknown_key_are_explained(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="SHOPLENS_SQL_TIMEOUT_S"):
        Settings.load(env={"SHOPLENS_HOME": str(tmp_path), "SHOPLENS_SQL_TIMEOUT_S": "soon"})
    (tmp_path / "config.toml").write_text("sql_timout_s = 3\n")
    with pytest.raises(UserInputError, match="sql_timout_s"):
        Settings.load(env={"SHOPLENS_HOME": str(tmp_path)})
