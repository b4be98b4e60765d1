"""Deterministic fixture that mimics the UCI "Online Retail" export of a UK gift-ware wholesaler.

Layout written by :func:`generate` (``OUT_DIR``)::

    exports/YYYY-MM-DD.csv      one file per trading day (Sun-Fri, closed 24 Dec 2010 .. 3 Jan 2011 and on
                                UK bank holidays), header
                                InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
    exports_bad/YYYY-MM-DD.csv  a copy of ONE day's file in which one row carries an unquoted comma in its
                                description (9 fields instead of 8): a strict CSV reader fails on that line.
                                It is kept apart so that ``exports/`` stays importable.
    manifest.json               the summary returned by generate()

Raw-format facts (as in the real export)
    * InvoiceDate ``12/1/2010 8:26`` (month/day/year, no leading zeros, 24 h); UnitPrice ``2.55``; CustomerID
      ``17850.0`` or empty (~25 % of lines: guest/walk-in invoices, almost all United Kingdom).
    * InvoiceNo ``536365``; credit notes ``C536379`` (negative Quantity); accounting write-offs ``A563186``.
    * A description containing a comma is quoted (``"PAPER CRAFT , LITTLE BIRDIE"``), as in the real file.
    * ~1 % exact duplicate rows (the same line repeated, adjacent, within a file).
    * a handful of stock adjustments: own invoice number, UnitPrice 0, empty CustomerID, description such as
      ``damaged``, ``?`` or empty, mostly negative Quantity.
    * ~2 % of stock codes carry a second, slightly different description on some lines.
    * Non-product codes: POST (POSTAGE), DOT (DOTCOM POSTAGE), M (Manual), BANK CHARGES (Bank Charges),
      AMAZONFEE (AMAZON FEE, always on credit notes, Quantity -1, large price), B ("Adjust bad debt", only on the
      three A-invoices, one of them with a positive and two with a negative UnitPrice).
    * Two giant sales reversed minutes later by a credit note of the same customer:
      23166 MEDIUM CERAMIC TOP STORAGE JAR, 74,215 units, 2011-01-18 10:01 (customer 12346, credit 10:17) and
      23843 PAPER CRAFT , LITTLE BIRDIE, 80,995 units, 2011-12-09 09:15 (customer 16446, credit 09:27).
    * Most credit notes reverse (fully or partly) an earlier sale of the same customer and stock code; a few
      have no matching sale in the data (the sale happened before the export window).

Ground-truth views (see :func:`views_sql`)
    raw_lines        every row, typed
    lines            raw_lines with exact duplicate rows removed (SELECT DISTINCT over all raw columns)
    products_named   one row per stock_code: name = most frequent non-null description in ``lines``
                     (ties broken alphabetically)

MONEY / UNIT DEFINITIONS (what a finance person would sign; all over ``lines``)
    non-product codes    NONPRODUCT = ('POST', 'DOT', 'M', 'BANK CHARGES', 'AMAZONFEE') and the A-lines
                         (invoice_no LIKE 'A%', stock code 'B').
    revenue (net)        SUM(quantity * unit_price) over all lines EXCEPT the A-lines. Credit notes count
                         (negative); POST/DOT/M/BANK CHARGES/AMAZONFEE count. Stock adjustments contribute 0.
    gross revenue        the same over non-credit-note lines only (NOT is_credit_note, not A).
    refunds              -SUM(quantity * unit_price) over credit-note lines (a positive number).
                         revenue = gross revenue - refunds.
    units (net)          SUM(quantity) over lines of real products only (stock_code NOT IN NONPRODUCT, not A);
                         credit notes subtract. (Per the literal definition the handful of zero-priced stock
                         adjustments count too; they sit on mid-ranked products and move totals by <0.1 %.)
    orders               COUNT(DISTINCT invoice_no) over non-credit-note, non-A invoices. (Literally this also
                         counts the handful of zero-value stock-adjustment invoices; questions whose period holds
                         one carry a sql_alternative that leaves them out.)
    customers            COUNT(DISTINCT customer_id) over non-credit-note lines with customer_id NOT NULL.
    average order value  gross revenue of sales invoices / orders (both over non-credit, non-A invoices).
    A-lines ("Adjust bad debt")  are an accounting write-off, not a sale, a refund or an order: they are left
                         out of every metric above (they net to -11,062.06 and would otherwise swamp a day).
    Time: invoice_date = the date of InvoiceDate. "today" = the last invoice date in the data (2011-12-09, a
    Friday); last month = November 2011; last quarter = Q3 2011; this year/ytd = 2011-01-01 .. 2011-12-09;
    last year = 2010 (which only holds 1-23 December 2010: year-over-year comparisons must say so).
"""
from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

START = date(2010, 12, 1)
END = date(2011, 12, 9)
CLOSED = {date(2011, 4, 22), date(2011, 4, 25), date(2011, 4, 29), date(2011, 5, 2), date(2011, 5, 30),
          date(2011, 8, 29)}
NONPRODUCT = ("POST", "DOT", "M", "BANK CHARGES", "AMAZONFEE")
HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
FIRST_INVOICE = 536365

# --------------------------------------------------------------------------------------------- countries
# (name, customers at scale 1, share of identified non-UK lines, zone for postage, growth over the year)
COUNTRIES = [
    ("United Kingdom", 3950, 0.0, "uk", 1.0),
    ("Germany", 95, 9495, "eu", 1.25), ("France", 87, 8557, "eu", 1.0), ("EIRE", 3, 8196, "eu", 0.9),
    ("Spain", 31, 2533, "eu", 1.0), ("Netherlands", 9, 2371, "eu", 1.9), ("Belgium", 25, 2069, "eu", 1.0),
    ("Switzerland", 21, 2002, "eu", 1.0), ("Portugal", 19, 1519, "eu", 1.0), ("Australia", 9, 1259, "far", 0.5),
    ("Norway", 10, 1086, "nordic", 1.0), ("Italy", 15, 803, "eu", 1.0), ("Channel Islands", 9, 758, "eu", 1.0),
    ("Finland", 12, 695, "nordic", 1.0), ("Cyprus", 8, 622, "eu", 1.0), ("Sweden", 8, 462, "nordic", 1.2),
    ("Unspecified", 4, 446, "eu", 1.0), ("Austria", 11, 401, "eu", 1.0), ("Denmark", 9, 389, "nordic", 1.0),
    ("Japan", 8, 358, "far", 1.0), ("Poland", 6, 341, "eu", 1.0), ("Israel", 4, 297, "far", 1.0),
    ("USA", 4, 291, "far", 1.0), ("Hong Kong", 1, 150, "far", 1.0), ("Singapore", 1, 229, "far", 1.0),
    ("Iceland", 1, 182, "nordic", 1.0), ("Canada", 4, 151, "far", 1.0), ("Greece", 4, 146, "eu", 1.0),
    ("Malta", 2, 127, "eu", 1.0), ("United Arab Emirates", 2, 68, "far", 1.0),
    ("European Community", 1, 61, "eu", 1.0), ("RSA", 1, 58, "far", 1.0), ("Lebanon", 1, 45, "far", 1.0),
    ("Lithuania", 1, 35, "eu", 1.0), ("Brazil", 1, 32, "far", 1.0), ("Czech Republic", 1, 30, "eu", 1.0),
    ("Bahrain", 2, 19, "far", 1.0), ("Saudi Arabia", 1, 10, "far", 1.0),
]
ANON_COUNTRY = {"United Kingdom": 0.962, "EIRE": 0.012, "Hong Kong": 0.008, "Unspecified": 0.005,
                "France": 0.004, "Switzerland": 0.004, "Israel": 0.003, "Bahrain": 0.002}
POSTAGE_PENCE = {"eu": 1800, "nordic": 2800, "far": 4000, "uk": 1500}

MONTH_FACTOR = {(2010, 12): 1.30, (2011, 1): 0.85, (2011, 2): 0.80, (2011, 3): 0.95, (2011, 4): 0.85,
                (2011, 5): 1.00, (2011, 6): 1.00, (2011, 7): 0.95, (2011, 8): 1.00, (2011, 9): 1.40,
                (2011, 10): 1.55, (2011, 11): 1.95, (2011, 12): 1.60}
WEEKDAY_FACTOR = {0: 1.00, 1: 1.06, 2: 1.04, 3: 1.60, 4: 0.86, 6: 0.70}  # Mon..Fri, Sun (no Saturday)
XMAS_SEASON = {1: 0.3, 2: 0.12, 3: 0.12, 4: 0.12, 5: 0.15, 6: 0.3, 7: 0.6, 8: 1.1, 9: 2.4, 10: 3.2, 11: 3.6,
               12: 2.6}
SUMMER_SEASON = {1: 0.5, 2: 0.6, 3: 1.0, 4: 1.6, 5: 2.0, 6: 2.0, 7: 1.6, 8: 1.1, 9: 0.6, 10: 0.4, 11: 0.4,
                 12: 0.4}

# --------------------------------------------------------------------------------------------- catalogue
# Anchor products: (code, description, price in pence, popularity, launch date or None, second description)
ANCHORS = [
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 255, 60, None, "CREAM HANGING HEART T-LIGHT HOLDER"),
    ("85123B", "RED HANGING HEART T-LIGHT HOLDER", 255, 6, None, None),
    ("84970S", "HANGING HEART ZINC T-LIGHT HOLDER", 85, 5, None, None),
    ("71053", "WHITE METAL LANTERN", 339, 14, None, None),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", 275, 10, None, None),
    ("22423", "REGENCY CAKESTAND 3 TIER", 1275, 45, None, None),
    ("85099B", "JUMBO BAG RED RETROSPOT", 195, 50, None, None),
    ("85099C", "JUMBO BAG BAROQUE BLACK WHITE", 195, 14, None, None),
    ("85099F", "JUMBO BAG STRAWBERRY", 195, 13, None, None),
    ("22386", "JUMBO BAG PINK POLKADOT", 195, 22, None, None),
    ("21931", "JUMBO STORAGE BAG SUKI", 195, 20, None, None),
    ("20712", "JUMBO BAG WOODLAND ANIMALS", 195, 12, None, None),
    ("22411", "JUMBO SHOPPER VINTAGE RED PAISLEY", 195, 18, None, None),
    ("23084", "RABBIT NIGHT LIGHT", 208, 40, date(2011, 5, 10), None),
    ("22086", "PAPER CHAIN KIT 50'S CHRISTMAS", 295, 30, None, None),
    ("22910", "PAPER CHAIN KIT VINTAGE CHRISTMAS", 295, 14, None, None),
    ("22720", "SET OF 3 CAKE TINS PANTRY DESIGN", 495, 28, None, "SET OF 3 CAKE TINS PANTRY DESIGN "),
    ("22722", "SET OF 6 SPICE TINS PANTRY DESIGN", 395, 14, None, None),
    ("47566", "PARTY BUNTING", 495, 38, None, None),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 169, 35, None, None),
    ("20725", "LUNCH BAG RED RETROSPOT", 165, 32, None, None),
    ("20727", "LUNCH BAG BLACK SKULL", 165, 20, None, None),
    ("22383", "LUNCH BAG SUKI DESIGN", 165, 20, None, None),
    ("22382", "LUNCH BAG SPACEBOY DESIGN", 165, 18, None, None),
    ("20728", "LUNCH BAG CARS BLUE", 165, 17, None, None),
    ("22384", "LUNCH BAG PINK POLKADOT", 165, 17, None, None),
    ("22197", "SMALL POPCORN HOLDER", 85, 25, None, "POPCORN HOLDER"),
    ("84077", "WORLD WAR 2 GLIDERS ASSTD DESIGNS", 29, 30, None, None),
    ("21212", "PACK OF 72 RETROSPOT CAKE CASES", 55, 30, None, None),
    ("22457", "NATURAL SLATE HEART CHALKBOARD", 295, 24, None, None),
    ("22469", "HEART OF WICKER SMALL", 165, 24, None, None),
    ("22470", "HEART OF WICKER LARGE", 295, 18, None, None),
    ("23166", "MEDIUM CERAMIC TOP STORAGE JAR", 125, 12, date(2011, 1, 10), None),
    ("23843", "PAPER CRAFT , LITTLE BIRDIE", 208, 0, None, None),
    ("22961", "JAM MAKING SET PRINTED", 145, 22, None, None),
    ("22960", "JAM MAKING SET WITH JARS", 425, 20, None, None),
    ("22666", "RECIPE BOX PANTRY YELLOW DESIGN", 295, 16, None, None),
    ("22139", "RETROSPOT TEA SET CERAMIC 11 PC", 495, 14, None, None),
    ("21034", "REX CASH+CARRY JUMBO SHOPPER", 95, 12, None, None),
    ("22633", "HAND WARMER UNION JACK", 210, 16, None, None),
    ("22632", "HAND WARMER RED RETROSPOT", 210, 14, None, None),
    ("22834", "HAND WARMER BABUSHKA DESIGN", 210, 10, None, None),
    ("21754", "HOME BUILDING BLOCK WORD", 595, 12, None, None),
    ("21755", "LOVE BUILDING BLOCK WORD", 595, 12, None, None),
    ("22728", "ALARM CLOCK BAKELIKE PINK", 375, 16, None, None),
    ("22727", "ALARM CLOCK BAKELIKE RED", 375, 17, None, None),
    ("22726", "ALARM CLOCK BAKELIKE GREEN", 375, 15, None, None),
    ("22729", "ALARM CLOCK BAKELIKE ORANGE", 375, 9, None, None),
    ("21790", "VINTAGE SNAP CARDS", 85, 14, None, None),
    ("22111", "SCOTTIE DOG HOT WATER BOTTLE", 495, 16, None, None),
    ("22112", "CHOCOLATE HOT WATER BOTTLE", 495, 16, None, None),
    ("23298", "SPOTTY BUNTING", 495, 14, date(2011, 4, 12), None),
    ("21731", "RED TOADSTOOL LED NIGHT LIGHT", 165, 18, None, None),
    ("22551", "PLASTERS IN TIN SPACEBOY", 165, 14, None, None),
    ("22556", "PLASTERS IN TIN CIRCUS PARADE", 165, 16, None, None),
    ("22554", "PLASTERS IN TIN WOODLAND ANIMALS", 165, 15, None, None),
    ("22617", "BAKING SET SPACEBOY DESIGN", 495, 12, None, None),
    ("22138", "BAKING SET 9 PIECE RETROSPOT", 495, 18, None, None),
    ("85152", "HAND OVER THE CHOCOLATE SIGN", 210, 10, None, None),
    ("21080", "SET/20 RED RETROSPOT PAPER NAPKINS", 85, 16, None, None),
    ("22993", "SET OF 4 PANTRY JELLY MOULDS", 125, 14, None, None),
    ("23245", "SET OF 3 REGENCY CAKE TINS", 495, 12, date(2011, 3, 20), None),
    ("22699", "ROSES REGENCY TEACUP AND SAUCER", 295, 18, None, None),
    ("22697", "GREEN REGENCY TEACUP AND SAUCER", 295, 17, None, None),
    ("22698", "PINK REGENCY TEACUP AND SAUCER", 295, 13, None, None),
    ("20914", "SET/5 RED RETROSPOT LID GLASS BOWLS", 295, 10, None, None),
    ("23356", "GROW A FLYTRAP OR SUNFLOWER IN TIN", 125, 8, date(2011, 3, 1), None),
    ("23358", "GROWING HERBS IN ZINC POT", 295, 6, date(2011, 3, 1), None),
    ("82552", "HOME SWEET HOME METAL SIGN", 295, 8, None, None),
    ("21985", "BEST DAD EVER MUG", 165, 6, None, None),
    ("22541", "TOP SECRET PEN SET", 125, 6, None, None),
    ("23401", "TOTAL CALM SCENTED CANDLE", 195, 5, None, None),
    ("21175", "CAR BOOT SALE METAL SIGN", 210, 6, None, None),
    ("22784", "LOVE HEART POCKET WARMER", 165, 7, None, None),
    ("22476", "COUNTRY COTTAGE DOORSTOP", 425, 6, None, None),
    ("22588", "FRENCH BLUE METAL DOOR SIGN", 125, 6, None, None),
    ("23293", "CAFÉ CREME CHALKBOARD SIGN", 295, 5, None, None),
    ("23294", "CRÈME BRÛLÉE RAMEKIN SET", 425, 4, None, None),
    ("21916", "CHILDREN'S APRON DOLLY GIRL", 210, 6, None, None),
    ("21533", "MOTHER'S KITCHEN SPOON REST", 125, 5, None, None),
    ("21181", "PLEASE ONE PERSON METAL SIGN", 210, 8, None, None),
    ("79321", "CHILLI LIGHTS", 495, 10, None, None),
    ("22745", "POPPY'S PLAYHOUSE BEDROOM", 210, 6, None, None),
]

COLOURS = ["RED", "PINK", "BLUE", "GREEN", "WHITE", "IVORY", "CREAM", "BLACK", "PURPLE", "ORANGE", "YELLOW",
           "SILVER", "GOLD", "TURQUOISE", "LILAC", "NATURAL", "ANTIQUE SILVER", "LIGHT BLUE"]
MOTIFS = ["RED RETROSPOT", "PINK POLKADOT", "BLUE POLKADOT", "VINTAGE PAISLEY", "SUKI", "WOODLAND",
          "SPACEBOY", "DOLLY GIRL", "PANTRY", "REGENCY", "APPLES", "STRAWBERRY", "SKULL", "LITTLE BIRDIE",
          "LOVEBIRD", "DAISY", "ENGLISH ROSE", "BUNNY", "OWL", "FLOWER FAIRY", "GINGHAM", "BAROQUE",
          "UNION JACK", "CHARLOTTE", "SCANDINAVIAN", "DINOSAUR", "CIRCUS PARADE", "TOADSTOOL", "PARISIENNE",
          "FRENCH KITCHEN", "ZINC", "ENAMEL", "WICKER", "50'S CHRISTMAS", "VINTAGE CHRISTMAS", "SNOWFLAKE",
          "REINDEER", "ANGEL", "STAR", "BUTTERFLY", "ROBOT", "PIRATE", "SWALLOW", "CHERRY", "LEMON", "DOILY",
          "BIRD", "FELTCRAFT", "KASHMIR", "MOROCCAN", "ROSE", "BLOSSOM", "POPPY", "HEN HOUSE", "ALPHABET",
          "SHABBY CHIC", "VINTAGE LEAF", "JAM JAR", "TEA TIME", "SPOTTY", "STRIPEY", "HEART", "SKETCHBOOK",
          "RETRO", "BIRDCAGE", "CAKESHOP", "SEASIDE", "TREASURE", "GARDEN", "PICNIC", "SANTA", "BAUBLE"]
ITEMS = [("BAG", "BAGS"), ("LUNCH BOX", "LUNCH BOXES"), ("SHOPPER", "SHOPPERS"), ("CAKE TIN", "CAKE TINS"),
         ("CAKE CASES", "CAKE CASES"), ("MUG", "MUGS"), ("TEACUP AND SAUCER", "TEACUPS AND SAUCERS"),
         ("T-LIGHT HOLDER", "T-LIGHT HOLDERS"), ("LANTERN", "LANTERNS"), ("DOORMAT", "DOORMATS"),
         ("CUSHION COVER", "CUSHION COVERS"), ("APRON", "APRONS"), ("OVEN GLOVE", "OVEN GLOVES"),
         ("TEA TOWEL", "TEA TOWELS"), ("PAPER NAPKINS", "PAPER NAPKINS"), ("PAPER PLATES", "PAPER PLATES"),
         ("PAPER CUPS", "PAPER CUPS"), ("BUNTING", "BUNTING"), ("GARLAND", "GARLANDS"), ("PHOTO FRAME",
         "PHOTO FRAMES"), ("WALL CLOCK", "WALL CLOCKS"), ("FRIDGE MAGNET", "FRIDGE MAGNETS"),
         ("KEYRING", "KEYRINGS"), ("NOTEBOOK", "NOTEBOOKS"), ("PENCILS", "PENCILS"), ("CHALKBOARD",
         "CHALKBOARDS"), ("METAL SIGN", "METAL SIGNS"), ("HOT WATER BOTTLE", "HOT WATER BOTTLES"),
         ("PURSE", "PURSES"), ("UMBRELLA", "UMBRELLAS"), ("PARASOL", "PARASOLS"), ("RAG DOLL", "RAG DOLLS"),
         ("PLAYING CARDS", "PLAYING CARDS"), ("GREETING CARD", "GREETING CARDS"), ("WRAP", "WRAPS"),
         ("GIFT BAG", "GIFT BAGS"), ("TISSUES", "TISSUES"), ("CANDLE", "CANDLES"), ("STORAGE JAR",
         "STORAGE JARS"), ("WATER BOTTLE", "WATER BOTTLES"), ("SPOON", "SPOONS"), ("BOWL", "BOWLS"),
         ("PLATE", "PLATES"), ("BEAKER", "BEAKERS"), ("PARTY BAG", "PARTY BAGS"), ("STICKERS", "STICKERS"),
         ("CHARM", "CHARMS"), ("ORNAMENT", "ORNAMENTS"), ("HANGING DECORATION", "HANGING DECORATIONS"),
         ("WREATH", "WREATHS"), ("STOCKING", "STOCKINGS"), ("TREE DECORATION", "TREE DECORATIONS"),
         ("CRACKERS", "CRACKERS"), ("LUGGAGE TAG", "LUGGAGE TAGS"), ("PICNIC BASKET", "PICNIC BASKETS"),
         ("DRAWER KNOB", "DRAWER KNOBS"), ("COAT RACK", "COAT RACKS"), ("HOOK", "HOOKS"), ("TRAY", "TRAYS"),
         ("BASKET", "BASKETS"), ("STORAGE TIN", "STORAGE TINS"), ("PENCIL CASE", "PENCIL CASES"),
         ("EGG CUP", "EGG CUPS"), ("TEAPOT", "TEAPOTS"), ("JUG", "JUGS"), ("BOTTLE OPENER", "BOTTLE OPENERS"),
         ("COASTER", "COASTERS"), ("PLACEMAT", "PLACEMATS"), ("DOORSTOP", "DOORSTOPS"), ("CLOTHES PEGS",
         "CLOTHES PEGS"), ("WASHBAG", "WASHBAGS"), ("MIRROR", "MIRRORS"), ("MONEY BOX", "MONEY BOXES"),
         ("PHOTO ALBUM", "PHOTO ALBUMS"), ("BIRTHDAY CARD", "BIRTHDAY CARDS"), ("BALLOONS", "BALLOONS"),
         ("SCARF", "SCARVES"), ("HAIR CLIPS", "HAIR CLIPS"), ("NECKLACE", "NECKLACES"), ("BRACELET",
         "BRACELETS"), ("SNOW GLOBE", "SNOW GLOBES"), ("GLASS VASE", "GLASS VASES"), ("JEWELLERY BOX",
         "JEWELLERY BOXES"), ("SEWING KIT", "SEWING KITS"), ("KNITTING NANCY", "KNITTING NANCIES"),
         ("SKIPPING ROPE", "SKIPPING ROPES"), ("JIGSAW", "JIGSAWS"), ("SPINNING TOP", "SPINNING TOPS"),
         ("CAKE STAND", "CAKE STANDS"), ("BREAD BIN", "BREAD BINS"), ("BISCUIT TIN", "BISCUIT TINS"),
         ("MEASURING SPOONS", "MEASURING SPOONS"), ("CHOPSTICKS", "CHOPSTICKS"), ("BIB", "BIBS"),
         ("CHILDRENS CUTLERY", "CHILDRENS CUTLERY"), ("NIGHT LIGHT", "NIGHT LIGHTS"), ("STRING LIGHTS",
         "STRING LIGHTS")]
SIZES = ["SMALL", "MEDIUM", "LARGE", "JUMBO", "MINI", "GIANT"]
ADJS = ["VINTAGE", "ANTIQUE", "RUSTIC", "FRENCH", "SWEETHEART", "WOODEN", "CERAMIC", "GLASS", "METAL",
        "FELT", "HAND PAINTED", "EMBROIDERED", "PORCELAIN", "TIN", "WIRE", "BEADED"]
SETS = [2, 3, 4, 6, 8, 10, 12, 20, 24]
PACKS = [6, 10, 12, 20, 24, 36, 60, 72, 100]
XMAS_WORDS = ("CHRISTMAS", "SNOWFLAKE", "REINDEER", "ANGEL", "SANTA", "BAUBLE", "STOCKING", "WREATH",
              "CRACKERS", "TREE DECORATION", "SNOW GLOBE", "ADVENT")
SUMMER_WORDS = ("PARASOL", "PICNIC", "GARDEN", "SEASIDE", "WATER BOTTLE", "SKIPPING ROPE", "UMBRELLA")
PRICE_POINTS = np.array([19, 21, 29, 39, 42, 55, 65, 72, 79, 83, 85, 95, 125, 145, 165, 169, 195, 208, 210,
                         246, 255, 295, 325, 339, 375, 415, 425, 495, 545, 595, 675, 795, 850, 995, 1095,
                         1275, 1495, 1695, 1895, 2495, 2995, 3995, 4995])
ADJUST_DESCRIPTIONS = ["damaged", "?", "", "check", "wet damaged", "thrown away", "missing", "Damaged",
                       "sold as set on dotcom", "found"]


def _trading_days() -> list[date]:
    out, d = [], START
    while d <= END:
        closed = d.weekday() == 5 or date(2010, 12, 24) <= d <= date(2011, 1, 3) or d in CLOSED
        if not closed:
            out.append(d)
        d += timedelta(days=1)
    return out


def _snap_price(p: np.ndarray) -> np.ndarray:
    idx = np.abs(PRICE_POINTS[None, :] - p[:, None]).argmin(axis=1)
    return PRICE_POINTS[idx]


def _alt_description(rng: np.random.Generator, name: str) -> str:
    """A slightly different description for the same stock code (as in the real export)."""
    words = name.split(" ")
    choice = int(rng.integers(0, 6))
    if choice == 0 and ("WHITE" in words or "IVORY" in words or "CREAM" in words):
        rep = {"WHITE": "CREAM", "IVORY": "CREAM", "CREAM": "IVORY"}
        return " ".join(rep.get(w, w) for w in words)
    if choice == 1 and name.startswith("SET OF "):
        return "SET/" + name[len("SET OF "):]
    if choice == 2:
        return name[:-len(" DESIGN")] if name.endswith(" DESIGN") else name + " DESIGN"
    if choice == 3 and len(words) >= 3 and words[0] in COLOURS + SIZES + ADJS:
        return " ".join(words[1:] + words[:1])
    if choice == 4:
        longest = max(range(len(words)), key=lambda i: (len(words[i]), -i))
        w = words[longest]
        if len(w) >= 5:
            k = int(rng.integers(1, len(w) - 1))
            words[longest] = w[:k] + w[k + 1:]
            return " ".join(words)
    return name + " ASSORTED" if not name.endswith("ASSORTED") else name[:-9]


def _catalogue(rng: np.random.Generator, days: list[date]) -> dict:
    anchor_names = [a[1] for a in ANCHORS]
    anchor_codes = {a[0] for a in ANCHORS}
    n_gen = 4300 - len(ANCHORS)
    # --- compositional names -------------------------------------------------------------------------
    names: list[str] = []
    seen = set(anchor_names)
    guard = [a.upper() for a in anchor_names]
    tries = 0
    while len(names) < n_gen:
        tries += 1
        item, plural = ITEMS[int(rng.integers(len(ITEMS)))]
        motif = MOTIFS[int(rng.integers(len(MOTIFS)))]
        colour = COLOURS[int(rng.integers(len(COLOURS)))]
        t = int(rng.integers(0, 11))
        if t == 0:
            nm = f"{item} {motif}"
        elif t == 1:
            nm = f"{motif} {item}"
        elif t == 2:
            nm = f"{colour} {motif} {item}"
        elif t == 3:
            nm = f"{SIZES[int(rng.integers(len(SIZES)))]} {motif} {item}"
        elif t == 4:
            nm = f"SET OF {SETS[int(rng.integers(len(SETS)))]} {motif} {plural}"
        elif t == 5:
            nm = f"{item} {motif} DESIGN"
        elif t == 6:
            nm = f"{colour} {item}"
        elif t == 7:
            nm = f"PACK OF {PACKS[int(rng.integers(len(PACKS)))]} {motif} {plural}"
        elif t == 8:
            nm = f"{item} {colour} {SIZES[int(rng.integers(len(SIZES)))]}"
        elif t == 9:
            nm = f"{ADJS[int(rng.integers(len(ADJS)))]} {motif} {item}"
        else:
            nm = f"{ADJS[int(rng.integers(len(ADJS)))]} {colour} {item}"
        if nm in seen or any(g in nm for g in guard):
            continue
        seen.add(nm)
        names.append(nm)
    # --- stock codes: numeric bases, colour/design variants share a base with a letter suffix --------
    pool = np.concatenate([np.arange(20600, 24000), np.arange(84000, 85300), np.arange(47000, 47600),
                           np.arange(90000, 90215), np.arange(35000, 35990), np.arange(79000, 79500)])
    anchor_bases = {int("".join(ch for ch in c if ch.isdigit())) for c in anchor_codes}
    pool = np.array([b for b in pool if b not in anchor_bases])
    pool = rng.permutation(pool)
    # group by item so that variants of the same base look like a family
    order = sorted(range(len(names)), key=lambda i: (names[i].split(" ")[-1], names[i]))
    codes = [""] * len(names)
    pi, last_base, letter = 0, None, 0
    for i in order:
        if last_base is not None and letter < 7 and rng.random() < 0.22:
            letter += 1
            codes[i] = f"{last_base}{'ABCDEFGHJ'[letter]}"
        else:
            last_base = int(pool[pi])
            pi += 1
            if rng.random() < 0.25:
                letter = int(rng.integers(0, 2))
                codes[i] = f"{last_base}{'ABCDEFGHJ'[letter]}"
            else:
                letter, codes[i] = 0, str(last_base)
    # a base used bare and with letters is fine (real: 85123A next to 85123B); ensure uniqueness anyway
    assert len(set(codes)) == len(codes) and not (set(codes) & anchor_codes)

    all_codes = [a[0] for a in ANCHORS] + codes
    all_names = anchor_names + names
    n = len(all_codes)
    n_anchor = len(ANCHORS)
    day0 = days[0]
    day_index = {d: i for i, d in enumerate(days)}

    def launch_idx(d: date) -> int:
        return next(i for i, x in enumerate(days) if x >= d)

    # popularity: heavy tailed; anchors placed at the top
    pop = rng.lognormal(0.0, 1.3, n)
    top = np.quantile(pop[n_anchor:], 0.995)
    price = np.zeros(n, dtype=np.int64)
    launch = np.zeros(n, dtype=np.int64)
    end = np.full(n, len(days), dtype=np.int64)
    alt = [None] * n
    alt_p = np.zeros(n)
    for i, (code, nm, pp, w, ld, al) in enumerate(ANCHORS):
        pop[i] = top * w / 6.0
        price[i] = pp
        launch[i] = launch_idx(ld) if ld else 0
        if al:
            alt[i], alt_p[i] = al, 0.12
    gen = np.arange(n_anchor, n)
    price[gen] = _snap_price(rng.lognormal(np.log(230), 0.75, len(gen)))
    late = rng.random(len(gen)) < 0.27
    # launches spread over 2011, a bit heavier before the Christmas season
    lw = np.array([0.6 + 0.8 * (d.month in (7, 8, 9, 10)) for d in days])
    lw[:25] = 0
    launch[gen[late]] = rng.choice(len(days), size=int(late.sum()), p=lw / lw.sum())
    disc = (~late) & (rng.random(len(gen)) < 0.05)
    end[gen[disc]] = rng.integers(60, len(days) - 20, int(disc.sum()))
    # ~2 % of codes with a second description
    taken = set(all_names)
    for i in gen[rng.random(len(gen)) < 0.02]:
        a = _alt_description(rng, all_names[i])
        if a != all_names[i] and a not in taken:
            taken.add(a)
            alt[i], alt_p[i] = a, float(rng.uniform(0.08, 0.35))
    xmas = np.array([any(w in nm for w in XMAS_WORDS) for nm in all_names])
    summer = np.array([any(w in nm for w in SUMMER_WORDS) for nm in all_names])
    packs = np.array([1, 2, 3, 4, 6, 10, 12, 24, 25, 48])
    pack = rng.choice(packs, size=n, p=[0.33, 0.08, 0.05, 0.07, 0.16, 0.02, 0.18, 0.07, 0.02, 0.02])
    pack[price > 800] = 1
    pack[(price > 400) & (pack > 4)] = 2
    pack[(price > 250) & (pack > 6)] = 4
    pack[(price > 150) & (pack > 12)] = 12
    # ~15 % of products get a price rise at some point in 2011
    rise = rng.random(n) < 0.15
    rise_day = np.where(rise, rng.integers(70, len(days) - 30, n), len(days) + 1)
    price_after = _snap_price(np.round(price * 1.12).astype(float))
    price_after = np.where(price_after <= price, price + 10, price_after)
    return dict(code=all_codes, name=all_names, alt=alt, alt_p=alt_p, pop=pop, price=price, launch=launch,
                end=end, xmas=xmas, summer=summer, pack=pack, rise_day=rise_day, price_after=price_after,
                n_anchor=n_anchor, code_index={c: i for i, c in enumerate(all_codes)})


# --------------------------------------------------------------------------------------------- generate
def generate(out_dir: Path, scale: float = 1.0, seed: int = 7) -> dict:
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    days = _trading_days()
    nd = len(days)
    months = np.array([d.month for d in days])
    wd = np.array([d.weekday() for d in days])
    dayw = np.array([MONTH_FACTOR[(d.year, d.month)] * WEEKDAY_FACTOR[d.weekday()] for d in days])
    dayw *= 1.0 + 0.15 * np.arange(nd) / nd  # growing trend
    cat = _catalogue(rng, days)
    n_prod = len(cat["code"])
    special_codes = {c: n_prod + k for k, c in enumerate(NONPRODUCT + ("B",))}
    codes_all = cat["code"] + list(NONPRODUCT) + ["B"]
    names_all = cat["name"] + ["POSTAGE", "DOTCOM POSTAGE", "Manual", "Bank Charges", "AMAZON FEE",
                               "Adjust bad debt"]

    # ---- customers --------------------------------------------------------------------------------
    cust_scale = scale ** 0.75
    c_country = []
    for ci, (cname, ncust, *_rest) in enumerate(COUNTRIES):
        k = max(1, int(round(ncust * cust_scale)))
        c_country += [ci] * k
    c_country = np.array(c_country)
    n_cust = len(c_country)
    id_pool = np.setdiff1d(np.arange(12347, 12347 + max(5940, int(n_cust * 1.45))), [16446])
    c_id = np.sort(rng.choice(id_pool, size=n_cust, replace=False))
    c_country = rng.permutation(c_country)  # ids are not grouped by country

    # ---- sales invoices ----------------------------------------------------------------------------
    n_id = int(round(17600 * scale))
    n_anon = int(round(0.165 * n_id))
    # identified invoices per country: UK 85 % of identified lines, others by the real export's line shares
    foreign_w = np.array([c[2] for c in COUNTRIES], dtype=float)
    share = 0.15 * foreign_w / foreign_w.sum()
    share[0] = 0.85
    ncust_c = np.bincount(c_country, minlength=len(COUNTRIES))
    inv_c = np.maximum(np.round(share * n_id).astype(int), ncust_c)
    inv_cust = []
    for ci in range(len(COUNTRIES)):
        members = np.flatnonzero(c_country == ci)
        extra = inv_c[ci] - len(members)
        w = rng.lognormal(0, 1.2, len(members))
        counts = 1 + rng.multinomial(extra, w / w.sum())
        inv_cust.append(np.repeat(members, counts))
    inv_cust = np.concatenate(inv_cust)
    # days: per country cdf (seasonality x weekday x trend x the country's own growth); a customer's
    # first invoice is their acquisition, so the customer base grows over the year by itself
    inv_day = np.empty(len(inv_cust), dtype=np.int64)
    ramp = np.arange(nd) / (nd - 1)
    for ci, c in enumerate(COUNTRIES):
        sel = np.flatnonzero(c_country[inv_cust] == ci)
        if not len(sel):
            continue
        w = dayw * (1.0 + (c[4] - 1.0) * ramp) if c[4] >= 1 else dayw * (1.0 - (1 - c[4]) * ramp)
        cdf = np.cumsum(w) / w.sum()
        inv_day[sel] = np.minimum(np.searchsorted(cdf, rng.random(len(sel))), nd - 1)
    anon_names = list(ANON_COUNTRY)
    cname_idx = {c[0]: i for i, c in enumerate(COUNTRIES)}
    ap = np.array(list(ANON_COUNTRY.values()))
    anon_country = np.array([cname_idx[a] for a in anon_names])[rng.choice(len(anon_names), n_anon,
                                                                           p=ap / ap.sum())]
    anon_day = rng.choice(nd, size=n_anon, p=dayw / dayw.sum())
    s_day = np.concatenate([inv_day, anon_day])
    s_cust = np.concatenate([c_id[inv_cust], np.full(n_anon, -1)])
    s_country = np.concatenate([c_country[inv_cust], anon_country])
    s_anon = np.concatenate([np.zeros(len(inv_day), bool), np.ones(n_anon, bool)])
    # every trading day gets at least one invoice: move invoices from the busiest days
    counts = np.bincount(s_day, minlength=nd)
    for d in np.flatnonzero(counts == 0):
        busiest = int(np.argmax(np.bincount(s_day, minlength=nd)))
        cand = np.flatnonzero((s_day == busiest))
        s_day[cand[0]] = d
    n_sales = len(s_day)
    # minutes after midnight
    sunday = wd[s_day] == 6
    mins = np.where(sunday, rng.normal(12.6 * 60, 95, n_sales), rng.normal(12.4 * 60, 130, n_sales))
    mins = np.where(sunday, np.clip(mins, 600, 990), np.clip(mins, 435, 1200)).astype(np.int64)
    # lines per invoice: median ~15 identified, bigger guest baskets
    n_lines = np.where(s_anon, rng.lognormal(np.log(34), 0.9, n_sales), rng.lognormal(np.log(15), 0.85,
                                                                                        n_sales))
    n_lines = np.clip(np.round(n_lines), 1, np.where(s_anon, 1100, 540)).astype(np.int64)
    # sort invoices by (day, minute) for contiguous per-day line blocks
    o = np.lexsort((mins, s_day))
    s_day, s_cust, s_country, s_anon, mins, n_lines = (a[o] for a in (s_day, s_cust, s_country, s_anon, mins,
                                                                      n_lines))
    inv_of_line = np.repeat(np.arange(n_sales), n_lines)
    day_of_line = s_day[inv_of_line]

    # ---- products per line: per-day availability x popularity x season --------------------------------
    prod = np.empty(len(inv_of_line), dtype=np.int64)
    bounds = np.searchsorted(day_of_line, np.arange(nd + 1))
    pop = cat["pop"]
    for d in range(nd):
        a, b = bounds[d], bounds[d + 1]
        if a == b:
            continue
        m = months[d]
        w = pop * ((cat["launch"] <= d) & (cat["end"] > d))
        w = w * np.where(cat["xmas"], XMAS_SEASON[m], 1.0) * np.where(cat["summer"], SUMMER_SEASON[m], 1.0)
        # new products get a launch boost for ~6 weeks
        age = d - cat["launch"]
        w = w * np.where((age >= 0) & (age < 35) & (cat["launch"] > 0), 1.8, 1.0)
        cdf = np.cumsum(w)
        prod[a:b] = np.searchsorted(cdf, rng.random(b - a) * cdf[-1], side="right")
    # one line per (invoice, product)
    key = inv_of_line * 10000 + prod
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    inv_of_line, prod, day_of_line = inv_of_line[keep], prod[keep], day_of_line[keep]
    nl = len(prod)
    anon_line = s_anon[inv_of_line]
    # quantities
    mult = rng.choice([1, 2, 3, 4, 8, 16, 32], size=nl, p=[0.6, 0.2, 0.07, 0.07, 0.03, 0.02, 0.01])
    qty = cat["pack"][prod] * mult
    retail = rng.choice([1, 1, 1, 1, 2, 2, 3, 4, 5, 6, 10], size=nl)
    qty = np.where(anon_line, retail, qty)
    # rare wholesale lines: hundreds to thousands of units, the cheaper the item the bigger the order
    lp = cat["price"][prod]
    whole = (~anon_line) & (rng.random(nl) < 0.0018) & (lp <= 500)
    wq = rng.choice([144, 200, 288, 384, 480, 576, 600, 960, 1200, 1440, 1900, 2400, 3000, 4320], size=nl)
    wq = np.where(lp > 250, np.minimum(wq, 480), np.where(lp > 120, np.minimum(wq, 1440), wq))
    qty = np.where(whole, wq, qty)
    huge = np.flatnonzero(whole & (lp <= 85))
    if len(huge) >= 2:
        qty[huge[rng.choice(len(huge), 2, replace=False)]] = [4800, 12540]
    # prices: list price (with a rise for some products), wholesale tier, guest/retail tier
    base = np.where(day_of_line >= cat["rise_day"][prod], cat["price_after"][prod], cat["price"][prod])
    price = base.astype(float)
    price = np.where(qty >= 100, np.round(price * 0.85), price)
    price = np.where(anon_line, np.round(price * 1.2), price)
    price = np.maximum(price, 1).astype(np.int64)
    line_no = np.zeros(nl, dtype=float)
    # line number within the invoice
    starts = np.r_[0, np.flatnonzero(np.diff(inv_of_line)) + 1]
    line_no = np.arange(nl) - np.repeat(starts, np.diff(np.r_[starts, nl]))
    line_no = line_no.astype(float)

    rows = dict(inv=[inv_of_line], prod=[prod], qty=[qty], price=[price], lno=[line_no],
                desc_alt=[np.zeros(nl, bool)])

    def add(inv, pr, q, p, lno):
        inv = np.atleast_1d(np.asarray(inv, dtype=np.int64))
        rows["inv"].append(inv)
        rows["prod"].append(np.broadcast_to(np.asarray(pr, dtype=np.int64), inv.shape).copy())
        rows["qty"].append(np.broadcast_to(np.asarray(q, dtype=np.int64), inv.shape).copy())
        rows["price"].append(np.broadcast_to(np.asarray(p, dtype=np.int64), inv.shape).copy())
        rows["lno"].append(np.broadcast_to(np.asarray(lno, dtype=float), inv.shape).copy())
        rows["desc_alt"].append(np.zeros(inv.shape, bool))

    basket = np.bincount(inv_of_line, weights=qty * price, minlength=n_sales)
    nlines_now = np.bincount(inv_of_line, minlength=n_sales)
    # POST on foreign identified invoices, DOT on guest invoices
    zone = np.array([POSTAGE_PENCE[c[3]] for c in COUNTRIES])
    foreign = np.flatnonzero((s_country != 0) & (~s_anon) & (rng.random(n_sales) < 0.7))
    add(foreign, special_codes["POST"], np.minimum(1 + nlines_now[foreign] // 25, 6), zone[s_country[foreign]],
        -1)
    ukpost = np.flatnonzero((s_country == 0) & (~s_anon) & (rng.random(n_sales) < 0.004))
    add(ukpost, special_codes["POST"], 1, 1500, -1)
    dot = np.flatnonzero(s_anon & (rng.random(n_sales) < 0.6))
    dot_price = np.maximum(500, np.round(basket[dot] * rng.uniform(0.05, 0.12, len(dot)))).astype(np.int64)
    add(dot, special_codes["DOT"], 1, dot_price, 1e6)
    man = np.flatnonzero(rng.random(n_sales) < 0.0035)
    add(man, special_codes["M"], rng.choice([1, 1, 1, 2, 3, 6, 12], len(man)),
        np.maximum(10, np.round(rng.lognormal(np.log(250), 1.0, len(man)))).astype(np.int64), 1e6 + 1)
    ident = np.flatnonzero(~s_anon)
    bank = rng.choice(ident[s_country[ident] != 0], size=max(3, int(round(25 * scale))), replace=False)
    add(bank, special_codes["BANK CHARGES"], 1, 1500, 1e6 + 2)

    # ---- invoice table (sales first) ---------------------------------------------------------------
    inv_kind = ["S"] * n_sales
    inv_day_l = list(s_day)
    inv_min_l = list(mins)
    inv_cust_l = list(s_cust)
    inv_country_l = list(s_country)

    def new_invoice(kind, day, minute, cust, country):
        inv_kind.append(kind)
        inv_day_l.append(int(day))
        inv_min_l.append(int(minute))
        inv_cust_l.append(int(cust))
        inv_country_l.append(int(country))
        return len(inv_kind) - 1

    uk = 0
    di = {d: i for i, d in enumerate(days)}
    # giant sale 1: MEDIUM CERAMIC TOP STORAGE JAR, customer 12346, reversed 16 minutes later
    jar = cat["code_index"]["23166"]
    d1 = di[date(2011, 1, 18)]
    a = new_invoice("S", d1, 10 * 60 + 1, 12346, uk)
    add(a, jar, 74215, 104, 0)
    c = new_invoice("C", d1, 10 * 60 + 17, 12346, uk)
    add(c, jar, -74215, 104, 0)
    # giant sale 2: PAPER CRAFT , LITTLE BIRDIE, customer 16446 on the last day, reversed 12 minutes later
    bird = cat["code_index"]["23843"]
    d2 = nd - 1
    a = new_invoice("S", d2, 9 * 60 + 15, 16446, uk)
    add(a, bird, 80995, 208, 0)
    c = new_invoice("C", d2, 9 * 60 + 27, 16446, uk)
    add(c, bird, -80995, 208, 0)
    a = new_invoice("S", di[date(2011, 5, 18)], 9 * 60 + 52, 16446, uk)
    add(a, cat["code_index"]["22197"], 12, 85, 0)
    add(a, cat["code_index"]["84879"], 24, 169, 1)

    # ---- credit notes reversing earlier sales --------------------------------------------------------
    inv_arr = np.concatenate(rows["inv"][:1])
    first_line = np.r_[0, np.flatnonzero(np.diff(inv_arr)) + 1]
    inv_line_start = np.full(n_sales, -1)
    inv_line_start[inv_arr[first_line]] = first_line
    ident_sales = np.flatnonzero((~s_anon) & (nlines_now > 0))
    n_c = int(round(0.21 * len(ident_sales)))
    origs = np.sort(rng.choice(ident_sales, size=n_c, replace=False))
    credit_lines = []  # (credit invoice, prod, qty, price)
    for oi in origs:
        k = min(int(rng.geometric(1 / 2.6)), int(nlines_now[oi]))
        picks = inv_line_start[oi] + np.sort(rng.choice(int(nlines_now[oi]), size=k, replace=False))
        if rng.random() < 0.35:  # cancelled the same day
            dd, mm = int(s_day[oi]), int(mins[oi] + rng.integers(2, 180))
            if mm > 1230:
                dd, mm = dd + 1, int(rng.integers(480, 1080))
        else:
            dd, mm = int(s_day[oi] + 1 + rng.geometric(1 / 12)), int(rng.integers(480, 1080))
        if dd >= nd:
            continue
        if wd[dd] == 6:
            mm = int(np.clip(mm, 600, 990))
        ci = new_invoice("C", dd, mm, s_cust[oi], s_country[oi])
        for j, li in enumerate(picks):
            q = int(qty[li])
            cq = q if (q == 1 or rng.random() < 0.62) else int(rng.integers(1, q))
            credit_lines.append((ci, int(prod[li]), -cq, int(price[li]), j))
    # orphan credit notes: customer active from the start, product never bought by them in the data
    bought = set((inv_cust_l[i] * 100000 + p) for i, p in zip(inv_arr, prod))
    early_prod = np.flatnonzero((cat["launch"] == 0) & (cat["pop"] > 0))
    early_cust = np.flatnonzero(c_country == 0)
    n_orph = max(4, int(round(0.03 * n_c)))
    made = 0
    while made < n_orph:
        cu = int(c_id[rng.choice(early_cust)])
        dd = int(rng.integers(0, 30))
        ci = new_invoice("C", dd, int(rng.integers(480, 1080)) if wd[dd] != 6 else 700, cu, uk)
        for j in range(int(rng.integers(1, 3))):
            p = int(rng.choice(early_prod))
            if cu * 100000 + p in bought:
                continue
            credit_lines.append((ci, p, -int(cat["pack"][p] * rng.choice([1, 2, 4])), int(cat["price"][p]), j))
        if credit_lines[-1][0] != ci:  # every pick was bought by them: give it another product
            p = int(rng.choice(early_prod[~np.isin(early_prod, [k % 100000 for k in bought if k // 100000 == cu])]))
            credit_lines.append((ci, p, -int(cat["pack"][p]), int(cat["price"][p]), 0))
        made += 1
    # special credit notes: AMAZONFEE (guest, UK), Manual refunds, bank charges
    for _ in range(max(3, int(round(30 * scale)))):
        dd = int(rng.integers(0, nd))
        ci = new_invoice("C", dd, int(rng.integers(540, 1000)) if wd[dd] != 6 else 700, -1, uk)
        credit_lines.append((ci, special_codes["AMAZONFEE"], -1,
                             int(round(rng.lognormal(np.log(480000), 0.6))), 0))
    for code, n_sp, pp in (("M", max(2, int(round(40 * scale))), None),
                           ("BANK CHARGES", max(1, int(round(10 * scale))), 1500)):
        for _ in range(n_sp):
            oi = int(rng.choice(ident_sales))
            dd = min(int(s_day[oi]) + int(rng.integers(0, 20)), nd - 1)
            ci = new_invoice("C", dd, int(rng.integers(540, 1000)) if wd[dd] != 6 else 700, s_cust[oi],
                             s_country[oi])
            p_ = pp if pp else int(max(10, round(rng.lognormal(np.log(600), 1.2))))
            credit_lines.append((ci, special_codes[code], -1, p_, 0))
    cl = np.array(credit_lines, dtype=np.int64)
    add(cl[:, 0], cl[:, 1], cl[:, 2], cl[:, 3], cl[:, 4])

    # ---- stock adjustments (own invoices, price 0, no customer) and the A-lines -----------------------
    rank = np.argsort(-cat["pop"][cat["n_anchor"]:]) + cat["n_anchor"]
    mid = rank[100:400]
    for k in range(max(6, int(round(12 * scale ** 0.5)))):
        dd = int(rng.integers(5, nd - 5))
        ai = new_invoice("S", dd, int(rng.integers(540, 1000)) if wd[dd] != 6 else 700, -1, uk)
        q = -int(rng.choice([1, 2, 3, 5, 10, 12, 20, 24, 50, 100, 120])) if k % 5 else int(rng.integers(1, 30))
        add(ai, int(rng.choice(mid)), q, 0, 0)
        rows["desc_alt"][-1][:] = True  # marker: adjustment description
    adjust_inv = [i for i, kd in enumerate(inv_kind) if kd == "S" and i >= n_sales and inv_cust_l[i] == -1]
    d3 = di[date(2011, 8, 12)]
    for k, p_ in enumerate((1106206, -1106206, -1106206)):
        ai = new_invoice("A", d3, 14 * 60 + 50 + k, -1, uk)
        add(ai, special_codes["B"], 1, p_, 0)

    # ---- assemble ------------------------------------------------------------------------------------
    inv = np.concatenate(rows["inv"])
    prod_l = np.concatenate(rows["prod"])
    qty_l = np.concatenate(rows["qty"])
    price_l = np.concatenate(rows["price"])
    lno = np.concatenate(rows["lno"])
    adj_flag = np.concatenate(rows["desc_alt"])
    inv_day_a = np.array(inv_day_l)
    inv_min_a = np.array(inv_min_l)
    inv_cust_a = np.array(inv_cust_l)
    inv_country_a = np.array(inv_country_l)
    kinds = np.array(inv_kind)
    n_inv = len(kinds)
    # invoice numbers follow time; ties broken by a random key
    order = np.lexsort((rng.random(n_inv), inv_min_a, inv_day_a))
    # the real sequence has gaps (numbers used by other systems): spread it over 536365 .. ~581600
    gaps = 1 + rng.poisson(max(0.0, 45200.0 / n_inv - 1.0), n_inv)
    number = np.empty(n_inv, dtype=np.int64)
    number[order] = FIRST_INVOICE + np.cumsum(gaps) - gaps[0]
    inv_no = np.array([("" if k == "S" else k) + str(n) for k, n in zip(kinds, number)], dtype=object)
    # descriptions: primary, second description on some lines, adjustment descriptions
    desc_table = np.array(names_all + [a if a else "" for a in cat["alt"]] + ADJUST_DESCRIPTIONS, dtype=object)
    n_all = len(names_all)
    desc_idx = prod_l.copy()
    is_prod = prod_l < n_prod
    altp = np.zeros(len(prod_l))
    altp[is_prod] = cat["alt_p"][prod_l[is_prod]]
    use_alt = (rng.random(len(prod_l)) < altp) & ~adj_flag
    desc_idx[use_alt] = n_all + prod_l[use_alt]
    adj_rows = np.flatnonzero(adj_flag)
    desc_idx[adj_rows] = n_all + n_prod + rng.choice(len(ADJUST_DESCRIPTIONS), len(adj_rows))
    # exact duplicate rows (~1 %), adjacent to their original
    dup = np.flatnonzero((rng.random(len(inv)) < 0.0102) & (kinds[inv] != "A"))
    take = np.r_[np.arange(len(inv)), dup]
    lno_t = np.r_[lno, lno[dup] + 0.5]
    inv_t = inv[take]
    o = np.lexsort((lno_t, number[inv_t]))
    take, inv_t = take[o], inv_t[o]

    def csv_field(s: str) -> str:
        return '"' + s.replace('"', '""') + '"' if ("," in s or '"' in s) else s

    desc_csv = np.array([csv_field(s) for s in desc_table], dtype=object)
    code_arr = np.array(codes_all, dtype=object)
    country_arr = np.array([c[0] for c in COUNTRIES], dtype=object)
    ts_str = np.array([f"{days[d].month}/{days[d].day}/{days[d].year} {m // 60}:{m % 60:02d}"
                       for d, m in zip(inv_day_a, inv_min_a)], dtype=object)
    cust_str = np.array(["" if c < 0 else f"{c}.0" for c in inv_cust_a], dtype=object)
    uprices = np.unique(price_l)
    pmap = {int(p): repr(int(p) / 100) for p in uprices}
    price_str = np.array([pmap[int(p)] for p in price_l], dtype=object)

    f_inv = inv_no[inv_t]
    f_code = code_arr[prod_l[take]]
    f_desc = desc_csv[desc_idx[take]]
    f_qty = qty_l[take].astype(str)
    f_ts = ts_str[inv_t]
    f_price = price_str[take]
    f_cust = cust_str[inv_t]
    f_country = country_arr[inv_country_a[inv_t]]
    text = [",".join(r) for r in zip(f_inv, f_code, f_desc, f_qty, f_ts, f_price, f_cust, f_country)]
    line_day = inv_day_a[inv_t]

    exp = out_dir / "exports"
    exp.mkdir(parents=True, exist_ok=True)
    for old in exp.glob("*.csv"):
        old.unlink()
    bounds = np.searchsorted(line_day, np.arange(nd + 1))
    assert np.all(np.diff(line_day) >= 0)
    for d in range(nd):
        body = "\n".join(text[bounds[d]:bounds[d + 1]])
        (exp / f"{days[d].isoformat()}.csv").write_text(HEADER + "\n" + body + "\n", encoding="utf-8")
    # the malformed copy: one row's description gets an unquoted comma
    bad = out_dir / "exports_bad"
    bad.mkdir(parents=True, exist_ok=True)
    for old in bad.glob("*.csv"):
        old.unlink()
    bd = di[date(2011, 6, 15)] if date(2011, 6, 15) in di else nd // 2
    blines = (HEADER + "\n" + "\n".join(text[bounds[bd]:bounds[bd + 1]])).split("\n")
    for j in range(5, len(blines)):
        parts = blines[j].split(",")
        if len(parts) == 8 and " " in parts[2] and not parts[2].startswith('"'):
            w = parts[2].split(" ")
            parts[2] = w[0] + ", " + " ".join(w[1:])
            blines[j] = ",".join(parts)
            bad_line = j + 1
            break
    (bad / f"{days[bd].isoformat()}.csv").write_text("\n".join(blines) + "\n", encoding="utf-8")

    sold = np.unique(prod_l[(prod_l < n_prod) & (qty_l > 0) & (price_l > 0)])
    used = np.unique(inv_t)
    summary = {
        "out_dir": str(out_dir), "scale": scale, "seed": seed,
        "files": nd, "rows": len(text), "duplicate_rows": int(len(dup)),
        "invoices": int(len(used)), "sales_invoices": int((kinds[used] == "S").sum()),
        "credit_notes": int((kinds[used] == "C").sum()),
        "credit_note_rows": int((kinds[inv_t] == "C").sum()),
        "guest_rows_share": round(float((inv_cust_a[inv_t] < 0).mean()), 4),
        "uk_rows_share": round(float((inv_country_a[inv_t] == 0).mean()), 4),
        "catalogue_products": n_prod, "products": int(len(np.unique(prod_l[prod_l < n_prod]))),
        "products_sold": int(len(sold)), "customers": int(len(np.unique(inv_cust_a[inv_cust_a > 0]))),
        "countries": int(len(np.unique(inv_country_a))),
        "date_range": [days[0].isoformat(), days[-1].isoformat()],
        "bad_file": f"exports_bad/{days[bd].isoformat()}.csv", "bad_file_line": bad_line,
        "stock_adjustment_invoices": [str(inv_no[i]) for i in adjust_inv],
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (out_dir / "manifest.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


# --------------------------------------------------------------------------------------------- views
def views_sql(raw_glob: str) -> list[str]:
    """DuckDB statements creating raw_lines, lines and products_named over the raw CSV files."""
    g = raw_glob.replace("'", "''")
    cols = ("{'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'Description': 'VARCHAR', 'Quantity': 'VARCHAR', "
            "'InvoiceDate': 'VARCHAR', 'UnitPrice': 'VARCHAR', 'CustomerID': 'VARCHAR', 'Country': 'VARCHAR'}")
    return [
        f"""CREATE OR REPLACE VIEW raw_lines AS
SELECT InvoiceNo AS invoice_no,
       StockCode AS stock_code,
       Description AS description,
       CAST(Quantity AS INTEGER) AS quantity,
       strptime(InvoiceDate, '%m/%d/%Y %H:%M') AS invoice_ts,
       CAST(strptime(InvoiceDate, '%m/%d/%Y %H:%M') AS DATE) AS invoice_date,
       CAST(UnitPrice AS DECIMAL(10,2)) AS unit_price,
       CAST(CAST(CustomerID AS DOUBLE) AS INTEGER) AS customer_id,
       Country AS country,
       starts_with(InvoiceNo, 'C') AS is_credit_note
FROM read_csv('{g}', header = true, delim = ',', quote = '"', escape = '"', columns = {cols})""",
        """CREATE OR REPLACE VIEW lines AS
SELECT DISTINCT invoice_no, stock_code, description, quantity, invoice_ts, invoice_date, unit_price,
       customer_id, country, is_credit_note
FROM raw_lines""",
        """CREATE OR REPLACE VIEW products_named AS
SELECT stock_code, description AS name FROM (
    SELECT stock_code, description,
           ROW_NUMBER() OVER (PARTITION BY stock_code ORDER BY COUNT(*) DESC, description ASC) AS rk
    FROM lines WHERE description IS NOT NULL
    GROUP BY stock_code, description)
WHERE rk = 1""",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    print(json.dumps(generate(a.out_dir, a.scale, a.seed), indent=2))


if __name__ == "__main__":
    main()
