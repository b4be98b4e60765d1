"""The demo shop's catalog: about 120 products from fictional brands in the eight contract categories, plus the
static vocabularies (regions and cities, acquisition channels) that customers are drawn from.

Product names, brands and prices are hand-written so that answers read like a real shop's ("Aurora X2 Wireless
Earbuds", "Luna Glow Serum"); launch dates of long-running products, costs and rating quality come from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from shoplens.data.contract import CATEGORIES

AURORA_X2 = "Aurora X2 Wireless Earbuds"
LUNA_GLOW = "Luna Glow Serum"
SMALL_APPLIANCES = ("Home & Kitchen", "Small Appliances")

# category, subcategory, brand, name, list price, popularity, launch, discontinued, noun (plural?), feature
# launch "" = on sale before the period (date drawn from the seed); noun ending in "*" is plural ("these earbuds").
_SPEC: tuple[tuple[str, str, str, str, float, float, str, str, str, str], ...] = (
    ("Electronics", "Audio", "Aurora", AURORA_X2, 79.99, 3.2, "2022-09-12", "", "earbuds*",
     "true wireless earbuds with active noise cancelling, 8-hour battery and a pocket charging case"),
    ("Electronics", "Audio", "Aurora", "Aurora Pulse Over-Ear Headphones", 149.99, 1.4, "", "", "headphones*",
     "over-ear headphones with 40-hour battery, plush memory-foam cushions and multipoint Bluetooth"),
    ("Electronics", "Audio", "Aurora", "Aurora Mini Bluetooth Speaker", 49.99, 1.5, "", "", "speaker",
     "palm-sized waterproof speaker with 12-hour playback"),
    ("Electronics", "Accessories", "Voltix", "Voltix 20K Power Bank", 39.99, 1.3, "", "", "power bank",
     "20,000 mAh power bank with 22.5W fast charging and two USB-C ports"),
    ("Electronics", "Accessories", "Voltix", "Voltix 65W USB-C Charger", 29.99, 1.2, "", "", "charger",
     "compact GaN wall charger that powers a laptop and a phone at once"),
    ("Electronics", "Accessories", "Voltix", "Voltix Braided USB-C Cable 2-Pack", 14.99, 1.6, "", "", "cables*",
     "two 6 ft braided USB-C cables rated for 10,000 bends"),
    ("Electronics", "Smart Home", "Nimbus", "Nimbus Smart Plug 4-Pack", 34.99, 1.0, "", "", "smart plugs*",
     "Wi-Fi smart plugs with schedules, energy monitoring and voice-assistant support"),
    ("Electronics", "Smart Home", "Nimbus", "Nimbus Indoor Security Camera", 59.99, 0.9, "", "", "camera",
     "2K indoor camera with night vision, two-way talk and local storage"),
    ("Electronics", "Smart Home", "Nimbus", "Nimbus Video Doorbell", 119.99, 0.8, "2024-10-01", "", "doorbell",
     "battery video doorbell with package detection and a chime"),
    ("Electronics", "Wearables", "Kestrel", "Kestrel Fit 3 Smartwatch", 199.99, 1.0, "", "2025-03-31", "watch",
     "fitness smartwatch with GPS, heart-rate tracking and a 7-day battery"),
    ("Electronics", "Wearables", "Kestrel", "Kestrel Fit 4 Smartwatch", 219.99, 1.1, "2025-03-01", "", "watch",
     "the Fit 3's successor: brighter AMOLED screen, sleep coaching and a 10-day battery"),
    ("Electronics", "Wearables", "Kestrel", "Kestrel Band Fitness Tracker", 59.99, 1.0, "", "", "tracker",
     "slim fitness band with step, sleep and heart-rate tracking"),
    ("Electronics", "Computing", "Quill", "Quill Wireless Keyboard & Mouse Set", 49.99, 1.0, "", "", "keyboard",
     "quiet full-size keyboard and mouse on one USB receiver"),
    ("Electronics", "Computing", "Quill", "Quill 1080p Webcam", 44.99, 0.8, "", "2024-06-30", "webcam",
     "1080p webcam with autofocus and dual microphones"),
    ("Electronics", "Computing", "Quill", "Quill 4K Webcam", 79.99, 0.7, "2024-05-15", "", "webcam",
     "4K webcam with auto-framing, HDR and a privacy shutter"),
    ("Home & Kitchen", "Small Appliances", "Brewmaster", "Brewmaster Pro Drip Coffee Maker", 89.99, 1.6, "", "",
     "coffee maker", "12-cup programmable coffee maker with a thermal carafe"),
    ("Home & Kitchen", "Small Appliances", "Brewmaster", "Brewmaster Burr Coffee Grinder", 49.99, 1.0, "", "",
     "grinder", "conical burr grinder with 18 grind settings"),
    ("Home & Kitchen", "Small Appliances", "Zestra", "Zestra 1200W Blender", 79.99, 1.3, "", "", "blender",
     "1200-watt blender with a 64 oz jar and smoothie presets"),
    ("Home & Kitchen", "Small Appliances", "Zestra", "Zestra Compact Air Fryer 4qt", 99.99, 1.8, "", "", "air fryer",
     "4-quart air fryer with a dishwasher-safe basket and six presets"),
    ("Home & Kitchen", "Small Appliances", "Kettleworks", "Kettleworks Electric Kettle", 39.99, 1.2, "", "", "kettle",
     "1.7 L stainless electric kettle with temperature presets and keep-warm"),
    ("Home & Kitchen", "Small Appliances", "Zestra", "Zestra Stand Mixer", 249.99, 0.6, "", "", "mixer",
     "5-quart tilt-head stand mixer with ten speeds"),
    ("Home & Kitchen", "Cookware", "Ironleaf", "Ironleaf 12-Inch Cast Iron Skillet", 34.99, 1.3, "", "", "skillet",
     "pre-seasoned 12-inch cast iron skillet"),
    ("Home & Kitchen", "Cookware", "Ironleaf", "Ironleaf Nonstick Pan Set (3-Piece)", 69.99, 1.1, "", "", "pans*",
     "8, 10 and 12-inch ceramic nonstick pans, PFAS-free"),
    ("Home & Kitchen", "Cookware", "Ironleaf", "Ironleaf Enameled Dutch Oven 6qt", 79.99, 0.8, "", "",
     "dutch oven", "6-quart enameled cast iron Dutch oven"),
    ("Home & Kitchen", "Kitchen Tools", "Harvest Home", "Harvest Home Bamboo Cutting Board Set", 24.99, 1.0, "", "",
     "cutting boards*", "three bamboo cutting boards with juice grooves"),
    ("Home & Kitchen", "Kitchen Tools", "Harvest Home", "Harvest Home Knife Block Set", 119.99, 0.7, "", "",
     "knives*", "14-piece German steel knife set with a walnut block"),
    ("Home & Kitchen", "Bedding", "Cloudrest", "Cloudrest Cotton Sheet Set (Queen)", 59.99, 1.2, "", "", "sheets*",
     "400-thread-count cotton sateen sheet set with deep pockets"),
    ("Home & Kitchen", "Bedding", "Cloudrest", "Cloudrest Memory Foam Pillow", 39.99, 1.1, "", "", "pillow",
     "adjustable shredded memory foam pillow with a washable cover"),
    ("Home & Kitchen", "Storage", "Tidyco", "Tidyco Glass Food Storage Set (18-Piece)", 32.99, 1.0, "", "",
     "containers*", "nine oven-safe glass containers with snap-lock lids"),
    ("Home & Kitchen", "Home Decor", "Lumen", "Lumen Linen Table Lamp", 45.00, 0.7, "2023-09-01", "", "lamp",
     "ceramic table lamp with a natural linen shade"),
    ("Beauty", "Skincare", "Luna", LUNA_GLOW, 32.00, 2.4, "2022-03-01", "", "serum",
     "brightening serum with 10% niacinamide and hyaluronic acid"),
    ("Beauty", "Skincare", "Luna", "Luna Hydra Night Cream", 38.00, 1.1, "", "", "cream",
     "rich overnight moisturiser with ceramides and squalane"),
    ("Beauty", "Skincare", "Luna", "Luna Daily Mineral Sunscreen SPF 50", 24.00, 1.2, "", "", "sunscreen",
     "lightweight mineral sunscreen with no white cast"),
    ("Beauty", "Skincare", "Luna", "Luna Gentle Foam Cleanser", 16.00, 1.2, "", "", "cleanser",
     "low-pH foaming cleanser for sensitive skin"),
    ("Beauty", "Skincare", "Luna", "Luna Vitamin C Eye Cream", 34.00, 0.9, "2025-05-01", "", "eye cream",
     "vitamin C eye cream for dark circles"),
    ("Beauty", "Makeup", "Velvet", "Velvet Matte Liquid Lipstick", 18.00, 1.1, "", "", "lipstick",
     "long-wear matte liquid lipstick in 16 shades"),
    ("Beauty", "Makeup", "Velvet", "Velvet Lash Lift Mascara", 14.00, 1.2, "", "", "mascara",
     "lifting and lengthening mascara, smudge-proof"),
    ("Beauty", "Makeup", "Velvet", "Velvet Skin Tint Foundation", 29.00, 1.0, "2024-02-15", "", "foundation",
     "sheer skin tint with SPF 20 in 24 shades"),
    ("Beauty", "Hair Care", "Verde", "Verde Argan Repair Shampoo", 19.00, 1.1, "", "", "shampoo",
     "sulfate-free argan oil shampoo for dry hair"),
    ("Beauty", "Hair Care", "Verde", "Verde Argan Repair Conditioner", 19.00, 1.0, "", "", "conditioner",
     "argan oil conditioner that detangles without weighing hair down"),
    ("Beauty", "Hair Care", "Verde", "Verde Heat Protect Spray", 15.00, 0.8, "", "", "spray",
     "heat protectant spray up to 450F"),
    ("Beauty", "Fragrance", "Solstice", "Solstice Amber Eau de Parfum 50ml", 68.00, 0.8, "", "", "perfume",
     "warm amber and vanilla eau de parfum"),
    ("Beauty", "Fragrance", "Solstice", "Solstice Citrus Body Mist", 22.00, 0.9, "", "", "body mist",
     "fresh grapefruit and neroli body mist"),
    ("Beauty", "Bath & Body", "Petal & Co", "Petal & Co Shea Body Butter", 16.00, 1.0, "", "", "body butter",
     "whipped shea body butter for very dry skin"),
    ("Beauty", "Bath & Body", "Petal & Co", "Petal & Co Lavender Bath Salts", 12.00, 0.7, "", "2025-08-31",
     "bath salts*", "Epsom and sea salt soak with lavender oil"),
    ("Apparel", "Tops", "Northwind", "Northwind Classic Crew T-Shirt", 19.99, 1.8, "", "", "t-shirt",
     "heavyweight organic cotton crew-neck tee"),
    ("Apparel", "Tops", "Northwind", "Northwind Oxford Button-Down Shirt", 44.99, 1.0, "", "", "shirt",
     "washed cotton oxford shirt with a button-down collar"),
    ("Apparel", "Tops", "Northwind", "Northwind Fleece Hoodie", 54.99, 1.2, "", "", "hoodie",
     "brushed fleece pullover hoodie"),
    ("Apparel", "Bottoms", "Northwind", "Northwind Slim Fit Chinos", 49.99, 1.1, "", "", "chinos*",
     "stretch cotton chinos in a slim fit"),
    ("Apparel", "Knitwear", "Northwind", "Northwind Merino Crew Sweater", 79.99, 0.8, "", "", "sweater",
     "fine-gauge merino wool crew-neck sweater"),
    ("Apparel", "Outerwear", "Fjell", "Fjell Packable Down Jacket", 129.99, 0.9, "", "", "jacket",
     "650-fill packable down jacket that stuffs into its pocket"),
    ("Apparel", "Outerwear", "Fjell", "Fjell Waterproof Rain Shell", 99.99, 0.8, "", "", "rain jacket",
     "waterproof breathable rain shell with taped seams"),
    ("Apparel", "Footwear", "Stride", "Stride Everyday Running Shoes", 89.99, 1.3, "", "", "shoes*",
     "cushioned everyday running shoes with a breathable knit upper"),
    ("Apparel", "Footwear", "Stride", "Stride Canvas Low-Top Sneakers", 54.99, 1.0, "", "", "sneakers*",
     "classic canvas low-top sneakers"),
    ("Apparel", "Footwear", "Stride", "Stride Trail Hiking Boots", 129.99, 0.8, "2023-08-01", "", "boots*",
     "waterproof leather hiking boots with a grippy lugged sole"),
    ("Apparel", "Activewear", "Maren", "Maren High-Rise Yoga Leggings", 58.00, 1.4, "", "", "leggings*",
     "buttery-soft high-rise leggings with side pockets"),
    ("Apparel", "Activewear", "Maren", "Maren Seamless Sports Bra", 34.00, 1.0, "", "", "sports bra",
     "medium-support seamless sports bra"),
    ("Apparel", "Dresses", "Maren", "Maren Linen Midi Dress", 69.00, 0.8, "2024-04-15", "", "dress",
     "relaxed linen midi dress with pockets"),
    ("Apparel", "Accessories", "Cobble", "Cobble Leather Belt", 35.00, 0.8, "", "", "belt",
     "full-grain leather belt with a brass buckle"),
    ("Apparel", "Accessories", "Cobble", "Cobble Wool Beanie", 22.00, 0.9, "", "", "beanie",
     "ribbed merino blend beanie"),
    ("Sports & Outdoors", "Camping", "Summit", "Summit 2-Person Backpacking Tent", 179.99, 1.0, "", "", "tent",
     "3.5 lb freestanding two-person tent with two doors"),
    ("Sports & Outdoors", "Camping", "Summit", "Summit 20F Sleeping Bag", 119.99, 0.8, "", "", "sleeping bag",
     "20-degree synthetic mummy sleeping bag"),
    ("Sports & Outdoors", "Camping", "Summit", "Summit Rechargeable Headlamp", 24.99, 1.2, "", "", "headlamp",
     "400-lumen USB-C rechargeable headlamp with a red light mode"),
    ("Sports & Outdoors", "Hiking", "Summit", "Summit Trekking Poles (Pair)", 49.99, 0.9, "", "", "poles*",
     "collapsible aluminium trekking poles with cork grips"),
    ("Sports & Outdoors", "Fitness", "Peakform", "Peakform Adjustable Dumbbells 50lb", 229.99, 0.9, "", "",
     "dumbbells*", "pair of adjustable dumbbells from 5 to 50 lb"),
    ("Sports & Outdoors", "Fitness", "Peakform", "Peakform Resistance Band Set", 24.99, 1.5, "", "", "bands*",
     "five resistance bands with handles, ankle straps and a door anchor"),
    ("Sports & Outdoors", "Fitness", "Peakform", "Peakform Non-Slip Yoga Mat", 34.99, 1.4, "", "", "yoga mat",
     "6 mm non-slip TPE yoga mat with a carry strap"),
    ("Sports & Outdoors", "Fitness", "Peakform", "Peakform Foam Roller", 22.99, 1.0, "", "", "foam roller",
     "high-density textured foam roller"),
    ("Sports & Outdoors", "Hydration", "Tidewater", "Tidewater Insulated Bottle 32oz", 29.99, 1.6, "", "",
     "bottle", "double-wall insulated steel bottle, cold for 24 hours"),
    ("Sports & Outdoors", "Hydration", "Tidewater", "Tidewater Hydration Pack 2L", 59.99, 0.7, "", "",
     "hydration pack", "lightweight running vest with a 2-litre reservoir"),
    ("Sports & Outdoors", "Water Sports", "Tidewater", "Tidewater Inflatable Paddle Board", 399.99, 0.5, "", "",
     "paddle board", "10'6\" inflatable paddle board with pump, paddle and bag"),
    ("Sports & Outdoors", "Cycling", "Velo", "Velo MIPS Bike Helmet", 79.99, 0.9, "", "", "helmet",
     "road and commuter helmet with MIPS protection"),
    ("Sports & Outdoors", "Cycling", "Velo", "Velo Rechargeable Bike Light Set", 34.99, 1.0, "", "", "lights*",
     "front and rear USB rechargeable bike lights"),
    ("Sports & Outdoors", "Racket Sports", "Ace", "Ace Pro Pickleball Paddle Set", 69.99, 1.1, "2023-04-01", "",
     "paddles*", "two graphite pickleball paddles with four balls and a bag"),
    ("Sports & Outdoors", "Racket Sports", "Ace", "Ace Championship Tennis Balls (4 Cans)", 19.99, 0.9, "", "",
     "tennis balls*", "12 pressurised all-court tennis balls"),
    ("Toys & Games", "Building Sets", "Brickly", "Brickly Space Station Building Set", 59.99, 1.3, "", "", "set",
     "612-piece space station with three astronaut figures"),
    ("Toys & Games", "Building Sets", "Brickly", "Brickly City Fire Truck Set", 34.99, 1.2, "", "", "set",
     "fire truck and station with a working ladder"),
    ("Toys & Games", "Building Sets", "Brickly", "Brickly Castle Adventure Set", 89.99, 0.9, "2024-09-01", "", "set",
     "1,024-piece castle with a drawbridge and dragon"),
    ("Toys & Games", "Board Games", "Meeple & Co", "Harbor Lights Board Game", 39.99, 1.0, "", "", "game",
     "strategy board game for 2-5 players about building lighthouses"),
    ("Toys & Games", "Board Games", "Meeple & Co", "Word Rush Card Game", 14.99, 1.2, "", "", "game",
     "fast word game for ages 8 and up"),
    ("Toys & Games", "Board Games", "Meeple & Co", "Family Trivia Night", 24.99, 0.9, "", "", "game",
     "1,500 trivia questions in two difficulty levels"),
    ("Toys & Games", "Puzzles", "Puzzlewood", "Puzzlewood 1000-Piece Mountain Lake Puzzle", 19.99, 1.0, "", "",
     "puzzle", "1000-piece jigsaw of an alpine lake at dawn"),
    ("Toys & Games", "Puzzles", "Puzzlewood", "Puzzlewood Kids World Map Puzzle", 14.99, 0.9, "", "", "puzzle",
     "100-piece illustrated world map floor puzzle"),
    ("Toys & Games", "Plush", "Cuddle Cove", "Cuddle Cove Plush Bunny", 19.99, 1.1, "", "", "bunny",
     "extra-soft 12-inch plush bunny"),
    ("Toys & Games", "Plush", "Cuddle Cove", "Cuddle Cove Weighted Plush Otter", 29.99, 0.9, "2023-10-01", "",
     "otter", "2 lb weighted calming plush otter"),
    ("Toys & Games", "STEM", "Sparklab", "Sparklab Robotics Starter Kit", 69.99, 0.9, "", "", "kit",
     "build-and-code robot kit with a block-coding app"),
    ("Toys & Games", "STEM", "Sparklab", "Sparklab Crystal Growing Kit", 24.99, 0.9, "", "", "kit",
     "grow seven crystals in a week"),
    ("Toys & Games", "STEM", "Sparklab", "Sparklab Kids Microscope", 44.99, 0.6, "", "2025-12-31", "microscope",
     "beginner microscope with 40x-1000x zoom and prepared slides"),
    ("Toys & Games", "RC & Vehicles", "Zoomer", "Zoomer Remote Control Stunt Car", 39.99, 1.0, "", "", "car",
     "360-degree flipping RC car with rechargeable batteries"),
    ("Toys & Games", "Outdoor Play", "Zoomer", "Zoomer Foam Dart Blaster", 24.99, 0.9, "", "", "blaster",
     "motorised foam dart blaster with 30 darts"),
    ("Grocery", "Coffee & Tea", "Bean Theory", "Bean Theory Colombian Whole Bean Coffee 2lb", 24.99, 1.6, "", "",
     "coffee", "medium roast single-origin Colombian whole beans"),
    ("Grocery", "Coffee & Tea", "Bean Theory", "Bean Theory Cold Brew Concentrate", 12.99, 1.0, "", "",
     "concentrate", "32 oz cold brew concentrate, makes 16 cups"),
    ("Grocery", "Coffee & Tea", "Leafwell", "Leafwell Organic Green Tea (100 Bags)", 11.99, 1.1, "", "", "tea",
     "organic Japanese sencha green tea bags"),
    ("Grocery", "Coffee & Tea", "Leafwell", "Leafwell Chamomile Herbal Tea (40 Bags)", 7.99, 0.9, "", "", "tea",
     "caffeine-free chamomile and lemon balm tea"),
    ("Grocery", "Snacks", "Crunchwise", "Crunchwise Sea Salt Almonds 24oz", 15.99, 1.2, "", "", "almonds*",
     "dry-roasted California almonds with sea salt"),
    ("Grocery", "Snacks", "Crunchwise", "Crunchwise Dark Chocolate Trail Mix", 12.99, 1.1, "", "", "trail mix",
     "nuts, cranberries and dark chocolate chunks"),
    ("Grocery", "Snacks", "Crunchwise", "Crunchwise Protein Bars (12-Pack)", 21.99, 1.3, "", "", "bars*",
     "peanut butter protein bars with 15 g protein"),
    ("Grocery", "Pantry", "Golden Acre", "Golden Acre Extra Virgin Olive Oil 1L", 16.99, 1.2, "", "", "olive oil",
     "cold-pressed extra virgin olive oil"),
    ("Grocery", "Pantry", "Golden Acre", "Golden Acre Raw Wildflower Honey", 11.99, 1.0, "", "", "honey",
     "raw unfiltered wildflower honey"),
    ("Grocery", "Pantry", "Golden Acre", "Golden Acre Organic Quinoa 4lb", 14.99, 0.8, "", "", "quinoa",
     "organic white quinoa, pre-rinsed"),
    ("Grocery", "Pantry", "Spice Route", "Spice Route Everyday Spice Set", 24.99, 0.8, "", "", "spices*",
     "twelve essential spices in glass jars"),
    ("Grocery", "Breakfast", "Morning Mill", "Morning Mill Steel-Cut Oats", 8.99, 1.0, "", "", "oats*",
     "whole-grain Irish-style steel-cut oats"),
    ("Grocery", "Breakfast", "Morning Mill", "Morning Mill Maple Pecan Granola", 7.99, 1.1, "", "", "granola",
     "crunchy maple pecan granola clusters"),
    ("Grocery", "Beverages", "Fizzwell", "Fizzwell Sparkling Water Variety 24-Pack", 14.99, 1.3, "", "",
     "sparkling water", "zero-sugar sparkling water in four flavours"),
    ("Grocery", "Beverages", "Fizzwell", "Fizzwell Electrolyte Drink Mix", 19.99, 1.0, "2024-05-15", "",
     "drink mix", "30 stick packs of sugar-free electrolyte mix"),
    ("Books", "Fiction", "Lantern Press", "The Salt Road", 26.99, 1.2, "", "", "book",
     "a novel of two sisters crossing the desert trade routes of the 1890s"),
    ("Books", "Fiction", "Harbor House", "The Last Cartographer", 24.99, 1.1, "2025-02-11", "", "book",
     "a mapmaker discovers that a village on her map does not exist"),
    ("Books", "Science Fiction", "Lantern Press", "A Quiet Orbit", 18.99, 1.0, "", "", "book",
     "a lone engineer keeps a failing space station alive"),
    ("Books", "Mystery & Thriller", "Harbor House", "Midnight at the Lighthouse", 16.99, 1.1, "", "", "book",
     "a storm-bound murder mystery on a Maine island"),
    ("Books", "Self-Help", "Northstar Books", "Small Habits, Big Life", 22.00, 1.3, "", "", "book",
     "practical guide to building habits that stick"),
    ("Books", "Self-Help", "Northstar Books", "The Focus Formula", 19.99, 0.8, "", "", "book",
     "how to do deep work in a distracted world"),
    ("Books", "Business & Finance", "Northstar Books", "Money Made Simple", 21.00, 0.9, "", "", "book",
     "personal finance basics without the jargon"),
    ("Books", "History", "Northstar Books", "Rivers of Iron: A History of Railroads", 28.00, 0.6, "", "", "book",
     "how railroads built the modern world"),
    ("Books", "Cookbooks", "Saltbox Kitchen", "Weeknight Plates: 100 Simple Dinners", 29.99, 1.0, "", "",
     "cookbook", "100 dinners in 30 minutes or less"),
    ("Books", "Cookbooks", "Saltbox Kitchen", "The Sourdough Year", 32.00, 0.7, "", "", "cookbook",
     "a year of sourdough baking, from starter to celebration loaves"),
    ("Books", "Home & Garden", "Saltbox Kitchen", "The Garden Almanac", 24.00, 0.6, "", "2024-12-31", "book",
     "month-by-month guide to a kitchen garden"),
    ("Books", "Children's", "Bright Owl", "Goodnight, Little Fox", 12.99, 1.1, "", "", "book",
     "a bedtime picture book for ages 2-5"),
    ("Books", "Children's", "Bright Owl", "The Dinosaur Who Lost His Roar", 14.99, 1.0, "", "", "book",
     "a funny picture book about finding your voice"),
    ("Books", "Children's", "Bright Owl", "Code Your First Game", 17.99, 0.8, "2023-11-01", "", "book",
     "a step-by-step coding book for ages 9-12"),
    ("Books", "Travel", "Harbor House", "Atlas of Forgotten Places", 35.00, 0.6, "", "", "book",
     "an illustrated atlas of abandoned towns and lost islands"),
)

#: Gross cost as a share of list price, per category (low, high).
_COST_SHARE: dict[str, tuple[float, float]] = {
    "Electronics": (0.52, 0.64), "Home & Kitchen": (0.45, 0.56), "Beauty": (0.22, 0.34), "Apparel": (0.34, 0.46),
    "Sports & Outdoors": (0.45, 0.56), "Toys & Games": (0.42, 0.52), "Grocery": (0.58, 0.70), "Books": (0.48, 0.60),
}
#: Price elasticity of demand per category (units change by (price ratio) ** -elasticity).
ELASTICITY: dict[str, float] = {
    "Electronics": 1.5, "Home & Kitchen": 1.4, "Beauty": 1.1, "Apparel": 1.3,
    "Sports & Outdoors": 1.2, "Toys & Games": 1.2, "Grocery": 0.7, "Books": 0.9,
}
#: Chance that an order line ends in a return, per category (Apparel highest).
RETURN_RATE: dict[str, float] = {
    "Electronics": 0.032, "Home & Kitchen": 0.024, "Beauty": 0.014, "Apparel": 0.085,
    "Sports & Outdoors": 0.028, "Toys & Games": 0.017, "Grocery": 0.004, "Books": 0.008,
}
#: Mean extra units per order line beyond the first (consumables are bought in multiples).
EXTRA_UNITS: dict[str, float] = {
    "Electronics": 0.04, "Home & Kitchen": 0.05, "Beauty": 0.18, "Apparel": 0.15,
    "Sports & Outdoors": 0.08, "Toys & Games": 0.12, "Grocery": 0.55, "Books": 0.06,
}
_CAT_CODE = {"Electronics": "ELE", "Home & Kitchen": "HOM", "Beauty": "BEA", "Apparel": "APP",
             "Sports & Outdoors": "SPO", "Toys & Games": "TOY", "Grocery": "GRO", "Books": "BOO"}
#: Mean star rating overrides (others are drawn from the seed between 3.7 and 4.6).
_RATING_OVERRIDES = {AURORA_X2: 4.5, LUNA_GLOW: 4.6, "Zoomer Foam Dart Blaster": 3.5,
                     "Quill 1080p Webcam": 3.6, "Kestrel Fit 3 Smartwatch": 3.9}


@dataclass(frozen=True)
class Catalog:
    """Products as parallel arrays (index = product_id - 1) plus the text fields for the products table."""

    names: list[str]
    brands: list[str]
    categories: list[str]
    subcategories: list[str]
    nouns: list[str]  # "earbuds", "serum" ...
    plural: np.ndarray  # bool: the noun is plural ("these earbuds are")
    category_idx: np.ndarray  # int index into CATEGORIES
    list_cents: np.ndarray  # int64 list price at the start of the period (or at launch)
    cost_cents: np.ndarray
    popularity: np.ndarray
    quality: np.ndarray  # mean star rating the product earns
    launch: np.ndarray  # datetime64[D]
    discontinued: np.ndarray  # datetime64[D], NaT when still on sale
    skus: list[str]
    descriptions: list[str]

    @property
    def n(self) -> int:
        return len(self.names)

    def id_of(self, name: str) -> int:
        """Product index (product_id - 1) of a product name."""
        return self.names.index(name)


def build_catalog(rng: np.random.Generator) -> Catalog:
    n = len(_SPEC)
    cats = [s[0] for s in _SPEC]
    names = [s[3] for s in _SPEC]
    if len(set(names)) != n:
        raise AssertionError("demo product names must be unique")
    cost_u = rng.random(n)
    quality_u = rng.random(n)
    # long-running products went on sale some time in 2019-2022
    launch_days = rng.integers(0, (date(2022, 12, 1) - date(2019, 3, 1)).days, n)
    launch, disc, cost, quality, skus, descriptions = [], [], [], [], [], []
    brand_counter: dict[str, int] = {}
    for i, (cat, sub, brand, name, price, _pop, lau, dis, noun, feature) in enumerate(_SPEC):
        launch.append(np.datetime64(lau) if lau else np.datetime64("2019-03-01") + int(launch_days[i]))
        disc.append(np.datetime64(dis) if dis else np.datetime64("NaT"))
        lo, hi = _COST_SHARE[cat]
        cost.append(round(price * 100 * (lo + (hi - lo) * cost_u[i])))
        quality.append(_RATING_OVERRIDES.get(name, 3.7 + 0.9 * quality_u[i]))
        brand_counter[brand] = brand_counter.get(brand, 0) + 1
        code = "".join(ch for ch in brand.upper() if ch.isalpha())[:3]
        skus.append(f"{_CAT_CODE[cat]}-{code}-{1000 + 37 * (i + 1)}")
        descriptions.append(_describe(name, brand, cat, sub, feature, noun))
    return Catalog(
        names=names,
        brands=[s[2] for s in _SPEC],
        categories=cats,
        subcategories=[s[1] for s in _SPEC],
        nouns=[s[8].rstrip("*") for s in _SPEC],
        plural=np.array([s[8].endswith("*") for s in _SPEC]),
        category_idx=np.array([CATEGORIES.index(c) for c in cats], dtype=np.int16),
        list_cents=np.array([round(s[4] * 100) for s in _SPEC], dtype=np.int64),
        cost_cents=np.array(cost, dtype=np.int64),
        popularity=np.array([s[5] for s in _SPEC]),
        quality=np.array(quality),
        launch=np.array(launch, dtype="datetime64[D]"),
        discontinued=np.array(disc, dtype="datetime64[D]"),
        skus=skus,
        descriptions=descriptions,
    )


def _describe(name: str, brand: str, category: str, sub: str, feature: str, noun: str) -> str:
    feature = feature[0].upper() + feature[1:]
    if category == "Books":
        return f"{name} ({brand}): {feature}. {sub}, paperback and hardcover."
    return f"{feature}. {brand} {sub.lower()} - {category}."


# ---------------------------------------------------------------------------------------------- customers' world
REGION_WEIGHTS = {"Northeast": 0.20, "Southeast": 0.23, "Midwest": 0.18, "Southwest": 0.15, "West": 0.24}
CITIES: dict[str, tuple[str, ...]] = {
    "Northeast": ("New York", "Boston", "Philadelphia", "Pittsburgh", "Newark", "Hartford", "Providence",
                  "Buffalo", "Albany", "Portland ME"),
    "Southeast": ("Atlanta", "Miami", "Charlotte", "Orlando", "Nashville", "Tampa", "Raleigh", "Jacksonville",
                  "Richmond", "Charleston"),
    "Midwest": ("Chicago", "Detroit", "Minneapolis", "Columbus", "Indianapolis", "Milwaukee", "Kansas City",
                "St. Louis", "Cleveland", "Omaha"),
    "Southwest": ("Houston", "Dallas", "Phoenix", "Austin", "San Antonio", "Las Vegas", "Albuquerque", "Tucson",
                  "Oklahoma City", "El Paso"),
    "West": ("Los Angeles", "San Francisco", "Seattle", "San Diego", "Denver", "Portland OR", "San Jose",
             "Sacramento", "Salt Lake City", "Boise"),
}
#: Acquisition channels of customers who did not arrive through a paid campaign.
ORGANIC_ACQUISITION = ("organic", "referral", "search", "social")
ORGANIC_ACQUISITION_P = (0.52, 0.16, 0.20, 0.12)
ACQUISITION_CHANNELS = ("organic", "referral", "search", "social", "display", "affiliate", "marketplace")
