"""The application's URLs plus one trivial view: the framework's floor (middleware, session, auth)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def noop(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/noop/", noop, name="bench_noop"), *app_urlpatterns]
