"""The project's URLs plus one view that fails, to see the 500 page (test_demo_settings.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure inside a view")


urlpatterns = [path("raising-for-test/", fails), *urlpatterns]
