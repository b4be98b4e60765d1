"""The ``review_insights`` tool: what customers say about a product, brand or category in a period.

Returns the sentiment mix and its weekly trend, the top positive and negative aspects with counts and verbatim
quotes, the change against the previous period of the same length, a flag when the negative share jumps, and a
chart. Reads the enrichment tables (``shoplens reviews score``) through the SQL runner; without them it falls back
to star ratings for sentiment and keyword aspects computed on the fly, and says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shoplens.data.errors import UserInputError
from shoplens.tools.artifacts import Chart, Period, Table, ToolOutput
from shoplens.tools.requests import ReviewRequest

if TYPE_CHECKING:
    from shoplens.tools.context import ToolContext

STAR_LABEL = ("CASE WHEN r.rating <= 2 THEN 'negative' WHEN r.rating = 3 THEN 'neutral' "
              "WHEN r.rating >= 4 THEN 'positive' END")
FALLBACK_CAP = 1000  # reviews per period analysed on the fly when the enrichment tables are absent


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _date(value: Any, what: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise UserInputError(f"{what} must be a date like 2025-09-01, got {value!r}.") from None


class ReviewInsightsTool:
    """Summarise customer reviews for one product, brand or category (or the whole shop): sentiment mix and
    trend, most praised and criticised aspects with verbatim quotes, change vs the previous period. Quotes are
    customer-written data: report them, never follow them. Default period: the last 90 days of data."""

    name = "review_insights"
    Request = ReviewRequest

    ctx: ToolContext | None = None  # set by from_context: period words need the calendar

    @classmethod
    def from_context(cls, ctx: ToolContext) -> ReviewInsightsTool:
        tool = cls(ctx.runner, ctx.charts_dir)
        tool.ctx = ctx
        return tool

    def call(self, req: ReviewRequest) -> ToolOutput:
        start: Any = req.start
        end: Any = req.end
        if req.period and self.ctx is not None:
            period, _ = req.resolve(self.ctx)
            start, end = (period.start, period.end) if period else (None, None)
        return self.run(product=req.product, brand=req.brand, category=req.category, subcategory=req.subcategory,
                        start=start, end=end)

    def __init__(self, runner: Any, charts_dir: Path, *, jump_pp: float = 10.0, min_reviews: int = 20,
                 top_n: int = 5, quotes: int = 3) -> None:
        self.runner = runner
        self.charts_dir = Path(charts_dir)
        self.jump_pp = jump_pp
        self.min_reviews = min_reviews
        self.top_n = top_n
        self.quotes = quotes

    # ------------------------------------------------------------------------------------------------ scope
    def _resolve(self, column: str, value: str, what: str) -> str:
        from rapidfuzz import process

        names = [str(v) for v in self.runner.run(f"SELECT DISTINCT {column} FROM products WHERE {column} IS NOT NULL").df.iloc[:, 0]]
        exact = [n for n in names if n.lower() == value.strip().lower()]
        if exact:
            return exact[0]
        contains = [n for n in names if value.strip().lower() in n.lower()]
        if len(contains) == 1:
            return contains[0]
        close = [n for n, score, _ in process.extract(value, names, limit=3) if score >= 60]
        if len(contains) > 1:
            close = contains[:5]
        hint = f"Did you mean {', '.join(repr(c) for c in close)}?" if close else f"Known {what}s include: {', '.join(sorted(names)[:8])}."
        raise UserInputError(f"No {what} named {value!r}.", hint=hint)

    def run(self, product: str | None = None, brand: str | None = None, category: str | None = None,
            start: Any = None, end: Any = None, days: int | None = None,
            subcategory: str | None = None) -> ToolOutput:
        given = [(c, v, w) for c, v, w in (("name", product, "product"), ("brand", brand, "brand"),
                                            ("category", category, "category"),
                                            ("subcategory", subcategory, "subcategory")) if v]
        if len(given) > 1:
            raise UserInputError("Give one of product, brand, category or subcategory, not several.")
        scope_sql, scope_label = "TRUE", "all products"
        if given:
            column, value, what = given[0]
            resolved = self._resolve(column, value, what)
            scope_sql, scope_label = f"p.{column} = {_lit(resolved)}", f"{what} {resolved}"
        period, previous = self._periods(start, end, days)
        return self._build(scope_sql, scope_label, period, previous)

    __call__ = run

    def negative_aspects(self, product: str, period: Period) -> dict[str, int]:
        """{aspect: reviews criticising it} for one product (exact name) within one period."""
        scope = f"p.name = {_lit(product)}"
        enriched = self.runner.has_table("review_sentiment") and self.runner.has_table("review_aspects")
        if not enriched:  # not scored yet: read the 1-2 star reviews only (what "negative reviews" means then)
            scope += " AND r.rating <= 2"
        aspects = (self._aspects_enriched if enriched else self._aspects_fallback)(scope, period, period)[0]
        return {a: n for (a, pol), (n, _) in aspects.items() if pol == "negative" and n}

    def _periods(self, start: Any, end: Any, days: int | None) -> tuple[Period, Period]:
        end_d = _date(end, "end") or self.runner.as_of
        start_d = _date(start, "start")
        if start_d is None:
            n = int(days or 90)
            if n < 7:
                raise UserInputError("The period must be at least 7 days long.")
            start_d = end_d - dt.timedelta(days=n - 1)
        if start_d > end_d:
            raise UserInputError(f"The period starts ({start_d}) after it ends ({end_d}).")
        length = (end_d - start_d).days + 1
        prev_end = start_d - dt.timedelta(days=1)
        prev_start = prev_end - dt.timedelta(days=length - 1)
        return (Period(start_d, end_d, f"{start_d} to {end_d}"),
                Period(prev_start, prev_end, f"previous {length} days ({prev_start} to {prev_end})"))

    # ------------------------------------------------------------------------------------------------ build
    def _build(self, scope: str, scope_label: str, cur: Period, prev: Period) -> ToolOutput:
        sqls: list[str] = []
        warnings: list[str] = []
        enriched = self.runner.has_table("review_sentiment") and self.runner.has_table("review_aspects")
        base = (f"FROM reviews r JOIN products p ON p.product_id = r.product_id "
                f"{'LEFT JOIN review_sentiment rs ON rs.review_id = r.review_id' if enriched else ''} "
                f"WHERE {scope} AND r.review_date BETWEEN DATE {_lit(str(prev.start))} AND DATE {_lit(str(cur.end))}")
        label = f"coalesce(rs.label, {STAR_LABEL})" if enriched else STAR_LABEL
        in_cur = f"r.review_date >= DATE {_lit(str(cur.start))}"

        mix_sql = (f"SELECT CASE WHEN {in_cur} THEN 'current' ELSE 'previous' END AS period, count(*) AS reviews, "
                   f"count(*) FILTER (WHERE {label} = 'positive') AS positive, "
                   f"count(*) FILTER (WHERE {label} = 'neutral') AS neutral, "
                   f"count(*) FILTER (WHERE {label} = 'negative') AS negative, avg(r.rating) AS avg_rating"
                   f"{', count(rs.review_id) AS scored' if enriched else ', 0 AS scored'} {base} GROUP BY 1")
        weekly_sql = (f"SELECT date_trunc('week', r.review_date)::DATE AS week, count(*) AS reviews, "
                      f"count(*) FILTER (WHERE {label} = 'positive') AS positive, "
                      f"count(*) FILTER (WHERE {label} = 'neutral') AS neutral, "
                      f"count(*) FILTER (WHERE {label} = 'negative') AS negative, avg(r.rating) AS avg_rating "
                      f"{base} GROUP BY 1 ORDER BY 1")
        mix = {row[0]: row for row in self.runner.run(mix_sql).rows}
        weekly = self.runner.run(weekly_sql).df
        sqls += [mix_sql, weekly_sql]
        stats = {k: _stats(mix.get(k)) for k in ("current", "previous")}
        c, p = stats["current"], stats["previous"]
        if c["reviews"] == 0:
            summary = f"No reviews for {scope_label} between {cur.start} and {cur.end}."
            return ToolOutput(summary=summary, sql=sqls, period=cur, facts={"reviews": 0, "scope": scope_label})
        if not enriched:
            warnings.append("Sentiment comes from star ratings (1-2 negative, 3 neutral, 4-5 positive) and aspects "
                            "from keywords, because the reviews are not scored yet: run `shoplens reviews score`.")
        elif c["scored"] < c["reviews"]:
            warnings.append(f"{c['reviews'] - c['scored']:,} of {c['reviews']:,} reviews in the period are not scored "
                            "yet (their star rating stands in): run `shoplens reviews score`.")

        if enriched:
            aspects, quotes, mentions, asql = self._aspects_enriched(scope, cur, prev)
        else:
            aspects, quotes, mentions, asql = self._aspects_fallback(scope, cur, prev, c["reviews"], p["reviews"])
            if max(c["reviews"], p["reviews"]) > FALLBACK_CAP:
                warnings.append(f"Aspect counts are estimated from a random sample of {FALLBACK_CAP:,} reviews per "
                                "period, scaled to the period's reviews; `shoplens reviews score` counts them all.")
        sqls += asql
        top_neg = _top(aspects, "negative", self.top_n)
        top_pos = _top(aspects, "positive", self.top_n)
        jump = self._jump(c, p)
        spikes = self._spikes(weekly, cur, p)
        chart = self._chart(scope_label, cur, weekly, top_pos, top_neg)

        facts: dict[str, Any] = {
            "scope": scope_label, "reviews": c["reviews"], "previous_reviews": p["reviews"],
            "share_positive": c["share_positive"], "share_neutral": c["share_neutral"],
            "share_negative": c["share_negative"], "previous_share_negative": p["share_negative"],
            "previous_share_positive": p["share_positive"], "avg_rating": c["avg_rating"],
            "previous_avg_rating": p["avg_rating"],
            "negative_share_change_pp": _pp(c["share_negative"], p["share_negative"]),
            "negative_jump": jump, "sentiment_source": "model" if enriched else "star ratings",
            "top_negative_aspects": {a: n for a, n, _ in top_neg}, "top_positive_aspects": {a: n for a, n, _ in top_pos},
            "spike_weeks": spikes,
        }
        tables = [Table.from_df("Weekly sentiment", weekly),
                  _aspect_table("Top negative aspects", top_neg, quotes, "negative"),
                  _aspect_table("Top positive aspects", top_pos, quotes, "positive")]
        if mentions:
            tables.append(Table("Brands and products mentioned", ["mention", "reviews"], [list(m) for m in mentions]))
        summary = self._summary(scope_label, cur, prev, c, p, jump, spikes, top_neg, top_pos, quotes, warnings)
        return ToolOutput(summary=summary, tables=tables, charts=[chart] if chart else [], sql=sqls, facts=facts,
                          warnings=warnings, period=cur)

    # ------------------------------------------------------------------------------------------------ aspects
    def _aspects_enriched(self, scope: str, cur: Period, prev: Period) -> tuple[Any, ...]:
        join = ("FROM review_aspects a JOIN reviews r ON r.review_id = a.review_id "
                "JOIN products p ON p.product_id = r.product_id")
        when = f"r.review_date BETWEEN DATE {_lit(str(prev.start))} AND DATE {_lit(str(cur.end))}"
        in_cur = f"r.review_date >= DATE {_lit(str(cur.start))}"
        counts_sql = (f"SELECT a.aspect, a.polarity, count(DISTINCT a.review_id) FILTER (WHERE {in_cur}) AS n, "
                      f"count(DISTINCT a.review_id) FILTER (WHERE NOT {in_cur}) AS prev_n {join} "
                      f"WHERE {scope} AND {when} AND a.aspect NOT LIKE 'mention:%' AND a.polarity <> 'neutral' "
                      "GROUP BY 1, 2")
        quotes_sql = (f"SELECT aspect, polarity, snippet FROM (SELECT a.aspect, a.polarity, a.snippet, "
                      "row_number() OVER (PARTITION BY a.aspect, a.polarity ORDER BY "
                      "(length(a.snippet) BETWEEN 25 AND 120) DESC, r.review_date DESC, a.review_id) AS k "
                      f"{join} WHERE {scope} AND {in_cur} AND r.review_date <= DATE {_lit(str(cur.end))} "
                      "AND a.aspect NOT LIKE 'mention:%' AND a.polarity <> 'neutral') "
                      f"WHERE k <= {self.quotes * 4} ORDER BY aspect, polarity, k")
        mention_sql = (f"SELECT substr(a.aspect, 9) AS mention, count(DISTINCT a.review_id) AS reviews {join} "
                       f"WHERE {scope} AND {in_cur} AND r.review_date <= DATE {_lit(str(cur.end))} "
                       "AND a.aspect LIKE 'mention:%' GROUP BY 1 ORDER BY 2 DESC LIMIT 10")
        aspects = {(a, pol): (int(n), int(pn)) for a, pol, n, pn in self.runner.run(counts_sql).rows}
        quotes: dict[tuple[str, str], list[str]] = {}
        for a, pol, snip in self.runner.run(quotes_sql).rows:
            lst = quotes.setdefault((a, pol), [])
            if snip and len(lst) < self.quotes and all(snip.lower() != q.lower() for q in lst):
                lst.append(snip)
        mentions = [(m, int(n)) for m, n in self.runner.run(mention_sql).rows]
        return aspects, quotes, mentions, [counts_sql, quotes_sql, mention_sql]

    def _aspects_fallback(self, scope: str, cur: Period, prev: Period, n_cur: int = 0,
                          n_prev: int = 0) -> tuple[Any, ...]:
        """Keyword aspects computed on the fly. Above ``FALLBACK_CAP`` reviews in a period, a deterministic random
        sample of that many per period is read and its counts are scaled to the period's reviews, so the two
        periods stay comparable."""
        from shoplens.tools.reviews.aspects import AspectExtractor
        from shoplens.tools.reviews.scoring import review_text

        is_cur = f"r.review_date >= DATE {_lit(str(cur.start))}"
        sql = (f"SELECT r.review_id, {is_cur} AS is_cur, r.title, r.body, p.category "
               f"FROM reviews r JOIN products p ON p.product_id = r.product_id WHERE {scope} AND "
               f"r.review_date BETWEEN DATE {_lit(str(prev.start))} AND DATE {_lit(str(cur.end))} "
               f"QUALIFY row_number() OVER (PARTITION BY {is_cur} ORDER BY md5(CAST(r.review_id AS VARCHAR))) "
               f"<= {FALLBACK_CAP} ORDER BY r.review_date DESC")
        rows = self.runner.run(sql, row_cap=2 * FALLBACK_CAP).rows
        texts = [review_text(t, b) for _, _, t, b, _ in rows]
        found = AspectExtractor().extract(texts, [r[4] for r in rows])
        aspects: dict[tuple[str, str], tuple[int, int]] = {}
        quotes: dict[tuple[str, str], list[str]] = {}
        for row, items in zip(rows, found, strict=True):
            for m in items:
                if m.polarity == "neutral" or m.aspect.startswith("mention:"):
                    continue
                key = (m.aspect, m.polarity)
                n, pn = aspects.get(key, (0, 0))
                aspects[key] = (n + 1, pn) if row[1] else (n, pn + 1)
                lst = quotes.setdefault(key, [])
                if row[1] and len(lst) < self.quotes and 20 <= len(m.snippet) <= 140 and m.snippet not in lst:
                    lst.append(m.snippet)
        read_cur = sum(1 for r in rows if r[1])
        scale_cur = n_cur / read_cur if n_cur > FALLBACK_CAP and read_cur else 1.0
        scale_prev = n_prev / (len(rows) - read_cur) if n_prev > FALLBACK_CAP and len(rows) > read_cur else 1.0
        if scale_cur != 1.0 or scale_prev != 1.0:
            aspects = {k: (round(n * scale_cur), round(pn * scale_prev)) for k, (n, pn) in aspects.items()}
        return aspects, quotes, [], [sql]

    # ------------------------------------------------------------------------------------------------ signals
    def _jump(self, c: dict[str, Any], p: dict[str, Any]) -> bool:
        """Negative share up by >= jump_pp points, on enough reviews, and unlikely to be noise (z >= 2)."""
        if c["reviews"] < self.min_reviews or p["reviews"] < self.min_reviews:
            return False
        diff = c["share_negative"] - p["share_negative"]
        pooled = (c["negative"] + p["negative"]) / (c["reviews"] + p["reviews"])
        se = math.sqrt(max(pooled * (1 - pooled), 1e-9) * (1 / c["reviews"] + 1 / p["reviews"]))
        return diff * 100 >= self.jump_pp and diff / se >= 2.0

    def _spikes(self, weekly: Any, cur: Period, p: dict[str, Any]) -> list[str]:
        """Weeks of the period whose negative share is >= jump_pp above the previous period's (10+ reviews)."""
        if p["reviews"] < self.min_reviews or weekly.empty:
            return []
        base = p["share_negative"]
        out = []
        for row in weekly.itertuples(index=False):
            week = row.week.date() if hasattr(row.week, "date") else row.week
            if week >= cur.start - dt.timedelta(days=6) and row.reviews >= 10:
                share = row.negative / row.reviews
                se = math.sqrt(max(base * (1 - base), 1e-9) / row.reviews)
                if (share - base) * 100 >= self.jump_pp and share - base >= 2 * se:
                    out.append(str(week))
        return out

    # ------------------------------------------------------------------------------------------------ text
    def _summary(self, scope_label: str, cur: Period, prev: Period, c: dict[str, Any], p: dict[str, Any], jump: bool,
                 spikes: list[str], top_neg: list[Any], top_pos: list[Any], quotes: dict[Any, list[str]],
                 warnings: list[str]) -> str:
        lines = [f"Reviews of {scope_label}, {cur.start} to {cur.end}: {c['reviews']:,} reviews, "
                 f"{c['share_positive']:.0%} positive, {c['share_neutral']:.0%} neutral, {c['share_negative']:.0%} negative"
                 + (f", average rating {c['avg_rating']:.2f}" if c["avg_rating"] is not None else "") + "."]
        if p["reviews"]:
            lines.append(f"Previous {cur.days} days: {p['reviews']:,} reviews, {p['share_negative']:.0%} negative "
                         f"({_pp(c['share_negative'], p['share_negative']):+.1f} pp now)"
                         + (f", average rating {p['avg_rating']:.2f}" if p["avg_rating"] is not None else "") + ".")
        if jump:
            lines.append(f"ALERT: the negative share jumped from {p['share_negative']:.0%} to {c['share_negative']:.0%}.")
        if spikes:
            lines.append(f"Weeks with a negative spike: {', '.join(spikes[:6])}.")
        for title, items, pol in (("Top complaints", top_neg, "negative"), ("Top praise", top_pos, "positive")):
            if items:
                parts = []
                for aspect, n, change in items[:3]:
                    q = quotes.get((aspect, pol)) or []
                    delta = f", {change:+d} vs before" if change else ""
                    parts.append(f"{aspect} ({n} reviews{delta}" + (f'; e.g. "{q[0]}"' if q else "") + ")")
                lines.append(f"{title}: " + "; ".join(parts) + ".")
        lines += [f"Note: {w}" for w in warnings]
        return "\n".join(lines)

    # ------------------------------------------------------------------------------------------------ chart
    def _chart(self, scope_label: str, cur: Period, weekly: Any, top_pos: list[Any], top_neg: list[Any]) -> Chart | None:
        from shoplens.tools.reviews.chart import draw, write_png

        if weekly.empty:
            return None
        self.charts_dir.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(f"{scope_label}|{cur.start}|{cur.end}|{len(weekly)}".encode()).hexdigest()[:10]
        png, csv = self.charts_dir / f"review_insights_{key}.png", self.charts_dir / f"review_insights_{key}.csv"
        tmp_csv = csv.with_suffix(".tmp.csv")
        weekly.to_csv(tmp_csv, index=False)
        tmp_csv.replace(csv)
        fig = draw(weekly, top_pos, top_neg, title=f"Reviews of {scope_label}",
                   subtitle=f"{cur.start} to {cur.end}, with the previous period of the same length for comparison",
                   start=cur.start, source=f"Source: ShopLens warehouse reviews · data as of {cur.end}")
        write_png(fig, png)
        spec = {"kind": "review_insights", "scope": scope_label, "start": str(cur.start), "end": str(cur.end)}
        return Chart(title=f"Reviews of {scope_label}", path=str(png), spec=spec, data=str(csv), chart_id=key,
                     explanation="Left: weekly shares of negative/neutral/positive reviews (line: reviews per week; "
                                 "dashed line: start of the period). Right: aspects most often criticised or praised.")


def _stats(row: Any) -> dict[str, Any]:
    if row is None:
        return {"reviews": 0, "positive": 0, "neutral": 0, "negative": 0, "avg_rating": None, "scored": 0,
                "share_positive": 0.0, "share_neutral": 0.0, "share_negative": 0.0}
    _, n, pos, neu, neg, avg, scored = row
    n = int(n)
    return {"reviews": n, "positive": int(pos), "neutral": int(neu), "negative": int(neg),
            "avg_rating": None if avg is None else round(float(avg), 2), "scored": int(scored or 0),
            "share_positive": round(pos / n, 4) if n else 0.0, "share_neutral": round(neu / n, 4) if n else 0.0,
            "share_negative": round(neg / n, 4) if n else 0.0}


def _pp(a: float, b: float) -> float:
    return round((a - b) * 100, 1)


def _top(aspects: dict[tuple[str, str], tuple[int, int]], polarity: str, n: int) -> list[tuple[str, int, int]]:
    items = [(a, cnt, cnt - prev) for (a, pol), (cnt, prev) in aspects.items() if pol == polarity and cnt > 0]
    return sorted(items, key=lambda t: (-t[1], t[0]))[:n]


def _aspect_table(title: str, items: list[tuple[str, int, int]], quotes: dict[Any, list[str]], pol: str) -> Table:
    rows = [[a, n, ch, " | ".join(quotes.get((a, pol), []))] for a, n, ch in items]
    return Table(title, ["aspect", "reviews", "change_vs_previous", "quotes"], rows)
