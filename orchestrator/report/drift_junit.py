"""``drift.junit.xml``: one test case per module, so CI systems show drift like failing tests.

Mapping: ``drifted`` is a ``<failure>``, ``error`` an ``<error>``, ``skipped`` a ``<skipped>``, ``clean`` a
passing case (with suppressed drift noted in ``<system-out>``). The class name is the account, the
test name the module path. Pure; built with ``xml.etree`` so the output is always well-formed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from orchestrator.report.drift_model import DriftReport, ModuleDrift

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """Text XML 1.0 can hold: terminal colour codes and other control characters removed."""
    return _NOT_XML.sub("", _ANSI.sub("", text))


def _classname(mod: ModuleDrift) -> str:
    return f"drift.{mod.account_name or mod.account_id or 'no-account'}"


def _failure_text(mod: ModuleDrift) -> str:
    lines = []
    for res in mod.resources:
        if res.suppressed is not None:
            continue
        attrs = f" ({', '.join(a.name for a in res.attributes)})" if res.attributes else ""
        lines.append(f"{res.address}: {res.action}{attrs} [{res.history or 'new'}] {res.fingerprint}")
    lines += [f"output {o.name}: {o.action}" for o in mod.outputs]
    return "\n".join(lines)


def _case(mod: ModuleDrift) -> ET.Element:
    case = ET.Element("testcase", {"classname": clean(_classname(mod)), "name": clean(mod.path), "time": "0"})
    if mod.status == "drifted":
        counting = sum(r.suppressed is None for r in mod.resources)
        message = (
            f"{counting} resource(s) drifted" if counting else "outputs only: " + ", ".join(o.name for o in mod.outputs)
        )
        failure = ET.SubElement(case, "failure", {"message": clean(message), "type": "drift"})
        failure.text = clean(_failure_text(mod))
    elif mod.status == "error":
        ET.SubElement(case, "error", {"message": clean(mod.reason or "plan failed"), "type": "error"})
    elif mod.status == "skipped":
        ET.SubElement(case, "skipped", {"message": clean(mod.reason or "skipped")})
    if mod.suppressed:
        out = ET.SubElement(case, "system-out")
        out.text = f"{mod.suppressed} suppressed drift(s)"
    return case


def render_junit(report: DriftReport) -> str:
    """The JUnit XML document as text."""
    t = report.totals
    suites = ET.Element("testsuites", {"name": "tgo drift"})
    suite = ET.SubElement(
        suites,
        "testsuite",
        {
            "name": f"tgo drift ({report.mode})",
            "tests": str(t.modules),
            "failures": str(t.drifted),
            "errors": str(t.error),
            "skipped": str(t.skipped),
            "timestamp": report.generated_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "time": "0",
        },
    )
    for mod in report.modules:
        suite.append(_case(mod))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
