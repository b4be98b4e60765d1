"""The Slack bot end to end: Bolt (HTTP mode, mounted on FastAPI) receives SIGNED event and slash-command requests and
talks to a mock Slack Web API on 127.0.0.1 (tests/fakes/fake_slack.py); the real Analyst answers with the offline
planner on the session warehouse. Also: Socket Mode wiring, the CLI's messages and log masking."""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from fakes.fake_slack import APP_TOKEN, BOT_ID, BOT_USER_ID, TEAM_ID, FakeSlack
from fastapi import FastAPI
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from shoplens.agent.analyst import Analyst
from shoplens.agent.frontends.slack_app import (
    RateLimiter,
    SecretMasker,
    SlackBot,
    build_slack_app,
    config_problems,
    install_log_masking,
    mount_slack,
)

SECRET = "8f2d1c0b9a7e6d5c4b3a29180f7e6d5c"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_ts = itertools.count(1)


def new_ts() -> str:
    return f"1700000000.{next(_ts):06d}"


# --- harness --------------------------------------------------------------------------------------------------------
class Harness:
    """A FastAPI app with the Slack endpoint mounted, a TestClient, and helpers to send signed Slack requests."""

    def __init__(self, bot: SlackBot, app: FastAPI, slack: FakeSlack) -> None:
        self.bot, self.slack = bot, slack
        self.http = TestClient(app)
        self._event_ids = itertools.count(1)

    def post(self, body: str, content_type: str, *, secret: str = SECRET, signed_at: int | None = None,
             headers: dict[str, str] | None = None, sign: bool = True) -> Any:
        stamp = str(int(time.time()) if signed_at is None else signed_at)
        head = {"Content-Type": content_type, **(headers or {})}
        if sign:
            head["X-Slack-Request-Timestamp"] = stamp
            head["X-Slack-Signature"] = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
        return self.http.post("/slack/events", content=body.encode(), headers=head)

    def event(self, event: dict[str, Any], **kwargs: Any) -> Any:
        body = {"token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0SHOP", "event": event,
                "type": "event_callback", "event_id": f"Ev{next(self._event_ids):06d}", "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]}
        return self.post(json.dumps(body), "application/json", **kwargs)

    def command(self, text: str, *, user: str = "U1", channel: str = "C1", **kwargs: Any) -> Any:
        form = {"token": "legacy", "team_id": TEAM_ID, "channel_id": channel, "channel_name": "analytics",
                "user_id": user, "user_name": "ana", "command": "/shoplens", "text": text,
                "api_app_id": "A0SHOP", "response_url": f"{self.slack.url}/response/1", "trigger_id": "1.2.3"}
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded", **kwargs)

    def wait(self) -> None:
        assert self.bot.wait_idle(30), "the bot did not finish handling its requests"

    # what the bot sent to Slack
    def posts(self) -> list[dict[str, Any]]:
        return [c.params for c in self.slack.calls_to("chat.postMessage")]

    def final_texts(self) -> list[str]:
        """The text of every answer message (chat.update of the status, or a new message), blocks flattened."""
        out = []
        for call in self.slack.calls:
            if call.method in ("chat.update", "chat.postMessage"):
                out.append(block_text(call.params))
        return out


def block_text(params: dict[str, Any]) -> str:
    parts = [params.get("text", "")]
    for block in params.get("blocks") or []:
        if isinstance(block, str):  # form-encoded calls send JSON text
            continue
        if block.get("text"):
            parts.append(block["text"]["text"])
        parts += [e.get("text", "") for e in block.get("elements", [])]
    return "\n".join(parts)


def mention(text: str, *, user: str = "U1", channel: str = "C1", ts: str | None = None,
            thread_ts: str | None = None) -> dict[str, Any]:
    ts = ts or new_ts()
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "channel": channel,
             "event_ts": ts, "channel_type": "channel"}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def dm(text: str, *, user: str = "U1", channel: str = "D1", ts: str | None = None, **extra: Any) -> dict[str, Any]:
    ts = ts or new_ts()
    return {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text, "ts": ts,
            "event_ts": ts, **extra}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class GatedAnalyst:
    """The real Analyst behind a gate: answers only once ``gate`` is set (to observe what happens before)."""

    def __init__(self, inner: Analyst) -> None:
        self.inner = inner
        self.sessions = inner.sessions
        self.gate = threading.Event()

    def stream(self, question: str, session_id: str | None = None) -> Iterator[Any]:
        if not self.gate.wait(20):
            raise RuntimeError("gate never opened")
        yield from self.inner.stream(question, session_id)


@pytest.fixture()
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(max_seconds=60) as fake:
        yield fake


@pytest.fixture()
def analyst(settings: Any, tool_ctx: Any) -> Analyst:
    return Analyst(settings, ctx=tool_ctx)  # shares the session's warehouse connection (never closed here)


@pytest.fixture()
def make(settings: Any, slack: FakeSlack, analyst: Analyst) -> Iterator[Any]:
    bots: list[SlackBot] = []

    def build(*, the_analyst: Any = None, **changes: Any) -> Harness:
        bot_kwargs = {k: changes.pop(k) for k in ("clock", "answer_timeout_s") if k in changes}
        s = settings.replace(slack_bot_token=slack.bot_token, slack_app_token=APP_TOKEN,
                             slack_signing_secret=SECRET, slack_api_url=slack.api_url, **changes)
        app = FastAPI()
        bot = mount_slack(app, s, the_analyst or analyst, **bot_kwargs)
        bots.append(bot)
        return Harness(bot, app, slack)

    yield build
    for bot in bots:
        bot.wait_idle(10)
        bot.close()


# --- answering ------------------------------------------------------------------------------------------------------
def test_mention_gets_a_threaded_answer_with_the_chart_uploaded(make: Any, slack: FakeSlack) -> None:
    h = make()
    ts = new_ts()
    response = h.event(mention("chart revenue by channel in 2025", ts=ts))
    assert response.status_code == 200
    h.wait()

    status = h.posts()[0]
    assert status["thread_ts"] == ts and status["channel"] == "C1" and "Working" in status["text"]
    status_ts = slack.calls_to("chat.postMessage")[0].response["ts"]
    update = slack.calls_to("chat.update")[-1].params
    assert update["ts"] == status_ts
    text = block_text(update)
    assert "*Revenue by sales channel*, 2025" in text and "**" not in text  # markdown became mrkdwn
    assert "web" in text and "```" in text  # the small table
    sql = [e["text"] for b in update["blocks"] if b["type"] == "context" for e in b["elements"] if "SQL" in e["text"]]
    assert sql and "SELECT" in sql[0]  # the SQL sits in a context block

    get_url = slack.calls_to("files.getUploadURLExternal")
    assert len(get_url) == 1 and get_url[0].params["filename"].endswith(".png")
    file_id = get_url[0].response["file_id"]
    assert slack.uploads[file_id].startswith(PNG_MAGIC)
    assert len(slack.uploads[file_id]) == int(get_url[0].params["length"])
    complete = slack.calls_to("files.completeUploadExternal")[0].params
    assert complete["thread_ts"] == ts and complete["channel_id"] == "C1"
    assert [f["id"] for f in json.loads(complete["files"])] == [file_id]
    assert {c.token for c in slack.calls} == {slack.bot_token}


def test_a_follow_up_in_the_thread_keeps_the_context(make: Any, slack: FakeSlack, analyst: Analyst) -> None:
    h = make()
    root = new_ts()
    h.event(mention("revenue by channel in 2025", ts=root))
    h.wait()
    h.event(mention("and for 2024?", ts=new_ts(), thread_ts=root))
    h.wait()
    answer = block_text(slack.calls_to("chat.update")[-1].params)
    assert "Revenue by sales channel*, 2024" in answer and "2025" not in answer.split("SQL")[0]
    assert all(p["thread_ts"] == root for p in h.posts())
    assert len(analyst.sessions.get(f"slack:C1:{root}", create=False).turns) == 2

    # the same words in a new thread have no context: no breakdown by channel
    h.event(mention("and for 2024?"))
    h.wait()
    assert "sales channel" not in block_text(slack.calls_to("chat.update")[-1].params)


def test_direct_messages_are_answered_in_their_thread(make: Any, slack: FakeSlack) -> None:
    h = make()
    ts = new_ts()
    h.event(dm("revenue in 2025", ts=ts))
    h.wait()
    assert h.posts()[0]["thread_ts"] == ts and h.posts()[0]["channel"] == "D1"
    assert "Revenue*, 2025" in block_text(slack.calls_to("chat.update")[-1].params)


def test_slack_retries_of_the_same_message_are_answered_once(make: Any, slack: FakeSlack) -> None:
    h = make()
    event = mention("revenue in 2025")
    h.event(event)
    h.event(event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    h.wait()
    assert len([p for p in h.posts() if "Working" in p["text"]]) == 1


def test_an_empty_mention_gets_help(make: Any, slack: FakeSlack) -> None:
    h = make()
    h.event(mention(""))
    h.wait()
    assert "revenue by channel in 2025" in h.posts()[0]["text"] and not slack.calls_to("chat.update")


# --- security -------------------------------------------------------------------------------------------------------
def test_bad_signatures_and_stale_timestamps_are_rejected(make: Any, slack: FakeSlack) -> None:
    h = make()
    assert h.event(mention("revenue in 2025"), secret="not-the-signing-secret").status_code == 401
    assert h.event(mention("revenue in 2025"), signed_at=int(time.time()) - 600).status_code == 401
    assert h.event(mention("revenue in 2025"), sign=False).status_code == 401
    assert h.command("revenue in 2025", secret="not-the-signing-secret").status_code == 401
    h.wait()
    assert not [m for m in slack.methods() if m.startswith(("chat.", "files."))]


def test_url_verification_challenge_is_answered_when_signed(make: Any) -> None:
    h = make()
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    response = h.post(body, "application/json")
    assert response.status_code == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def test_the_endpoint_is_not_shadowed_by_a_catch_all_mount(settings: Any, slack: FakeSlack, analyst: Analyst) -> None:
    from starlette.responses import PlainTextResponse

    app = FastAPI()
    app.mount("/", lambda scope, receive, send: PlainTextResponse("chat page")(scope, receive, send))
    s = settings.replace(slack_bot_token=slack.bot_token, slack_signing_secret=SECRET, slack_api_url=slack.api_url)
    bot = mount_slack(app, s, analyst)
    try:
        h = Harness(bot, app, slack)
        assert h.event(mention("revenue in 2025"), secret="wrong").status_code == 401  # reached Bolt
        assert h.http.get("/").text == "chat page"
    finally:
        bot.close()


def test_a_user_outside_the_allow_list_gets_a_polite_refusal(make: Any, slack: FakeSlack, analyst: Analyst) -> None:
    h = make(slack_allowed_users=("U_ANA",))
    ts = new_ts()
    h.event(mention("revenue in 2025", user="U_STRANGER", ts=ts))
    h.wait()
    refusal = slack.calls_to("chat.postEphemeral")
    assert len(refusal) == 1
    assert refusal[0].params["user"] == "U_STRANGER" and refusal[0].params["thread_ts"] == ts
    assert "Sorry" in refusal[0].params["text"] and "allow-list" in refusal[0].params["text"]
    assert not h.posts() and not analyst.sessions.get(f"slack:C1:{ts}", create=True).turns

    h.event(mention("revenue in 2025", user="U_ANA"))  # the allowed user is answered
    h.wait()
    assert "Revenue*, 2025" in block_text(slack.calls_to("chat.update")[-1].params)


def test_the_channel_allow_list_and_direct_messages(make: Any, slack: FakeSlack) -> None:
    h = make(slack_allowed_channels=("C_DATA",))
    h.event(mention("revenue in 2025", channel="C_OTHER"))
    h.event(dm("revenue in 2025"))  # DMs need "im" in the list
    h.wait()
    texts = [c.params["text"] for c in slack.calls_to("chat.postEphemeral")]
    assert len(texts) == 2 and all("<#C_DATA>" in t for t in texts) and not h.posts()

    h2 = make(slack_allowed_channels=("C_DATA", "im"))
    h2.event(dm("revenue in 2025"))
    h2.wait()
    assert any("Working" in p["text"] for p in h2.posts())


def test_the_bot_ignores_its_own_and_other_bots_messages(make: Any, slack: FakeSlack) -> None:
    h = make()
    h.event(dm("revenue in 2025", user=BOT_USER_ID))  # its own user id
    h.event(dm("Working on it…", bot_id=BOT_ID, subtype="bot_message"))  # its own bot message
    h.event(dm("revenue in 2025", user="U_OTHERBOT", bot_id="B_OTHER"))  # another bot
    h.event(dm("revenue in 2025", subtype="message_changed"))  # edits
    h.event({**dm("revenue in 2025"), "channel_type": "channel", "channel": "C1"})  # channel chatter, no mention
    h.event(mention("revenue in 2025", user=BOT_USER_ID))
    h.wait()
    assert not [m for m in slack.methods() if m.startswith(("chat.", "files."))]

    h.event(dm("revenue in 2025"))  # a person's DM is answered
    h.wait()
    assert len(h.posts()) == 1


def test_the_per_user_rate_limit(make: Any, slack: FakeSlack) -> None:
    clock = FakeClock()
    h = make(slack_rate_limit_per_min=2, clock=clock)
    for _ in range(3):
        h.event(dm("revenue in 2025"))
        h.wait()
    working = [p for p in h.posts() if "Working" in p["text"]]
    limited = slack.calls_to("chat.postEphemeral")
    assert len(working) == 2 and len(limited) == 1
    assert "a minute" in limited[0].params["text"] and "30 s" in limited[0].params["text"]

    h.event(dm("revenue in 2025", user="U2"))  # another person is not limited
    h.wait()
    clock.now += 30  # one token back
    h.event(dm("revenue in 2025"))
    h.wait()
    assert len([p for p in h.posts() if "Working" in p["text"]]) == 4 and len(slack.calls_to("chat.postEphemeral")) == 1


def test_rate_limiter_refills_over_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(6, clock)  # 6 a minute: one every 10 s
    assert [limiter.take("u") for _ in range(6)] == [0.0] * 6
    assert limiter.take("u") == pytest.approx(10.0)
    clock.now += 5
    assert limiter.take("u") == pytest.approx(5.0)
    clock.now += 5
    assert limiter.take("u") == 0.0
    assert RateLimiter(0, clock).take("u") == 0.0  # 0 disables the limit


# --- slash command --------------------------------------------------------------------------------------------------
def test_slash_command_acks_before_answering_then_answers_in_a_thread(make: Any, slack: FakeSlack,
                                                                     analyst: Analyst) -> None:
    gated = GatedAnalyst(analyst)
    h = make(the_analyst=gated)
    for i in range(10):  # more questions in flight than answer workers: the listeners must stay free
        h.event(dm("revenue in 2025", user=f"U_BUSY{i}"))
    response = h.command("revenue by channel in 2025")
    assert response.status_code == 200 and response.text == ""  # acked while no answer can have started
    assert not slack.calls_to("chat.update")
    gated.gate.set()
    h.wait()
    root = next(c for c in slack.calls_to("chat.postMessage") if "asked" in c.params["text"])
    assert "thread_ts" not in root.params and "<@U1>" in root.params["text"] and root.params["channel"] == "C1"
    status = [p for p in h.posts() if p.get("thread_ts") == root.response["ts"]]
    assert len(status) == 1 and "Working" in status[0]["text"]
    answers = [block_text(c.params) for c in slack.calls_to("chat.update")]
    assert len(answers) == 11 and sum("Revenue by sales channel*, 2025" in a for a in answers) == 1


def test_slash_command_help_refusal_and_not_in_channel(make: Any, slack: FakeSlack) -> None:
    h = make(slack_allowed_users=("U1",))
    assert "revenue by channel" in h.command("").text
    refused = h.command("revenue in 2025", user="U9").text
    assert "Sorry" in refused and "allow-list" in refused
    slack.fail("chat.postMessage", "not_in_channel")
    assert h.command("revenue in 2025", channel="C_PRIVATE").status_code == 200
    h.wait()
    assert slack.responses and "invite me" in slack.responses[0]["text"]
    assert slack.responses[0]["response_type"] == "ephemeral"


# --- failures become friendly messages ------------------------------------------------------------------------------
def test_an_answer_past_the_time_limit_gets_a_friendly_message(make: Any, slack: FakeSlack, analyst: Analyst) -> None:
    gated = GatedAnalyst(analyst)
    h = make(the_analyst=gated, answer_timeout_s=0.2)
    h.event(dm("revenue in 2025"))
    assert h.bot.wait_idle(10)
    gated.gate.set()  # let the abandoned worker finish
    text = block_text(slack.calls_to("chat.update")[-1].params)
    assert "took longer than" in text and "Traceback" not in text


class SlowStepAnalyst:
    """A step that runs until the test has seen the status update for it."""

    def __init__(self, slack: FakeSlack) -> None:
        self.slack, self.sessions = slack, None

    def stream(self, question: str, session_id: str | None = None) -> Iterator[Any]:
        from shoplens.agent.events import Answer, FinalAnswer, StepFinished, StepStarted, TextDelta

        yield StepStarted(1, "query_metric", {})  # quick: never shown
        yield StepFinished(1, "query_metric", {}, True, 5.0)
        yield StepStarted(2, "forecast", {})
        self.slack.wait_for("chat.update", 1, timeout=10)  # shown while it runs
        yield TextDelta("Revenue will grow.")
        yield FinalAnswer(Answer(question=question, mode="offline", answer="**Revenue** will grow."))


def test_a_slow_step_is_shown_in_the_status(make: Any, slack: FakeSlack) -> None:
    h = make(the_analyst=SlowStepAnalyst(slack))
    h.bot.progress_after_s = 0.05
    h.event(dm("forecast revenue"))
    h.wait()
    updates = [c.params["text"] for c in slack.calls_to("chat.update")]
    assert updates == ["Working on it… (forecast)", "*Revenue* will grow."]


class BrokenAnalyst:
    sessions = None

    def stream(self, question: str, session_id: str | None = None) -> Iterator[Any]:
        raise RuntimeError("database exploded with token xoxb-9999-secret")
        yield  # pragma: no cover


def test_unexpected_errors_become_a_friendly_message(make: Any, slack: FakeSlack,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    h = make(the_analyst=BrokenAnalyst())
    with caplog.at_level(logging.ERROR, logger="shoplens.slack"):
        h.event(dm("revenue in 2025"))
        h.wait()
    text = block_text(slack.calls_to("chat.update")[-1].params)
    assert "something went wrong" in text and "exploded" not in text
    assert "exploded" in caplog.text and "xoxb-9999-secret" not in caplog.text  # logged, masked


def test_refused_blocks_fall_back_to_a_new_message(make: Any, slack: FakeSlack) -> None:
    h = make()
    slack.fail("chat.update", "invalid_blocks")
    h.event(dm("revenue in 2025"))
    h.wait()
    assert "Revenue*, 2025" in block_text(slack.calls_to("chat.postMessage")[-1].params)


def test_a_failed_chart_upload_is_reported_in_the_thread(make: Any, slack: FakeSlack) -> None:
    h = make()
    slack.fail("files.getUploadURLExternal", "missing_scope")
    ts = new_ts()
    h.event(mention("chart revenue by channel in 2025", ts=ts))
    h.wait()
    last = h.posts()[-1]
    assert last["thread_ts"] == ts and "files:write" in last["text"]


# --- secrets --------------------------------------------------------------------------------------------------------
def test_tokens_never_appear_in_logs(make: Any, slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    h = make()
    with caplog.at_level(logging.DEBUG):  # slack_sdk logs every request and response at DEBUG
        h.event(mention("chart revenue by channel in 2025"))
        h.event(mention("revenue in 2025"), secret="wrong")  # Bolt logs the rejected request
        h.wait()
        logging.getLogger("anything.else").warning("config: bot=%s app=%s secret=%s", slack.bot_token, APP_TOKEN,
                                                   SECRET)
        try:
            raise ValueError(f"bad token {slack.bot_token}")
        except ValueError:
            logging.getLogger("shoplens.slack").exception("failed")
    assert "files.completeUploadExternal" in caplog.text  # the DEBUG request logs were captured
    for secret in (slack.bot_token, APP_TOKEN, SECRET):
        assert secret not in caplog.text
    assert "xoxb-***" in caplog.text and "xapp-***" in caplog.text


def test_secret_masker() -> None:
    masker = SecretMasker(["s3cr3t-signing-value", None, "EMPTY"])
    text = masker.mask("a xoxb-123-456-abc b xapp-1-A2-xyz c xoxp-9-9 Authorization: Bearer abc.def s3cr3t-signing-value")
    assert text == "a xoxb-*** b xapp-*** c xoxp-*** Authorization: Bearer *** ***"
    assert masker.mask("EMPTY stays") == "EMPTY stays"


def test_masked_records_keep_their_argument_shape() -> None:
    install_log_masking("another-secret-value")
    logger = logging.getLogger("shoplens.test.masking")
    plain = logger.makeRecord("x", logging.INFO, __file__, 1, '%s - "%s %s"', ("127.0.0.1", "GET", "/"), None)
    assert plain.args == ("127.0.0.1", "GET", "/")  # e.g. uvicorn's access formatter unpacks these
    secret = logger.makeRecord("x", logging.INFO, __file__, 1, "%s %d", ("another-secret-value", 3), None)
    assert secret.args == ("***", 3) and secret.getMessage() == "*** 3"
    hidden = logger.makeRecord("x", logging.INFO, __file__, 1, "%s", ({"token": "xoxb-1-2-3"},), None)
    assert hidden.getMessage() == "{'token': 'xoxb-***'}"


def test_log_masking_applies_to_handlers_added_later(capsys: pytest.CaptureFixture[str]) -> None:
    install_log_masking("another-secret-value")
    logger = logging.getLogger("shoplens.test.masking")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("value=%s token=%s", "another-secret-value", "xoxb-1-2-3")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    err = capsys.readouterr().err
    assert "value=*** token=xoxb-***" in err


# --- configuration ----------------------------------------------------------------------------------------------------
def test_config_problems_name_the_env_var(settings: Any) -> None:
    assert any("SLACK_BOT_TOKEN" in p for p in config_problems(settings))
    s = settings.replace(slack_bot_token="xoxb-1")
    assert any("SLACK_APP_TOKEN" in p for p in config_problems(s))
    assert any("SLACK_SIGNING_SECRET" in p for p in config_problems(s, http=True))
    swapped = settings.replace(slack_bot_token="xapp-1", slack_app_token="xoxb-1")
    assert any("swap" in p for p in config_problems(swapped))
    assert config_problems(settings.replace(slack_bot_token="xoxb-1", slack_app_token="xapp-1")) == []


def test_build_slack_app_needs_the_secret_in_http_mode(settings: Any, analyst: Analyst) -> None:
    from shoplens.data.errors import UserInputError

    with pytest.raises(UserInputError, match="SLACK_SIGNING_SECRET"):
        build_slack_app(settings.replace(slack_bot_token="xoxb-1"), analyst, http=True)
    app = build_slack_app(settings.replace(slack_bot_token="xoxb-1", slack_app_token="xapp-1"), analyst)
    assert app.shoplens_bot.client.base_url == settings.slack_api_url  # type: ignore[attr-defined]
    app.shoplens_bot.close()  # type: ignore[attr-defined]


# --- Answer -> Block Kit (pure functions) ----------------------------------------------------------------------------
def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    """Slack's limits: 50 blocks, 3,000 characters per section text and per context element, 10 elements."""
    assert 0 < len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= 3000 and block["text"]["type"] == "mrkdwn"
        elif block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10
            assert all(0 < len(e["text"]) <= 3000 for e in block["elements"])


def test_markdown_becomes_slack_mrkdwn() -> None:
    from shoplens.agent.frontends.slack_blocks import md_to_mrkdwn

    assert md_to_mrkdwn("**Revenue** rose, *mostly* in __web__ ~~today~~") == "*Revenue* rose, _mostly_ in *web* ~today~"
    assert md_to_mrkdwn("## Top products\n- one\n* two") == "*Top products*\n• one\n• two"
    assert md_to_mrkdwn("see [the docs](https://example.com/a?b=1&c=2)") == "see <https://example.com/a?b=1&c=2|the docs>"
    assert md_to_mrkdwn("A & B <script> 3 > 2") == "A &amp; B &lt;script&gt; 3 &gt; 2"
    assert md_to_mrkdwn("`x **y** < 1`") == "`x **y** &lt; 1`"  # code is kept, only escaped
    assert md_to_mrkdwn("```sql\nSELECT a*b FROM t WHERE a < 2\n```") == "```\nSELECT a*b FROM t WHERE a &lt; 2\n```"
    table = md_to_mrkdwn("| Channel | Revenue |\n|---|---:|\n| web | 339 |\n| app | 1,254 |")
    assert table == "```\nChannel  Revenue\n───────  ───────\nweb          339\napp        1,254\n```"
    assert md_to_mrkdwn("2 * 3 * 4 and a*b") == "2 * 3 * 4 and a*b"  # stray stars are not italics


def test_the_question_is_cleaned_of_slack_markup() -> None:
    from shoplens.agent.frontends.slack_blocks import clean_question

    assert clean_question("<@UBOT> revenue by channel in 2025", "UBOT") == "revenue by channel in 2025"
    assert clean_question("hey <@UBOT|shoplens>: margin &amp; returns", "UBOT") == "hey margin & returns"
    assert clean_question("<@UBOT> compare <#C1|web-team> for <@U7>", "UBOT") == "compare #web-team for @U7"
    assert clean_question("<@UBOT> see <https://x.io/a|the report> <!here>", "UBOT") == "see the report @here"
    assert clean_question("<@UBOT>", "UBOT") == "" and clean_question("<@UX1> revenue", None) == "revenue"


def test_table_text_formats_and_truncates() -> None:
    from shoplens.agent.frontends.slack_blocks import table_text
    from shoplens.tools.artifacts import Table

    rows = [[f"product {i}", 1000.5 * i, 0.01 * i, i, None, "x", "y"] for i in range(25)]
    table = Table("t", ["Product", "Revenue", "Share", "Units", "Note", "A", "B"], rows, total_rows=250)
    text = table_text(table, max_rows=10)
    lines = text.splitlines()
    assert lines[0].split() == ["Product", "Revenue", "Share", "Units", "Note", "A"]
    assert lines[1].startswith("─") and len(lines) == 2 + 10 + 1
    assert "product 3" in lines[5] and "3,001.50" in lines[5] and "3.0%" in lines[5]
    assert lines[-1] == "(first 10 of 250 rows; 1 more columns not shown)"
    assert lines[4].index("2,001.00") == lines[11].index("9,004.50")  # one number of decimals, right-aligned
    assert table_text(Table("t", ["Ratio", "N"], [[0.0123, 1.0], [0.5, 2.0]])).splitlines()[2].split() == ["0.0123", "1"]


def test_answer_blocks_respect_slack_limits() -> None:
    import datetime as dt

    from shoplens.agent.events import Answer
    from shoplens.agent.frontends.slack_blocks import answer_blocks, fallback_text
    from shoplens.tools.artifacts import Period, Table

    long_text = "\n\n".join(f"**Paragraph {i}** " + "word " * 150 for i in range(60))
    answer = Answer(question="q", mode="offline", answer=long_text,
                    period=Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2025"),
                    tables=[Table(f"T{i}", ["a"], [[i]]) for i in range(5)],
                    sql=[f"SELECT {i} " + "x, " * 800 for i in range(5)],
                    warnings=[f"warning {i}" for i in range(15)], elapsed_ms=1234)
    blocks = answer_blocks(answer)
    assert_valid_blocks(blocks)
    assert blocks[-1]["elements"][0]["text"] == "ShopLens · offline planner · 2025 · 1.2 s"
    assert sum(len(b["text"]["text"]) for b in blocks if b["type"] == "section") < 13_000
    assert [b for b in blocks if b["type"] == "context" and "shortened" in b["elements"][0]["text"]]
    assert len(fallback_text(answer)) <= 600

    short = Answer(question="q", mode="llm", answer="**Revenue**: $1.2M", tables=answer.tables, sql=answer.sql,
                   warnings=answer.warnings, choices=["revenue", "units"])
    blocks = answer_blocks(short)
    assert_valid_blocks(blocks)
    kinds = [b["type"] for b in blocks]
    assert kinds == ["section", "section", "context", "section", "section", "context", "context", "context"]
    assert blocks[0]["text"]["text"] == "*Revenue*: $1.2M" and "• revenue" in blocks[1]["text"]["text"]
    sql = blocks[-2]["elements"]
    assert len(sql) == 4 and sql[0]["text"].startswith("*SQL 1:* ```SELECT 0") and sql[-1]["text"] == "_+2 more statements_"
    assert "language model" in blocks[-1]["elements"][0]["text"]


def test_split_text_keeps_code_blocks_closed() -> None:
    from shoplens.agent.frontends.slack_blocks import split_text

    code = "```\n" + "\n".join(f"row {i:04d} " + "x" * 40 for i in range(200)) + "\n```"
    chunks = split_text("intro\n\n" + code + "\n\noutro", limit=1000)
    assert all(len(c) <= 1000 for c in chunks) and len(chunks) > 5
    assert all(c.count("```") % 2 == 0 for c in chunks)
    assert chunks[0].startswith("intro") and chunks[-1].endswith("outro")
    assert "".join(chunks).count("row ") == 200


# --- the CLI --------------------------------------------------------------------------------------------------------
@pytest.fixture()
def cli(tmp_path: Any, demo_db: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `shoplens slack ...` through the CLI's error boundary; returns (exit code, stderr)."""
    import typer

    from shoplens.agent.cli import cmd_slack
    from shoplens.agent.cli.common import run_cli

    app = typer.Typer()
    cmd_slack.register(app)

    @app.callback()
    def root() -> None:
        """ShopLens."""

    monkeypatch.setenv("SHOPLENS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHOPLENS_DB", str(demo_db))

    def invoke(*args: str, **env: str) -> tuple[int, str]:
        for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SHOPLENS_SLACK_API_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        rc = run_cli(app, ["slack", *args])
        captured = capsys.readouterr()
        return rc, " ".join((captured.out + captured.err).split())

    return invoke


def test_cli_says_which_token_is_missing(cli: Any) -> None:
    rc, out = cli()
    assert rc == 2 and "SLACK_BOT_TOKEN" in out and "SLACK_APP_TOKEN" in out and "docs/slack.md" in out
    rc, out = cli(SLACK_BOT_TOKEN="xoxb-1")
    assert rc == 2 and "SLACK_APP_TOKEN is not set" in out and "SLACK_BOT_TOKEN" not in out
    rc, out = cli("--http", SLACK_BOT_TOKEN="xoxb-1")
    assert rc == 2 and "SLACK_SIGNING_SECRET is not set" in out


def test_cli_socket_mode_reports_refused_tokens(cli: Any, slack: FakeSlack) -> None:
    env = {"SHOPLENS_SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": slack.bot_token}
    rc, out = cli(**env, SLACK_APP_TOKEN="xapp-1-not-the-right-one")
    assert rc == 2 and "Slack refused SLACK_APP_TOKEN (invalid_auth)" in out
    assert slack.calls_to("apps.connections.open")[0].token == "xapp-1-not-the-right-one"  # Socket Mode was tried

    rc, out = cli(**{**env, "SLACK_BOT_TOKEN": "xoxb-0-wrong"}, SLACK_APP_TOKEN=slack.app_token)
    assert rc == 2 and "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in out

    rc, out = cli(**env, SLACK_APP_TOKEN=slack.app_token)  # the tokens are fine but the WebSocket cannot connect
    assert rc == 2 and "Cannot open the Socket Mode connection" in out and "Signed in to Slack workspace" in out
    assert slack.bot_token not in out and slack.app_token not in out


def test_the_shared_server_mounts_slack_when_configured(settings: Any, slack: FakeSlack, analyst: Analyst) -> None:
    from shoplens.agent.frontends.server import build_app

    s = settings.replace(slack_bot_token=slack.bot_token, slack_signing_secret=SECRET, slack_api_url=slack.api_url)
    app = build_app(s, analyst, ui=False)
    try:
        h = Harness(app.state.slack_bot, app, slack)
        assert h.event(mention("revenue in 2025"), secret="wrong").status_code == 401  # Bolt checked the signature
        assert h.http.get("/api/health").status_code == 200
    finally:
        app.state.slack_bot.close()
    plain = build_app(settings, analyst, ui=False)
    assert not hasattr(plain.state, "slack_bot")


def test_a_chinese_question_gets_chinese_status_and_fixed_words(make: Any, slack: FakeSlack) -> None:
    h = make(the_analyst=SlowStepAnalyst(slack))
    h.bot.progress_after_s = 0.05
    h.event(dm("预测未来8周的销售额"))
    h.wait()
    assert slack.calls_to("chat.postMessage")[0].params["text"] == "正在查询…"
    updates = [c.params["text"] for c in slack.calls_to("chat.update")]
    assert updates[0] == "正在查询…（预测）"


def test_a_chinese_question_answered_end_to_end_in_slack(make: Any, slack: FakeSlack) -> None:
    h = make()
    h.event(mention("去年各渠道的销售额，画成柱状图", ts=new_ts()))
    h.wait()
    assert "正在查询" in h.posts()[0]["text"]
    update = slack.calls_to("chat.update")[-1].params
    text = block_text(update)
    assert "销售额" in text and "渠道" in text and "占比" in text  # the answer and its table headers
    footer = [e["text"] for b in update["blocks"] if b["type"] == "context" for e in b["elements"]][-1]
    assert "图表见下方" in footer and "chart" not in footer
    broken = make(the_analyst=BrokenAnalyst())
    broken.event(dm("去年的销售额"))
    broken.wait()
    assert "出错" in block_text(slack.calls_to("chat.update")[-1].params)
