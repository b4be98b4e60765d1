"""Shared CLI plumbing: settings, consoles, JSON output and the error boundary."""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from typing import Any

import typer
from rich.console import Console

from shoplens.agent.config import Settings
from shoplens.data.errors import ShopLensError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def settings(**overrides: Any) -> Settings:
    """Settings from env/TOML with CLI overrides (None values are ignored)."""
    return Settings.load(**{k: v for k, v in overrides.items() if v is not None})


def print_json(data: Any) -> None:
    """Print JSON to stdout (plain, so pipes and jq get exactly the JSON)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 1, *, as_json: bool = False) -> None:
    """Report an error the user can act on and exit non-zero."""
    if as_json:
        print_json({"error": message})
    else:
        err.print(f"[bold red]Error:[/] {message}", markup=True)
    raise typer.Exit(code)


def run_cli(app: typer.Typer, argv: list[str]) -> int:
    """Run the CLI and return its exit code; every failure becomes a short message, never a traceback."""
    from typer import _click as click  # typer 0.29 bundles its own click

    try:
        rc = app(args=argv, prog_name="shoplens", standalone_mode=False)
        if rc == 130:
            err.print("Interrupted.")
        return rc if isinstance(rc, int) else 0
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except ShopLensError as exc:
        err.print(f"[bold red]Error:[/] {exc}", markup=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return 130
    except click.exceptions.ClickException as exc:  # usage errors: bad option, missing argument
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        err.print("Aborted.")
        return 1
    except Exception as exc:  # the last boundary: never a stack trace for users
        debug = False
        with contextlib.suppress(ShopLensError):
            debug = Settings.load().debug
        if debug:
            traceback.print_exc()
        err.print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}\n"
            "This is a bug in ShopLens; please report it with the command you ran "
            "(set SHOPLENS_DEBUG=1 to see the details).",
            markup=True,
        )
        return 70
