"""`shoplens llm serve` builds the right vLLM command and says clearly when it cannot run here; `shoplens llm check`
explains what is wrong with an endpoint (probed against the fake vLLM server)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from fakes.fake_vllm import FakeVllm, hang, hermes_in_text, invalid_arguments, text, tool_call
from typer.testing import CliRunner

from shoplens.agent.cli import cmd_llm


@pytest.fixture()
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SHOPLENS_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("SHOPLENS_LLM_MODEL", raising=False)
    app = typer.Typer()
    cmd_llm.register(app)

    @app.callback()
    def root() -> None:
        """ShopLens."""

    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
        return runner.invoke(app, list(args), env=env)

    return invoke


@pytest.fixture()
def fake() -> Iterator[FakeVllm]:
    with FakeVllm(max_seconds=20) as server:
        yield server


# --- serve -----------------------------------------------------------------------------------------------------------
def test_serve_command_for_one_gpu_and_tensor_parallel() -> None:
    one = cmd_llm.serve_command("Qwen/Qwen2.5-7B-Instruct", served_name="shoplens-qwen2.5-7b", host="0.0.0.0",
                                port=8000, tp=1, max_model_len=32768, gpu_memory_utilization=0.9)
    assert one[:3] == ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
    assert "--enable-auto-tool-choice" in one and one[one.index("--tool-call-parser") + 1] == "hermes"
    assert one[one.index("--served-model-name") + 1] == "shoplens-qwen2.5-7b"
    assert "--tensor-parallel-size" not in one
    four = cmd_llm.serve_command("meta-llama/Llama-3.1-70B-Instruct", served_name="big", host="0.0.0.0", port=9000,
                                 tp=4, max_model_len=None, gpu_memory_utilization=0.95, api_key="s3cret",
                                 extra=["--enforce-eager"])
    assert four[four.index("--tool-call-parser") + 1] == "llama3_json"
    assert four[four.index("--tensor-parallel-size") + 1] == "4" and four[-1] == "--enforce-eager"
    assert four[four.index("--api-key") + 1] == "s3cret" and "--max-model-len" not in four


def test_serve_dry_run_prints_the_command_and_client_settings(cli: Any) -> None:
    res = cli("llm", "serve", "--dry-run", "--port", "8123", "--served-name", "my-model", "--tp", "2", "--",
              "--enforce-eager")
    assert res.exit_code == 0, res.output
    assert ("vllm serve Qwen/Qwen2.5-7B-Instruct --served-model-name my-model --host 127.0.0.1 --port 8123 "
            "--enable-auto-tool-choice --tool-call-parser hermes") in res.output
    assert "--tensor-parallel-size 2" in res.output and "SHOPLENS_LLM_MODEL=my-model" in res.output
    assert "--enforce-eager" in res.output and "SHOPLENS_LLM_BASE_URL=http://127.0.0.1:8123/v1" in res.output


def test_serve_without_vllm_or_gpu_says_so_and_prints_the_command(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd_llm, "vllm_installed", lambda: False)
    monkeypatch.setattr(cmd_llm, "gpu_count", lambda: 0)
    res = cli("llm", "serve")
    assert res.exit_code == 4
    assert "vLLM is not installed here" in res.output and "no NVIDIA GPU is visible" in res.output
    assert "vllm serve Qwen/Qwen2.5-7B-Instruct" in res.output and "--enable-auto-tool-choice" in res.output
    assert "docs/deploy.md" in res.output


def test_serve_refuses_more_tensor_parallel_ranks_than_gpus(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd_llm, "vllm_installed", lambda: True)
    monkeypatch.setattr(cmd_llm, "gpu_count", lambda: 2)
    res = cli("llm", "serve", "--tp", "4")
    assert res.exit_code == 4 and "--tp 4 needs 4 GPUs but only 2 are visible" in res.output


def test_serve_hands_over_to_vllm_when_it_can_run(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, list[str]]] = []

    def fake_exec(path: str, argv: list[str]) -> None:
        calls.append((path, argv))
        raise SystemExit(0)

    monkeypatch.setattr(cmd_llm, "vllm_installed", lambda: True)
    monkeypatch.setattr(cmd_llm, "gpu_count", lambda: 1)
    monkeypatch.setattr(cmd_llm.shutil, "which", lambda name: f"/opt/bin/{name}")
    monkeypatch.setattr(cmd_llm.os, "execv", fake_exec)
    res = cli("llm", "serve", "--served-name", "shop")
    assert res.exit_code == 0, res.output
    (path, argv), = calls
    assert path == "/opt/bin/vllm" and argv[:3] == ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
    assert "--enable-auto-tool-choice" in argv and argv[argv.index("--served-model-name") + 1] == "shop"


# --- check -----------------------------------------------------------------------------------------------------------
def test_check_passes_on_a_working_endpoint(cli: Any, fake: FakeVllm) -> None:
    fake.enqueue(tool_call("query_metric", {"metric": "revenue", "start": "2025-01-01", "end": "2025-01-31"}))
    res = cli("llm", "check", "--base-url", fake.url, "--model", fake.model)
    assert res.exit_code == 0, res.output
    assert res.output.count("ok ") == 3 and "The endpoint is ready for ShopLens" in res.output
    probe = fake.requests[0]
    assert probe["tools"][0]["function"]["name"] == "query_metric" and probe["tool_choice"] == "auto"


def test_check_reads_the_endpoint_from_settings_and_prints_json(cli: Any, fake: FakeVllm) -> None:
    fake.enqueue(tool_call("query_metric", {"metric": "revenue"}))
    res = cli("llm", "check", "--json", env={"SHOPLENS_LLM_BASE_URL": fake.url, "SHOPLENS_LLM_MODEL": fake.model})
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["ok"] is True and [c["name"] for c in report["checks"]] == ["reachable", "model name",
                                                                             "tool calling"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("setup", "model", "expect"),
    [
        ("nothing-listening", None, ["nothing is listening at", "shoplens llm serve"]),
        ("no-v1", None, ["does not exist (HTTP 404)", "ends in /v1"]),
        ("wrong-model", "qwen-other", ["SHOPLENS_LLM_MODEL is 'qwen-other' but the server serves shoplens-test",
                                       "--served-model-name qwen-other"]),
        ("tools-off", None, ["tool calling is not enabled (HTTP 400", "--enable-auto-tool-choice --tool-call-parser"]),
        ("hermes-text", None, ["wrote its tool call as plain text", "--tool-call-parser hermes"]),
        ("bad-args", None, ["arguments are not a JSON object"]),
        ("no-call", None, ["answered without calling the tool"]),
        ("slow", None, ["took longer than 0.5 s"]),
    ],
)
def test_check_explains_what_is_wrong(cli: Any, setup: str, model: str | None, expect: list[str]) -> None:
    with FakeVllm(max_seconds=20, tool_calling=setup != "tools-off") as srv:
        url = srv.url
        if setup == "nothing-listening":
            url = f"http://127.0.0.1:{_closed_port()}/v1"
        elif setup == "no-v1":
            url = srv.url.removesuffix("/v1")
        srv.enqueue(*{"hermes-text": [hermes_in_text("query_metric", {"metric": "revenue"})],
                      "bad-args": [invalid_arguments("query_metric", '{"metric": revenue')],
                      "no-call": [text("Revenue was great.")],
                      "slow": [hang(5)]}.get(setup, []))
        # a refused connection is immediate; a short timeout would turn a busy machine's slow start into a
        # "did not answer" (seen once under load), so only the slow cases get 0.5 s
        timeout = "5" if setup == "nothing-listening" else "0.5"
        res = cli("llm", "check", "--base-url", url, "--model", model or srv.model, "--timeout", timeout)
    assert res.exit_code == 4, res.output
    assert "FAIL" in res.output
    for phrase in expect:
        assert phrase in " ".join(res.output.split()), res.output


def test_check_without_an_endpoint_says_how_to_set_one(cli: Any) -> None:
    res = cli("llm", "check")
    assert res.exit_code == 2 and "SHOPLENS_LLM_BASE_URL" in res.output
