"""Mapping expressions (``revenue: Quantity * UnitPrice``, ``order_date: date(InvoiceDate)``) compiled to DuckDB SQL.

An expression is parsed with sqlglot and rebuilt from its syntax tree, never pasted as text: only the node types
and functions listed here are accepted, and every column must be a column of the source. A mapping therefore
cannot smuggle a statement, a subquery or a file-reading function into the import.

Typing is automatic: a source column used in arithmetic or compared with a number is read as a number (currency
symbols and thousand separators removed), one given to ``date()``/``timestamp()`` is parsed as a date with the
mapping's date order, anything else is trimmed text. Each such parse also yields a check, so a value that does not
parse becomes a rejected row naming its file, line and column instead of a silent NULL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from shoplens.data.errors import UserInputError

NUMERIC_FUNCS = (exp.Abs, exp.Round, exp.Floor, exp.Ceil, exp.Greatest, exp.Least)
ARITH = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.Neg)
COMPARE = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.In)
BOOLEAN = (*COMPARE, exp.And, exp.Or, exp.Not, exp.Like, exp.ILike, exp.Is, exp.StartsWith, exp.EndsWith,
           exp.Contains, exp.RegexpLike, exp.Boolean)
DATE_PARTS = (exp.Year, exp.Month, exp.Day)
TEXT_FUNCS = (exp.Lower, exp.Upper, exp.Trim, exp.Substring, exp.Left, exp.Right, exp.Replace, exp.RegexpReplace,
              exp.RegexpExtract, exp.SplitPart, exp.Concat, exp.DPipe, exp.Initcap)
STRUCTURE = (exp.Column, exp.Identifier, exp.Literal, exp.Null, exp.Paren, exp.Case, exp.If, exp.Coalesce,
             exp.Nullif, exp.Length, exp.Cast, exp.TryCast, exp.DataType, exp.DataTypeParam, exp.Date,
             exp.Timestamp, exp.Anonymous, exp.Tuple)
ALLOWED = (*NUMERIC_FUNCS, *ARITH, *BOOLEAN, *DATE_PARTS, *TEXT_FUNCS, *STRUCTURE)
#: Functions sqlglot does not know by class; ours (number, money, text) plus harmless DuckDB text functions.
ANONYMOUS = {"number", "money", "text", "strip_accents", "lpad", "rpad", "reverse", "ltrim", "rtrim"}
CAST_TYPES = {"INT": "num", "BIGINT": "num", "SMALLINT": "num", "TINYINT": "num", "DOUBLE": "num", "FLOAT": "num",
              "DECIMAL": "num", "VARCHAR": "text", "TEXT": "text", "DATE": "date", "TIMESTAMP": "ts",
              "DATETIME": "ts", "BOOLEAN": "bool"}
FUNCTIONS_HELP = ("number(x), money(x), text(x), date(x[, format]), timestamp(x[, format]), lower, upper, trim, "
                  "substr, left, right, replace, regexp_replace, regexp_extract, regexp_matches, split_part, concat, "
                  "||, length, starts_with, ends_with, contains, strip_accents, coalesce, nullif, abs, round, floor, "
                  "ceil, greatest, least, year, month, day, CASE WHEN ... THEN ... ELSE ... END, if(c, a, b), "
                  "LIKE, ILIKE, IN, BETWEEN, IS NULL, AND/OR/NOT, + - * / %")
MAX_LENGTH = 2000


@dataclass(frozen=True)
class ParseCheck:
    """A value that must parse: rows where ``raw`` is set but ``parsed`` is NULL are rejected."""

    kind: str  # "num" | "ts"
    raw: str
    parsed: str
    column: str


@dataclass
class Compiled:
    sql: str
    kind: str  # num | ts | date | text | bool | null
    refs: list[str] = field(default_factory=list)
    checks: list[ParseCheck] = field(default_factory=list)

    @property
    def single_column(self) -> str | None:
        return self.refs[0] if len(self.refs) == 1 else None


class ExprCompiler:
    """Compiles expressions over one source's columns. ``typed(column, kind)`` returns the SQL name of a column
    already converted to that kind (the importer computes each once); ``num_fn``/``ts_fn`` name the SQL macros
    that parse arbitrary text as a number / a timestamp for this source."""

    def __init__(self, columns: list[str], typed: Callable[[str, str], str], num_fn: str, ts_fn: str,
                 source_label: str) -> None:
        self.columns = columns
        self._lower = {c.lower(): c for c in columns}
        self.typed = typed
        self.num_fn = num_fn
        self.ts_fn = ts_fn
        self.source_label = source_label

    def resolve(self, name: str) -> str | None:
        return name if name in self.columns else self._lower.get(name.lower())

    def column_error(self, name: str, where: str) -> UserInputError:
        from shoplens.data.importing.mapping import closest

        near = closest(name, self.columns)
        return UserInputError(
            f"{where}: '{name}' is not a column of {self.source_label}.",
            hint=(f"Did you mean '{near}'? " if near else "") + f"Its columns: {', '.join(self.columns[:40])}.",
        )

    def column(self, name: str, want: str, where: str) -> Compiled:
        actual = self.resolve(name)
        if actual is None:
            raise self.column_error(name, where)
        return self._ref(actual, want)

    def _ref(self, col: str, kind: str) -> Compiled:
        kind = "ts" if kind == "date" else kind if kind in ("num", "ts") else "text"
        sql = self.typed(col, kind)
        checks = [ParseCheck(kind, self.typed(col, "text"), sql, col)] if kind in ("num", "ts") else []
        return Compiled(sql, kind, [col], checks)

    def compile(self, text: str, want: str, where: str) -> Compiled:
        """Compile ``text``: a source column name or an expression. ``want`` (num|ts|date|text|bool) types a bare
        column; the caller coerces the result to the contract type."""
        if self.resolve(text) is not None:
            return self._ref(self.resolve(text) or text, want)
        if len(text) > MAX_LENGTH:
            raise UserInputError(f"{where}: the expression is longer than {MAX_LENGTH} characters.")
        tree = self._parse(text, where)
        out = Compiled("", "text")
        self._check_nodes(tree, text, where)
        for col in list(tree.find_all(exp.Column)):
            name = col.name
            if col.table or len(col.parts) > 1:
                raise UserInputError(f"{where}: write source columns without a table prefix ('{col.sql()}').")
            actual = self.resolve(name)
            if actual is None:
                raise self.column_error(name, where)
            kind = _context_kind(col, want)
            ref = self._ref(actual, kind)
            out.refs.append(actual)
            out.checks.extend(ref.checks)
            new = exp.Column(this=exp.to_identifier(ref.sql.strip('"'), quoted=True))
            new.meta.update(kind=ref.kind, source_col=actual)
            if col is tree:
                tree = new
            else:
                col.replace(new)
        tree = self._special(tree, out)
        out.sql = tree.sql(dialect="duckdb")
        out.kind = _kind_of(tree)
        out.refs = list(dict.fromkeys(out.refs))
        return out

    def _parse(self, text: str, where: str) -> exp.Expression:
        try:
            trees = sqlglot.parse(text, read="duckdb")
        except sqlglot.errors.SqlglotError as exc:
            near = self._near_column(text)
            raise UserInputError(
                f"{where}: '{text}' is neither a column of {self.source_label} nor a valid expression "
                f"({str(exc).splitlines()[0][:120]}).",
                hint=f"Did you mean the column '{near}'?" if near else "Quote column names with spaces in double "
                "quotes, e.g. \"Lineitem quantity\" * \"Lineitem price\".",
            ) from exc
        trees = [t for t in trees if t is not None]
        if len(trees) != 1:
            raise UserInputError(f"{where}: one expression expected, found {len(trees)} statements.",
                                 hint="Remove the ';' and anything after it.")
        return trees[0]

    def _near_column(self, text: str) -> str | None:
        from shoplens.data.importing.mapping import closest

        return closest(text, self.columns)

    def _check_nodes(self, tree: exp.Expression, text: str, where: str) -> None:
        if sum(1 for _ in tree.walk()) > 500:
            raise UserInputError(f"{where}: the expression is too complex (over 500 parts).")
        for node in tree.walk():
            if isinstance(node, exp.Alias):
                near = self._near_column(text)
                raise UserInputError(f"{where}: '{text}' is not a column of {self.source_label}.",
                                     hint=f"Did you mean '{near}'?" if near else
                                     "Quote column names with spaces in double quotes.")
            if not isinstance(node, ALLOWED):
                name = node.sql_name() if isinstance(node, exp.Func) else type(node).__name__
                raise UserInputError(f"{where}: '{name}' is not allowed in a mapping expression.",
                                     hint=f"Allowed: {FUNCTIONS_HELP}.")
            if isinstance(node, exp.Anonymous) and node.name.lower() not in ANONYMOUS:
                raise UserInputError(f"{where}: unknown or disallowed function '{node.name}'.",
                                     hint=f"Allowed: {FUNCTIONS_HELP}.")
            if isinstance(node, exp.DataType) and node.this.name not in CAST_TYPES and not isinstance(
                    node.parent, exp.DataType):
                raise UserInputError(f"{where}: cannot cast to {node.sql()}.",
                                     hint=f"Types: {', '.join(sorted(CAST_TYPES))}.")

    def _special(self, tree: exp.Expression, out: Compiled) -> exp.Expression:
        """Rewrite number()/money()/text()/date()/timestamp() and CASTs into this source's parsing macros."""

        def rewrite(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Anonymous) and node.name.lower() in ("number", "money", "text"):
                arg = _one_arg(node)
                if node.name.lower() == "text":
                    return exp.Cast(this=arg, to=exp.DataType.build("VARCHAR"))
                return self._parsed(arg, "num", out)
            if isinstance(node, exp.Date | exp.Timestamp):
                # sqlglot files a second argument of date()/timestamp() under "zone"; here it is the format.
                fmt = node.args.get("expressions") or ([node.args["zone"]] if node.args.get("zone") else [])
                arg = node.this
                if fmt:
                    f = fmt[0]
                    if not (isinstance(f, exp.Literal) and f.is_string):
                        raise UserInputError("date()/timestamp(): the format must be a quoted string like "
                                             "'%d/%m/%Y'.")
                    raw = exp.Cast(this=arg, to=exp.DataType.build("VARCHAR"))
                    parsed = exp.Anonymous(this="try_strptime", expressions=[raw, f])
                    out.checks.append(ParseCheck("ts", raw.sql(dialect="duckdb"), parsed.sql(dialect="duckdb"),
                                                 arg.sql(dialect="duckdb")))
                    value: exp.Expression = parsed
                else:
                    value = self._parsed(arg, "ts", out)
                if isinstance(node, exp.Date):
                    value = exp.Cast(this=value, to=exp.DataType.build("DATE"))
                    value.meta["kind"] = "date"
                return value
            if isinstance(node, exp.Cast):  # CAST is always TRY_CAST; dates go through the date parser
                kind = CAST_TYPES.get(node.to.this.name, "text")
                if kind in ("date", "ts"):
                    value = self._parsed(node.this, "ts", out)
                    if kind == "date":
                        value = exp.Cast(this=value, to=exp.DataType.build("DATE"))
                    return value
                arg = self._parsed(node.this, "num", out) if kind == "num" else node.this
                return exp.TryCast(this=arg, to=node.to)
            return node

        return tree.transform(rewrite, copy=False)

    def _parsed(self, arg: exp.Expression, kind: str, out: Compiled) -> exp.Expression:
        if isinstance(arg, exp.Column) and arg.meta.get("kind") == kind:
            return arg
        if isinstance(arg, exp.Column) and arg.meta.get("source_col"):
            ref = self._ref(arg.meta["source_col"], kind)
            out.checks.extend(ref.checks)
            new = exp.Column(this=exp.to_identifier(ref.sql.strip('"'), quoted=True))
            new.meta.update(kind=kind, source_col=arg.meta["source_col"])
            return new
        raw = exp.Cast(this=arg, to=exp.DataType.build("VARCHAR"))
        fn = self.num_fn if kind == "num" else self.ts_fn
        parsed = exp.Anonymous(this=fn, expressions=[raw])
        parsed.meta["kind"] = kind
        out.checks.append(ParseCheck(kind, raw.sql(dialect="duckdb"), parsed.sql(dialect="duckdb"),
                                     arg.sql(dialect="duckdb")))
        return parsed


def _one_arg(node: exp.Anonymous) -> exp.Expression:
    if len(node.expressions) != 1:
        raise UserInputError(f"{node.name}() takes exactly one argument.")
    return node.expressions[0]


def _context_kind(col: exp.Column, want: str) -> str:
    """How a bare column is read, from where it sits in the expression."""
    node: exp.Expression = col
    parent = node.parent
    while isinstance(parent, exp.Paren):
        node, parent = parent, parent.parent
    if parent is None:
        return want
    if isinstance(parent, (*ARITH, *NUMERIC_FUNCS)):
        return "num"
    if isinstance(parent, DATE_PARTS):
        return "ts"
    if isinstance(parent, exp.Date | exp.Timestamp) and node is parent.this:
        return "ts"
    if isinstance(parent, exp.Anonymous) and parent.name.lower() in ("number", "money"):
        return "num"
    if isinstance(parent, exp.Cast | exp.TryCast):
        kind = CAST_TYPES.get(parent.to.this.name, "text")
        return "ts" if kind in ("date", "ts") else "num" if kind == "num" else "text"
    if isinstance(parent, COMPARE):
        others = [v for k, v in parent.args.items() if k != "this" or v is not node]
        flat = [o for v in others for o in (v if isinstance(v, list) else [v]) if isinstance(o, exp.Expression)]
        if any((isinstance(o, exp.Literal) and o.is_number) or isinstance(o, (*ARITH, *NUMERIC_FUNCS)) or
               (isinstance(o, exp.Neg) and isinstance(o.this, exp.Literal)) for o in flat):
            return "num"
        if any(isinstance(o, exp.Date | exp.Timestamp) for o in flat):
            return "ts"
    return "text"


def _kind_of(node: exp.Expression) -> str:
    """The kind of value an expression yields (num | ts | date | text | bool | null)."""
    if "kind" in node.meta:
        return node.meta["kind"]
    if isinstance(node, exp.Paren):
        return _kind_of(node.this)
    if isinstance(node, exp.Null):
        return "null"
    if isinstance(node, exp.Literal):
        return "num" if node.is_number else "text"
    if isinstance(node, BOOLEAN):
        return "bool"
    if isinstance(node, (*ARITH, *NUMERIC_FUNCS, *DATE_PARTS, exp.Length)):
        return "num"
    if isinstance(node, exp.Cast | exp.TryCast):
        return CAST_TYPES.get(node.to.this.name, "text")
    if isinstance(node, exp.Case):
        branches = [i.args.get("true") for i in node.args.get("ifs", [])] + [node.args.get("default")]
        return next((k for b in branches if b is not None and (k := _kind_of(b)) != "null"), "null")
    if isinstance(node, exp.If):
        return next((k for b in (node.args.get("true"), node.args.get("false"))
                     if b is not None and (k := _kind_of(b)) != "null"), "null")
    if isinstance(node, exp.Coalesce | exp.Nullif):
        parts = [node.this, *node.expressions]
        return next((k for p in parts if (k := _kind_of(p)) != "null"), "null")
    return "text"
