"""No server paths in what the server sends: Gradio's replies name files by their absolute path in its cache
(``"path": "/tmp/gradio/<hash>/chart.png"`` and ``/gradio_api/file=/tmp/gradio/...`` URLs).

``PathAliases`` is an ASGI middleware that replaces each known server folder with a short alias in JSON and
event-stream replies (``/tmp/gradio/ab12/chart.png`` becomes ``gradio-cache/ab12/chart.png``) and maps the alias
back in the file requests the page then makes (``/gradio_api/file=gradio-cache/ab12/chart.png``), so the chat
page works unchanged and no reply reveals where the server keeps its files.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_TEXTUAL = (b"application/json", b"text/event-stream")


class PathAliases:
    def __init__(self, app: ASGIApp, aliases: dict[str, str]) -> None:
        """``aliases``: real folder (absolute, no trailing slash) -> alias (a plain relative name)."""
        self.app = app
        pairs = [(real.rstrip("/"), alias) for real, alias in aliases.items() if real and real.rstrip("/")]
        pairs.sort(key=lambda p: len(p[0]), reverse=True)  # nested folders: the longest match first
        self.out = [(real.encode(), alias.encode()) for real, alias in pairs]
        self.back = [(f"={alias}/", f"={real}/") for real, alias in pairs]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if "=" in path:  # /gradio_api/file=<alias>/... back to the real folder
            for alias, real in self.back:
                if alias in path:
                    new = path.replace(alias, real, 1)
                    scope = dict(scope, path=new, raw_path=new.encode())
                    break
        state: dict[str, Any] = {"rewrite": False, "start": None, "body": b""}

        async def send_scrubbed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                kind = headers.get(b"content-type", b"")
                state["rewrite"] = kind.startswith(_TEXTUAL) and b"content-encoding" not in headers
                state["sized"] = b"content-length" in headers
                if state["rewrite"] and state["sized"]:
                    state["start"] = message  # sent with the body, once its new length is known
                    return
                await send(message)
                return
            if message["type"] != "http.response.body" or not state["rewrite"]:
                await send(message)
                return
            body = self._scrub(message.get("body", b""))
            if not state["sized"]:  # a stream (Gradio's SSE): each event arrives whole, scrub chunk by chunk
                await send({**message, "body": body})
                return
            state["body"] += body
            if message.get("more_body"):
                return
            start = state["start"]
            fixed = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            fixed.append((b"content-length", str(len(state["body"])).encode()))
            await send({**start, "headers": fixed})
            await send({"type": "http.response.body", "body": state["body"], "more_body": False})

        await self.app(scope, receive, send_scrubbed)

    def _scrub(self, body: bytes) -> bytes:
        for real, alias in self.out:
            if real in body:
                body = body.replace(real, alias)
        return body
