"""ShopLens agent/cli."""
