"""ShopLens forecasting."""
