"""What kind of question it is (figure, breakdown, top N, compare, trend, chart, forecast, reviews, anomalies,
why, describe, unsupported) plus top-N, chart kind and forecast model, from keyword rules; when no rule and no
other cue decides, from MiniLM sentence similarity to a small bank of example questions (loaded lazily, once).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from shoplens.tools.text import NUM, to_int

# Read on the unmasked text: the nouns of a write request (orders, products) are masked in ``blank``.
_WRITE_REQUEST = (
    r"^\s*(?:please\s+|can\s+you\s+|could\s+you\s+|pls\s+)?(?:(?:update|insert|truncate|modify|overwrite|wipe|"
    r"purge|erase|refund|rename)\b|(?:delete|remove|drop)\s+(?:\w+\s+){0,4}?(?:orders|rows|records|tables?|"
    r"customers|products|reviews|data|entries|transactions|duplicates)\b)",
    "ShopLens is read-only: it reports on the data and never changes it",
)

_UNSUPPORTED = [
    _WRITE_REQUEST,
    (
        r"\btranslat\w*|\bin\s+(?:french|spanish|german|chinese|japanese|italian)\b",
        "Translating text needs the LLM mode",
    ),
    (
        r"^(?:please\s+|can\s+you\s+|could\s+you\s+)?(?:write|draft|compose|craft|generate|create)\b(?!.*\b(?:chart|"
        r"graph|plot|table|forecast|breakdown|report\s+of|summary\s+of)\b)",
        "Writing text (emails, posts, product copy) needs the LLM mode",
    ),
    (
        r"\b(?:tweet|poem|slogan|tagline|press\s+release|ad\s+copy|newsletter|essay|song|joke)\b",
        "Writing text needs the LLM mode",
    ),
    (
        r"\bstrateg\w*|\bwhat\s+should\s+(?:we|i)\b|\bshould\s+(?:we|i)\b|\brecommend\w*|\badvi[cs]e\b|"
        r"\bhow\s+(?:can|could|do|should)\s+(?:we|i)\s+(?:increase|improve|grow|boost|reduce|fix|win|get\s+more)|"
        r"\bwhat\s+(?:can|could)\s+we\s+do\b|\bideas?\s+(?:for|to)\b|\bplan\s+for\s+next",
        "Advice and strategy need judgment beyond the numbers; the offline planner only reports what the data says",
    ),
    (
        r"\bcompetitor\w*|\brivals?\b|\bamazon'?s\b|\bweather\b|\btemperature\b|\brain(?:fall|y)?\b|\bstock\s+(?:price|"
        r"market)|\bshare\s+price|\binventory\b|\bstock\s+levels?\b|\bin\s+stock\b|\bout\s+of\s+stock\b|\bshipping\b|"
        r"\bdelivery\s+times?\b|\bemployees?\b|\bstaff\w*|\bsalar(?:y|ies)\b|\bpayroll\b|\bsuppliers?\b|\btax(?:es)?\b|"
        r"\bexchange\s+rates?\b|\bgdp\b|\binflation\b|\bmarket\s+share\b|\blifetime\s+value\b|\bclv\b|\bltv\b|"
        r"\bchurn\w*|\bnps\b|\bcac\b|\belasticity\b|\btwitter\b|\binstagram\b|\btiktok\b|\bgoogle\s+trends\b|"
        r"\bwebsite\s+speed\b|\bpage\s+load\b|\bprofit\s+after\s+tax|\bnet\s+income\b|\bebitda\b|\bcash\s*flow\b|"
        r"\bwarehouse\s+capacity\b|\bheadcount\b|\bpopulation\b|\bnews\b|\belection",
        "That is not in the shop's data",
    ),
    (
        r"^\s*(?:thanks|thank\s+you|thx|ty|cheers|great|cool|ok(?:ay)?|nice|perfect|got\s+it)\b[\s!.]*$",
        "Nothing to look up - ask me about sales, products, customers, reviews or marketing",
    ),
    (
        r"\bconversion(?:\s+rates?)?\b|\bconvert(?:s|ed|ing)?\b",
        "There is no conversion-rate metric in the data; the "
        "closest is the add-to-cart rate (add-to-carts / product views)",
    ),
    (
        r"\bbounce\s+rates?\b|\bretention\b|\brepeat\s+(?:purchase|customer|buyer)s?\b|\bcpc\b|\bcpm\b|\bcpa\b|"
        r"\bcost\s+per\s+(?:click|acquisition|order|mille)\b|\bcogs\b|\b(?:revenue|sales|spend)\s+per\s+(?:customer|"
        r"user|visitor|session|head|capita)\b|\bdwell\s+time\b|\btime\s+on\s+site\b|\bcart\s+abandon\w*|"
        r"\babandon\w*\s+carts?\b|\bwishlists?\b|\bcoupons?\s+(?:usage|redemption)\b|\bdiscount\s+rates?\b|"
        r"\bprice\s+changes?\b|\bpricing\b",
        "That measure is not defined in this warehouse's metrics",
    ),
    (
        r"\b(?:which|top|best|biggest|largest)\s+(?:\d+\s+)?(?:individual\s+)?customers\b|\bcustomer\s+names?\b|"
        r"\bwho\s+(?:are|is)\s+(?:our|the)\s+(?:best|top|biggest)\s+customers?",
        "The data has no customer names to rank (it can split by segment, region or city)",
    ),
]
_DESCRIBE = (
    r"\bwhat\s+(?:data|tables|metrics|dimensions|measures|kpis|information|info|fields|columns)\b|"
    r"\bwhich\s+(?:metrics|dimensions|tables|kpis|measures)\b|\bwhat\s+(?:can|could)\s+(?:i|you)\s+"
    r"(?:ask|do|answer|tell)|\bwhat\s+do\s+you\s+(?:have|know)\b|\blist\s+(?:the\s+|all\s+|your\s+)?"
    r"(?:metrics|dimensions|tables|kpis|measures)|^\s*help\b|\bdescribe\s+(?:the\s+|your\s+)?(?:data|"
    r"dataset|warehouse|schema)|\bschema\b|\bhow\s+far\s+back\b|\bdata\s+(?:cover|range|available|go\s+back)|"
    r"\bwhat\s+(?:period|dates|time\s+range)\s+(?:does|do|is)\b|^\s*(?:hi|hello|hey)\b[\s!.?]*$|"
    r"\bwhat\s+(?:are|is)\s+(?:the|our|your)\s+(?:categories|brands|regions|channels|segments|"
    r"campaigns|metrics)\b\s*\??$|\bwhat\s+questions\b|\blist\s+(?:the\s+|all\s+|our\s+)?(?:categories|"
    r"subcategories|brands|regions|channels|products|campaigns|segments|cities|events)\b|\bhow\s+many\s+"
    r"(?:products|skus|brands|categories|subcategories|regions|campaigns|channels|cities|segments)\s+"
    r"(?:do\s+we\s+have|are\s+there|exist)|\bwhich\s+(?:categories|brands|regions|channels|campaigns)\s+"
    r"(?:do\s+we\s+have|are\s+there|exist)|\bhow\s+many\s+(?:products|skus|items|brands|categories|"
    r"subcategories|regions|campaigns|channels|cities|segments)\b(?!.*\b(?:sold|sell|bought|buy|ordered|"
    r"purchased|returned|reviewed)\b)|\b(?:catalog|catalogue)\b"
)
_FORECAST = (
    r"\bfore?cast\w*|\bforecst\w*|\bforcast\w*|\bpredict\w*|\bprojection\w*|\bproject(?:ed)?\s+(?:the\s+)?(?:revenue|sales|units|"
    r"orders|demand)|\bwill\s+(?:\w+\s+){0,3}(?:sell|be|make|reach|look|do|earn|generate|bring)\b|"
    r"\bwhat\s+will\b|\bexpected\s+(?:revenue|sales|demand|units|orders)|\boutlook\b|\bfuture\b|"
    r"\bgoing\s+forward|\bestimate\s+(?:next|future|upcoming)|\banticipat\w*|\bexpect(?:ed)?\s+(?:to|in|"
    r"next)\b|\bgoing\s+to\s+(?:sell|be|make)\b"
)
_WHY = (
    r"^why\b|\bwhy\s+(?:did|does|do|is|are|was|were|has|have|had)\b|\bwhat\s+(?:drove|drives|caused|causes|"
    r"explains|is\s+behind|was\s+behind|happened\s+(?:to|with|in))\b|\bexplain\b|\breasons?\s+(?:for|behind|why)|"
    r"\bdrivers?\b|\bdrove\b|\bdriven\b|\bwhat'?s\s+(?:behind|driving)|\broot\s+cause|\bcontribut\w+|\bwhere\s+did\s+(?:the|we|it)\s+"
    r"(?:drop|decline|growth|increase|loss|lose|gain|come\s+from)|\baccount(?:s|ed)?\s+for\s+the\b"
)
_REVIEWS_WHY = r"\bwhy\s+(?:do|are|did|would)\s+(?:people|customers|users|buyers|shoppers|they)\s+(?:hate|love|like|dislike|complain|unhappy|happy|return|rate)"
_ANOMALIES = (
    r"\banom[ao]l\w*|\bunusual\w*|\bspikes?\b|\bspiked\b|\boutliers?\b|\bstrange\b|\bweird\b|\bodd\b|"
    r"\babnormal\w*|\bunexpected\w*|\birregular\w*|\bout\s+of\s+the\s+ordinary|\bblips?\b|"
    r"\bglitch\w*|\boutages?\b|\bred\s+flags?\b|\bworr(?:y|ied|ying)\b|\bstand\s+out\b|\bstood\s+out\b|"
    r"\blooks?\s+off\b|\bsurpris\w*"
)
_ANOMALIES_WEAK = r"\bdips?\b|\bdrops\b|\bsurges?\b|\bjumps?\b|\bsudden\w*|\bpeaks?\b|\bcrash\w*|\bplunge\w*"
_REVIEWS_STRONG = (
    r"\bcompla[a-z]*n\w*|\bcomplaints?\b|\bwhat\s+(?:do|are|did|does)\s+(?:customers|people|ppl|"
    r"users|buyers|shoppers|reviewers|they|folks|clients)\s+(?:say|saying|think|said|complaining|"
    r"mention|like|love|hate|dislike|feel)|\bsay(?:ing)?\s+about\b|\bsaid\s+about\b|\bfeedback\b|\bsentiment\b|\bhate\b|\blove\b|\bdislike\b|\bpraise\w*|\bpain\s+points?|"
    r"\bissues?\s+with\b|\bproblems?\s+with\b|\bunhappy\b|\bhappy\s+with\b|\bsatisf\w*|\bopinions?\b|"
    r"\bpeople\s+saying\b|\b(?:negative|positive|bad|good)\s+(?:reviews|feedback|comments)|"
    r"\bcomments?\b|\bthink\s+(?:of|about)\b|\bquality\s+(?:issues|problems)|\bdefects?\b|"
    r"\bwhat\s+(?:is|are)\s+(?:wrong|good)\s+with\b|\breview\s+(?:insights|themes|summary)\b|"
    r"\bany\s+good\b|\bworth\s+(?:it|buying|the\s+money)\b|\baccording\s+to\s+(?:the\s+|our\s+)?"
    r"(?:customers|buyers|shoppers|reviews|reviewers|people|users)\b"
)
_REVIEWS_WEAK = r"\breviews?\b|\breviewers?\b|\breveiws?\b|\brevews?\b"
_NUMERIC = (
    r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\b|\baverage\b|\bavg\b|\bmean\b|\btotal\b|\brate\b|"
    r"\bscore\b|\bper\s+(?:day|week|month)\b"
)
_CHART_WORD = r"\b(?:chart|graph|plot|visuali[sz]\w*|draw|diagram|sparkline|figure\s+of)\b"
_CHART_KINDS = [
    (
        r"\bpie\b|\bdonut\b|\bdoughnut\b",
        "hbar",
        "pie charts are hard to read; showing horizontal bars instead",
    ),
    (r"\bhorizontal\s+bars?\b|\bbarh\b|\bsideways\s+bars?\b", "hbar", None),
    (
        r"\bstacked\s+area\b|\barea\s+(?:chart|graph|plot)\b|\bas\s+(?:an\s+)?area\b|\bfilled\s+line",
        "area",
        None,
    ),
    (r"\bstacked\b", "stacked_bar", None),
    (r"\bgrouped\b|\bside[\s\-]by[\s\-]side\b|\bclustered\b", "grouped_bar", None),
    (
        r"\bsmall\s+multiples?\b|\bfacet\w*|\bpanels?\b|\bgrid\s+of\s+charts|\bone\s+(?:chart|panel)\s+(?:per|for\s+each)",
        "small_multiples",
        None,
    ),
    (
        r"\bdual[\s\-]axis\b|\btwo\s+axes\b|\bsecondary\s+axis\b|\bcombo\b|\bbars?\s+and\s+(?:a\s+)?lines?\b|"
        r"\bline\s+and\s+bars?\b",
        "combo",
        None,
    ),
    (r"\bscatter\w*|\bcorrelat\w*|\brelationship\s+between\b", "scatter", None),
    (r"\bheat\s*map\b|\bcalendar\s+(?:chart|view|heat\s*map)\b", "heatmap", None),
    (r"\bhistogram\b|\bdistribution\s+of\b", "histogram", None),
    (r"\bmulti[\s\-]?line\b|\bone\s+line\s+(?:per|for\s+each)\b", "multi_line", None),
    (
        r"\bline\s+(?:chart|graph|plot)s?\b|\bas\s+(?:a\s+)?lines?\b|\bline\b(?=.*" + _CHART_WORD + ")",
        "line",
        None,
    ),
    (
        r"\bbar\s+(?:chart|graph|plot)s?\b|\bbars\b|\bas\s+(?:a\s+)?bar\b|\bcolumn\s+(?:chart|graph)s?\b|\bcolumns\b|"
        r"\bbar\b",
        "bar",
        None,
    ),
]
_TREND = (
    r"\btrend\w*|\bover\s+time\b|\bevol\w*|\bhistor(?:y|ical)\b|\btime[\s\-]?series\b|\btrajector\w*|"
    r"\bdevelop(?:ed|ment)\b|\bprogress(?:ion|ed)?\b|\bover\s+the\s+(?:last|past)\b|\bmonth\s+by\s+month\b|"
    r"\bweek\s+by\s+week\b|\bday\s+by\s+day\b|\bseasonal\w*|\bhow\s+(?:has|have)\b"
)
_COMPARE = (
    r"\bcompar\w*|\bvs\.?\b|\bversus\b|\bagainst\b|\bdifference\s+between\b|\bgrowth\b|\bgrew\b|\bgrow(?:ing|n)?\b|"
    r"\bchanged?\b|\bchanges\b|\bincrease[ds]?\b|\bdecrease[ds]?\b|\bdecline[ds]?\b|\bup\s+or\s+down\b|"
    r"\bbetter\s+or\s+worse\b|\b(?:higher|lower|more|less)\s+than\b|\bdelta\b|\bdropp?(?:ed)?\b|\bfell\b|"
    r"\brose\b|\bgain(?:ed)?\b|\blost\b|\b(?:went|go(?:ing|ne)?|is|are|was|were)\s+(?:\w+\s+)?(?:up|down)\b"
)
_PERFORMANCE = (
    r"\bhow\s+(?:is|are|was|were|did|has|have|do|does)\b.*\b(?:doing|perform\w*|going|look\w*|faring|"
    r"do|did|go|went|turn\s+out|shape\s+up)\b\s*\??$|\bperformance\b|\bhow\s+(?:is|are|was|were)\s+.*\b(?:sales|revenue)\b"
)
_TOP_N = [
    (
        rf"\b(?:top|best|leading|biggest|largest|highest|first|strongest)\s+(?P<n>{NUM})(?!\s*(?:%|percent|days?|weeks?|months?|years?|quarters?))\b",
        "desc",
    ),
    (
        rf"\b(?:bottom|worst|lowest|smallest|least|weakest|poorest|last)\s+(?P<n>{NUM})(?!\s*(?:%|percent|days?|weeks?|months?|years?|quarters?))\b",
        "asc",
    ),
    (rf"\b(?P<n>{NUM})\s+(?:best|top|biggest|largest|highest|strongest|most)\b", "desc"),
    (rf"\b(?P<n>{NUM})\s+(?:worst|bottom|lowest|smallest|weakest|least)\b", "asc"),
]
_RANK_PERIOD = (
    r"\b(?:best|worst|busiest|biggest|highest|lowest|slowest|quietest|strongest|weakest|top|record|peak)"
    r"\s+(?:\w+\s+)?(?P<g>day|week|month|quarter|year)s?\b"
)
_RANK_DESC = (
    r"\b(?:top|best|leading|biggest|largest|highest|most|strongest|best[\s\-]?selling|top[\s\-]?selling|busiest|record|peak|"
    r"best[\s\-]?performing|top[\s\-]?performing|fastest[\s\-]growing|rank\w*|leader\w*|winners?|"
    r"number\s+one|no\.?\s*1|#1|max(?:imum)?)\b"
)
_RANK_ASC = (
    r"\b(?:bottom|worst|lowest|least|fewest|smallest|weakest|poorest|slowest|under[\s\-]?perform\w*|"
    r"worst[\s\-]?selling|losers?|min(?:imum)?|poorly|quietest)\b"
)
_QUALITY_RANK = r"\b(?:best|worst|strongest|weakest|poorest|top[\s\-]?performing|under[\s\-]?perform\w*|best[\s\-]?performing)\b"
#: Metrics where a lower value is better ("worst return rate" = the highest).
LOWER_IS_BETTER = {"return_rate", "cancel_rate", "negative_share", "ad_spend"}
_MODELS = [
    (r"\b(?:s?arimax?|auto[\s\-]?arima|box[\s\-]jenkins)\b", "arima"),
    (r"\b(?:ets|exponential\s+smoothing|holt[\s\-]?winters?|holt)\b", "ets"),
    (r"\b(?:seasonal\s+naive|snaive|naive|baseline)\b", "naive"),
    (r"\b(?:lstm|neural\s+net\w*|deep\s+learning|rnn)\b", "lstm"),
    (r"\b(?:ensemble|combined\s+models?|average\s+of\s+(?:the\s+)?models)\b", "ensemble"),
]


@dataclass
class Intent:
    kind: str | None = None  # None: no rule decided
    signals: set[str] = field(default_factory=set)  # every kind a rule saw
    top_n: int | None = None
    order: str | None = None  # "desc" | "asc" when ranking words were used
    ranked: bool = False  # ranking words without a number ("best-selling", "which ... most")
    chart_kind: str | None = None
    chart_word: bool = False
    model: str | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    year_or_n: int | None = None  # "top 2025": a year or N?
    rank_grain: str | None = None  # "best month", "busiest day": rank periods
    quality_rank: bool = False  # "best"/"worst" (flips for metrics where lower is better)
    confidence: float = 1.0


def detect(text: str, blank: str) -> Intent:
    """Keyword rules. ``text`` is the normalised question; ``blank`` the same with names/values masked out."""
    it = Intent()
    for rule in _UNSUPPORTED:
        pattern, reason = rule
        if re.search(pattern, text if rule is _WRITE_REQUEST else blank):
            it.signals.add("unsupported")
            it.reason = it.reason or reason
    if re.search(_DESCRIBE, blank):
        it.signals.add("describe")
    if re.search(_FORECAST, blank):
        it.signals.add("forecast")
    if re.search(_REVIEWS_WHY, text):
        it.signals.add("reviews")
    elif re.search(_WHY, blank):
        it.signals.add("why")
    if re.search(_ANOMALIES, blank):
        it.signals.add("anomalies")
    elif re.search(_ANOMALIES_WEAK, blank):
        it.signals.add("anomalies_weak")
    if re.search(_REVIEWS_STRONG, text):
        it.signals.add("reviews")
    elif re.search(_REVIEWS_WEAK, text) and not re.search(_NUMERIC, blank):
        it.signals.add("reviews_weak")
    it.chart_word = bool(re.search(_CHART_WORD, blank))
    for pattern, kind, note in _CHART_KINDS:
        if re.search(pattern, blank):
            it.chart_kind = kind
            if note:
                it.notes.append(note)
            break
    if it.chart_kind or it.chart_word:
        it.signals.add("chart")
    if re.search(_TREND, blank):
        it.signals.add("trend")
    if re.search(_COMPARE, blank):
        it.signals.add("compare")
    if re.search(_PERFORMANCE, blank):
        it.signals.add("performance")
    for pattern, order in _TOP_N:
        m = re.search(pattern, blank)
        if m:
            n = to_int(m.group("n"))
            if 1900 <= n <= 2100 and re.search(rf"\b{n}\b", text):
                it.year_or_n = n
                continue
            it.top_n, it.order = max(1, min(n, 500)), order
            it.signals.add("top")
            break
    if it.top_n is None and not it.year_or_n:
        m = re.search(r"\b(?:top|bottom)\s+(?P<n>(?:19|20)\d\d)\b", text)
        if m:
            it.year_or_n = int(m.group("n"))
    m = re.search(_RANK_PERIOD, blank)
    if m:
        it.rank_grain = m.group("g")
    it.quality_rank = bool(re.search(_QUALITY_RANK, blank))
    if it.order is None:
        asc, desc = re.search(_RANK_ASC, blank), re.search(_RANK_DESC, blank)
        if asc or desc:
            it.ranked = True
            it.order = "asc" if asc and (not desc or asc.start() < desc.start()) else "desc"
    for pattern, model in _MODELS:
        if re.search(pattern, blank):
            it.model = model
            break
    if re.search(r"\bprophet\b", blank):
        it.notes.append("Prophet is not available offline; choosing the model automatically")
    return it


# ------------------------------------------------------------------------------------------ embedding fallback
EXAMPLES: dict[str, list[str]] = {
    "figure": [
        "what was our revenue last month",
        "how much did we make in 2025",
        "total orders this year",
        "how many units of the earbuds did we sell",
        "what's the average order value",
        "give me the GMV",
        "what are the numbers for beauty",
        "how big was the business in q1",
        "what did we take in yesterday",
    ],
    "breakdown": [
        "revenue by channel",
        "split sales across regions",
        "how do the categories compare in revenue",
        "share of orders per segment",
        "what's the mix of sales between web and app",
        "where does our revenue come from",
        "which channels bring in the sales",
    ],
    "top": [
        "what are our best sellers",
        "which products make the most money",
        "top 10 brands",
        "worst performing categories",
        "which region is the biggest",
        "rank the products",
        "who are the winners and losers among products",
        "our strongest brands",
    ],
    "compare": [
        "how did this month compare to last month",
        "are we up or down versus last year",
        "revenue 2024 vs 2025",
        "growth compared with the previous quarter",
        "is beauty growing",
        "are we doing better than a year ago",
        "how are the numbers looking",
        "how are we doing",
    ],
    "trend": [
        "how have sales developed over the last year",
        "monthly revenue over time",
        "show the sales history",
        "is revenue trending up",
        "what's the trajectory of orders",
        "show the evolution of revenue",
        "how did sales move through the year",
    ],
    "forecast": [
        "what will we sell next month",
        "predict demand for the coming weeks",
        "projection for Q3",
        "where will revenue land by year end",
        "how much will we make next quarter",
        "where are we headed this autumn",
        "what should we expect for the holidays",
    ],
    "reviews": [
        "what are customers complaining about",
        "what do people think of the serum",
        "summarise the feedback on the earbuds",
        "are shoppers happy with the blender",
        "what do buyers like about the headphones",
        "is the serum any good according to shoppers",
    ],
    "anomalies": [
        "were there any strange days recently",
        "anything out of the ordinary in march",
        "did something weird happen to orders",
        "find days that look off",
        "any red flags in the data",
        "anything I should be worried about lately",
        "did we have any bad days",
        "any surprises",
    ],
    "why": [
        "why did revenue fall",
        "what caused the drop in orders",
        "explain the decline in beauty",
        "what's behind the growth",
        "which categories drove the change",
        "what drove that",
        "how come sales went down",
    ],
    "describe": [
        "what data do you have",
        "what can I ask you",
        "which metrics are available",
        "how far back does the data go",
        "what do you know about the shop",
        "give me the lay of the land",
        "what's in the warehouse",
    ],
    "unsupported": [
        "write me a marketing email",
        "what should our pricing strategy be",
        "what's the weather",
        "how are our competitors doing",
        "tell me a joke",
        "book a meeting with the team",
        "what's the capital of France",
        "how much inventory is left in the warehouse",
        "book a flight to Paris",
        "translate this into Spanish",
        "who won the game last night",
    ],
}
#: Accept the nearest kind only when it is close enough and clearly ahead of the runner-up.
MIN_SIMILARITY, MIN_MARGIN = 0.40, 0.03
_lock = threading.Lock()
_bank: dict[str, Any] = {}


def embedding_kind(question: str, encoder: Any | None = None) -> tuple[str, float, float]:
    """(kind, similarity, margin over the next kind) by cosine similarity to the example bank (MiniLM, loaded
    on first use and cached for the process)."""
    import numpy as np

    with _lock:
        if "enc" not in _bank:
            if encoder is None:
                from shoplens.tools.reviews.backends import MiniLMEncoder

                encoder = MiniLMEncoder(batch_size=64, dtype="float32")  # bf16 is slower for one sentence
            labels = [k for k, qs in EXAMPLES.items() for _ in qs]
            texts = [q for qs in EXAMPLES.values() for q in qs]
            _bank.update(enc=encoder, labels=labels, matrix=encoder.encode(texts)[0])
    vec = _bank["enc"].encode([question])[0][0]
    sims = _bank["matrix"] @ vec
    best: dict[str, float] = {}
    for label, s in zip(_bank["labels"], sims, strict=True):
        best[label] = max(best.get(label, -1.0), float(s))
    ranked = sorted(best, key=lambda k: best[k], reverse=True)
    return (
        ranked[0],
        float(np.round(best[ranked[0]], 3)),
        float(np.round(best[ranked[0]] - best[ranked[1]], 3)),
    )


# ------------------------------------------------------------------------------------------------ the decision
def decide_kind(p: Any, u: Any) -> tuple[str, float, str | None]:
    """(kind, confidence, note) from the parse of a new question (``p``: understand.Parsed)."""
    it, ents, t = p.intent, p.ents, p.time
    sig = it.signals
    metric_named = bool(ents.metrics or ents.weak_metric)
    cue = (
        metric_named
        or ents.filters
        or ents.group_by
        or t.spans
        or t.grain
        or ents.families
        or ents.ambiguous
        or ents.excluded
        or t.horizon
        or t.horizon_end
    )
    numeric = bool(
        t.grain
        or ents.group_by
        or it.top_n
        or it.ranked
        or t.compare_mode
        or len(t.spans) >= 2
        or re.search(_NUMERIC, p.blank)
        or {"trend", "chart"} & sig
    )
    strong_compare = bool(t.compare_mode) or len({(s.start, s.end) for s in t.spans}) >= 2
    if "unsupported" in sig and not (
        {"why", "anomalies", "forecast"} & sig and metric_named and (it.reason or "").startswith("Advice")
    ):
        return "unsupported", 1.0, None
    if ents.ambiguous or it.year_or_n:
        return "clarify", 1.0, None
    if "describe" in sig and not (ents.metrics or ents.filters or t.spans):
        return "describe", 1.0, None
    if "forecast" in sig or t.horizon or t.horizon_end:
        return "forecast", 1.0, None
    if "why" in sig:
        return "why", 1.0, None
    if "reviews" in sig and not numeric:
        return "reviews", 1.0, None
    if "anomalies" in sig or ("anomalies_weak" in sig and not strong_compare and not it.ranked):
        return "anomalies", 1.0, None
    review_metrics = {"review_count", "avg_rating", "sentiment", "negative_share"}
    if "reviews_weak" in sig and not numeric and not (set(ents.metrics) - review_metrics):
        return "reviews", 1.0, None
    if it.chart_kind:
        return "chart", 1.0, None
    if it.chart_word:
        return ("trend" if "trend" in sig or t.grain else "chart"), 1.0, None
    if strong_compare:
        return "compare", 1.0, None
    if "trend" in sig or (t.grain and not it.rank_grain):
        return "trend", 1.0, None
    multi = any(len(v) >= 2 for v in ents.filters.values())
    if "compare" in sig and (ents.group_by and not t.spans or multi):
        return "breakdown", 1.0, None
    if "compare" in sig and cue and not (it.top_n or (it.ranked and not ents.group_by)):
        return "compare", 1.0, None
    if it.top_n or (it.ranked and (ents.group_by or it.rank_grain or ents.weak_metric)):
        return "top", 1.0, None
    if ents.group_by:
        return "breakdown", 1.0, None
    if "performance" in sig and not (ents.filters.get("campaign") or ents.families):
        return "compare", 1.0, "read as how it did against the previous period"
    if "describe" in sig:
        return "describe", 1.0, None
    undecided = not metric_named and not (sig - {"reviews_weak"})
    if undecided and u.use_embeddings and p.words >= (4 if cue else 3):
        kind, sim, margin = _nearest(p.question)
        if (
            sim >= MIN_SIMILARITY
            and margin >= MIN_MARGIN
            and kind != "unsupported"
            and not (cue and kind == "describe")
        ):
            return kind, sim, f"read as a {kind} question (by similarity to known questions, {sim:.2f})"
    if cue:
        return "figure", 1.0, None
    return "unsupported", 0.0, None


def _nearest(question: str) -> tuple[str, float, float]:
    try:
        return embedding_kind(question)
    except Exception:  # noqa: BLE001 - the model is optional: without it the rules' answer stands
        return "unsupported", 0.0, 0.0
