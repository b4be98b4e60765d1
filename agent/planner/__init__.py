"""ShopLens agent/planner."""
