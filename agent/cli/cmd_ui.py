"""`shoplens ui`: the chat page and the HTTP API on one local server (builds the demo warehouse on first run)."""

from __future__ import annotations

from pathlib import Path

import typer

from shoplens.agent.cli import common


def register(app: typer.Typer) -> None:
    app.command("ui")(ui)
    app.command("token")(token)


def token(
    length: int = typer.Option(32, "--bytes", min=24, max=128, help="Random bytes (the token is URL-safe base64, "
                               "about 1.3 characters per byte)."),
) -> None:
    """Print a new random API token for SHOPLENS_API_TOKEN (needed to serve beyond this machine)."""
    import secrets

    value = secrets.token_urlsafe(length)
    common.out.print(value)
    common.err.print("Set it on the server: export SHOPLENS_API_TOKEN=<the token above> (keep it secret). Scripts "
                     "send 'Authorization: Bearer <token>'; people sign in at /login with it.")


def ui(
    host: str | None = typer.Option(
        None,
        "--host",
        help="Interface to listen on (default: SHOPLENS_UI_HOST or "
        "127.0.0.1). Beyond loopback SHOPLENS_API_TOKEN is required (`shoplens token` makes one).",
    ),
    port: int | None = typer.Option(None, "--port", "-p", help="Port (default: SHOPLENS_UI_PORT or 7860)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser tab."),
    db: Path | None = typer.Option(
        None, "--db", help="Warehouse file (default: SHOPLENS_DB or ~/.shoplens)."
    ),
) -> None:
    """Serve the chat page (http://127.0.0.1:7860/) and the HTTP API (/api/docs). Ctrl-C stops it.

    With no warehouse yet, the demo shop's warehouse is built first (about a minute at the default scale)."""
    from shoplens.data.errors import ShopLensError

    s = common.settings(db=db, ui_host=host, ui_port=port)
    try:
        from shoplens.agent.frontends.server import check_exposure, parse_auth

        if not 0 <= s.ui_port <= 65535:
            common.fail(f"--port must be between 1 and 65535 (got {s.ui_port}).", 2)
        warnings = check_exposure(s.ui_host, s)
        parse_auth(s.ui_auth)
        if not s.db_path.exists():
            build_demo_warehouse(s)
        for warning in warnings:
            common.err.print(common.styled("Warning:", warning, "yellow"))
        serve(s, open_browser=not no_browser)
    except ShopLensError as exc:
        common.fail(str(exc), exc.exit_code)


def build_demo_warehouse(s) -> None:  # noqa: ANN001
    """First run: build the demo warehouse at the configured scale, with the same progress bar as `data demo`."""
    from shoplens.agent.cli.cmd_data import _build, _label, _progress

    common.err.print(
        f"No warehouse at {s.db_path} yet: building the demo shop (scale {s.demo_scale:g}, seed "
        f"{s.demo_seed}). Import your own data later with `shoplens data import`."
    )
    with _progress(False) as bar:
        task = bar.add_task("Building the demo warehouse", total=1000)
        summary = _build(
            s.db_path,
            s.demo_scale,
            s.demo_seed,
            lambda stage, frac: bar.update(task, description=_label(stage), completed=int(frac * 1000)),
        )
    common.err.print(
        f"Demo warehouse ready: {summary['tables'].get('orders', 0):,} orders from {summary['start']} "
        f"to {summary['end']} ({summary['elapsed_s']:.0f} s)."
    )


def serve(s, *, open_browser: bool) -> None:  # noqa: ANN001
    from shoplens.agent.frontends.server import serve as run

    common.err.print("Starting ShopLens…")

    def ready(url: str) -> None:
        common.out.print(
            f"ShopLens is running at {url}  (API docs: {url}api/docs) — Ctrl-C stops it.",
        )
        if open_browser and _can_open_browser():
            import webbrowser

            webbrowser.open(url)

    run(s, s.ui_host, s.ui_port, on_ready=ready)
    common.err.print("Stopped.")


def _can_open_browser() -> bool:
    """Only where a graphical browser exists: a console browser (lynx, w3m, ...) would take over this terminal.
    Python registers graphical browsers only when a display is available; console ones run in the foreground
    as a plain ``GenericBrowser``."""
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return type(browser) is not webbrowser.GenericBrowser
