"""Remote image fetching: what each refused URL gets (SSRF guards), and the allowed path.

No external network exists here: the allowed path runs through ``httpx.MockTransport`` (the seam the
fetcher takes) with a monkeypatched resolver, and the loopback refusal runs against a real local
HTTP server that must never see a request.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from tests.images.images_util import RED, solid

from flagstone.errors import ImageURLRefusedError
from flagstone.images.fetch import ImageFetcher, address_problem, host_allowed, resolve

P = "input[0].image_url.url"
PNG = solid(RED)
DNS = {"img.example.org": ["93.184.216.34"], "cdn.example.org": ["93.184.216.35"],
       "evil.example.org": ["10.0.0.5"], "mixed.example.org": ["93.184.216.36", "127.0.0.1"],
       "meta.example.org": ["169.254.169.254"], "v6.example.org": ["2606:2800:220:1::1"]}


def fake_resolver(host: str, port: int) -> list[str]:
    if host not in DNS:
        raise socket.gaierror(f"Name or service not known: {host}")
    return DNS[host]


def fetcher(handler=None, **kw) -> ImageFetcher:
    options = dict(enabled=True, allowed_hosts=["*.example.org"], max_bytes=10_000, timeout_s=2.0,
                   resolver=fake_resolver, transport=httpx.MockTransport(handler or _serve))
    options.update(kw)
    return ImageFetcher(**options)


def _serve(request: httpx.Request) -> httpx.Response:
    routes = {
        "/a.png": lambda: httpx.Response(200, content=PNG, headers={"content-type": "image/png"}),
        "/page": lambda: httpx.Response(200, text="<html>", headers={"content-type": "text/html"}),
        "/none": lambda: httpx.Response(200, content=PNG),
        "/big": lambda: httpx.Response(200, content=b"x" * 20_000, headers={"content-type": "image/png"}),
        "/stream": lambda: httpx.Response(200, headers={"content-type": "image/png"},
                                          content=iter([b"x" * 4000] * 5)),  # no Content-Length
        "/missing": lambda: httpx.Response(404),
        "/to-evil": lambda: httpx.Response(302, headers={"location": "http://evil.example.org/a.png"}),
        "/to-cdn": lambda: httpx.Response(301, headers={"location": "https://cdn.example.org/a.png"}),
        "/to-relative": lambda: httpx.Response(307, headers={"location": "/a.png"}),
        "/to-other": lambda: httpx.Response(302, headers={"location": "https://not-allowed.net/a.png"}),
        "/loop": lambda: httpx.Response(302, headers={"location": "/loop"}),
    }
    if request.url.path == "/slow":
        raise httpx.ReadTimeout("timed out", request=request)
    return routes[request.url.path]()


def test_allowed_fetch_connects_to_the_checked_address_with_the_original_host():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _serve(request)

    assert fetcher(handler).fetch("https://img.example.org/a.png", param=P) == PNG
    (req,) = seen
    assert req.url.host == "93.184.216.34" and req.headers["host"] == "img.example.org"
    assert req.extensions["sni_hostname"] == "img.example.org"  # TLS checks the real name


def test_ipv6_address_is_bracketed():
    seen = []
    fetcher(lambda r: seen.append(r) or _serve(r)).fetch("http://v6.example.org/a.png", param=P)
    assert seen[0].url.host == "2606:2800:220:1::1"


def test_redirects_are_followed_and_each_hop_is_rechecked():
    assert fetcher().fetch("http://img.example.org/to-cdn", param=P) == PNG
    assert fetcher().fetch("http://img.example.org/to-relative", param=P) == PNG


# Each refused URL -> words the 400's message must contain.
@pytest.mark.parametrize("url, words", [
    ("http://evil.example.org/a.png", "private address (10.0.0.5)"),
    ("http://mixed.example.org/a.png", "loopback address (127.0.0.1)"),  # one bad address is enough
    ("http://meta.example.org/latest", "link-local address (169.254.169.254)"),
    ("http://img.example.org/to-evil", "private address (10.0.0.5)"),  # refused on the redirect
    ("http://img.example.org/to-other", "'not-allowed.net' is not on this server's image allow-list"),
    ("http://img.example.org/loop", "more than 3 redirects"),
    ("http://unknown.example.org/a.png", "cannot resolve 'unknown.example.org'"),
    ("https://elsewhere.net/a.png", "'elsewhere.net' is not on this server's image allow-list"),
    ("ftp://img.example.org/a.png", "only http(s) and data: URLs"),
    ("http:///nohost", "only http(s) and data: URLs"),
    ("http://img.example.org/page", "content type 'text/html' is not a supported image"),
    ("http://img.example.org/none", "content type 'none'"),
    ("http://img.example.org/missing", "answered HTTP 404"),
    ("http://img.example.org/big", "the image is 20000 bytes; at most 10000"),
    ("http://img.example.org/stream", "over 10000 bytes"),
    ("http://img.example.org/slow", "timed out after 2s"),
])
def test_refusals(url, words):
    with pytest.raises(ImageURLRefusedError) as info:
        fetcher().fetch(url, param=P)
    assert words in info.value.message, info.value.message
    assert info.value.param == P and info.value.status == 400 and info.value.code == "image_url_refused"


def test_off_by_default_says_to_send_a_data_url():
    with pytest.raises(ImageURLRefusedError, match="remote image URLs are disabled.*data: URL"):
        fetcher(enabled=False).fetch("https://img.example.org/a.png", param=P)


@pytest.mark.parametrize("address, problem", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("172.16.5.4", "private"), ("fc00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"), ("240.0.0.1", "reserved"), ("100.64.0.1", "non-public"),
    ("93.184.216.34", None), ("2606:2800:220:1::1", None),
])
def test_address_problem(address, problem):
    assert address_problem(address) == problem


# IPv6 forms that embed an IPv4 address are judged by the embedded address (issue 19, point 10).
@pytest.mark.parametrize("address, problem", [
    ("2002:c0a8:0101::1", "private"), ("2002:0a00:0001:1::5", "private"),  # 6to4 of 192.168.1.1, 10.0.0.1
    ("2002:7f00:0001::", "loopback"), ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 127.0.0.1, 169.254.169.254
    ("2002:0808:0808::1", None),  # 6to4 of 8.8.8.8
    ("64:ff9b::7f00:1", "loopback"), ("64:ff9b::10.1.2.3", "private"),  # NAT64 well-known prefix
    ("64:ff9b::169.254.169.254", "link-local"), ("64:ff9b::100.64.0.1", "non-public"),
    ("64:ff9b::93.184.216.34", None),  # what DNS64 answers for a public IPv4-only host
    ("64:ff9b:1::a00:1", "private"), ("64:ff9b:1:ffff::808:808", "private"),  # local-use NAT64 prefix
    ("::ffff:10.0.0.1", "private"), ("::ffff:169.254.169.254", "link-local"), ("::ffff:93.184.216.34", None),
    ("::127.0.0.1", "loopback"), ("::192.168.0.1", "private"), ("::8.8.8.8", "reserved"),  # IPv4-compatible
    ("::ffff:0:127.0.0.1", "loopback"), ("::ffff:0:8.8.8.8", "reserved"),  # IPv4-translated (SIIT)
    ("::", "unspecified"), ("::1", "loopback"),
])
def test_address_problem_of_ipv6_forms_embedding_ipv4(address, problem):
    assert address_problem(address) == problem


@pytest.mark.parametrize("address, shown", [
    ("2002:c0a8:101::1", "the 6to4 form of 192.168.1.1"), ("64:ff9b::7f00:1", "the NAT64 form of 127.0.0.1"),
    ("::ffff:a9fe:a9fe", "the IPv4-mapped form of 169.254.169.254"),
])
def test_fetcher_refuses_embedded_private_ipv4_and_names_it(address, shown):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})

    f = fetcher(handler, resolver=lambda host, port: [address])
    with pytest.raises(ImageURLRefusedError, match="only public addresses") as info:
        f.fetch("http://img.example.org/a.png", param=P)
    assert shown in info.value.message and not seen


def test_fetcher_connects_to_a_nat64_address_of_a_public_host():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})

    f = fetcher(handler, resolver=lambda host, port: ["64:ff9b::5db8:d822"])  # 93.184.216.34
    assert f.fetch("http://img.example.org/a.png", param=P) == PNG
    assert seen[0].url.host == "64:ff9b::5db8:d822" and seen[0].headers["host"] == "img.example.org"


def test_host_allow_list_matching():
    assert host_allowed("img.example.org", ["img.example.org"])
    assert host_allowed("IMG.Example.org.", ["*.example.org"])
    assert not host_allowed("example.org", ["*.example.org"])  # the wildcard needs a sub-domain
    assert not host_allowed("badexample.org", ["*.example.org"])
    assert not host_allowed("img.example.org", [])


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        type(self).hits += 1
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    _CountingHandler.hits = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_real_local_server_is_refused_as_loopback_and_never_contacted(local_server, host):
    real = ImageFetcher(enabled=True, allowed_hosts=[host], max_bytes=10_000, timeout_s=2.0)
    with pytest.raises(ImageURLRefusedError, match="loopback address"):
        real.fetch(f"http://{host}:{local_server}/a.png", param=P)
    assert _CountingHandler.hits == 0
    # The server itself works: the refusal is the guard's, not a dead port.
    assert httpx.get(f"http://127.0.0.1:{local_server}/a.png").content == PNG


def test_system_resolver_answers_addresses():
    assert "127.0.0.1" in resolve("localhost", 80) or "::1" in resolve("localhost", 80)
