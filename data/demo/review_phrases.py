"""Phrase bank for demo reviews besides the aspects: openers, verdicts, closers, titles, compositional frames,
the event stories (the Aurora X2 battery defect and fixed batch, the Luna Glow Serum going viral) and typos.
Slots as in ``demo_review_aspects``.
"""

from __future__ import annotations

TIMES = ["a week", "two weeks", "three weeks", "a month", "two months", "three months", "six months", "a few days",
         "about a year", "ten days", "a couple of weeks", "four months"]
PEOPLE = ["my wife", "my husband", "my daughter", "my son", "my mom", "my dad", "a friend", "my partner", "my sister",
          "my brother", "my coworker", "my roommate", "my grandma", "my teenager", "my boyfriend", "my girlfriend"]

ADVERBS_POS = ["", "", "really ", "very ", "super ", "pretty ", "surprisingly ", "incredibly ", "genuinely ", "so ",
               "absolutely ", "seriously "]
ADVERBS_NEG = ["", "", "really ", "very ", "pretty ", "honestly ", "kind of ", "a bit ", "way too ", "just ",
               "incredibly ", "so "]

#: Frames for an aspect term with an adjective. {term} {Term} {be} (is/are) {adv} {adj}; {bad}/{good} = opposite adj.
FRAMES_POS = [
    "The {term} {be} {adv}{adj}.", "{Term} {be} {adv}{adj}.", "Really impressed with the {term}.",
    "I love the {term}, {tis} {adj}.", "The {term}? {Adj}.", "Can't fault the {term}.",
    "{Term} {be} {adj}, no complaints there.", "The {term} {be}n't {bad} at all.", "{Adj} {term}.",
    "Honestly the {term} {be} better than I expected.", "The {term} {be} {adv}{adj} for the price.",
    "I was surprised by how {adj} the {term} {be}.", "Nothing bad to say about the {term}.",
    "The {term} {be} not bad at all, actually {adj}.", "Big fan of the {term}.",
]
FRAMES_NEG = [
    "The {term} {be} {adv}{adj}.", "{Term} {be} {adv}{adj}.", "Not impressed with the {term}.",
    "The {term} {be}n't very {good}.", "The {term} could be a lot better.", "I expected more from the {term}.",
    "Really disappointed by the {term}.", "{Term} {be} {adj}, which is a shame.", "The {term} {be} not {good} at all.",
    "{Adj} {term}, to be honest.", "My biggest problem is the {term}.", "The {term} {be} just {adj}.",
    "Not a fan of the {term}.", "The {term} {be} nowhere near as {good} as advertised.",
]
FRAMES_NEU = [
    "The {term} {be} okay.", "{Term} {be} about what you'd expect.", "The {term} {be} fine, nothing special.",
    "Can't say much about the {term} yet.", "The {term} {be} average.", "{Term} {be} neither great nor terrible.",
]

#: Whole-product verdicts (no aspect).
VERDICT_POS = [
    "{It} works exactly as described.", "Really happy with {this}.", "{It} exceeded my expectations.",
    "Does exactly what {they} should.", "Love {it}!", "{This} {is} fantastic.", "Best purchase I've made in a while.",
    "I'm impressed.", "{It_s} perfect.", "Exactly what I was looking for.", "No complaints whatsoever.",
    "Absolutely love {this}.", "Can't complain at all.", "{It} never lets me down.", "So glad I bought {this}.",
    "Does the job and then some.", "Just what I needed.", "Couldn't be happier.", "Better than the reviews suggested.",
    "Five stars, no hesitation.", "Hands down the best {noun} I've owned.", "{It_s} not bad at all, actually really good.",
    "{This} {is} a game changer.", "Pleasantly surprised.", "Works like a charm.",
]
VERDICT_NEG = [
    "{It} stopped working after {time}.", "Not what I expected at all.", "Cheaply made.", "{It} broke within {time}.",
    "Total waste of money.", "Very disappointed with {this}.", "Do not buy.", "{This} {is} junk.",
    "Worst {noun} I've ever owned.", "I regret buying {this}.", "{It} didn't work out of the box.",
    "{It} didn't last.", "Wasn't worth it.", "Nothing like the description.", "I really wanted to like {this}.",
    "Great, another {noun} that gives up after {time}.", "Returned {it} the same day.", "Not impressed at all.",
    "Would give zero stars if I could.", "Complete letdown.", "Don't waste your money.", "{It} just doesn't work well.",
    "Looked promising, but no.", "I can't recommend {this}.",
]
VERDICT_NEU = [
    "{It_s} okay.", "It does what it says, nothing more.", "Pretty average.", "It's fine.", "Not bad, not great.",
    "Middle of the road.", "Does the job.", "It's alright for the price.", "Meh.", "Decent, but I expected more.",
    "Hard to get excited about {this}.", "{It} works, I guess.", "Mixed feelings about {this}.",
    "Some good, some bad.", "Average {noun}, nothing special.", "Not sure how I feel about {it} yet.",
]

OPENERS = [
    "Bought {this} as a gift for {person}.", "I've had {this} for about {time} now.",
    "Ordered {this} after reading a lot of reviews.", "Second time buying {this}.", "Picked {it} up on sale.",
    "Replacing an old one that finally gave up.", "I was on the fence about {this} for a while.",
    "Quick review after {time} of use.", "Long-time customer, first time writing a review.", "Update after {time}:",
    "{person_cap} recommended {this} to me.", "I did a lot of research before buying.",
    "I don't usually write reviews, but here goes.", "Been using {it} daily for {time}.",
    "Bought two, one for me and one for {person}.", "My first {brand} purchase.", "I've bought {brand} before.",
    "Got {this} to replace a cheaper one.", "Honest review:", "I'll keep this short.",
]
CATEGORY_OPENERS: dict[str, list[str]] = {
    "Electronics": ["I use {it} every day on my commute.", "Needed something for working from home.",
                    "Bought {this} for the gym.", "I'm pretty picky about tech."],
    "Home & Kitchen": ["Our old {noun} finally died.", "Small kitchen, so size matters to me.", "We cook at home most nights.",
                       "Registry gift that we actually use."],
    "Beauty": ["I have sensitive, combination skin.", "I've tried so many products for my dry skin.",
               "Skincare junkie here.", "I'm in my 40s with oily skin."],
    "Apparel": ["I'm 5'9\" and usually wear a medium.", "Ordered my usual size.", "I'm between sizes, went with the larger one.",
                "Bought this for a trip."],
    "Sports & Outdoors": ["Took {it} on a three-day hike.", "I run about twenty miles a week.", "Used {it} all summer.",
                          "Training for my first half marathon."],
    "Toys & Games": ["Bought {this} for my six-year-old.", "Christmas present for my nephew.", "Birthday gift for my niece.",
                     "Family game night regular here."],
    "Grocery": ["We go through a lot of these in our house.", "Subscribe and save regular here.",
                "I'm picky about my morning coffee.", "Stocking up the pantry."],
    "Books": ["Read this in two sittings.", "Our book club picked this one.", "Bought this for bedtime reading with my kids.",
              "Listened to the sample and had to get the print copy."],
}

#: Neutral context that long reviews add (how it is used, what it replaced, how the buyer chose it).
USAGE = [
    "I mostly use {it} at home.", "We've used {it} almost every day since it arrived.",
    "I compared {it} with two other brands before deciding.", "For reference, my old one was from a big-name brand.",
    "I've had a few of these over the years, so I know what to look for.", "It's been through a lot already.",
    "My {person_short} uses {it} more than I do at this point.", "I read the whole manual, which I never do.",
    "I wanted something mid-range, not the cheapest and not the fanciest.",
    "I've been using {it} for {time}, long enough to form an opinion.", "It replaced something I'd had for years.",
    "Tried it in a few different situations.",
    "I went back and forth between this and a more expensive option.",
]
UPDATE_POS = ["Update after {time}: still working perfectly.", "UPDATE: {time} in and still love {it}.",
              "Edit: bought a second one for {person}.", "Update: holding up great after {time}."]
UPDATE_NEG = ["Update after {time}: it got worse.", "UPDATE: {It} stopped working completely after {time}.",
              "Edit: changing to fewer stars, problems started after {time}.", "Update: the replacement has the same problem."]
UPDATE_NEU = ["Update after {time}: no change, still just okay.", "Edit: it's grown on me a little."]

CLOSERS_POS = ["Highly recommend.", "Would buy again.", "Five stars from me.", "Already ordered another one.",
               "Can't recommend {it} enough.", "Very happy with this purchase.", "10/10.", "No regrets.",
               "Definitely recommend.", "Will be buying more.", "Go for it.", "Thanks {brand}!", "Love love love."]
CLOSERS_NEG = ["Returning {it}.", "Save your money.", "Would not recommend.", "Very disappointed.", "Sending {it} back.",
               "Avoid.", "Not buying {brand} again.", "Waste of money.", "I want a refund.", "Buyer beware.",
               "Look elsewhere.", "Lesson learned."]
CLOSERS_NEU = ["It's fine for the price.", "Might look for something else next time.", "Not sure I'd buy it again.",
               "It does the job.", "Decent, but there are better options.", "We'll see how {they} hold{s} up.",
               "Three stars feels fair.", "Okay if you find it on sale.", "Would maybe recommend."]

CONTRAST = ["but", "however,", "that said,", "on the other hand,", "the downside:", "my only complaint:", "one gripe:",
            "unfortunately", "although", "though", "only thing:"]
NITS = ["My only nitpick:", "One tiny gripe:", "If I had to complain about something:", "Minor thing:", "Small note:"]
CONCESSION_POS = ["To be fair,", "On the plus side,", "The good news:", "I will say", "Credit where it's due,"]

TITLES_POS = ["Love it", "Great product", "Exactly what I needed", "Highly recommend", "Five stars", "So good",
              "Worth it", "Perfect", "Excellent", "Better than expected", "Great value", "Does the job well",
              "Impressed", "Would buy again", "Fantastic", "A must have", "Very happy", "Best {noun} ever",
              "Great {noun}", "Love {this}", "Solid choice", "Pleasantly surprised", "Exceeded expectations",
              "No regrets", "Wow"]
TITLES_NEG = ["Disappointed", "Don't buy", "Waste of money", "Not worth it", "Broke quickly", "Terrible",
              "Returned it", "Very poor quality", "Save your money", "Not as described", "Stopped working",
              "Awful", "Do not recommend", "Junk", "Big letdown", "Defective", "Not happy", "Avoid {this}",
              "Would not buy again", "Cheap and flimsy", "Nope"]
TITLES_NEU = ["It's okay", "Average", "Decent", "Does the job", "Not bad", "Okay for the price", "Mixed feelings",
              "Fine", "Meh", "Could be better", "Nothing special", "It works", "Middle of the road", "Alright"]
TITLES_MIXED = ["Good but not great", "Almost perfect", "Great {term1}, {bad2} {term2}", "Love the {term1}, not the {term2}",
                "Pros and cons", "Good with one big flaw", "Nearly there", "Solid, with one complaint",
                "Good {noun}, {bad2} {term2}"]
TITLES_ASPECT_POS = ["Amazing {term}", "Great {term}", "{Good} {term}!", "The {term} {be} {good}", "Love the {term}"]
TITLES_ASPECT_NEG = ["Bad {term}", "{Term} {be} a letdown", "Terrible {term}", "{Bad} {term}", "Problem with the {term}"]

RETURNED = ["Returned {it}.", "Sent {it} back for a refund.", "Ended up returning {it}.", "Returned {it}, at least the return was easy.",
            "Had to send {it} back.", "Returned for a refund."]

#: Aurora X2 Wireless Earbuds, orders from the defective batch (Sep-Nov 2025).
DEFECT_SENTENCES = [
    "The battery died after two weeks.", "The left earbud won't hold a charge anymore.",
    "Battery drains overnight even in the case.", "After about ten days the battery lasts maybe 40 minutes.",
    "The case stopped charging the earbuds after a week.", "Right bud dies after half an hour, left one is fine.",
    "Battery life went from 8 hours to barely one within {time}.", "They got noticeably hot while charging, which scared me.",
    "Fully charged them last night and they were dead by morning.", "Clearly a battery problem, not a settings issue.",
    "I've seen other people mention the same battery issue, so this seems to be a bad batch.",
    "Charging case shows full but the buds are at 10 percent.", "The battery is defective, plain and simple.",
    "Second pair, same battery problem.", "One earbud randomly shuts off because the battery is dead.",
    "Battery swelled and the bud doesn't sit in the case properly anymore.",
]
DEFECT_TITLES = ["Battery died in two weeks", "Defective battery", "Won't hold a charge", "Battery drains overnight",
                 "Bad batch - battery issues", "Battery problem", "Charging case / battery failure", "Dead after 2 weeks"]
#: Aurora X2 buyers from the defective batch who were lucky (or have not hit the problem yet).
DEFECT_LUCKY = ["Saw the battery complaints but mine have been fine so far.",
                "Battery has been okay for me, fingers crossed after reading about the bad batch.",
                "No battery issues yet, unlike some other reviewers."]
#: Aurora X2 after the fix (orders from December 2025).
FIXED_SENTENCES = [
    "I was nervous after all the battery complaints, but the new batch seems fine.",
    "Mine are from the fixed batch and the battery easily lasts 7-8 hours.",
    "{brand} replaced my defective pair and the replacement from the new batch has been perfect.",
    "Looks like they fixed the battery issue, mine hold a charge all week.",
    "Waited until the battery problem was sorted out, and the new version is great.",
    "No battery problems at all with the updated batch.",
    "The battery issue people mentioned last fall seems to be fixed now.",
    "Got a replacement pair after the recall and the battery is solid now.",
]
FIXED_TITLES = ["Battery issue fixed", "New batch is great", "Fixed version works", "Much better now", "Replacement pair is perfect"]
#: Luna Glow Serum, orders during and right after it went viral (July-August 2024).
VIRAL_POS = ["Saw this all over TikTok and had to try it.", "Jumped on the TikTok hype and honestly it lives up to it.",
             "Bought {it} after it went viral and I get it now.", "Believe the hype.",
             "Finally got my hands on {it} after it sold out twice."]
VIRAL_NEG = ["Doesn't live up to the hype.", "Bought into the TikTok hype, big mistake.",
             "Overhyped, it's just an okay serum.", "All those viral videos must have had filters."]

#: Common misspellings used by the typo step (whole words, lower case).
MISSPELLINGS = {
    "definitely": "definately", "received": "recieved", "really": "realy", "because": "becuase",
    "quality": "qaulity", "recommend": "reccomend", "a lot": "alot", "don't": "dont", "doesn't": "doesnt",
    "it's": "its", "I'm": "im", "wasn't": "wasnt", "separate": "seperate", "until": "untill",
    "comfortable": "comfortible", "disappointed": "dissapointed", "though": "tho", "you": "u",
    "expected": "expeted", "battery": "batery", "their": "there", "probably": "probly", "couldn't": "couldnt",
    "would": "woud", "arrived": "arived", "beautiful": "beautifull", "absolutely": "absolutly", "which": "wich",
}
