"""Answer -> Slack Block Kit, and Slack text -> a question. Pure functions (no Slack calls), unit-tested.

Slack's limits shape everything here: a message holds at most 50 blocks, a section's text 3,000 characters, a
context block 10 elements of 3,000 characters each, and ``text`` (the notification fallback) should stay short.
Markdown from the Analyst becomes Slack ``mrkdwn``: ``**bold**`` -> ``*bold*``, ``*it*`` -> ``_it_``,
``[a](url)`` -> ``<url|a>``, headings -> bold lines, ``- item`` -> ``• item``, pipe tables -> code blocks, and
``&``, ``<``, ``>`` are escaped as Slack requires.
"""

from __future__ import annotations

import html
import re
from typing import Any

from shoplens.agent.events import Answer
from shoplens.agent.frontends.messages import message
from shoplens.tools.artifacts import Table

MAX_BLOCKS = 50
SECTION_CHARS = 2900  # Slack allows 3,000; keep room for the code fences we add
CONTEXT_ELEMENTS = 10
FALLBACK_CHARS = 600
TABLE_ROWS = 10
TABLE_COLUMNS = 6
CELL_CHARS = 32
MAX_TABLES = 2
SQL_CHARS = 1200
MAX_SQL = 3
MAX_ANSWER_CHARS = 12_000  # longer answers are unreadable in a thread (and Slack refuses very long messages)
SHORTENED = "_(answer shortened to fit in Slack)_"

_MODE_LABEL = {"llm": "language model", "offline": "offline planner"}


# --- markdown -> mrkdwn ---------------------------------------------------------------------------------------------
def escape(text: str) -> str:
    """Escape the three characters Slack treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_FENCE = re.compile(r"```[^\n`]*\n?(.*?)```", re.S)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.M)
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BOLD_MARK = "\x01"


def md_to_mrkdwn(md: str) -> str:
    """Convert the Analyst's markdown into Slack mrkdwn (code is kept verbatim, only escaped)."""
    if not md:
        return ""
    text = _tables_to_code(md.replace("\r\n", "\n"))
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    text = _FENCE.sub(lambda m: keep("```\n" + escape(m.group(1).strip("\n")) + "\n```"), text)
    text = _INLINE_CODE.sub(lambda m: keep("`" + escape(m.group(1)) + "`"), text)
    text = _LINK.sub(lambda m: keep(f"<{m.group(2)}|{escape(m.group(1)).replace('|', '¦')}>"), text)
    text = escape(text)
    text = _RULE.sub("───", text)
    text = _HEADING.sub(lambda m: f"{_BOLD_MARK}{m.group(1).strip('*_')}{_BOLD_MARK}", text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(1) or m.group(2)}{_BOLD_MARK}", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = text.replace(_BOLD_MARK, "*")
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text).strip()


def _tables_to_code(md: str) -> str:
    """Markdown pipe tables render as junk in Slack: put them in a code block, without the |---| line."""
    out: list[str] = []
    lines = md.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
            block = [lines[i]]
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                block.append(lines[i])
                i += 1
            rows = [[c.strip() for c in row.strip().strip("|").split("|")] for row in block]
            out.append("```\n" + _aligned(rows, numeric=_numeric_columns(rows[1:])) + "\n```")
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


# --- Slack text -> question -----------------------------------------------------------------------------------------
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_REF = re.compile(r"<#[CGD][A-Z0-9]+\|([^>]*)>")
_URL_REF = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+\|)?([^>|]+)(?:\|[^>]*)?>")


def clean_question(text: str, bot_user_id: str | None = None) -> str:
    """The question in a Slack message: the bot's mention removed, other markup turned back into plain text."""
    if not text:
        return ""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>[:,]?", " ", text)
    else:  # no bot id known: drop a leading mention (the one that addressed the bot)
        text = re.sub(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>[:,]?", " ", text)
    text = _USER_MENTION.sub(lambda m: "@" + m.group(1), text)
    text = _CHANNEL_REF.sub(lambda m: "#" + m.group(1), text)
    text = _URL_REF.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = html.unescape(text)
    return re.sub(r"\s+", " ", text).strip()


# --- tables ---------------------------------------------------------------------------------------------------------
def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _percent_column(name: str) -> bool:
    from shoplens.tools.formatting import fraction_column

    return "%" in name or fraction_column(name)


def cell_text(value: Any, percent: bool = False, decimals: int | None = None) -> str:
    """One table cell for people: thousands separators, fractions in share/rate columns as percentages;
    ``decimals`` fixes the decimals of a float column so that its values line up."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if percent and abs(value) <= 10:
            return f"{value * 100:,.1f}%"
        if decimals is not None:
            return f"{value:,.{decimals}f}"
        if value == int(value) and abs(value) >= 1:
            return f"{value:,.0f}"
        return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value).replace("\n", " ").replace("`", "'")
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _column_decimals(values: list[Any]) -> int | None:
    floats = [v for v in values if isinstance(v, float) and v == v]
    if not floats or all(abs(v) < 1 for v in floats):
        return None  # no floats, or small ratios: three significant digits each
    return 0 if all(v == int(v) for v in floats) else 2


def _numeric_columns(rows: list[list[Any]]) -> set[int]:
    numeric: set[int] = set()
    width = max((len(r) for r in rows), default=0)
    for i in range(width):
        values = [r[i] for r in rows if i < len(r) and r[i] not in (None, "")]
        if values and all(_is_number(v) or re.fullmatch(r"[-+$€£]?[\d,.]+[%KMB]?", str(v)) for v in values):
            numeric.add(i)
    return numeric


def _aligned(rows: list[list[str]], numeric: set[int]) -> str:
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(width)]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(widths[i]) if i in numeric else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("─" * w for w in widths))
    return "\n".join(lines)


def table_text(table: Table, max_rows: int = TABLE_ROWS, max_columns: int = TABLE_COLUMNS) -> str:
    """The first rows of a table as aligned monospaced text (header, rule, rows) plus a 'first N of M' note."""
    columns = table.columns[:max_columns]
    shown = table.rows[:max_rows]
    percent = {i for i, c in enumerate(columns) if _percent_column(c)}
    decimals = [_column_decimals([r[i] for r in shown if i < len(r)]) for i in range(len(columns))]
    body = [[cell_text(v, i in percent, decimals[i]) for i, v in enumerate(row[: len(columns)])] for row in shown]
    numeric = {i for i in range(len(columns)) if any(_is_number(r[i]) for r in shown if i < len(r))}
    text = _aligned([[cell_text(c) for c in columns], *body], numeric)
    notes = []
    total = table.total_rows if table.total_rows is not None else len(table.rows)
    if total > min(max_rows, len(table.rows)):
        notes.append(f"first {min(max_rows, len(table.rows))} of {total:,} rows")
    if len(table.columns) > max_columns:
        notes.append(f"{len(table.columns) - max_columns} more columns not shown")
    text = text if len(text) <= SECTION_CHARS - 200 else text[: SECTION_CHARS - 201] + "…"
    return text + (f"\n({'; '.join(notes)})" if notes else "")


# --- blocks ---------------------------------------------------------------------------------------------------------
def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t[:3000]} for t in texts[:CONTEXT_ELEMENTS]]}


def split_text(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """Split mrkdwn into chunks of at most ``limit`` characters, at paragraph, then line, then word boundaries,
    never inside a code block (a block longer than the limit is closed and reopened)."""
    chunks: list[str] = []
    current = ""
    for para in re.split(r"\n{2,}", text.strip()):
        for piece in _split_long(para, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks or [""]


def _split_long(para: str, limit: int) -> list[str]:
    if len(para) <= limit:
        return [para]
    fenced = para.startswith("```") and para.endswith("```")
    inner = para[3:-3].strip("\n") if fenced else para
    room = limit - 8 if fenced else limit
    pieces: list[str] = []
    for line in inner.split("\n"):
        while len(line) > room:
            cut = line.rfind(" ", 0, room)
            cut = cut if cut > room // 2 else room
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        pieces.append(line)
    parts: list[str] = []
    current: str | None = None
    for piece in pieces:
        candidate = piece if current is None else f"{current}\n{piece}"
        if len(candidate) <= room:
            current = candidate
        else:
            if current is not None:
                parts.append(current)
            current = piece
    if current is not None:
        parts.append(current)
    return [f"```\n{p}\n```" for p in parts] if fenced else parts


def status_blocks(text: str) -> list[dict[str, Any]]:
    """The short 'working…' message posted before the answer (and updated while tools run)."""
    return [context(f":hourglass_flowing_sand: {escape(text)}")]


def notice_blocks(text: str, emoji: str = ":information_source:") -> list[dict[str, Any]]:
    """A short message for refusals, limits, timeouts and errors (``text`` is mrkdwn)."""
    return [section(f"{emoji} {text}")]


def answer_blocks(answer: Answer, *, table_rows: int = TABLE_ROWS, max_tables: int = MAX_TABLES,
                  show_sql: bool = True, lang: str = "en") -> list[dict[str, Any]]:
    """The answer as Block Kit: text, clarifying choices, small tables, warnings, the SQL and a footer; the fixed
    words in ``lang``, the language of the question."""
    blocks: list[dict[str, Any]] = []
    body = md_to_mrkdwn(answer.answer) or "_I have no answer to that._"
    chunks = split_text(body)
    kept = [c for i, c in enumerate(chunks) if sum(len(x) for x in chunks[: i + 1]) <= MAX_ANSWER_CHARS] or chunks[:1]
    blocks += [section(chunk) for chunk in kept]
    if len(kept) < len(chunks):
        blocks.append(context(SHORTENED))
    if answer.choices:
        options = "\n".join(f"• {escape(c)}" for c in answer.choices[:10])
        blocks.append(section(f"{options}"))
        blocks.append(context(message("choose", lang)))
    for table in answer.tables[:max_tables]:
        title = f"*{escape(table.title)}*\n" if table.title else ""
        blocks.append(section(f"{title}```\n{escape(table_text(table, table_rows))}\n```"))
    if answer.warnings:
        blocks.append(context(*[f":warning: {escape(w)}" for w in answer.warnings]))
    if show_sql and answer.sql:
        blocks.append(sql_context(answer.sql))
    blocks.append(context(footer_text(answer, lang)))
    if len(blocks) > MAX_BLOCKS:  # keep the footer; say that something was cut
        blocks = [*blocks[: MAX_BLOCKS - 2], context(SHORTENED), blocks[-1]]
    return blocks


def sql_context(statements: list[str]) -> dict[str, Any]:
    """The SQL behind the numbers, small and grey: one context element per statement (at most three)."""
    elements = []
    for i, sql in enumerate(statements[:MAX_SQL]):
        one = re.sub(r"\s+", " ", sql).strip()
        if len(one) > SQL_CHARS:
            one = one[:SQL_CHARS] + " …"
        label = "SQL" if len(statements) == 1 else f"SQL {i + 1}"
        elements.append(f"*{label}:* ```{escape(one)}```")
    if len(statements) > MAX_SQL:
        elements.append(f"_+{len(statements) - MAX_SQL} more statements_")
    return context(*elements)


def footer_text(answer: Answer, lang: str = "en") -> str:
    parts = [_MODE_LABEL.get(answer.mode, answer.mode)]
    if answer.period:
        parts.append(escape(answer.period.label))
    if answer.charts:
        parts.append(message("charts_below", lang, n=len(answer.charts), s="s" if len(answer.charts) > 1 else ""))
    parts.append(f"{answer.elapsed_ms / 1000:.1f} s")
    return "ShopLens · " + " · ".join(parts)


def fallback_text(answer: Answer, lang: str = "en") -> str:
    """Plain text for notifications and clients without Block Kit: the first lines of the answer."""
    text = md_to_mrkdwn(answer.answer) or message("no_answer", lang)
    return text if len(text) <= FALLBACK_CHARS else text[: FALLBACK_CHARS - 1].rsplit(" ", 1)[0] + "…"
