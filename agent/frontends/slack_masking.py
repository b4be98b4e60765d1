"""Secrets never reach a log: Slack tokens (``xoxb-…``, ``xapp-…``), bearer credentials and every configured secret
are masked in each log record of the process, whatever handler later writes it."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

_TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+")
_BEARER = re.compile(r"(Bearer\s+)[^\s'\",}]+", re.I)


class SecretMasker:
    """Masks Slack tokens (``xoxb-…``, ``xapp-…``), bearer credentials and any configured secret value."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        with self._lock:
            self._secrets.update(s for s in secrets if s and len(s) >= 6 and s != "EMPTY")

    def mask(self, text: str) -> str:
        if not text:
            return text
        text = _TOKEN.sub(lambda m: f"{m.group(1)}-***", text)
        text = _BEARER.sub(r"\1***", text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, "***")
        return text


def mask_record(record: logging.LogRecord, masker: SecretMasker) -> None:
    """Mask secrets in a record's message, arguments and traceback. Arguments keep their shape when that is
    enough (formatters such as uvicorn's access log unpack ``record.args``); otherwise the message is flattened."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken log call is logging's problem, not ours
        return
    masked = masker.mask(message)
    if masked != message:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(masker.mask(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, dict):
            record.args = {k: masker.mask(v) if isinstance(v, str) else v for k, v in args.items()}
        if isinstance(record.msg, str):
            record.msg = masker.mask(record.msg)
        try:
            clean = masker.mask(record.getMessage()) == record.getMessage()
        except Exception:  # noqa: BLE001
            clean = False
        if not clean:  # a secret hides inside a non-string argument
            record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:  # pre-format a traceback only when it holds a secret
        trace = logging.Formatter().formatException(record.exc_info)
        if masker.mask(trace) != trace:
            record.exc_text = masker.mask(trace)
    elif record.exc_text:
        record.exc_text = masker.mask(record.exc_text)
    if record.stack_info:
        record.stack_info = masker.mask(record.stack_info)


class MaskingFilter(logging.Filter):
    """A logging filter (for handlers) that masks secrets in every record passing through."""

    def __init__(self, masker: SecretMasker) -> None:
        super().__init__()
        self.masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record, self.masker)
        return True


_MASKER = SecretMasker()
_MASK_LOCK = threading.Lock()
_MASK_INSTALLED = False


def install_log_masking(*secrets: str | None) -> SecretMasker:
    """Mask ``secrets`` (and every Slack-token-shaped string) in ALL log records of this process, whatever
    handler later writes them: records are masked when they are created (``logging.setLogRecordFactory``)."""
    global _MASK_INSTALLED
    _MASKER.add(*secrets)
    with _MASK_LOCK:
        if not _MASK_INSTALLED:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                mask_record(record, _MASKER)
                return record

            logging.setLogRecordFactory(factory)
            _MASK_INSTALLED = True
    return _MASKER
