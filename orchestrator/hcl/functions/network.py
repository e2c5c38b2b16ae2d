"""IP network functions: cidrsubnet, cidrsubnets, cidrhost, cidrnetmask (IPv4 and IPv6)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.registry import Builtin, table, want_int, want_str
from orchestrator.hcl.values import Value

__all__ = ["FUNCTIONS"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(fname: str, value: Value) -> Network:
    text = want_str(fname, 1, value)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise EvalError(f'{fname}(): "{text}" is not a CIDR prefix', hint='write e.g. "10.0.0.0/16"') from None


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
    net = _network("cidrsubnets", prefix)
    out: list[str] = []
    current = int(net.network_address)
    end = int(net.broadcast_address)
    for i, nb in enumerate(newbits, start=2):
        bits = want_int("cidrsubnets", i, nb)
        new_len = net.prefixlen + bits
        if bits < 1 or new_len > net.max_prefixlen:
            raise EvalError(f"cidrsubnets(): cannot extend a /{net.prefixlen} prefix by {bits} bits")
        size = 1 << (net.max_prefixlen - new_len)
        start = -(-current // size) * size  # round up to the subnet size
        if start + size - 1 > end:
            raise EvalError(f"cidrsubnets(): not enough room in {net} for subnet {i - 1}")
        out.append(str(ipaddress.ip_network((start, new_len))))
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
