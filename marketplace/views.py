from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The tender exchange's front page; tender listings arrive with the exchange itself."""
    return render(request, "marketplace/index.html")
