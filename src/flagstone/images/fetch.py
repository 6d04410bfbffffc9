"""Fetch remote ``http(s)`` images without becoming an SSRF proxy.

Off unless enabled. When on, a URL is fetched only if its host is allow-listed (``img.example.org``
or ``*.example.org``) and *every* address it resolves to is public (not private, loopback,
link-local, multicast, reserved, unspecified or shared; IPv6 forms that embed an IPv4 address, such as
6to4, NAT64 and IPv4-mapped, are judged by that address); the connection then goes to the checked
address (no second lookup that a rebinding DNS could answer differently), with the original Host
header and TLS name. Redirects are followed by hand, each hop checked again. The body is streamed
under a byte cap and an overall deadline, and the content type must be a supported image type.
Every refusal is an :class:`~flagstone.errors.ImageURLRefusedError` saying why.

The seams for tests are ``resolver`` (host, port -> addresses) and an ``httpx`` ``transport``.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from flagstone.errors import ImageURLRefusedError
from flagstone.images.decode import MEDIA_TYPES

Resolver = Callable[[str, int], list[str]]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# IPv6 forms that carry an IPv4 address: a connection to them reaches (or is translated to) that
# IPv4 host, so they are judged by the address they embed. (prefix, form, whether a public embedded
# address makes the IPv6 address public too: deprecated or translator-internal forms stay refused.)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215 local-use translation prefix
_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291 "IPv4-compatible", deprecated
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 SIIT "IPv4-translated"


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 address carries, and the form: IPv4-mapped (``::ffff:a.b.c.d``), 6to4
    (``2002:AABB:CCDD::/48``), NAT64 (``64:ff9b::a.b.c.d``), IPv4-compatible (``::a.b.c.d``) or
    IPv4-translated (``::ffff:0:a.b.c.d``); None for any other address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, "IPv4-mapped"
    if ip.sixtofour is not None:
        return ip.sixtofour, "6to4"
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64:
        return low, "NAT64"
    if ip in _TRANSLATED:
        return low, "IPv4-translated"
    if ip in _COMPATIBLE and int(ip) > 1:  # :: and ::1 are themselves (unspecified, loopback)
        return low, "IPv4-compatible"
    return None


def address_problem(address: str) -> str | None:
    """Why ``address`` may not be fetched from, or None when it is a public unicast address.

    An IPv6 address that embeds an IPv4 one (see :func:`embedded_ipv4`) is refused when the embedded
    address would be: ``2002:c0a8:0101::1`` (6to4 of 192.168.1.1) is private, ``64:ff9b::7f00:1``
    (NAT64 of 127.0.0.1) is loopback. IPv4-mapped, 6to4 and NAT64 forms of a public IPv4 address are
    public (a DNS64 resolver answers NAT64 addresses for every IPv4-only host); the deprecated
    IPv4-compatible and IPv4-translated forms are not fetched at all.
    """
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return "private"
        embedded = embedded_ipv4(ip)
        if embedded is not None:
            v4, form = embedded
            problem = _problem(v4)
            if problem is not None or form in ("IPv4-mapped", "6to4", "NAT64"):
                return problem
            return "reserved"
    return _problem(ip)


def _problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    for attr, what in (("is_loopback", "loopback"), ("is_link_local", "link-local"),
                       ("is_multicast", "multicast"), ("is_unspecified", "unspecified"),
                       ("is_reserved", "reserved"), ("is_private", "private")):
        if getattr(ip, attr):
            return what
    return None if ip.is_global else "non-public"


def host_allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in (p.lower().rstrip(".") for p in allowed):
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
        if host == pattern:
            return True
    return False


@dataclass
class ImageFetcher:
    enabled: bool
    allowed_hosts: list[str]
    max_bytes: int
    timeout_s: float
    max_redirects: int = 3
    resolver: Resolver = resolve
    transport: httpx.BaseTransport | None = None

    def fetch(self, url: str, *, param: str) -> bytes:
        """The image bytes at ``url``, or a 400 (:class:`ImageURLRefusedError`) saying why not."""
        if not self.enabled:
            raise ImageURLRefusedError(f"{param}: remote image URLs are disabled on this server; send the "
                                       "image inline as a data: URL (data:image/png;base64,...)", param=param)
        deadline = time.monotonic() + self.timeout_s
        with httpx.Client(transport=self.transport, timeout=self.timeout_s, follow_redirects=False,
                          trust_env=False) as client:
            for _ in range(self.max_redirects + 1):
                response = self._open(client, url, param)
                try:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    return self._read(response, param, deadline)
                finally:
                    response.close()
        raise ImageURLRefusedError(f"{param}: more than {self.max_redirects} redirects", param=param)

    def _target(self, url: str, param: str) -> tuple[str, str, str]:
        """Check ``url``; return (URL to connect to by address, Host header, host name)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImageURLRefusedError(f"{param}: only http(s) and data: URLs are accepted, got "
                                       f"{url[:60]!r}", param=param)
        host = parts.hostname
        if not host_allowed(host, self.allowed_hosts):
            raise ImageURLRefusedError(f"{param}: host {host!r} is not on this server's image allow-list",
                                       param=param)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise ImageURLRefusedError(f"{param}: cannot resolve {host!r}: {exc}", param=param) from None
        if not addresses:
            raise ImageURLRefusedError(f"{param}: {host!r} resolves to no address", param=param)
        for address in addresses:
            if problem := address_problem(address):
                ip = ipaddress.ip_address(address.split("%")[0])
                inner = embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
                via = f", the {inner[1]} form of {inner[0]}" if inner else ""
                raise ImageURLRefusedError(f"{param}: {host!r} resolves to a {problem} address "
                                           f"({address}{via}); only public addresses are fetched", param=param)
        ip = addresses[0]
        netloc = f"[{ip}]" if ":" in ip else ip
        target = parts._replace(netloc=f"{netloc}:{port}").geturl()
        return target, parts.netloc.rsplit("@", 1)[-1], host

    def _open(self, client: httpx.Client, url: str, param: str) -> httpx.Response:
        target, host_header, host = self._target(url, param)
        request = client.build_request("GET", target, headers={"Host": host_header, "Accept": "image/*"},
                                       extensions={"sni_hostname": host})
        try:
            return client.send(request, stream=True)
        except httpx.TimeoutException:
            raise ImageURLRefusedError(f"{param}: fetching timed out after {self.timeout_s:g}s",
                                       param=param) from None
        except httpx.HTTPError as exc:
            raise ImageURLRefusedError(f"{param}: could not fetch the image: {exc}", param=param) from None

    def _read(self, response: httpx.Response, param: str, deadline: float) -> bytes:
        if response.status_code != 200:
            raise ImageURLRefusedError(f"{param}: the image server answered HTTP {response.status_code}",
                                       param=param)
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in MEDIA_TYPES:
            raise ImageURLRefusedError(f"{param}: content type {ctype or 'none'!r} is not a supported image "
                                       "(image/png, image/jpeg, image/webp, image/gif)", param=param)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise ImageURLRefusedError(f"{param}: the image is {declared} bytes; at most {self.max_bytes} "
                                       "are fetched", param=param)
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise ImageURLRefusedError(f"{param}: the image is over {self.max_bytes} bytes; larger "
                                               "images are not fetched", param=param)
                if time.monotonic() > deadline:
                    raise ImageURLRefusedError(f"{param}: fetching took over {self.timeout_s:g}s",
                                               param=param)
        except httpx.TimeoutException:
            raise ImageURLRefusedError(f"{param}: fetching timed out after {self.timeout_s:g}s",
                                       param=param) from None
        except httpx.HTTPError as exc:
            raise ImageURLRefusedError(f"{param}: reading the image failed: {exc}", param=param) from None
        return bytes(body)
