"""ShopLens agent."""
