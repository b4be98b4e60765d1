"""The ``shoplens`` command. Each command group lives in its own module; heavy imports happen inside commands."""

from __future__ import annotations

import sys

import typer

from shoplens.agent.cli import common

app = typer.Typer(
    name="shoplens",
    help="ShopLens: a conversational analyst for online shops (chat, charts, forecasts, review insights).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Imported here so that each module only adds its commands; order is the order in --help.
    from shoplens.agent.cli import cmd_data, cmd_sql

    cmd_data.register(app)
    cmd_sql.register(app)
    for name in ("cmd_ask", "cmd_chart", "cmd_forecast", "cmd_reviews", "cmd_eval", "cmd_ui", "cmd_slack", "cmd_llm", "cmd_alerts"):
        try:
            module = __import__(f"shoplens.agent.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"shoplens.agent.cli.{name}":
                raise
            continue
        module.register(app)


_register()


def main(argv: list[str] | None = None) -> int:
    """Console entry point: runs the app and turns every failure into a short message and an exit code."""
    return common.run_cli(app, argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
