"""`shoplens llm serve` (start vLLM's OpenAI-compatible server for ShopLens) and `shoplens llm check` (probe any
OpenAI-compatible endpoint and say what is wrong)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import typer

from shoplens.agent.cli import common

DEFAULT_MODEL = "Qwen/Qwen2.5-7B-Instruct"
TOOL_CHOICE_HINT = ("start vLLM with --enable-auto-tool-choice --tool-call-parser hermes (llama3_json for Llama 3.x), "
                    "e.g. `shoplens llm serve`")

llm_app = typer.Typer(help="Serve the language model with vLLM, or check an OpenAI-compatible endpoint.",
                      no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(llm_app, name="llm")


# --- serve ---------------------------------------------------------------------------------------------------------
def tool_parser_for(model: str) -> str:
    """vLLM's tool-call parser for a model: llama3_json for Llama 3.x, mistral for Mistral, hermes otherwise
    (Qwen2.5 and Hermes-style models)."""
    name = model.lower().replace("_", "-")
    if "llama-3" in name or "llama3" in name:
        return "llama3_json"
    if "mistral" in name or "mixtral" in name:
        return "mistral"
    return "hermes"


def serve_command(model: str, *, served_name: str, host: str, port: int, tp: int, max_model_len: int | None,
                  gpu_memory_utilization: float, tool_parser: str | None = None, api_key: str | None = None,
                  chat_template: str | None = None, extra: list[str] | None = None) -> list[str]:
    """The `vllm serve` command line ShopLens needs: tool calling on, a stable served name, sensible limits."""
    parser = tool_parser or tool_parser_for(model)
    cmd = ["vllm", "serve", model, "--served-model-name", served_name, "--host", host, "--port", str(port),
           "--enable-auto-tool-choice", "--tool-call-parser", parser,
           "--gpu-memory-utilization", f"{gpu_memory_utilization:g}"]
    if tp > 1:
        cmd += ["--tensor-parallel-size", str(tp)]
    if max_model_len:
        cmd += ["--max-model-len", str(max_model_len)]
    if chat_template:
        cmd += ["--chat-template", chat_template]
    if api_key and api_key != "EMPTY":
        cmd += ["--api-key", api_key]
    return cmd + list(extra or [])


def gpu_count() -> int:
    """NVIDIA GPUs visible through nvidia-smi (0 when there is none or no driver)."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return 0
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in out.stdout.splitlines() if line.startswith("GPU "))


def vllm_installed() -> bool:
    import importlib.util

    return shutil.which("vllm") is not None or importlib.util.find_spec("vllm") is not None


@llm_app.command("serve", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def serve(
    ctx: typer.Context,
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Hugging Face model id or local path."),
    port: int = typer.Option(8000, "--port", "-p", help="Port of the OpenAI-compatible server."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (0.0.0.0 to serve other machines)."),
    served_name: str | None = typer.Option(None, "--served-name",
                                           help="Model name clients ask for (default: SHOPLENS_LLM_MODEL)."),
    tp: int = typer.Option(1, "--tp", help="Tensor-parallel size: GPUs one model is split across."),
    max_model_len: int | None = typer.Option(32768, "--max-model-len", help="Context length (tokens)."),
    gpu_memory_utilization: float = typer.Option(0.90, "--gpu-memory-utilization", help="Share of GPU memory."),
    tool_parser: str | None = typer.Option(None, "--tool-call-parser",
                                           help="vLLM tool parser (default: hermes; llama3_json for Llama 3.x)."),
    chat_template: str | None = typer.Option(None, "--chat-template",
                                             help="Chat template file (Llama 3.x: vLLM's "
                                                  "examples/tool_chat_template_llama3.1_json.jinja)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the command and the client settings; start nothing."),
) -> None:
    """Start vLLM's OpenAI-compatible server with tool calling on, for ShopLens's LLM mode. Needs an NVIDIA GPU
    and vLLM (the optional `serve` extra). Arguments after `--` go to `vllm serve` unchanged."""
    s = common.settings()
    name = served_name or s.llm_model
    cmd = serve_command(model, served_name=name, host=host, port=port, tp=tp, max_model_len=max_model_len,
                        gpu_memory_utilization=gpu_memory_utilization, tool_parser=tool_parser,
                        api_key=s.llm_api_key, chat_template=chat_template, extra=list(ctx.args))
    line = shlex.join(cmd)
    client_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    env_hint = (f"SHOPLENS_LLM_BASE_URL=http://{client_host if host != '0.0.0.0' else '<this-host>'}:{port}/v1 "
                f"SHOPLENS_LLM_MODEL={name}")
    if tool_parser_for(model) == "llama3_json" and not chat_template:
        common.err.print("Note: Llama 3.x tool calling in vLLM wants --chat-template "
                         "examples/tool_chat_template_llama3.1_json.jinja (from the vLLM repository).", markup=False)
    if dry_run:
        common.out.print(line, markup=False)
        common.err.print(f"Then point ShopLens at it: {env_hint}", markup=False)
        return
    problems = []
    if not vllm_installed():
        problems.append("vLLM is not installed here (pip install 'shoplens[serve]' on a machine with an NVIDIA GPU)")
    gpus = gpu_count()
    if gpus == 0:
        problems.append("no NVIDIA GPU is visible (nvidia-smi finds none)")
    elif tp > gpus:
        problems.append(f"--tp {tp} needs {tp} GPUs but only {gpus} are visible")
    if problems:
        common.err.print("Cannot start the model server here: " + "; ".join(problems) + ".", markup=False,
                         style="bold red")
        common.err.print("Run this on a GPU machine (see docs/deploy.md):", markup=False)
        common.out.print(line, markup=False)
        common.err.print(f"then set on the ShopLens machine: {env_hint}\n"
                         "Without a GPU, ShopLens answers with its offline planner, or use a CPU server such as "
                         "llama.cpp or Ollama (docs/deploy.md).", markup=False)
        raise typer.Exit(4)
    common.err.print(f"Starting: {line}\nClients: {env_hint}", markup=False)
    sys.stdout.flush()
    exe = shutil.which("vllm")
    if exe:
        os.execv(exe, cmd)  # hand the process over: signals and exit codes go straight to vLLM
    os.execv(sys.executable, [sys.executable, "-m", "vllm.entrypoints.cli.main", *cmd[1:]])


# --- check ---------------------------------------------------------------------------------------------------------
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
        return all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str, hint: str = "") -> bool:
        self.checks.append(Check(name, ok, detail, hint))
        return ok

    def to_dict(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "model": self.model, "ok": self.ok,
                "checks": [c.__dict__ for c in self.checks]}


PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "query_metric",
        "description": "Compute a business metric for a period.",
        "parameters": {"type": "object", "properties": {
            "metric": {"type": "string", "description": "Metric name, e.g. revenue."},
            "start": {"type": "string", "description": "First day, YYYY-MM-DD."},
            "end": {"type": "string", "description": "Last day, YYYY-MM-DD."}}, "required": ["metric"]},
    },
}


def _error_text(resp: Any) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:300]
    inner = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(inner, dict):
        return str(inner.get("message") or inner)[:300]
    return str(inner)[:300]


def probe(base_url: str, model: str, api_key: str = "EMPTY", timeout_s: float = 30.0) -> Report:
    """GET /models, then one chat request with a tool; each step says what is wrong and what to do."""
    import httpx

    base = base_url.rstrip("/")
    report = Report(base, model)
    headers = {"Authorization": f"Bearer {api_key or 'EMPTY'}"}
    with httpx.Client(timeout=timeout_s, headers=headers) as client:
        try:
            resp = client.get(f"{base}/models")
        except httpx.ConnectError:
            report.add("reachable", False, f"nothing is listening at {base}",
                       "Start the server (`shoplens llm serve` on the GPU box) or fix SHOPLENS_LLM_BASE_URL "
                       "(host, port, firewall).")
            return report
        except httpx.TimeoutException:
            report.add("reachable", False, f"{base} did not answer within {timeout_s:g} s",
                       "The server may still be loading the model (first start downloads and compiles); retry in "
                       "a minute, or check the host and firewall.")
            return report
        except httpx.HTTPError as exc:
            report.add("reachable", False, f"{base}: {exc}", "Check SHOPLENS_LLM_BASE_URL.")
            return report
        if resp.status_code in (401, 403):
            report.add("reachable", False, f"the server refused the API key (HTTP {resp.status_code})",
                       "Set SHOPLENS_LLM_API_KEY to the key the server was started with (--api-key).")
            return report
        if resp.status_code == 404:
            report.add("reachable", False, f"{base}/models does not exist (HTTP 404)",
                       "The base URL usually ends in /v1, e.g. http://gpu-box:8000/v1.")
            return report
        if resp.status_code != 200:
            report.add("reachable", False, f"GET /models answered HTTP {resp.status_code}: {_error_text(resp)}",
                       "Check the server's log.")
            return report
        served = [m.get("id") for m in (resp.json().get("data") or []) if isinstance(m, dict)]
        report.add("reachable", True, f"{base} answers; it serves: {', '.join(map(str, served)) or '(nothing)'}")
        if model not in served:
            report.add("model name", False, f"SHOPLENS_LLM_MODEL is '{model}' but the server serves "
                                            f"{', '.join(map(str, served)) or 'no model'}",
                       f"Set SHOPLENS_LLM_MODEL={served[0] if served else '<name>'} or start vLLM with "
                       f"--served-model-name {model}.")
            return report
        report.add("model name", True, f"'{model}' is served")
        body = {"model": model, "temperature": 0, "max_tokens": 200, "tools": [PROBE_TOOL], "tool_choice": "auto",
                "messages": [{"role": "system", "content": "You answer by calling tools."},
                             {"role": "user", "content": "What was revenue from 2025-01-01 to 2025-01-31? "
                                                         "Use the query_metric tool."}]}
        try:
            resp = client.post(f"{base}/chat/completions", json=body)
        except httpx.TimeoutException:
            report.add("tool calling", False, f"the chat request took longer than {timeout_s:g} s",
                       "The GPU may be overloaded or too small for the model; raise SHOPLENS_LLM_TIMEOUT_S or use "
                       "a smaller model.")
            return report
        except httpx.HTTPError as exc:
            report.add("tool calling", False, f"the chat request failed: {exc}", "Check the server's log.")
            return report
        if resp.status_code == 400 and "tool choice" in _error_text(resp).lower():
            report.add("tool calling", False, f"tool calling is not enabled (HTTP 400: {_error_text(resp)})",
                       TOOL_CHOICE_HINT[0].upper() + TOOL_CHOICE_HINT[1:] + ".")
            return report
        if resp.status_code != 200:
            report.add("tool calling", False, f"the chat request answered HTTP {resp.status_code}: "
                                              f"{_error_text(resp)}", "Check the server's log.")
            return report
        message = ((resp.json().get("choices") or [{}])[0]).get("message") or {}
        calls = message.get("tool_calls") or []
        content = message.get("content") or ""
        if calls:
            fn = calls[0].get("function", {})
            try:
                args = json.loads(fn.get("arguments") or "{}")
                good = isinstance(args, dict)
            except ValueError:
                good = False
            if good:
                report.add("tool calling", True, f"the model called {fn.get('name')}({fn.get('arguments')})")
            else:
                report.add("tool calling", False, f"the tool call's arguments are not a JSON object: "
                                                  f"{fn.get('arguments')!r}",
                           "ShopLens recovers from this with retries, but a larger or better instruction-tuned "
                           "model will answer more reliably.")
        elif "<tool_call>" in content or '"arguments"' in content:
            report.add("tool calling", False, "the model wrote its tool call as plain text; the server did not "
                                              "parse it", "Use --tool-call-parser hermes for Qwen2.5/Hermes models "
                                                          "(llama3_json for Llama 3.x). ShopLens recovers Hermes "
                                                          "text calls, but the parser is more reliable.")
        else:
            report.add("tool calling", False, f"the model answered without calling the tool: {content[:120]!r}",
                       "Small models sometimes ignore tools; ShopLens needs one that calls them (Qwen2.5-7B-Instruct "
                       "or larger).")
    return report


@llm_app.command("check")
def check(
    base_url: str | None = typer.Option(None, "--base-url", help="Endpoint (default: SHOPLENS_LLM_BASE_URL)."),
    model: str | None = typer.Option(None, "--model", help="Model name (default: SHOPLENS_LLM_MODEL)."),
    timeout: float | None = typer.Option(None, "--timeout", help="Seconds per request (default: SHOPLENS_LLM_TIMEOUT_S)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Probe an OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama): is it reachable, does it serve the configured
    model, does a tool-call round trip work? Explains what is wrong and how to fix it."""
    s = common.settings()
    url = base_url or s.llm_base_url
    if not url:
        common.fail("No endpoint to check: pass --base-url or set SHOPLENS_LLM_BASE_URL "
                    "(e.g. http://gpu-box:8000/v1).", 2, as_json=as_json)
        return
    report = probe(url, model or s.llm_model, s.llm_api_key, timeout or min(s.llm_timeout_s, 60.0))
    if as_json:
        common.print_json(report.to_dict())
    else:
        from rich.markup import escape

        for c in report.checks:
            mark = "[green]ok[/]  " if c.ok else "[bold red]FAIL[/]"
            common.out.print(f"{mark} {escape(c.name)}: {escape(c.detail)}", markup=True)
            if c.hint:
                common.out.print(f"      -> {c.hint}", markup=False)
        if report.ok:
            common.out.print(f"The endpoint is ready for ShopLens (SHOPLENS_LLM_BASE_URL={report.base_url} "
                             f"SHOPLENS_LLM_MODEL={report.model}).")
    if not report.ok:
        raise typer.Exit(4)
