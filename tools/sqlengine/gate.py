"""The statement gate: exactly one read-only SELECT, and nothing in it that reads files, runs other SQL, changes
engine state or reveals the server (paths, settings, databases, logs).

DuckDB's own parser decides: ``duckdb.extract_statements`` counts the statements and gives their type, and
``json_serialize_sql`` gives the parse tree whose function calls and relations are checked against
``policy.yaml``. Runs inside the engine (for ``ProcessEngine``, in the worker, under the deadline).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import duckdb

from shoplens.data.errors import UserInputError

_ALLOWED = {duckdb.StatementType.SELECT}
_local = threading.local()


@cache
def policy() -> dict[str, frozenset[str]]:
    import yaml

    raw = yaml.safe_load(resources.files("shoplens.tools.sqlengine").joinpath("policy.yaml").read_text("utf-8"))
    return {key: frozenset(str(v).lower() for v in values) for key, values in raw.items()}


def check_sql(sql: str, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """Return the single read-only statement in ``sql`` or raise UserInputError saying why it is refused."""
    text = (sql or "").strip()
    if not text:
        raise UserInputError("The SQL is empty.", hint="Write one SELECT statement.")
    try:
        statements = duckdb.extract_statements(text)
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise  # the engine reports these as the memory or time limit
    except duckdb.Error as exc:
        raise UserInputError(f"The SQL does not parse: {first_line(exc)}", hint="Fix the syntax and retry.") from exc
    if len(statements) != 1:
        raise UserInputError(
            f"Refused: {len(statements)} statements found; exactly one SELECT is allowed.",
            hint="Send a single SELECT (or WITH ... SELECT) without ';'-separated extras.",
        )
    stmt = statements[0]
    if stmt.type not in _ALLOWED:
        kind = stmt.type.name.replace("_STATEMENT", "")
        raise UserInputError(
            f"Refused: {kind} statements are not allowed; the warehouse is read-only.",
            hint="Only SELECT / WITH queries (and set operations of them) can run.",
        )
    query = stmt.query.strip().rstrip(";").strip()
    check_tree(query, con)
    return query


def check_tree(query: str, con: duckdb.DuckDBPyConnection | None = None) -> None:
    """Refuse table functions, functions and relations the policy does not allow (see ``policy.yaml``)."""
    con = con or _parser_connection()
    raw = con.execute("SELECT json_serialize_sql($1)", [query]).fetchone()
    tree = json.loads(raw[0]) if raw else {"error": True}
    if tree.get("error"):
        message = tree.get("error_message") or "the statement cannot be checked"
        raise UserInputError(f"The SQL does not parse: {message}", hint="Fix the syntax and retry.")
    rules = policy()
    for kind, name in references(tree):
        if kind == "table_function" and name not in rules["table_functions"]:
            raise UserInputError(
                f"Refused: the table function {name}() is not available here.",
                hint="Query the warehouse tables (run `shoplens schema` for them); reading files, other databases "
                "or the server's settings is disabled.",
            )
        if kind == "function" and (name in rules["functions"] or name.startswith(tuple(rules["function_prefixes"]))):
            raise UserInputError(
                f"Refused: the function {name}() is not available here (it reads settings, files or the server's "
                "state).",
                hint="Use standard SQL functions on the warehouse tables.",
            )
        if kind == "relation" and _refused_relation(name, rules):
            raise UserInputError(
                f"Refused: {name} is not available here.",
                hint="Query the warehouse tables; `shoplens schema` lists them.",
            )


def _refused_relation(name: str, rules: dict[str, frozenset[str]]) -> bool:
    if name in rules["relations"]:
        return True
    if name.startswith("duckdb_") and name not in rules["table_functions"]:
        return True
    return "/" in name or "\\" in name  # a file path used as a table ('/etc/passwd')


def references(node: Any) -> Iterator[tuple[str, str]]:
    """(kind, lower-case name) for every function call, table function and relation in a parse tree."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "TABLE_FUNCTION" and isinstance(item.get("function"), dict):
            fn = item["function"]
            yield "table_function", str(fn.get("function_name", "")).lower()
            stack.extend(fn.get("arguments") or fn.get("children") or [])
            stack.extend(v for k, v in item.items() if k != "function")
            continue
        if item.get("class") == "FUNCTION" and "function_name" in item:
            yield "function", str(item["function_name"]).lower()
        elif kind == "BASE_TABLE" and "table_name" in item:
            yield "relation", str(item["table_name"]).lower()
        stack.extend(v for v in item.values() if isinstance(v, dict | list))


def _parser_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory, locked-down connection per thread, used only to serialise parse trees."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:", config={
            "enable_external_access": False, "autoload_known_extensions": False,
            "autoinstall_known_extensions": False, "allow_community_extensions": False,
            "memory_limit": "256MB", "threads": 1, "temp_directory": "", "lock_configuration": True,
        })
        _local.con = con
    return con


def first_line(exc: BaseException) -> str:
    msg = str(exc).strip()
    return msg.splitlines()[0] if msg else type(exc).__name__
