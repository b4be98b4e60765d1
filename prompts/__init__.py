"""ShopLens prompts."""
