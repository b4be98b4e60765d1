"""ShopLens data."""
