"""Shared CLI plumbing: settings, consoles, JSON output and the error boundary."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from shoplens.agent.config import Settings
from shoplens.data.errors import ShopLensError

# markup=False: data values (product names, questions, errors) are printed as they are. A name such as
# "Lamp [/x]" must never be read as rich markup; styled output builds Text objects with `styled()`.
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def styled(label: str, text: str = "", style: str = "") -> Text:
    """``label`` in ``style`` followed by ``text`` verbatim (never parsed as markup)."""
    out_text = Text(label, style=style)
    if text:
        out_text.append(text if not label else " " + text)
    return out_text


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
        err.print(styled("Error:", message, "bold red"))
    raise typer.Exit(code)


def run_cli(app: typer.Typer, argv: list[str]) -> int:
    """Run the CLI and return its exit code; every failure becomes a short message, never a traceback.

    Only public typer names are used (typer 0.29 vendors its own click: ``click.exceptions`` is not the class
    typer raises any more). Usage errors are recognised by their interface (``show()`` and ``exit_code``)."""
    try:
        return _run_cli(app, argv)
    except BrokenPipeError:  # `shoplens ... | head`: the reader left; stop quietly
        _silence_stdout()
        return 141
    except BaseException as exc:  # noqa: BLE001 - printing the report itself failed: still no traceback
        if isinstance(exc, SystemExit):
            return exc.code if isinstance(exc.code, int) else 1
        with contextlib.suppress(Exception):
            sys.stderr.write(f"Unexpected error: {type(exc).__name__}. This is a bug in ShopLens; please report it.\n")
        return 70


def _run_cli(app: typer.Typer, argv: list[str]) -> int:
    try:
        rc = app(args=argv, prog_name="shoplens", standalone_mode=False)
        if rc == 130:
            err.print("Interrupted.")
        return rc if isinstance(rc, int) else 0
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except ShopLensError as exc:
        err.print(styled("Error:", str(exc), "bold red"))
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return 130
    except typer.Abort:
        err.print("Aborted.")
        return 1
    except BrokenPipeError:
        raise
    except Exception as exc:
        code = getattr(exc, "exit_code", None)
        if callable(getattr(exc, "show", None)) and isinstance(code, int):  # click/typer usage errors
            exc.show()  # type: ignore[attr-defined]
            return code
        debug = False
        with contextlib.suppress(Exception):
            debug = Settings.load().debug
        if debug:
            traceback.print_exc()
        err.print(styled("Unexpected error:", f"{type(exc).__name__}: {exc}", "bold red"))
        err.print("This is a bug in ShopLens; please report it with the command you ran "
                  "(set SHOPLENS_DEBUG=1 to see the details).")
        return 70


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
