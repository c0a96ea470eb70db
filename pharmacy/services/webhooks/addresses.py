"""Where a webhook may be sent: a clinic's public server, never the pharmacy's own
network. A URL is checked when it is registered and its name resolved again before
every delivery, which then connects to the very address that was checked (a name that
changes its answer in between reaches nothing new).

Private, loopback, link-local, shared and reserved addresses are refused unless
`WEBHOOK_ALLOW_PRIVATE` (tests, development), which also lets plain http through.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

URL_MAX = 2048


class Refused(ValueError):
    """Why an endpoint may not be sent to, in words for the clinic."""


@dataclass(frozen=True)
class Target:
    """A URL's parts, and the address a delivery connects to."""

    scheme: str
    host: str
    port: int
    address: str

    def connect_url(self, url: str) -> str:
        """`url` with its host replaced by the checked address (bracketed for IPv6)."""
        parts = urlsplit(url)
        address = f"[{self.address}]" if ":" in self.address else self.address
        path = parts.path or "/"
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.scheme}://{address}:{self.port}{path}{query}"

    @property
    def host_header(self) -> str:
        default = {"https": 443, "http": 80}[self.scheme]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def checked_url(url: str, *, allow_private: bool) -> str:
    """`url` if it may be registered, else Refused saying why."""
    target(url, allow_private=allow_private)
    return url


def target(url: str, *, allow_private: bool) -> Target:
    """Where `url` is sent: its name resolved now, every address it has checked."""
    scheme, host, port = _parts(url, allow_private)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"the host {host} does not resolve") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise Refused(f"the host {host} does not resolve")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise Refused(
                    f"the host {host} is a private, loopback or reserved address ({address}); "
                    "webhooks go to a public server"
                )
    return Target(scheme, host, port, addresses[0])


def _parts(url: str, allow_private: bool) -> tuple[str, str, int]:
    if len(url) > URL_MAX or not url.isascii() or not url.isprintable() or " " in url:
        raise Refused(f"the URL must be at most {URL_MAX} printable ASCII characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("the URL is not a valid URL") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise Refused("the URL must start with https://")
    if parts.username is not None or parts.password is not None:
        raise Refused("the URL must not carry a user name or password")
    if parts.fragment:
        raise Refused("the URL must not have a #fragment")
    if not parts.hostname:
        raise Refused("the URL has no host")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_public(address: str) -> bool:
    """Whether `address` is on the public internet (an IPv4 address written as IPv6 is
    judged as the IPv4 address it is)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
