from django.test import RequestFactory, override_settings

from tsunagu.core.middleware import client_ip


def test_client_ip_is_remote_addr_without_proxies() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.0.0.5"  # a forged header is ignored


@override_settings(TSUNAGU_PROXY_COUNT=1)
def test_client_ip_behind_one_trusted_proxy_takes_the_rightmost_entry() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9"
    )
    assert client_ip(request) == "203.0.113.9"  # the left entry could be forged by the client


@override_settings(TSUNAGU_PROXY_COUNT=2)
def test_client_ip_falls_back_when_the_chain_is_short() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "127.0.0.1"
