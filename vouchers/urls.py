from vouchers.views import holders, officer, public

app_name = "vouchers"

urlpatterns = [*public.urlpatterns, *holders.urlpatterns, *officer.urlpatterns]
