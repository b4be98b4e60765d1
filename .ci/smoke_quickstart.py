"""Smoke test of the README quick-start environment (the runtime lock, no dev extras, no pytest).

Runs what a new user runs first, each as a real `shoplens` command: ask, chart, forecast, reviews score on five
lines of text, and ask in LLM mode against the loopback fake vLLM server. Any failure prints the command, its
output and exits non-zero. Usage (inside the quick-start venv): python .ci/smoke_quickstart.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REVIEWS = """Battery died after two days, very disappointed.
Absolutely love these earbuds, the sound is amazing!
It's okay. Does the job.
Shipping took forever and the box was crushed.
Great value for money, would buy again.
"""


def run(*args: str, env: dict[str, str], timeout: float = 600) -> dict:
    cmd = ["shoplens", *args]
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    took = time.monotonic() - start
    if proc.returncode != 0 or "Traceback" in proc.stderr:
        print(f"FAILED ({proc.returncode}): {' '.join(cmd)}\n--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n"
              f"{proc.stderr[-4000:]}")
        sys.exit(1)
    print(f"ok   {took:5.1f} s  {' '.join(cmd)}")
    return json.loads(proc.stdout) if "--json" in args and args[0] != "reviews" else {"stdout": proc.stdout}


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="shoplens-smoke-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPLENS_", "SLACK_"))}
    env.update(SHOPLENS_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    run("data", "demo", "--scale", "0.1", env=env)

    answer = run("ask", "how did Electronics do last month?", "--json", env=env)
    assert answer["mode"] == "offline" and "Electronics" in answer["answer"], answer

    chart = run("chart", "stacked bars of monthly revenue by channel for 2025", "--json", env=env)
    paths = [c["path"] for c in chart.get("charts", [])] or [chart.get("path", "")]
    assert paths and all(Path(p).is_file() and Path(p).stat().st_size > 5000 for p in paths), chart

    fc = run("forecast", "--metric", "revenue", "--category", "Electronics", "--grain", "week", "--horizon", "8",
             "--json", env=env)
    text = json.dumps(fc)
    assert "lo-80" in text or "lo_80" in text, text[:500]

    lines = home / "reviews.txt"
    lines.write_text(REVIEWS, encoding="utf-8")
    out = run("reviews", "score", "--text-file", str(lines), "--json", env=env)["stdout"]
    scored = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(scored) == 5 and {s["label"] for s in scored} >= {"positive", "negative"}, scored

    port_file = home / "fake-vllm.txt"
    fake = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fakes" / "fake_vllm.py"), "--port-file",
                             str(port_file), "--tool", "query_metric",
                             '{"metric": "revenue", "start": "2025-01-01", "end": "2025-12-31"}',
                             "--text", "Revenue in 2025 is in the table above.", "--max-seconds", "120"])
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text().count("\n") == 2:
                break
            time.sleep(0.1)
        url, model = port_file.read_text().split()
        llm_env = {**env, "SHOPLENS_LLM_BASE_URL": url, "SHOPLENS_LLM_MODEL": model}
        answer = run("ask", "revenue in 2025", "--json", env=llm_env)
        assert answer["mode"] == "llm" and not answer["warnings"], answer
        assert answer["steps"] and answer["steps"][0]["tool"] == "query_metric", answer
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    print("quick-start smoke: all passed")


if __name__ == "__main__":
    main()
