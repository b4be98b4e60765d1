"""ShopLens tools."""
