from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path


def index(request: HttpRequest) -> HttpResponse:
    """The voucher section's front page."""
    return render(request, "vouchers/index.html")


urlpatterns = [path("", index, name="index")]
