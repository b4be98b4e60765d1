"""The Spark statement gate: one read-only SELECT over the warehouse's tables, nothing that reads paths or runs code.

ShopLens writes DuckDB SQL (the semantic layer, the model's prompt). For Spark it is transpiled with sqlglot
(``to_spark``), then parsed again in the Spark dialect (``check_spark_sql``) and checked against
``spark_policy.yaml``: exactly one query (no SET, ADD JAR, CACHE, REFRESH, CREATE [TEMPORARY] VIEW/FUNCTION,
DDL or DML; anything sqlglot only understands as a raw command is refused), no ``format.`path``` tables,
``read_files``, ``reflect``/``java_method``, ``TRANSFORM ... USING`` scripts or ``IDENTIFIER(...)``, and no
relation other than the warehouse tables and the statement's own CTEs. The text Spark runs is regenerated
from the checked tree (comments dropped), so Spark cannot read something the gate did not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from shoplens.data.errors import UserInputError

_HINT = "Query the warehouse tables (`shoplens schema` lists them) with one SELECT."


@cache
def policy() -> dict[str, frozenset[str]]:
    import yaml

    text = resources.files("shoplens.tools.sqlengine").joinpath("spark_policy.yaml").read_text("utf-8")
    return {key: frozenset(str(v).lower() for v in values) for key, values in yaml.safe_load(text).items()}


def translate(sql: str, tables: Iterable[str]) -> str:
    """The Spark text to run for ShopLens SQL (DuckDB dialect): both gates, then sqlglot, or UserInputError."""
    from shoplens.tools.sqlengine.gate import check_sql

    return check_spark_sql(to_spark(check_sql(sql)), tables)


def to_spark(duckdb_sql: str) -> str:
    """A checked DuckDB SELECT in Spark's dialect (sqlglot), or UserInputError when it has no translation."""
    try:
        trees = [t for t in sqlglot.parse(duckdb_sql, read="duckdb") if t is not None]
        if len(trees) != 1:
            raise UserInputError("Refused: exactly one SELECT is allowed.", hint=_HINT)
        tree = trees[0].transform(_same_meaning)
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE, comments=False)
    except SqlglotError as exc:
        raise UserInputError(f"The SQL cannot be translated to Spark SQL: {_first(exc)}",
                             hint="Use standard SQL functions; DuckDB-only functions have no Spark equivalent.") from None


def _same_meaning(node: exp.Expression) -> exp.Expression:
    """DuckDB functions whose Spark namesake means something else (checked on both engines in the tests):
    day and month names are full in DuckDB ('Monday', 'January') but abbreviated in Spark 4; DuckDB's
    ``dayofweek`` counts from Sunday = 0 and ``isodow`` from Monday = 1, Spark's ``dayofweek`` from Sunday = 1."""
    if isinstance(node, exp.Dayname):
        return exp.func("DATE_FORMAT", node.this, exp.Literal.string("EEEE"))
    if isinstance(node, exp.Monthname):
        return exp.func("DATE_FORMAT", node.this, exp.Literal.string("MMMM"))
    if isinstance(node, exp.DayOfWeekIso):
        return exp.paren(exp.Add(this=exp.func("WEEKDAY", node.this), expression=exp.Literal.number(1)))
    if isinstance(node, exp.DayOfWeek):
        return exp.paren(exp.Sub(this=exp.func("DAYOFWEEK", node.this), expression=exp.Literal.number(1)))
    if isinstance(node, exp.Union) and node.args.get("by_name"):
        return _positional_union(node)
    part, arg = _date_part(node)
    if part in ("dow", "dayofweek", "weekday"):
        return exp.paren(exp.Sub(this=exp.func("DAYOFWEEK", arg), expression=exp.Literal.number(1)))
    if part == "isodow":
        return exp.paren(exp.Add(this=exp.func("WEEKDAY", arg), expression=exp.Literal.number(1)))
    return node


def _positional_union(node: exp.Union) -> exp.Expression:
    """``UNION [ALL] BY NAME`` (DuckDB) has no Spark SQL form. When both sides are the same query but for their
    literals (the comparison tool's 'current' vs 'previous' period), their columns line up and a positional
    union means the same; otherwise the query is refused rather than risk mismatched columns."""
    def shape(side: exp.Expression) -> str:
        return side.transform(lambda n: exp.Literal.string("?") if isinstance(n, exp.Literal) else n).sql("duckdb")

    if shape(node.left) != shape(node.right):
        raise UserInputError("UNION BY NAME of different queries has no Spark SQL equivalent.",
                             hint="List the same columns in the same order on both sides and use UNION ALL.")
    out = node.copy()
    out.set("by_name", None)
    return out


def _date_part(node: exp.Expression) -> tuple[str, exp.Expression | None]:
    """('dow', <date>) for EXTRACT(dow FROM d) and date_part('dow', d); ('', None) for anything else."""
    if isinstance(node, exp.Extract):
        return node.this.name.lower(), node.expression
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in ("date_part", "datepart") \
            and len(node.expressions) == 2:
        return node.expressions[0].name.lower(), node.expressions[1]
    return "", None


def check_spark_sql(sql: str, tables: Iterable[str]) -> str:
    """Return the Spark text to run for the single read-only query in ``sql``, or raise UserInputError."""
    text = (sql or "").strip()
    if not text:
        raise UserInputError("The SQL is empty.", hint="Write one SELECT statement.")
    try:
        trees = [t for t in sqlglot.parse(text, read="spark", error_level=sqlglot.ErrorLevel.RAISE) if t is not None]
    except (ParseError, SqlglotError) as exc:
        raise UserInputError(f"The SQL does not parse: {_first(exc)}", hint="Fix the syntax and retry.") from None
    if len(trees) != 1:
        raise UserInputError(f"Refused: {len(trees)} statements found; exactly one SELECT is allowed.", hint=_HINT)
    tree = trees[0]
    if not isinstance(tree, exp.Query):
        kind = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
        raise UserInputError(f"Refused: {kind} statements are not allowed; the warehouse is read-only.",
                             hint="Only SELECT / WITH queries (and set operations of them) can run.")
    _check_tree(tree, {t.lower() for t in tables})
    return tree.sql(dialect="spark", comments=False)


def _check_tree(tree: exp.Expression, tables: set[str]) -> None:
    rules = policy()
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for node in tree.walk():
        if isinstance(node, exp.QueryTransform):
            raise UserInputError("Refused: TRANSFORM ... USING runs a script on the server.", hint=_HINT)
        if isinstance(node, exp.Command | exp.Set | exp.Create | exp.Insert | exp.Delete | exp.Update | exp.Merge
                      | exp.Drop | exp.Alter | exp.Cache | exp.Uncache | exp.Refresh | exp.Use | exp.Describe):
            raise UserInputError(f"Refused: {node.key.upper()} is not allowed inside a query.", hint=_HINT)
        if isinstance(node, exp.Func):
            name = _func_name(node)
            if name in rules["functions"]:
                raise UserInputError(f"Refused: the function {name}() is not available here (it runs code on the "
                                     "server, reads files or names a table from text).", hint=_HINT)
        if isinstance(node, exp.Table):
            _check_table(node, tables, ctes, rules)


def _check_table(node: exp.Table, tables: set[str], ctes: set[str], rules: dict[str, frozenset[str]]) -> None:
    if isinstance(node.this, exp.Func):  # a table-valued function: FROM range(10)
        name = _func_name(node.this)
        if name not in rules["table_functions"]:
            raise UserInputError(f"Refused: the table function {name}() is not available here.", hint=_HINT)
        return
    name = node.name.lower()
    db = node.db.lower()
    if db in rules["path_formats"] or any(c in name for c in "/\\:"):
        raise UserInputError("Refused: reading files by path is not allowed; only the warehouse tables can be read.",
                             hint=_HINT)
    if node.catalog or (db and db not in {"default"}):
        raise UserInputError(f"Refused: {node.sql(dialect='spark')} is outside the warehouse.", hint=_HINT)
    if name not in tables and name not in ctes:
        raise UserInputError(f"This warehouse has no table {name}.", hint=f"Tables: {', '.join(sorted(tables))}.")


def _func_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return node.sql_name().lower()


def _first(exc: BaseException) -> str:
    msg = str(exc).strip()
    return msg.splitlines()[0] if msg else type(exc).__name__
