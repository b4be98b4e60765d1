"""`shoplens llm serve` (start vLLM's OpenAI-compatible server for ShopLens) and `shoplens llm check` (probe any
OpenAI-compatible endpoint and say what is wrong)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from typing import Any

import typer

from shoplens.agent.cli import common

DEFAULT_MODEL = "Qwen/Qwen2.5-7B-Instruct"

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
    from shoplens.agent.llm.probe import probe

    overrides: dict[str, Any] = {"llm_base_url": url}
    if model:
        overrides["llm_model"] = model
    if timeout:
        overrides["llm_timeout_s"] = timeout
    report = probe(s.replace(**overrides))
    if as_json:
        common.print_json(report.to_dict())
    else:
        for c in report.checks:
            common.out.print(common.styled("ok  " if c.ok else "FAIL", f"{c.name}: {c.detail}",
                                           "green" if c.ok else "bold red"))
            if c.hint:
                common.out.print(f"      -> {c.hint}")
        if report.ok:
            common.out.print(f"The endpoint is ready for ShopLens (SHOPLENS_LLM_BASE_URL={report.base_url} "
                             f"SHOPLENS_LLM_MODEL={report.model}).")
    if not report.ok:
        raise typer.Exit(4)
