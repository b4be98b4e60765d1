"""The planner's vocabulary beyond the semantic layer: extra metric phrases, value aliases, the words that make a
phrase a split ("by", "per", "top 5"), and the guards that keep everyday words from becoming filters."""

from __future__ import annotations

import re

from shoplens.tools.text import NUM

#: Which dimension wins when one phrase names values of several equally well.
DIM_PRIORITY = ("category", "subcategory", "brand", "product", "region", "channel", "segment", "campaign",
                "campaign_channel", "acquisition_channel", "city", "weekday", "status")
#: Dimensions whose values may be named in part ("aurora earbuds", "kitchen").
PARTIAL_DIMS = ("product", "campaign", "category", "subcategory")

EXTRA_METRIC_PHRASES = {
    "revenue": "revenue", "rev": "revenue", "revs": "revenue", "net revenue": "revenue", "sales revenue": "revenue", "dollar sales": "revenue",
    "sales value": "revenue", "unit": "units", "sold units": "units", "number sold": "units",
    "aov": "aov", "avg basket": "aov", "average basket size": "aov", "revenue per order": "aov",
    "avg order value": "aov", "number of customers": "customers", "customer count": "customers",
    "avg rating": "avg_rating", "average review score": "avg_rating", "marketing cost": "ad_spend",
    "ad spend": "ad_spend", "advertising cost": "ad_spend", "ads spend": "ad_spend", "spend on ads": "ad_spend",
    "click rate": "ctr", "gross margin": "gross_margin", "gross margin percent": "gross_margin_pct",
    "gross margin rate": "gross_margin_pct", "margin pct": "gross_margin_pct", "percent margin": "gross_margin_pct",
    "return rate": "return_rate", "cancellation": "cancel_rate", "conversion to cart": "add_to_cart_rate",
    "page view": "product_views", "session": "sessions", "number of orders": "orders", "order volume": "orders",
    "review volume": "review_count", "average star rating": "avg_rating", "star": "avg_rating",
}
#: Weak metric cues: used only when no metric is named outright. (pattern, metric, note)
WEAK_METRICS = [
    (r"how\s+many\b(?:(?!\border|customer|review|visit|session|view|click|impression|signup|return)[^?])*?"
     r"\b(?:sold|sell|selling|bought|purchased|shifted|move|moved)\b", "units", "'how many ... sold' read as units sold"),
    (r"how\s+much\b[^?]*?\b(?:sell|sold|make|made|earn|earned|bring\s+in|brought\s+in|generate|generated|"
     r"take\s+in|took\s+in|do\s+in\s+sales)\b", "revenue", None),
    (r"\b(?:best|top|worst|fastest|slowest|poorest)[\s\-]?sell(?:ing|er|ers)\b|\bmost\s+(?:sold|popular|bought|"
     r"purchased)\b|\bleast\s+(?:sold|popular)\b|\bsold\s+(?:the\s+)?(?:most|least|best|worst|fewest)\b|"
     r"\bsell(?:s)?\s+(?:the\s+)?(?:most|least|best|worst)\b", "units", "ranked by units sold"),
    (r"\b(?:best|worst|highest|lowest|top|poorly|poorest|badly)[\s\-]rated\b|\brated\s+(?:best|worst|highest|"
     r"lowest)\b", "avg_rating", "ranked by average rating"),
    (r"\bmost\s+reviewed\b|\bmost\s+reviews\b", "review_count", None),
    (r"\b(?:most|least|more|less)\s+profitable\b|\bprofitability\b", "gross_margin",
     "profitability read as gross margin"),
    (r"\bmost\s+(?:visited|viewed)\b", "sessions", None),
    (r"\bmost\s+(?:returned|refunded)\b|\bmost\s+returns\b", "return_rate", None),
]
VALUE_ALIASES = {  # (dimension, alias) -> value, used when the value exists
    ("segment", "b2b"): "business", ("segment", "b2c"): "consumer", ("segment", "corporate"): "business",
    ("segment", "business customers"): "business", ("segment", "consumers"): "consumer",
    ("channel", "website"): "web", ("channel", "mobile app"): "app", ("channel", "mobile"): "app",
    ("channel", "online store"): "web", ("channel", "desktop"): "web", ("channel", "third party"): "marketplace",
    ("channel", "market place"): "marketplace", ("channel", "web site"): "web", ("channel", "apps"): "app",
    ("region", "west coast"): "West", ("region", "mid west"): "Midwest",
    ("campaign_channel", "paid search"): "search", ("campaign_channel", "sem"): "search",
    ("campaign_channel", "social media"): "social", ("campaign_channel", "e mail"): "email",
    ("campaign_channel", "banner"): "display", ("campaign_channel", "emails"): "email",
    ("city", "nyc"): "New York", ("city", "la"): "Los Angeles", ("city", "vegas"): "Las Vegas",
    # a country dimension declared by the shop, as exports spell countries (UCI Online Retail: EIRE, RSA, USA)
    ("country", "uk"): "United Kingdom", ("country", "britain"): "United Kingdom",
    ("country", "great britain"): "United Kingdom", ("country", "gb"): "United Kingdom",
    ("country", "ireland"): "EIRE", ("country", "republic of ireland"): "EIRE", ("country", "eire"): "Ireland",
    ("country", "united states"): "USA", ("country", "america"): "USA", ("country", "usa"): "United States",
    ("country", "south africa"): "RSA", ("country", "uae"): "United Arab Emirates",
    ("country", "holland"): "Netherlands", ("country", "the netherlands"): "Netherlands",
}
EXTRA_DIM_PHRASES = {"day of week": "weekday", "day of the week": "weekday", "weekday": "weekday",
                     "days of the week": "weekday", "days of week": "weekday",
                     "product line": "subcategory", "store": "channel", "source": "acquisition_channel",
                     "customer segment": "segment", "genre": "subcategory", "state": "region", "cat": "category",
                     "cats": "category", "subcat": "subcategory", "subcats": "subcategory", "prod": "product",
                     "prods": "product", "promo": "campaign"}
#: Values that are also everyday words: accepted only next to a domain word ("app orders", "on the app").
CONTEXT_WORDS = frozenset(
    ["order", "sale", "revenue", "customer", "user", "ad", "campaign", "channel", "traffic", "shopper", "buyer", "purchase", "store", "only", "via", "through", "thru", "platform", "segment", "client", "account", "marketing", "advertising", "spend", "unit", "visit", "session", "click", "impression", "signup", "acquisition", "acquired", "rating", "review", "margin", "shop"]
)
GUARDED = frozenset(["app", "web", "search", "social", "email", "display", "business", "consumer", "organic", "referral", "affiliate", "direct", "paid", "other", "online", "mobile", "video"])
STRICT = frozenset(["history", "travel", "storage", "stem", "top", "bottom", "breakfast"])
STRICT_NEIGHBOURS = frozenset(["book", "category", "subcategory", "section", "genre", "department", "title", "product", "item"])
#: Product-name words that never identify a product on their own.
GENERIC = frozenset(
    ["set", "pack", "pair", "kit", "kid", "mini", "pro", "plus", "classic", "daily", "everyday", "smart", "wireless", "organic", "night", "big", "small", "little", "simple", "quiet", "family", "home", "game", "card", "road", "guide", "starter", "extra", "fit", "band", "cream", "oil", "water", "light", "bag", "lb", "oz", "ml", "piece", "bags", "cans", "can", "sheet", "control", "remote", "fire", "city", "space", "station", "adventure", "castle", "world", "map", "lake", "mountain", "glass", "food", "tool", "tools", "care", "body"]
)
#: Words of the question kinds (never reported as unknown names).
KIND_WORDS = frozenset(
    ["forecast", "predict", "projection", "trend", "trends", "chart", "graph", "plot", "show", "compare", "comparison", "reviews", "review", "complaints", "sentiment", "anomalies", "anomaly", "unusual", "why", "explain", "breakdown", "split", "top", "bottom", "best", "worst", "what", "which", "how", "when", "where", "please", "hi", "hello", "thanks", "yoy", "mom", "wow", "qoq", "ytd", "mtd", "qtd", "wtd", "ttm", "sku", "skus", "kpi", "kpis", "vs", "versus", "and", "or", "also", "only", "instead", "same", "give", "list", "tell", "draw", "visualize", "visualise", "heatmap", "histogram", "scatter", "stacked", "grouped", "pie", "bar", "bars", "line", "lines", "area", "dual", "axis", "daily", "weekly", "monthly", "quarterly", "yearly", "annual", "total", "overall", "average", "avg", "sum", "count", "number"]
)
LEAD_PREPS = frozenset(["on", "via", "through", "thru", "from", "in", "for", "within"])
#: Words after which a guarded value ("web", "app") is named, not used as an everyday word: "add web to the chart".
ADDING_WORDS = frozenset(["add", "adding", "include", "including", "plus", "vs", "versus", "than"])
VERBS = frozenset(["display", "search", "show", "list"])
CAMPAIGN_WORDS = r"\b(?:campaigns?|promos?|promotions?|promotional|ads?|advert\w*|marketing|doorbusters?)\b"
EXCLUDE_RE = re.compile(r"(?:excluding|exclude|except(?:\s+for)?|without|other\s+than|not\s+including|apart\s+from|"
                        r"leaving\s+out|leave\s+out|left\s+out|outside(?:\s+of)?|skip(?:ping)?|ignor(?:e|ing)|not\s+counting|minus|ex\.?|but\s+not|"
                        r"not)\s+(?:the\s+)?(?:[a-z&]+\s+)?$")
_LEAVE_BEFORE = re.compile(r"\b(?:leave|leaving|left|take|taking|keep|keeping|cut|cutting)\s+(?:the\s+)?(?:[a-z&]+\s+)?$")


def excluded_at(text: str, start: int, end: int) -> bool:
    """Whether the value at ``text[start:end]`` is left out: "excluding books", "without the app", or the
    value inside "leave books out", "take grocery out"."""
    before = text[max(0, start - 40):start]
    if EXCLUDE_RE.search(before):
        return True
    return bool(_LEAVE_BEFORE.search(before)) and re.match(r"\s+out\b", text[end:end + 6]) is not None
GB_PREFIX = (r"(?:by|per|across(?:\s+all)?|for\s+(?:each|every|all)|in\s+each|each|every|split\s+(?:by|across|"
             r"between|into)|broken\s+down\s+by|break\s*down\s+by|breakdown\s+by|breakdown\s+per|grouped\s+by|"
             r"group\s+by|segmented\s+by|sliced\s+by|compare(?:d)?|comparing|between|among|vs\.?\s+other|"
             r"(?:breakdown|distribution|spread)\s+(?:of|across))")
RANK_PREFIX = (rf"(?:top|bottom|best|worst|leading|biggest|largest|smallest|highest|lowest|busiest|quietest|most\s+popular|"
               rf"least\s+popular|(?:most|least)[\s\-](?:viewed|visited|reviewed|returned|purchased|bought|ordered|profitable)|"
               rf"(?:best|top|worst|bottom|low|lowest|highest|poorly|under)[\s\-]?(?:selling|performing|rated|"
               rf"performers?)|poorest|weakest|strongest|busiest|slowest|quietest|fastest[\s\-]growing|rank(?:ing)?|"
               rf"cheapest|priciest|costliest|most\s+expensive|least\s+expensive|"
               rf"list\s+(?:the\s+)?)"
               rf"\s+(?:{NUM}\s+)?")

#: Words that make a question about a shop even when no measure or name is matched ("how is the shop doing?")
SHOP_WORDS = frozenset(["shop", "store", "business", "sales", "sale", "sell", "sells", "selling", "sold", "buy",
                        "bought", "buying", "money", "made", "make", "earn", "earned", "spend", "spent", "doing",
                        "perform", "performance", "performing", "customer", "customers", "product", "products",
                        "item", "items", "order", "orders", "price", "prices", "stock", "inventory", "data",
                        "numbers", "metric", "metrics", "kpi", "report", "dashboard", "growth", "grow", "growing",
                        "drop", "dropped", "up", "down", "best", "worst", "most", "least"])
#: Customers ranked by what they bought ("our 3 biggest customers", "which clients spent the most"): a split by
#: customer, where "customers" elsewhere is the count of buyers.
RANKED_CUSTOMERS = re.compile(
    r"\b(?:top|biggest|largest|best|leading|most\s+valuable|highest[\s\-]spending|big(?:gest)?[\s\-]spending|"
    r"heaviest|loyal(?:est)?|worst|smallest)\s+(?:\d{1,3}\s+|two\s+|three\s+|five\s+|ten\s+|twenty\s+)?"
    r"(?P<d>customers|clients|buyers|accounts|spenders)\b"
    r"|\b(?:which|what)\s+(?:\d{1,3}\s+)?(?P<d2>customers|clients|buyers|accounts)\s+(?:spent|spend|bought|buy|ordered|"
    r"order|paid|pay)\b"
    r"|\b(?P<d3>customers|clients|buyers)\s+(?:who|that)\s+(?:spent|spend|bought|ordered|paid)\s+(?:the\s+)?most\b"
    r"|\b(?:\d{1,3}|two|three|four|five|ten)\s+(?P<d4>customers|clients|buyers|accounts)\s+(?:with|having|that\s+had|"
    r"who\s+had)\s+the\s+(?:biggest|largest|most|highest|smallest|fewest|lowest)\b")

