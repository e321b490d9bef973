from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The voucher section's front page; programmes arrive with the voucher module."""
    return render(request, "vouchers/index.html")
