"""The Slack bot: questions from app mentions, direct messages and ``/shoplens``, answered in the question's thread.

A thin adapter over ``Analyst.stream`` (no business logic here): it posts a short "working…" status in the thread,
replaces it with the answer as Block Kit (``slack_blocks``) and uploads the charts into the same thread with
``files_upload_v2``. One Slack thread is one Analyst session (``slack:<channel>:<thread_ts>``), so follow-ups in
the thread keep their context. Around it: an allow-list of channels and users, a per-user token-bucket rate limit,
an answer time limit, de-duplication of Slack's retries, and log masking so tokens never reach a log.

Socket Mode (``run_socket_mode``) needs ``SLACK_BOT_TOKEN`` + ``SLACK_APP_TOKEN``; HTTP mode (``mount_slack`` on a
FastAPI app, path ``/slack/events``) needs ``SLACK_BOT_TOKEN`` + ``SLACK_SIGNING_SECRET`` and rejects unsigned or
stale requests with 401. ``settings.slack_api_url`` points the Web API client elsewhere (a test double).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from shoplens.agent.config import Settings
from shoplens.agent.events import Answer, StepStarted
from shoplens.agent.frontends import slack_blocks as sb
from shoplens.agent.frontends.messages import message, question_lang, step_name
from shoplens.agent.frontends.slack_config import api_url, config_problems, quiet_bolt_token_warning
from shoplens.agent.frontends.slack_masking import (
    MaskingFilter,
    SecretMasker,
    install_log_masking,
    mask_record,
)
from shoplens.agent.frontends.slack_pools import RateLimiter, SeenMessages, TrackingExecutor
from shoplens.agent.frontends.slack_stream import answer_within
from shoplens.data.errors import UserInputError, WarehouseUnavailable

if TYPE_CHECKING:
    from shoplens.agent.analyst import Analyst

log = logging.getLogger("shoplens.slack")

DOCS = "docs/slack.md"
COMMAND = "/shoplens"
DEFAULT_ANSWER_TIMEOUT_S = 120.0
PROGRESS_AFTER_S = 1.5  # a step still running after this long is shown in the status (chat.update is rate limited)
HELP_WORDS = {"help", "?", "hi", "hello", "hey"}
DM_ENTRIES = {"im", "dm"}  # in SHOPLENS_SLACK_ALLOWED_CHANNELS: allow direct messages
WORKING = message("working")
HELP = (
    "Hi! I answer questions about the shop's data, with the numbers, a small table, charts and the SQL. Try:\n"
    "• `revenue by channel in 2025`\n• `top 5 products by revenue last month`\n"
    "• `chart monthly revenue by category this year`\n• `forecast revenue for the next 8 weeks`\n"
    f"Mention me in a channel, send me a direct message, or use `{COMMAND} <question>`. "
    "I answer in a thread; reply in that thread to follow up (mention me there in channels), "
    "e.g. `and for 2024?`."
)
# imported from here by the CLI and the tests: masking, settings checks and pools live in their own modules
__all__ = ["MaskingFilter", "RateLimiter", "SecretMasker", "SlackBot", "TrackingExecutor", "build_slack_app",
           "config_problems", "install_log_masking", "mask_record", "mount_slack", "run_socket_mode"]

# --- the bot --------------------------------------------------------------------------------------------------------
class SlackBot:
    """The Bolt app (``.app``) and everything around it. Build with :func:`build_slack_app` or :func:`mount_slack`."""

    def __init__(self, settings: Settings, analyst: Analyst, *, http: bool = False, client: WebClient | None = None,
                 answer_timeout_s: float | None = None, clock: Callable[[], float] = time.monotonic,
                 workers: int = 4, command: str = COMMAND) -> None:
        problems = config_problems(settings, http=http)
        if not settings.slack_bot_token or (http and not settings.slack_signing_secret):
            raise UserInputError(" ".join(problems), hint=f"Setup: {DOCS}.")
        self.settings = settings
        self.analyst = analyst
        self.masker = install_log_masking(settings.slack_bot_token, settings.slack_app_token,
                                          settings.slack_signing_secret, settings.llm_api_key, settings.api_token)
        timeout = answer_timeout_s or getattr(settings, "slack_answer_timeout_s", None) or DEFAULT_ANSWER_TIMEOUT_S
        self.answer_timeout_s = float(timeout)
        self.client = client or WebClient(token=settings.slack_bot_token, base_url=api_url(settings), timeout=30)
        self.limiter = RateLimiter(settings.slack_rate_limit_per_min, clock)
        self.allowed_users = {u.strip() for u in settings.slack_allowed_users if u.strip()}
        self.allowed_channels = {c.strip().lstrip("#") for c in settings.slack_allowed_channels if c.strip()}
        # Bolt listeners only check, ack and post the status; answers run as jobs, each consuming Analyst.stream
        # in a worker so that the time limit holds. Listener threads stay free, so /shoplens acks stay fast.
        self.listeners = TrackingExecutor(max_workers=8, thread_name_prefix="shoplens-slack")
        self.jobs = TrackingExecutor(max_workers=workers, thread_name_prefix="shoplens-slack-job")
        self.workers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="shoplens-slack-answer")
        self._seen = SeenMessages()
        self.progress_after_s = PROGRESS_AFTER_S
        quiet_bolt_token_warning()
        # Token checked lazily (first request) so a server starts even when Slack is away; `check_auth` is eager.
        self.app = App(client=self.client, signing_secret=settings.slack_signing_secret or "",
                       token_verification_enabled=False, process_before_response=False,
                       listener_executor=self.listeners, name="shoplens")
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)
        self.app.command(command)(self._on_command)
        self.app.error(self._on_error)

    # --- lifecycle -------------------------------------------------------------------------------------------
    def check_auth(self) -> dict[str, Any]:
        """Call auth.test now; a clear error when the token is refused or Slack cannot be reached."""
        try:
            result = self.client.auth_test()
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            raise UserInputError(f"Slack refused SLACK_BOT_TOKEN ({error}).",
                                 hint=f"Copy the Bot User OAuth Token again (xoxb-…); setup: {DOCS}.") from None
        except (SlackClientError, OSError) as exc:
            raise UserInputError(f"Cannot reach the Slack API at {api_url(self.settings)} ({type(exc).__name__}).",
                                 hint="Check the network/proxy, or SHOPLENS_SLACK_API_URL.") from None
        return {k: result.get(k) for k in ("team", "team_id", "user", "user_id", "bot_id", "url")}

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once every received request has been fully handled (answers posted, charts uploaded)."""
        deadline = time.monotonic() + timeout
        return self.listeners.wait_idle(timeout) and self.jobs.wait_idle(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        for pool in (self.listeners, self.jobs, self.workers):
            pool.shutdown(wait=False, cancel_futures=True)

    # --- listeners -------------------------------------------------------------------------------------------
    def _on_mention(self, event: dict[str, Any], context: Any) -> None:
        if not self._from_a_bot(event, context):
            is_dm = event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")
            self._on_user_message(event, context, is_dm=is_dm)

    def _on_message(self, event: dict[str, Any], context: Any) -> None:
        # Only direct messages: in channels the bot answers mentions (app_mention), not every message.
        if event.get("channel_type") != "im" or event.get("subtype") not in (None, "file_share", "thread_broadcast"):
            return
        if not self._from_a_bot(event, context):
            self._on_user_message(event, context, is_dm=True)

    @staticmethod
    def _from_a_bot(event: dict[str, Any], context: Any) -> bool:
        user = event.get("user")
        return (bool(event.get("bot_id")) or event.get("subtype") == "bot_message" or not user
                or user == getattr(context, "bot_user_id", None))

    def _on_user_message(self, event: dict[str, Any], context: Any, *, is_dm: bool) -> None:
        channel, user, ts = event.get("channel", ""), event.get("user", ""), event.get("ts", "")
        if not channel or not ts or not self._seen.first_time(f"{channel}:{ts}"):
            return
        thread_ts = event.get("thread_ts") or ts
        question = sb.clean_question(event.get("text", ""), getattr(context, "bot_user_id", None))
        refusal = self.refusal(channel, user, is_dm=is_dm)
        if refusal:
            log.info("refused a question from %s in %s (allow-list)", user, channel)
            self._ephemeral(channel, user, thread_ts, refusal)
            return
        if not question or question.lower().strip("!. ") in HELP_WORDS:
            self._post(channel, thread_ts, HELP, sb.notice_blocks(HELP, ":wave:"))
            return
        wait = self.limiter.take(user)
        if wait:
            self._ephemeral(channel, user, thread_ts, self.rate_message(wait))
            return
        self.submit(channel, thread_ts, question, user=user)

    def _on_command(self, ack: Any, command: dict[str, Any], respond: Any, context: Any) -> None:
        channel, user = command.get("channel_id", ""), command.get("user_id", "")
        question = sb.clean_question(command.get("text", ""), getattr(context, "bot_user_id", None))
        is_dm = channel.startswith("D") or command.get("channel_name") == "directmessage"
        refusal = self.refusal(channel, user, is_dm=is_dm)
        if refusal:
            ack(text=refusal)
            return
        if not question or question.lower().strip("!. ") in HELP_WORDS:
            ack(text=HELP)
            return
        wait = self.limiter.take(user)
        if wait:
            ack(text=self.rate_message(wait))
            return
        ack()  # within Slack's 3 s: everything below happens after the HTTP response / socket ack
        try:
            root = self.client.chat_postMessage(channel=channel, text=f"<@{user}> asked: {sb.escape(question)}",
                                                blocks=[sb.section(f"<@{user}> asked: *{sb.escape(question)}*")])
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            log.info("cannot post in %s for %s (%s)", channel, COMMAND, error)
            respond(text=("I can't post in this conversation"
                          + (" yet: invite me with `/invite @ShopLens`, or send me a direct message."
                             if error in ("not_in_channel", "channel_not_found") else f" ({error}).")),
                    response_type="ephemeral")
            return
        self.submit(channel, root["ts"], question, user=user)

    def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        kind = body.get("event", {}).get("type") or body.get("command") or body.get("type")
        log.error("Slack listener failed on %s: %s", kind, error, exc_info=error)

    # --- policy ----------------------------------------------------------------------------------------------
    def refusal(self, channel: str, user: str, *, is_dm: bool) -> str | None:
        """A polite refusal when the user or the conversation is not on the allow-list, else None."""
        if self.allowed_users and user not in self.allowed_users:
            return (f"Sorry <@{user}>, I only answer questions from people on ShopLens's allow-list. "
                    "Ask the person who runs ShopLens to add you.")
        if self.allowed_channels and channel not in self.allowed_channels:
            if is_dm and self.allowed_channels & DM_ENTRIES:
                return None
            where = [f"<#{c}>" for c in sorted(self.allowed_channels) if c[:1] in ("C", "G")][:5]
            if self.allowed_channels & DM_ENTRIES:
                where.append("a direct message")
            places = f" Ask me in {', '.join(where)}." if where else ""
            return f"Sorry, I don't answer questions here.{places}"
        return None

    def rate_message(self, wait_s: float) -> str:
        n = self.settings.slack_rate_limit_per_min
        return (f"You're asking faster than I can keep up: up to {n} question{'s' if n != 1 else ''} a minute "
                f"per person. Please try again in {max(1, math.ceil(wait_s))} s.")

    # --- answering -------------------------------------------------------------------------------------------
    def submit(self, channel: str, thread_ts: str, question: str, *, user: str = "") -> None:
        """Post 'working…' in the thread now and answer in the background; the time limit starts now."""
        log.info("question from %s in %s (thread %s): %.120s", user or "?", channel, thread_ts, question)
        working = message("working", question_lang(question))
        status_ts = self._post(channel, thread_ts, working, sb.status_blocks(working))
        deadline = time.monotonic() + self.answer_timeout_s
        self.jobs.submit(self.answer, channel, thread_ts, question, status_ts=status_ts, deadline=deadline)

    def answer(self, channel: str, thread_ts: str, question: str, *, status_ts: str | None,
               deadline: float) -> Answer | None:
        """Answer through the Analyst (session = the thread), replace the status message with the answer and upload
        the charts into the thread. Every failure ends as a friendly message in the thread."""
        session_id = f"slack:{channel}:{thread_ts}"
        lang = question_lang(question)

        def progress(step: StepStarted) -> None:
            if status_ts:
                text = message("working_step", lang, step=step_name(step.tool, lang))
                self._call("chat_update", channel=channel, ts=status_ts, text=text, blocks=sb.status_blocks(text))

        try:
            answer = self._run(question, session_id, progress, deadline)
        except TimeoutError:
            log.warning("answer timed out after %.0f s in %s (thread %s)", self.answer_timeout_s, channel, thread_ts)
            text = message("timeout", lang, seconds=f"{self.answer_timeout_s:.0f}")
            self._finish(channel, thread_ts, status_ts, text, sb.notice_blocks(text, ":hourglass:"))
            return None
        except WarehouseUnavailable as exc:  # a job holds or replaces the warehouse: say so, ask to retry
            hint = f" {exc.hint}" if exc.hint else ""
            text = message("unavailable", lang, message=exc.message, hint=hint, seconds=int(exc.retry_after_s))
            self._finish(channel, thread_ts, status_ts, text, sb.notice_blocks(text, ":hourglass:"))
            return None
        except Exception:
            log.exception("answering failed in %s (thread %s)", channel, thread_ts)
            text = message("error", lang)
            self._finish(channel, thread_ts, status_ts, text, sb.notice_blocks(text, ":warning:"))
            return None
        if not self._finish(channel, thread_ts, status_ts, sb.fallback_text(answer, lang),
                            sb.answer_blocks(answer, lang=lang)):
            plain = sb.md_to_mrkdwn(answer.answer)[:3500] or message("no_answer", lang)
            self._finish(channel, thread_ts, status_ts, plain, None)  # blocks refused: text alone
        self._upload_charts(channel, thread_ts, answer, lang)
        return answer

    def _run(self, question: str, session_id: str, progress: Callable[[StepStarted], None],
             deadline: float) -> Answer:
        """Analyst.stream consumed in a worker, giving up at ``deadline``; slow steps reported through ``progress``."""
        return answer_within(lambda: self.analyst.stream(question, session_id), self.workers, deadline=deadline,
                             progress=progress, progress_after_s=self.progress_after_s, what=question)

    def _upload_charts(self, channel: str, thread_ts: str, answer: Answer, lang: str = "en") -> None:
        charts = [c for c in answer.charts if c.path and Path(c.path).is_file()]
        if not charts:
            return
        uploads = [{"file": c.path, "filename": f"{_slug(c.title) or 'chart'}.png", "title": c.title or "Chart",
                    "alt_txt": (c.explanation or c.title or "chart")[:1000]} for c in charts]
        try:
            self.client.files_upload_v2(channel=channel, thread_ts=thread_ts, file_uploads=uploads)
            return
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
        except (SlackClientError, OSError) as exc:
            error = type(exc).__name__
        log.warning("chart upload failed in %s: %s", channel, error)
        scope = " (the app needs the files:write scope)" if error in ("missing_scope", "not_allowed_token_type") else ""
        text = message("upload_failed", lang, s="s" if len(charts) > 1 else "", error=error, scope=scope)
        self._post(channel, thread_ts, text, sb.notice_blocks(text, ":warning:"))

    # --- Slack calls that never raise ----------------------------------------------------------------------
    def _call(self, method: str, **kwargs: Any) -> dict[str, Any] | None:
        try:
            return getattr(self.client, method)(**kwargs).data  # type: ignore[no-any-return]
        except SlackApiError as exc:
            log.warning("Slack %s failed: %s", method, exc.response.get("error", "error"))
        except (SlackClientError, OSError) as exc:
            log.warning("Slack %s failed: %s", method, exc)
        return None

    def _post(self, channel: str, thread_ts: str, text: str, blocks: list[dict[str, Any]] | None) -> str | None:
        result = self._call("chat_postMessage", channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)
        return result.get("ts") if result else None

    def _finish(self, channel: str, thread_ts: str, status_ts: str | None, text: str,
                blocks: list[dict[str, Any]] | None) -> bool:
        """Replace the status message with the final one (or post it when there is no status to replace)."""
        if status_ts and self._call("chat_update", channel=channel, ts=status_ts, text=text, blocks=blocks or []):
            return True
        return self._post(channel, thread_ts, text, blocks) is not None

    def _ephemeral(self, channel: str, user: str, thread_ts: str, text: str) -> None:
        """Only the asker sees refusals and limits; fall back to the thread if ephemeral messages are refused."""
        blocks = sb.notice_blocks(text)
        if not self._call("chat_postEphemeral", channel=channel, user=user, thread_ts=thread_ts, text=text,
                          blocks=blocks):
            self._post(channel, thread_ts, text, blocks)


# --- entry points ---------------------------------------------------------------------------------------------------
def build_slack_app(settings: Settings, analyst: Analyst, **kwargs: Any) -> App:
    """The Bolt App answering mentions, DMs and /shoplens (``app.shoplens_bot`` is the :class:`SlackBot`)."""
    bot = SlackBot(settings, analyst, **kwargs)
    bot.app.shoplens_bot = bot  # type: ignore[attr-defined]
    return bot.app


def mount_slack(fastapi_app: Any, settings: Settings, analyst: Analyst, *, path: str = "/slack/events",
                **kwargs: Any) -> SlackBot:
    """HTTP mode on an existing FastAPI app (e.g. the UI + API server): ``POST <path>`` with Slack's request
    signing (SLACK_SIGNING_SECRET). ``app.state.slack_bot`` is the SlackBot (call ``.close()`` on shutdown)."""
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bot = SlackBot(settings, analyst, http=True, **kwargs)

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if len(body) > 1_000_000:
            return Response("request too large", status_code=413)
        bolt_response = await run_in_threadpool(bot.app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(bolt_response)

    # First in the routing table, so that a catch-all mount at "/" (the chat page) cannot shadow it.
    fastapi_app.router.routes.insert(0, Route(path, slack_events, methods=["POST"], include_in_schema=False))
    fastapi_app.state.slack_bot = bot
    return bot


def run_socket_mode(bot: SlackBot, stop: threading.Event | None = None,
                    on_connected: Callable[[], None] | None = None) -> None:
    """Connect over Socket Mode (SLACK_APP_TOKEN) and serve until ``stop`` is set or Ctrl-C; closes the bot."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(bot.app, app_token=bot.settings.slack_app_token, web_client=bot.client)
    try:
        try:
            handler.connect()
            if not handler.client.is_connected():
                raise OSError("the WebSocket connection failed (see the log above)")
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            raise UserInputError(f"Slack refused SLACK_APP_TOKEN ({error}).",
                                 hint="Create an app-level token with the connections:write scope and turn Socket "
                                      f"Mode on; setup: {DOCS}.") from None
        except (SlackClientError, OSError) as exc:
            raise UserInputError(f"Cannot open the Socket Mode connection ({type(exc).__name__}: {exc}).",
                                 hint="Check the network/proxy (outbound WebSocket to wss-primary.slack.com).") from None
        log.info("connected to Slack over Socket Mode")
        if on_connected:
            on_connected()
        (stop or threading.Event()).wait()
    finally:
        handler.close()
        bot.close()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:60]
