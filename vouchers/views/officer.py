"""Pages of voucher officers: programmes, the application and claim queues, the programme report."""

urlpatterns: list = []
