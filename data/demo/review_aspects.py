"""Aspect phrase bank for demo reviews: what buyers talk about, per aspect, in positive, negative and neutral voice.

Each aspect has nouns (``terms``; a trailing "+" marks a plural noun), adjectives for compositional frames
(``good``/``bad``) and hand-written sentences. Slots: {it} (object), {they} {It} (subject), {is} {its} {it_s}
{It_s} {does} {doesnt} {has} {was} {wasnt} {this} {This} {noun} {brand} {time} {person}. The composer mixes hand-written sentences with
frames x terms x adjectives x adverbs, so a model cannot just memorise a few templates.
"""

from __future__ import annotations

from typing import TypedDict, cast

from shoplens.data.demo.review_aspects_care import CARE_ASPECTS
from shoplens.data.demo.review_aspects_goods import GOODS_ASPECTS
from shoplens.data.demo.review_aspects_leisure import LEISURE_ASPECTS


class Aspect(TypedDict):
    terms: list[str]
    good: list[str]
    bad: list[str]
    pos: list[str]
    neg: list[str]
    neu: list[str]


_GENERIC: dict[str, dict[str, list[str]]] = {
    # ------------------------------------------------------------------------------------------------ generic
    "shipping": {
        "terms": ["shipping", "delivery"],
        "good": ["fast", "quick", "super quick", "speedy", "right on time"],
        "bad": ["slow", "painfully slow", "late", "a mess"],
        "pos": ["Arrived two days early.", "Showed up the day after I ordered.", "Got here way faster than the estimate.",
                "Delivery was quick and the tracking was accurate.", "Shipping was fast, no complaints there.",
                "Came earlier than expected, which was a nice surprise.", "Ordered Monday, had {it} by Wednesday."],
        "neg": ["Took almost three weeks to arrive.", "Delivery was delayed twice with no explanation.",
                "The package sat at the depot for a week.", "Tracking said delivered but it showed up four days later.",
                "Shipping took forever.", "It arrived a week after the promised date.",
                "Delivery was so late I had to buy a backup elsewhere."],
        "neu": ["Shipping was about what I expected.", "Arrived within the normal window.",
                "Delivery took a few days, nothing unusual."],
    },
    "packaging": {
        "terms": ["packaging", "box", "packing"],
        "good": ["nice", "secure", "neat", "minimal", "well done"],
        "bad": ["flimsy", "wasteful", "damaged", "crushed"],
        "pos": ["Well packed, nothing was damaged.", "Packaging was minimal and recyclable, which I appreciate.",
                "Came nicely boxed, would make a good gift.", "Everything was wrapped carefully.",
                "Arrived in perfect condition."],
        "neg": ["The box was crushed when it arrived.", "Came in a torn envelope with no padding at all.",
                "Packaging was damaged and {they} looked used.", "Way too much plastic in the packaging.",
                "The seal was already broken when I opened it.", "Arrived dented because it was barely packed."],
        "neu": ["Packaging was basic but did the job.", "Standard packaging, nothing fancy."],
    },
    "value": {
        "terms": ["price", "value", "value for money"],
        "good": ["great", "fair", "unbeatable", "excellent", "hard to beat"],
        "bad": ["steep", "too high", "a rip-off", "hard to justify"],
        "pos": ["Great value for the price.", "Worth every penny.", "For the money you really can't beat {it}.",
                "Cheaper than the big brands and just as good.", "At this price it's a steal.",
                "Honestly a bargain for what you get.", "Paid less than I expected and got more than I expected."],
        "neg": ["Way overpriced for what you get.", "Not worth the money.", "Wasn't worth it at this price.",
                "You can get the same thing for half the price elsewhere.", "Too expensive for the quality.",
                "I feel like I overpaid.", "Definitely not worth full price."],
        "neu": ["Fair price, I guess.", "Priced about the same as similar products.",
                "Worth it on sale, maybe not at full price."],
    },
    "quality": {
        "terms": ["build quality", "quality", "construction", "materials+"],
        "good": ["solid", "excellent", "sturdy", "top-notch", "premium"],
        "bad": ["cheap", "flimsy", "poor", "shoddy", "disappointing"],
        "pos": ["Feels really solid and well made.", "Quality is much better than I expected.",
                "Still going strong after {time}.", "You can tell {it_s} built to last.",
                "Very well made, no loose parts or rough edges.", "Holding up great after {time} of daily use.",
                "Sturdier than the one I had before."],
        "neg": ["Broke after {time}.", "Feels cheap and flimsy.", "Didn't last, fell apart after {time}.",
                "Stopped working after {time}.", "The quality just isn't there.",
                "Mine cracked within {time}.", "Cheaply made, you get what you pay for.",
                "Started falling apart almost immediately."],
        "neu": ["Quality is okay for the price.", "Seems decent so far, time will tell.",
                "Not the sturdiest, but not flimsy either."],
    },
    "service": {
        "terms": ["customer service", "support", "support team"],
        "good": ["helpful", "excellent", "fantastic", "responsive", "quick to help"],
        "bad": ["useless", "unhelpful", "slow", "terrible", "impossible to reach"],
        "pos": ["Customer service sorted out a problem within a day.", "Support was super helpful when I had a question.",
                "Had an issue and they replaced {it} with no hassle.", "The support team answered my email the same day.",
                "Great customer service, they really care."],
        "neg": ["Customer service never answered my emails.", "Support was useless, they just kept sending me links to the FAQ.",
                "Tried to contact support three times and got nowhere.", "The return process was a nightmare.",
                "Customer service told me it was my fault.", "Still waiting on a refund after {time}."],
        "neu": ["Had to contact support once, it was fine.", "Customer service was polite but slow."],
    },
    "ease": {
        "terms": ["setup", "controls+", "instructions+"],
        "good": ["easy", "simple", "straightforward", "intuitive", "a breeze"],
        "bad": ["confusing", "complicated", "frustrating", "a pain", "unclear"],
        "pos": ["Super easy to use right out of the box.", "Setup took about five minutes.",
                "Really intuitive, didn't even need the manual.", "Simple enough that {person} figured it out alone.",
                "No learning curve at all."],
        "neg": ["The instructions are useless.", "Took me an hour to figure out how to use {it}.",
                "Way more complicated than it needs to be.", "Setup was a nightmare.",
                "Not intuitive at all, I still don't get some of the settings."],
        "neu": ["Takes a little getting used to.", "Setup was okay once I read the manual.",
                "Easy enough to use, but nothing special."],
    },
    "looks": {
        "terms": ["design", "look", "finish", "color"],
        "good": ["beautiful", "sleek", "gorgeous", "classy", "cute"],
        "bad": ["ugly", "cheap-looking", "dull", "tacky"],
        "pos": ["Looks even better in person.", "Love the design, very sleek.", "The color is gorgeous.",
                "Looks way more expensive than {they} {is}.", "Gets compliments all the time."],
        "neg": ["Looks nothing like the photos.", "The color is way off from the pictures.",
                "Looks cheap in person.", "The finish started peeling after {time}."],
        "neu": ["Looks fine, nothing special.", "The design is pretty plain.", "Color is close enough to the photos."],
    },
}

ASPECTS = cast(dict[str, Aspect], {**_GENERIC, **GOODS_ASPECTS, **CARE_ASPECTS, **LEISURE_ASPECTS})

#: Aspects buyers mention per category, subcategory or product noun (most specific wins), first = most common.
CATEGORY_ASPECTS: dict[str, list[str]] = {
    "Electronics": ["quality", "ease", "connectivity"],
    "Electronics/Audio": ["sound", "battery", "comfort_ear", "connectivity"],
    "Electronics/Wearables": ["battery", "tracking", "display", "comfort_ear"],
    "Electronics/Smart Home": ["app", "connectivity", "video"],
    "Electronics/Accessories": ["charging", "quality"],
    "Electronics/Computing": ["typing", "connectivity"],
    "webcam": ["video", "ease"],
    "Home & Kitchen": ["quality", "ease", "looks"],
    "Home & Kitchen/Small Appliances": ["performance", "cleaning", "noise", "size"],
    "Home & Kitchen/Cookware": ["heating", "cleaning", "quality"],
    "Home & Kitchen/Kitchen Tools": ["sharpness", "quality", "cleaning"],
    "Home & Kitchen/Bedding": ["softness", "quality"],
    "Home & Kitchen/Storage": ["lids", "quality"],
    "Home & Kitchen/Home Decor": ["light", "looks"],
    "Beauty": ["scent", "texture"],
    "Beauty/Skincare": ["skin_results", "texture", "sensitivity", "scent"],
    "Beauty/Makeup": ["wear", "texture", "sensitivity"],
    "Beauty/Hair Care": ["hair", "scent", "texture"],
    "Beauty/Fragrance": ["scent", "wear"],
    "Beauty/Bath & Body": ["scent", "texture", "sensitivity"],
    "Apparel": ["fit", "fabric", "washing", "looks"],
    "Apparel/Outerwear": ["warmth", "fit", "quality"],
    "Apparel/Footwear": ["support", "fit", "quality"],
    "Apparel/Activewear": ["fit", "fabric", "washing"],
    "Sports & Outdoors": ["durability", "portability", "ease"],
    "Sports & Outdoors/Camping": ["durability", "portability", "setup_gear"],
    "Sports & Outdoors/Fitness": ["durability", "setup_gear", "quality"],
    "Sports & Outdoors/Hydration": ["insulation", "durability"],
    "Toys & Games": ["fun", "pieces", "age", "quality"],
    "Toys & Games/RC & Vehicles": ["fun", "power", "durability"],
    "Toys & Games/Plush": ["softness", "quality", "fun"],
    "Toys & Games/Puzzles": ["pieces", "fun", "age"],
    "cutting boards": ["quality", "cleaning", "size"],
    "Toys & Games/Outdoor Play": ["fun", "power", "durability"],
    "Grocery": ["taste", "freshness", "portion", "ingredients"],
    "Books": ["story", "writing", "print"],
    "Books/Self-Help": ["usefulness", "writing"],
    "Books/Business & Finance": ["usefulness", "writing"],
    "Books/Cookbooks": ["usefulness", "print"],
    "Books/Children's": ["story", "print", "fun"],
    "Books/History": ["writing", "usefulness", "print"],
    "Books/Travel": ["print", "writing"],
    "Books/Home & Garden": ["usefulness", "print"],
}
#: Aspects any product can get (delivery, value, service ...), mentioned less often than the specific ones.
GENERIC_ASPECTS = ["value", "shipping", "packaging", "quality", "service", "looks"]
