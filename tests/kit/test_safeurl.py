"""Safe webhook URLs: the checks on a URL's text, on addresses, and on what a host resolves to."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence

import pytest

from services.kit import safeurl
from services.kit.safeurl import MAX_URL_LENGTH, UnsafeUrl, check, refusal, vetted


def _rule(url: str, *, allow_loopback: bool = False) -> str:
    with pytest.raises(UnsafeUrl) as refused:
        check(url, allow_loopback=allow_loopback)
    (error,) = refused.value.errors
    assert error.field == "body.url"
    assert refused.value.status == 422
    return error.rule


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://hooks.example.com/kring", "url_https"),
        ("ftp://hooks.example.com/kring", "url_format"),
        ("https:///no-host", "url_format"),
        ("hooks.example.com/kring", "url_format"),
        ("https://user:pw@hooks.example.com/kring", "url_userinfo"),
        ("https://user@hooks.example.com/kring", "url_userinfo"),
        ("https://hooks.example.com/kring#part", "url_format"),
        ("https://hooks.example.com:99999/kring", "url_format"),
        ("https://hooks.exämple.com/kring", "url_format"),
        ("https://hooks.example.com/a b", "url_format"),
        ("https://" + "a" * MAX_URL_LENGTH + ".com/", "url_length"),
        ("https://127.0.0.1/kring", "url_address"),
        ("https://localhost/kring", "url_address"),
        ("https://api.localhost/kring", "url_address"),
        ("https://10.1.2.3/kring", "url_address"),
        ("https://169.254.169.254/latest/meta-data", "url_address"),
        ("https://[fd00:ec2::254]/latest/meta-data", "url_address"),
        ("https://[::ffff:192.168.0.1]/kring", "url_address"),
        ("https://100.64.0.1/kring", "url_address"),
        ("https://0.0.0.0/kring", "url_address"),
    ],
)
def test_a_url_is_refused_by_its_text(url: str, rule: str) -> None:
    assert _rule(url) == rule


def test_a_public_https_url_passes_with_its_port() -> None:
    target = check("https://Hooks.Example.com./kring?x=1", allow_loopback=False)
    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.com", 443)
    assert check("https://93.184.215.14:8443/", allow_loopback=False).port == 8443


def test_loopback_and_its_http_only_when_allowed() -> None:
    assert _rule("http://127.0.0.1:9000/hook") == "url_address"
    assert check("http://127.0.0.1:9000/hook", allow_loopback=True).port == 9000
    assert check("http://localhost/hook", allow_loopback=True).port == 80
    assert check("https://[::1]/hook", allow_loopback=True).host == "::1"
    # Allowing loopback allows nothing else: not http elsewhere, not private ranges.
    assert _rule("http://hooks.example.com/", allow_loopback=True) == "url_https"
    assert _rule("http://10.0.0.1/", allow_loopback=True) == "url_address"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared address space (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("fc00::1", "private"),
        ("192.0.2.10", "private"),
        ("::ffff:10.0.0.1", "an IPv6 form of 10.0.0.1, private"),
        ("2002:a00:1::1", "an IPv6 form of 10.0.0.1, private"),
        ("64:ff9b::7f00:1", "an IPv6 form of 127.0.0.1, loopback"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "a Teredo tunnel address"),
    ],
)
def test_an_address_that_is_not_public_unicast_is_refused(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address), allow_loopback=False) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_a_public_address_passes(address: str) -> None:
    assert refusal(ipaddress.ip_address(address), allow_loopback=False) is None


def _resolving(*answers: str) -> safeurl.Resolver:
    async def resolve(host: str, port: int) -> Sequence[str]:
        return answers

    return resolve


async def test_a_host_is_refused_when_any_of_its_addresses_is_not_public() -> None:
    url = "https://hooks.example.com/kring"
    found = await vetted(url, allow_loopback=False, resolve=_resolving("93.184.215.14"))
    assert [str(a) for a in found.addresses] == ["93.184.215.14"]
    with pytest.raises(UnsafeUrl) as refused:
        await vetted(url, allow_loopback=False, resolve=_resolving("93.184.215.14", "10.0.0.7"))
    assert refused.value.rule == "url_address"
    assert "10.0.0.7" in refused.value.errors[0].message


async def test_rebinding_to_metadata_is_refused_at_the_next_check() -> None:
    """DNS that answered a public address at registration may answer another before a send."""
    url = "https://rebind.example.com/"
    await vetted(url, allow_loopback=False, resolve=_resolving("93.184.215.14"))
    with pytest.raises(UnsafeUrl) as refused:
        await vetted(url, allow_loopback=False, resolve=_resolving("169.254.169.254"))
    assert "metadata" in refused.value.errors[0].message


async def test_a_host_that_does_not_resolve_in_time_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def never(host: str, port: int) -> Sequence[str]:
        await asyncio.sleep(10)
        return []

    async def unknown(host: str, port: int) -> Sequence[str]:
        raise OSError("Name or service not known")

    monkeypatch.setattr(safeurl, "RESOLVE_SECONDS", 0.05)
    for resolver in (never, unknown, _resolving()):
        with pytest.raises(UnsafeUrl) as refused:
            await vetted("https://nowhere.example/", allow_loopback=False, resolve=resolver)
        assert refused.value.rule == "url_unresolvable"


async def test_a_literal_address_needs_no_resolver_and_localhost_resolves_when_allowed() -> None:
    found = await vetted("https://93.184.215.14/", allow_loopback=False, resolve=_resolving())
    assert [str(a) for a in found.addresses] == ["93.184.215.14"]
    local = await vetted("http://localhost:9/", allow_loopback=True)
    assert all(address.is_loopback for address in local.addresses)
