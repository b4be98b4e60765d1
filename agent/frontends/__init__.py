"""ShopLens agent/frontends."""
