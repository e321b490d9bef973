"""Pages of holders (apply, my vouchers, redeem, confirm) and providers (redemptions received,
claims)."""

urlpatterns: list = []
