"""IP network functions: cidrsubnet, cidrsubnets, cidrhost, cidrnetmask (IPv4 and IPv6)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.registry import Builtin, table, want_int, want_str
from orchestrator.hcl.values import Value

__all__ = ["FUNCTIONS"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


_LEADING_ZEROS_RE = re.compile(r"(?<![\d.:])(\d{1,3}(?:\.\d{1,3}){3})(?=/)")


def _decimal_octets(text: str) -> str:
    """Terraform reads zero-prefixed IPv4 octets as decimal ("010.001.0.0" is 10.1.0.0), a quirk
    of Go before 1.17 it keeps; Python's ipaddress rejects them."""
    return _LEADING_ZEROS_RE.sub(lambda m: ".".join(str(int(o)) for o in m.group(1).split(".")), text)


def _network(fname: str, value: Value) -> Network:
    text = want_str(fname, 1, value)
    try:
        net = ipaddress.ip_network(_decimal_octets(text), strict=False)
    except ValueError:
        raise EvalError(f'{fname}(): "{text}" is not a CIDR prefix', hint='write e.g. "10.0.0.0/16"') from None
    if isinstance(net, ipaddress.IPv6Network) and net.prefixlen >= 96 and net.network_address.ipv4_mapped:
        # Go normalises an IPv4 address written in IPv6 syntax (::ffff:a.b.c.d/112) to IPv4.
        return ipaddress.IPv4Network((net.network_address.ipv4_mapped, net.prefixlen - 96))
    return net


def _subnet(fname: str, net: Network, newbits: int, netnum: int) -> Network:
    new_len = net.prefixlen + newbits
    if newbits < 0 or new_len > net.max_prefixlen:
        raise EvalError(f"{fname}(): cannot extend a /{net.prefixlen} prefix by {newbits} bits")
    if netnum < 0 or netnum >= 1 << newbits:
        raise EvalError(f"{fname}(): network number {netnum} does not fit in {newbits} bits")
    base = int(net.network_address) + (netnum << (net.max_prefixlen - new_len))
    return ipaddress.ip_network((base, new_len))


def fn_cidrsubnet(prefix: Value, newbits: Value, netnum: Value) -> Value:
    net = _network("cidrsubnet", prefix)
    return str(_subnet("cidrsubnet", net, want_int("cidrsubnet", 2, newbits), want_int("cidrsubnet", 3, netnum)))


def fn_cidrsubnets(prefix: Value, *newbits: Value) -> Value:
    """Consecutive subnets, each aligned after the previous one (Terraform's messages)."""
    net = _network("cidrsubnets", prefix)
    out: list[str] = []
    current = int(net.network_address)
    end = int(net.broadcast_address)
    family = "IPv4" if net.version == 4 else "IPv6"
    previous: str | None = None
    for i, nb in enumerate(newbits, start=2):
        bits = want_int("cidrsubnets", i, nb)
        if bits < 1:
            raise EvalError("cidrsubnets(): must extend prefix by at least one bit")
        if bits > 32:
            raise EvalError("cidrsubnets(): may not extend prefix by more than 32 bits")
        new_len = net.prefixlen + bits
        if new_len > net.max_prefixlen:
            raise EvalError(
                f"cidrsubnets(): would extend prefix to {new_len} bits, which is too long for an {family} address"
            )
        size = 1 << (net.max_prefixlen - new_len)
        start = -(-current // size) * size  # round up to the subnet size
        if start + size - 1 > end:
            after = f" after {previous}" if previous else ""
            raise EvalError(
                f"cidrsubnets(): not enough remaining address space for a subnet with a prefix of {new_len} bits{after}"
            )
        previous = str(ipaddress.ip_network((start, new_len)))
        out.append(previous)
        current = start + size
    return out


def fn_cidrhost(prefix: Value, hostnum: Value) -> Value:
    net = _network("cidrhost", prefix)
    n = want_int("cidrhost", 2, hostnum)
    size = net.num_addresses
    if n < -size or n >= size:
        raise EvalError(f"cidrhost(): host number {n} does not fit in {net}")
    offset = n if n >= 0 else size + n
    return str(net.network_address + offset)


def fn_cidrnetmask(prefix: Value) -> Value:
    net = _network("cidrnetmask", prefix)
    if net.version != 4:
        raise EvalError("cidrnetmask() only supports IPv4 prefixes")
    return str(net.netmask)


FUNCTIONS: Mapping[str, Builtin] = table(fn_cidrsubnet, fn_cidrsubnets, fn_cidrhost, fn_cidrnetmask)
