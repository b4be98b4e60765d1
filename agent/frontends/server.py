"""One uvicorn server for everything: the HTTP API under ``/api`` and the Gradio chat page at ``/``.

It binds 127.0.0.1 unless told otherwise, and refuses to listen beyond loopback without an API token
(``SHOPLENS_API_TOKEN``, at least 32 random characters: ``shoplens token``). With a token (or
``SHOPLENS_UI_AUTH="user:password"``) one gate guards every route (``auth.AuthGate``): the chat page, Gradio's API
and files, ``/api/*`` and the API docs; people sign in at ``/login``, scripts send the bearer token, Slack's
endpoint checks Slack's signature. Replies name no server folder (``scrub.PathAliases``); Gradio serves files only
from the charts folder (and its own cache). ``BackgroundServer`` runs the same app in a thread on a free loopback
port (tests and benchmarks).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplens.agent.frontends.auth import AuthGate, auth_required
from shoplens.agent.frontends.scrub import PathAliases
from shoplens.data.errors import UserInputError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from shoplens.agent.analyst import Analyst
    from shoplens.agent.config import Settings

log = logging.getLogger("shoplens.server")


def is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, settings: Settings) -> list[str]:
    """Raise when the server would listen beyond loopback without an API token; return warnings to print."""
    if is_loopback(host):
        return []
    if not settings.api_token:
        raise UserInputError(
            f"Refusing to listen on {host}: beyond this machine every route needs a token.",
            hint="Generate one with `shoplens token` and set SHOPLENS_API_TOKEN to it (scripts send "
            "'Authorization: Bearer <token>', people sign in at /login), or keep the default --host 127.0.0.1.",
        )
    return []


MIN_PASSWORD = 12


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UserInputError(
            "SHOPLENS_UI_AUTH must look like 'user:password'.",
            hint="Both parts are required; the password may contain ':'.",
        )
    if len(password) < MIN_PASSWORD:
        raise UserInputError(
            f"The SHOPLENS_UI_AUTH password is too short ({len(password)} characters; at least {MIN_PASSWORD}).",
            hint="Use a long passphrase, or generate one with `shoplens token`.",
        )
    return user, password


def build_app(
    settings: Settings,
    analyst: Analyst | None = None,
    *,
    ui: bool = True,
    host: str = "127.0.0.1",
    port: int = 7860,
) -> FastAPI:
    """The API mounted at /api and (with ``ui``) the chat page at /. ``app.state.analyst`` is the shared Analyst."""
    from fastapi import FastAPI

    from shoplens.agent.analyst import Analyst
    from shoplens.agent.frontends.api import create_api

    if settings.chart_workers < 0:  # a server draws charts in a process pool sized to the cores
        from shoplens.agent.analyst import cores

        settings = settings.replace(chart_workers=cores())
    analyst = analyst or Analyst(settings)
    app = FastAPI(title="ShopLens", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.analyst = analyst
    app.mount("/api", create_api(analyst, settings))
    if settings.slack_bot_token and settings.slack_signing_secret:
        # Slack's HTTP mode on the same server (POST /slack/events, signed requests only).
        from shoplens.agent.frontends.slack_app import mount_slack

        mount_slack(app, settings, analyst)
    if ui:
        import gradio as gr

        from shoplens.agent.frontends.gradio_app import MOUNT_OPTIONS, build_ui

        charts = settings.charts_path.resolve()
        charts.mkdir(parents=True, exist_ok=True)
        blocks = build_ui(analyst, settings)
        app.state.blocks = blocks
        gr.mount_gradio_app(
            app,
            blocks,
            path="/",
            server_name=host,
            server_port=port,
            allowed_paths=[str(charts)],
            show_error=False,
            ssr_mode=False,
            max_file_size="1mb",
            **MOUNT_OPTIONS,
        )
        app.add_middleware(PathAliases, aliases=server_folders(settings, blocks))
    from shoplens.agent.frontends.alert_api import start_alerts

    start_alerts(app, settings)  # /api/alerts and the Slack alert buttons
    if auth_required(settings):  # added last: the outermost layer, before anything else sees the request
        app.add_middleware(AuthGate, token=settings.api_token or None, users=parse_auth(settings.ui_auth))
    return app


def server_folders(settings: Settings, blocks: Any) -> dict[str, str]:
    """Folders whose paths Gradio's replies would show, and the aliases shown instead."""
    import tempfile

    cache = getattr(blocks, "GRADIO_CACHE", None) or str(Path(tempfile.gettempdir()) / "gradio")
    files = getattr(blocks, "shoplens_files", None)
    folders = {str(Path(cache).resolve()): "gradio-cache", str(cache): "gradio-cache",
               str(settings.charts_path.resolve()): "charts"}
    if files is not None:
        folders[str(files.root)] = "tables"
    return folders


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a clear error when the port is taken (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio turns Nagle off (TCP_NODELAY) only on accepted sockets whose protocol
    # says TCP; with proto 0 every reply on a keep-alive connection waited ~40 ms for the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UserInputError(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}.",
            hint="Choose another --port (or stop the other server).",
        ) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def _server(app: Any, log_level: str = "warning") -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """Tells Gradio to end its open event streams first, so Ctrl-C stops the server within seconds."""

        async def shutdown(self, sockets: Any = None) -> None:
            _QUIET.stopping = True
            _stop_gradio(app)
            await super().shutdown(sockets)

    logging.getLogger("uvicorn.error").addFilter(_QUIET)
    config = uvicorn.Config(
        app, log_level=log_level, timeout_graceful_shutdown=2, access_log=False, lifespan="on", ws="none"
    )
    return Server(config)


class _QuietShutdown(logging.Filter):
    """Browsers keep Gradio's event streams open; cancelling them at shutdown is expected, not an error."""

    stopping = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.stopping:
            return True
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, asyncio.CancelledError):
            return False
        return "timeout graceful shutdown exceeded" not in record.getMessage()


_QUIET = _QuietShutdown()


def _stop_gradio(app: Any) -> None:
    from starlette.routing import Mount

    blocks = getattr(app.state, "blocks", None)
    if blocks is None:
        return
    try:
        blocks._queue.close()  # noqa: SLF001 - Gradio has no public call for a mounted app
        blocks.is_running = False
        for route in app.routes:
            if isinstance(route, Mount) and hasattr(route.app, "stop_event"):
                route.app.stop_event.set()
    except Exception:  # noqa: BLE001 - best effort; uvicorn cancels what is left
        log.debug("could not stop Gradio cleanly", exc_info=True)


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    on_ready: Callable[[str], None] | None = None,
    analyst: Analyst | None = None,
) -> None:
    """Run until Ctrl-C. ``on_ready(url)`` is called once the server accepts connections."""
    sock = bind(host, port)
    app = build_app(settings, analyst, host=host, port=port)
    if settings.alerts_scheduler:  # trend alerts and digests on their schedules, inside this process
        from shoplens.agent.frontends.alert_api import start_scheduler

        start_scheduler(app, settings)
    server = _server(app)
    if on_ready is not None:
        url = url_for(host, sock.getsockname()[1])

        def notify() -> None:
            deadline = time.monotonic() + 120
            while not server.started and not server.should_exit and time.monotonic() < deadline:
                time.sleep(0.05)
            if server.started:
                on_ready(url)

        threading.Thread(target=notify, daemon=True, name="shoplens-ready").start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        _cleanup(app)


def _cleanup(app: Any) -> None:
    blocks = getattr(app.state, "blocks", None)
    files = getattr(blocks, "shoplens_files", None)
    if files is not None:
        files.cleanup()
    analyst = getattr(app.state, "analyst", None)
    if analyst is not None:
        analyst.close()
    scheduler = getattr(app.state, "alert_scheduler", None)
    if scheduler is not None:
        scheduler.stop()


class BackgroundServer:
    """``with BackgroundServer(app) as srv: httpx.get(srv.url + "api/health")`` on a free 127.0.0.1 port."""

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, start_timeout_s: float = 60.0
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.start_timeout_s = start_timeout_s
        self.url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    def __enter__(self) -> BackgroundServer:
        self._sock = bind(self.host, self.port)
        self.port = self._sock.getsockname()[1]
        self.url = url_for(self.host, self.port)
        self._server = _server(self.app)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            daemon=True,
            name=f"shoplens-server-{self.port}",
        )
        self._thread.start()
        deadline = time.monotonic() + self.start_timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"the test server on {self.url} did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        _cleanup(self.app)
