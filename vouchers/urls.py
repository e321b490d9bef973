from vouchers.views import holders, officer, provider, public

app_name = "vouchers"

urlpatterns = [*public.urlpatterns, *holders.urlpatterns, *provider.urlpatterns, *officer.urlpatterns]
