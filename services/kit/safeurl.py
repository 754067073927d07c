"""Safe webhook URLs: where Kring may send a tenant's events, checked at registration and again
before every delivery (a host's DNS answer can change between the two).

A URL is refused (``UnsafeUrl``, a 422 on ``body.url`` naming the rule) when

- it is longer than :data:`MAX_URL_LENGTH` characters, not ASCII, or not an absolute URL with a
  host (``url_format``);
- it carries a user name or password (``url_userinfo``) or a fragment (``url_format``);
- its scheme is not ``https`` (``url_https``): only a loopback host may take ``http``, and only
  when loopback is allowed (``KRING_WEBHOOK_ALLOW_LOOPBACK``, for development and tests);
- its host does not resolve within :data:`RESOLVE_SECONDS` (``url_unresolvable``);
- any address its host resolves to is not a public unicast one (``url_address``): private,
  loopback (unless allowed), link-local, CGNAT (100.64.0.0/10), multicast, reserved,
  unspecified, documentation ranges, the cloud metadata addresses (169.254.169.254,
  fd00:ec2::254), and IPv6 forms that embed such an IPv4 address (mapped, 6to4, NAT64).

:func:`check` and :func:`refusal` are pure; :func:`vetted` resolves. The relay calls
:func:`vetted` before each send and connects only to the addresses it returns.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from .errors import FieldError, RuleViolation

MAX_URL_LENGTH = 2048
"""The longest URL a subscription may have, in characters."""
RESOLVE_SECONDS = 3.0
"""How long a host may take to resolve before its URL is refused."""
METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
"""Cloud instance metadata services: refused by name, whatever the address class says."""
RULES = ("url_format", "url_length", "url_userinfo", "url_https", "url_unresolvable", "url_address")
"""Every rule a refused URL names."""
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``(host, port)`` to the addresses it resolves to, as text."""


class UnsafeUrl(RuleViolation):
    """A webhook URL Kring does not send to: ``errors`` name the rule."""

    def __init__(self, rule: str, message: str, *, field: str = "body.url") -> None:
        super().__init__(
            f"The webhook URL is refused: {message}.",
            errors=[FieldError(field=field, rule=rule, message=message)],
        )
        self.rule = rule


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the checks that need no network: where it points."""

    url: str
    scheme: str
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class Destination:
    """A target and the addresses its host resolved to, each one checked."""

    target: Target
    addresses: tuple[Address, ...]


def _split(url: str) -> SplitResult:
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl("url_length", f"longer than {MAX_URL_LENGTH} characters")
    if not url.isascii() or any(c.isspace() or ord(c) < 0x20 for c in url):
        raise UnsafeUrl("url_format", "not ASCII without spaces (encode names as punycode)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (parses the port, raising on a bad one)
    except ValueError as exc:
        raise UnsafeUrl("url_format", f"not a URL: {exc}") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeUrl("url_format", "not an absolute http(s) URL with a host")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrl("url_userinfo", "a user name or password in the URL")
    if parts.fragment or url.endswith("#"):
        raise UnsafeUrl("url_format", "a fragment (#...) is not sent to a server")
    return parts


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _loopback_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def check(url: str, *, allow_loopback: bool) -> Target:
    """The URL's target when it may be registered as far as its text tells; else ``UnsafeUrl``."""
    parts = _split(url)
    host = (parts.hostname or "").rstrip(".").lower()
    literal = _literal(host)
    if literal is not None and (problem := refusal(literal, allow_loopback=allow_loopback)):
        raise UnsafeUrl("url_address", f"{literal} is {problem}")
    if _loopback_name(host) and not allow_loopback:
        raise UnsafeUrl("url_address", f"{host} is loopback")
    loopback = _loopback_name(host) or (literal is not None and literal.is_loopback)
    if parts.scheme != "https" and not (allow_loopback and loopback):
        raise UnsafeUrl("url_https", "the scheme must be https")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return Target(url=url, scheme=parts.scheme, host=host, port=port)


def _embedded(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: Address, *, allow_loopback: bool) -> str | None:
    """Why Kring does not send to ``address`` (``None``: it may)."""
    if address in METADATA:
        return "a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address) and address.teredo is not None:
        return "a Teredo tunnel address"
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded(address)) is not None:
        reason = refusal(inner, allow_loopback=allow_loopback)
        return f"an IPv6 form of {inner}, {reason}" if reason else None
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    for reason, refused in (
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared address space (CGNAT)", address in _CGNAT),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    ):
        if refused:
            return reason
    return None


async def _getaddrinfo(host: str, port: int) -> Sequence[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def vetted(
    url: str, *, allow_loopback: bool, resolve: Resolver = _getaddrinfo
) -> Destination:
    """The URL's target and every address its host resolves to, each one allowed; else
    ``UnsafeUrl`` (one refused address refuses the URL: a client may connect to any)."""
    target = check(url, allow_loopback=allow_loopback)
    literal = _literal(target.host)
    if literal is not None:
        return Destination(target=target, addresses=(literal,))
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            answers = await resolve(target.host, target.port)
    except (OSError, TimeoutError, UnicodeError) as exc:
        raise UnsafeUrl("url_unresolvable", f"{target.host} does not resolve") from exc
    addresses = tuple(dict.fromkeys(ipaddress.ip_address(a.split("%")[0]) for a in answers))
    if not addresses:
        raise UnsafeUrl("url_unresolvable", f"{target.host} does not resolve")
    for address in addresses:
        if problem := refusal(address, allow_loopback=allow_loopback):
            raise UnsafeUrl("url_address", f"{target.host} resolves to {address}, {problem}")
    if target.scheme != "https" and not all(a.is_loopback for a in addresses):
        raise UnsafeUrl("url_https", "the scheme must be https")
    return Destination(target=target, addresses=addresses)
