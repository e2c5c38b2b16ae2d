"""Cases ported from Terraform's and go-cty's own function tests; each names the test it comes from.

go-cty: github.com/zclconf/go-cty, cty/function/stdlib/*_test.go (the functions Terraform uses);
Terraform: github.com/hashicorp/terraform, internal/lang/funcs/*_test.go. HCL strings below spell
combining characters with ``\\u`` escapes, as the Go tests spell them in their literals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.errors import EvalError

Ev = Callable[..., Any]

URI_RE = r'"^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?(?P<path>[^?#]*)(?:\\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?"'
URI_PARTS = {
    "scheme": "http",
    "authority": "www.ics.uci.edu",
    "path": "/pub/ietf/uri/",
    "query": None,  # the query group did not take part: null, not ""
    "fragment": "Related",
}

CASES: list[tuple[str, str, Any]] = [
    # go-cty stdlib/regexp_test.go TestRegex
    ("cty TestRegex", 'regex("[a-z]+", "135abc456def789")', "abc"),
    ("cty TestRegex", 'regex("([0-9]*)([a-z]*)", "135abc456def")', ["135", "abc"]),
    ("cty TestRegex", f'regex({URI_RE}, "http://www.ics.uci.edu/pub/ietf/uri/#Related")', URI_PARTS),
    # go-cty stdlib/regexp_test.go TestRegexAll: no trailing empty match after "def"
    ("cty TestRegexAll", 'regexall("[a-z]+", "135abc456def789")', ["abc", "def"]),
    ("cty TestRegexAll", 'regexall("([0-9]*)([a-z]*)", "135abc456def")', [["135", "abc"], ["456", "def"]]),
    ("cty TestRegexAll", f'regexall({URI_RE}, "http://www.ics.uci.edu/pub/ietf/uri/#Related")', [URI_PARTS]),
    # go-cty stdlib/string_test.go TestUpper / TestLower
    ("cty TestUpper", 'upper("hello")', "HELLO"),
    ("cty TestUpper", 'upper("жж")', "ЖЖ"),
    ("cty TestUpper", 'upper("noe\\u0308l")', "NOË" + "L"),
    ("cty TestUpper", 'upper("ba\\ufb04e")', "BA\ufb04E"),  # Go keeps the ffl ligature
    ("cty TestUpper", 'upper("😸😾")', "😸😾"),
    ("cty TestLower", 'lower("ЖЖ")', "жж"),
    # go-cty stdlib/string_test.go TestReverse
    ("cty TestReverse", 'strrev("Живой Журнал")', "ланруЖ йовиЖ"),
    ("cty TestReverse", 'strrev("noe\\u0308l")', "l\u00ebon"),
    (
        "cty TestReverse",
        'strrev("we\\u0301\\u0301\\u0301e\\u0301\\u0301\\u0301e\\u0301\\u0301\\u0301!")',
        "!\u00e9\u0301\u0301\u00e9\u0301\u0301\u00e9\u0301\u0301w",
    ),
    ("cty TestReverse", 'strrev("😸😾")', "😾😸"),
    # go-cty stdlib/string_test.go TestStrlen
    ("cty TestStrlen", 'length("Живой Журнал")', 12),
    ("cty TestStrlen", 'length("noe\\u0308l")', 4),
    ("cty TestStrlen", 'length("we\\u0301\\u0301\\u0301e\\u0301\\u0301\\u0301e\\u0301\\u0301\\u0301!")', 5),
    ("cty TestStrlen", 'length("ba\\ufb04e")', 4),
    ("cty TestStrlen", 'length("😸😾")', 2),
    # go-cty stdlib/string_test.go TestSubstr
    ("cty TestSubstr", 'substr("hello", 0, 2)', "he"),
    ("cty TestSubstr", 'substr("hello", 1, -1)', "ello"),
    ("cty TestSubstr", 'substr("hello", 1, -10)', "ello"),
    ("cty TestSubstr", 'substr("hello", 1, 10)', "ello"),
    ("cty TestSubstr", 'substr("hello", -3, -1)', "llo"),
    ("cty TestSubstr", 'substr("hello", -3, 2)', "ll"),
    ("cty TestSubstr", 'substr("hello", 10, 10)', ""),
    ("cty TestSubstr", 'substr("hello", 0, 0)', ""),
    ("cty TestSubstr", 'substr("noe\\u0308l", 0, 3)', "no\u00eb"),
    ("cty TestSubstr", 'substr("noe\\u0308l", 3, -1)', "l"),
    (
        "cty TestSubstr",
        'substr("we\\u0301\\u0301\\u0301e\\u0301\\u0301\\u0301e\\u0301\\u0301\\u0301!", 3, 2)',
        "\u00e9\u0301\u0301!",
    ),
    ("cty TestSubstr", 'substr("noe\\u0308l", -2, -1)', "\u00ebl"),
    ("cty TestSubstr", 'substr("😸😾", 1, 1)', "😾"),
    # go-cty stdlib/collection.go RangeFunc (sequence tests): direction from the arguments
    ("cty TestRange", "range(-3)", [0, -1, -2]),
    ("cty TestRange", "range(4, 1)", [4, 3, 2]),
    ("cty TestRange", "range(10, 5, -2)", [10, 8, 6]),
    ("cty TestRange", "range(0)", []),
    # Terraform internal/lang/funcs/encoding_test.go
    ("terraform TestBase64Gzip", 'base64gzip("test")', "H4sIAAAAAAAA/ypJLS4BAAAA//8BAAD//wx+f9gEAAAA"),
    (
        "terraform TestBase64TextEncode",
        'textencodebase64("abc123!?$*&()\'-=@~", "UTF-16LE")',
        "YQBiAGMAMQAyADMAIQA/ACQAKgAmACgAKQAnAC0APQBAAH4A",
    ),
    ("terraform TestBase64TextEncode", 'textencodebase64("abc123!?$*&()\'-=@~", "CP936")', "YWJjMTIzIT8kKiYoKSctPUB+"),
    (
        "terraform TestBase64TextDecode",
        'textdecodebase64("YQBiAGMAMQAyADMAIQA/ACQAKgAmACgAKQAnAC0APQBAAH4A", "UTF-16LE")',
        "abc123!?$*&()'-=@~",
    ),
    ("terraform TestBase64TextDecode", 'textdecodebase64("YWJjMTIzIT8kKiYoKSctPUB+", "CP936")', "abc123!?$*&()'-=@~"),
    # go-cty convert (unify.go / public_test.go) as Terraform's tolist/tomap/toset/coalesce use it
    ("cty convert unify", 'tolist(["a", true])', ["a", "true"]),
    ("cty convert unify", 'tolist(["a", 1])', ["a", "1"]),
    ("cty convert unify", 'tomap({a = 1, b = "x"})', {"a": "1", "b": "x"}),
    ("cty convert unify", 'tolist([{a = 1}, {a = "x"}])', [{"a": "1"}, {"a": "x"}]),
    ("cty convert unify", 'tolist([[1], ["a", 2]])', [["1"], ["a", "2"]]),
    ("cty convert unify", 'toset(["b", "a", "b"])', ["a", "b"]),
    ("cty TestCoalesce", 'coalesce(1, "a")', "1"),
    ("cty TestCoalesce", 'coalesce(null, "", "b")', "b"),
    ("hcl conditional unify", 'true ? 1 : "a"', "1"),
]

ERRORS: list[tuple[str, str, str]] = [
    ("terraform TestBase64TextEncode", 'textencodebase64("🤔", "cp437")', "cannot be represented"),
    ("terraform TestBase64TextEncode", 'textencodebase64("x", "NOT-EXISTS")', "not a supported IANA encoding"),
    ("terraform TestBase64TextDecode", 'textdecodebase64("gQ==", "windows-1250")', "not defined for"),
    ("terraform TestBase64TextDecode", 'textdecodebase64("<invalid base64>", "cp437")', "not valid base64"),
    ("cty RangeFunc", "range(1, 4, -1)", "end must be less than start when step is negative"),
    ("cty RangeFunc", "range(4, 1, 1)", "end must be greater than start when step is positive"),
    ("cty RangeFunc", "range(0, 2000)", "more than 1024 values"),
    ("cty convert unify", "tolist([1, true])", "must all have one type"),
    ("cty convert unify", "tolist([1, [1]])", "must all have one type"),
    ("hcl conditional unify", "true ? 1 : false", "inconsistent conditional result types"),
    # Go's regexp (RE2 syntax) rejects these; Python's re would accept them.
    ("go regexp syntax", 'regex("(a)\\\\1", "aa")', "invalid escape sequence"),
    ("go regexp syntax", 'regex("a(?=b)", "ab")', "invalid perl operator"),
    ("go regexp syntax", 'regexall("(?<!x)a", "a")', "invalid regular expression"),
    ("go regexp syntax", 'replace("a", "/a++/", "b")', "invalid regular expression"),
]


@pytest.mark.parametrize(("source", "src", "want"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_matches_terraform(ev: Ev, source: str, src: str, want: Any) -> None:
    assert ev(src) == want


@pytest.mark.parametrize(("source", "src", "message"), ERRORS, ids=[f"{c[0]}: {c[1]}" for c in ERRORS])
def test_errors_as_terraform(ev: Ev, source: str, src: str, message: str) -> None:
    with pytest.raises(EvalError) as info:
        ev(src)
    assert message in info.value.message


def test_regex_replace_skips_empty_match_after_a_match(ev: Ev) -> None:
    # Go's ReplaceAllString: the empty match right after "x" is not a match (Python's re.sub says it is).
    assert ev('replace("abxd", "/x*/", "-")') == "-a-b-d-"
    assert ev('regexall("a*", "baaa")') == ["", "aaa"]


def test_unmatched_optional_group_is_null(ev: Ev) -> None:
    assert ev('regex("(a)?(b)", "b")') == [None, "b"]
    assert ev('regex("(?P<x>a)?(?P<y>b)", "b")') == {"x": None, "y": "b"}


def test_strings_are_nfc(ev: Ev) -> None:
    # cty normalises every string to NFC: a decomposed literal equals the precomposed one.
    assert ev('"noe\\u0308l" == "no\\u00ebl"') is True
    assert ev('"noe\\u0308l"') == "no\u00ebl"
    assert ev('jsondecode("\\"e\\\\u0301\\"")') == "\u00e9"


def test_core_namespace_calls_builtins(ev: Ev) -> None:
    assert ev('core::upper("a")') == "A"
    assert ev('"${core::lower("B")}-core::x("') == "b-core::x("
    with pytest.raises(EvalError, match="core:: names only"):
        ev('core::get_env("HOME")', functions={"get_env": lambda *_a: "x"})


def test_templatestring_renders_a_string_value(ev: Ev) -> None:
    assert ev("templatestring(local.t, {name = 1})", {"local": {"t": "hi ${name}!"}}) == "hi 1!"
    with pytest.raises(EvalError, match="must be a reference"):
        ev('templatestring("hi", {})')


def test_filebase64sha512(tmp_path: Any) -> None:
    from tests.unit.hcl.conftest import make_eval

    (tmp_path / "f.txt").write_text("hello")
    ev = make_eval(tmp_path)
    assert ev('filebase64sha512("f.txt")') == ev('base64sha512("hello")')


# Numbers: cty keeps 512-bit big floats (cty/value_init.go ParseNumberVal, hclsyntax number
# literals) and spells them with big.Float.Text('f', -1) (cty/convert/conversion_primitive.go for
# strings and templates, cty/json/marshal.go for jsonencode).
NUMBERS: list[tuple[str, str, Any]] = [
    ("cty conversion_primitive Text('f', -1)", '"${0.1 + 0.2}!"', "0.3!"),
    ("cty json marshal", "jsonencode(0.1 + 0.2)", "0.3"),
    ("cty json marshal", "jsonencode([0.1 * 3, 1.5e3, 1e-7])", "[0.3,1500,0.0000001]"),
    ("cty stdlib SumFunc", 'format("%v", sum([0.1, 0.2]))', "0.3"),
    ("cty number equality", "0.1 + 0.2 == 0.3", True),
    ("cty number equality", "0.1 + 0.2 > 0.3", False),
    ("cty big integers", '"n=${12345678901234567890123 * 10}"', "n=123456789012345678901230"),
    ("cty big integers", "jsonencode(9007199254740993)", "9007199254740993"),
    ("cty big integers", 'tostring(tonumber("123456789012345678901234567890"))', "123456789012345678901234567890"),
    ("cty 512-bit quotient", "tostring(1 / 3)", "0." + "3" * 154 + "5"),
    ("cty 512-bit quotient", "tostring(1 / 3 * 3)", "1"),
    ("cty Modulo (Go's sign)", "-5 % 3", -2),
    ("hcl number literal", "tostring(1e3)", "1000"),
]


@pytest.mark.parametrize(("source", "src", "want"), NUMBERS, ids=[f"{c[0]}: {c[1]}" for c in NUMBERS])
def test_numbers_as_terraform(ev: Ev, source: str, src: str, want: Any) -> None:
    assert ev(src) == want


# yamldecode: plain scalars resolved as go-cty-yaml's resolve.go (resolveScalar, parseTimestamp)
# does for Terraform, not as YAML 1.1 (PyYAML) does.
YAML: list[tuple[str, str, Any]] = [
    ("go-cty-yaml resolveScalar: decimal, not octal", "a: 0777", {"a": 777}),
    ("go-cty-yaml resolveScalar: decimal", "a: 012345678901", {"a": 12345678901}),
    ("go-cty-yaml resolveScalar: underscores removed", "a: 1_000", {"a": 1000}),
    ("go-cty-yaml resolveScalar: no sexagesimal", "a: 12:30", {"a": "12:30"}),
    ("go-cty-yaml resolveScalar: no hex for plain", "a: 0x1F", {"a": "0x1F"}),
    ("go-cty-yaml resolveScalar: !!int base prefixes", "a: !!int 0x1F", {"a": 31}),
    ("go-cty-yaml resolveScalar: binary", "a: -0b101", {"a": -5}),
    ("go-cty-yaml resolveMap: yes/on are true", "[yes, On, n, OFF, ~]", [True, True, False, False, None]),
    ("go-cty-yaml parseTimestamp: date only", "a: 2002-12-14", {"a": "2002-12-14T00:00:00Z"}),
    ("go-cty-yaml parseTimestamp: RFC 3339", "a: 2001-12-14t21:59:43.10-05:00", {"a": "2001-12-14T21:59:43-05:00"}),
    ("go-cty-yaml parseTimestamp: space, no zone", "a: 2001-12-14 21:59:43.10", {"a": "2001-12-14T21:59:43Z"}),
    ("go-cty-yaml: quoted stays a string", 'a: "0777"', {"a": "0777"}),
    ("go-cty-yaml: exact numbers", "a: 0.1", {"a": 0.1}),
]


@pytest.mark.parametrize(("source", "text", "want"), YAML, ids=[f"{c[0]}: {c[1]}" for c in YAML])
def test_yamldecode_as_terraform(ev: Ev, source: str, text: str, want: Any) -> None:
    got = ev("yamldecode(t)", {"t": text})
    if want == {"a": 0.1}:
        assert ev('jsonencode(yamldecode(t)) == "{\\"a\\":0.1}"', {"t": text}) is True
        return
    assert got == want


@pytest.mark.parametrize("text", ["a: .nan", "a: !Ref x", "a: !!int zz"])
def test_yamldecode_refuses_what_terraform_refuses(ev: Ev, text: str) -> None:
    with pytest.raises(EvalError, match="yamldecode"):
        ev("yamldecode(t)", {"t": text})


# Terraform internal/lang/funcs/filesystem_test.go TestFileSet (doublestar patterns), plus the
# brace alternatives doublestar supports.
FILESET: list[tuple[str, Any]] = [
    ("testdata/missing", []),
    ("testdata/missing*", []),
    ("*/missing", []),
    ("testdata", []),  # a directory is not a file
    ("testdata*", []),
    ("testdata/*.txt", ["testdata/hello.txt"]),
    ("testdata/hello.txt", ["testdata/hello.txt"]),
    ("testdata/hello.???", ["testdata/hello.txt"]),
    ("testdata/hello*", ["testdata/hello.tmpl", "testdata/hello.txt"]),
    ("*/hello.txt", ["testdata/hello.txt"]),
    ("*/*.txt", ["testdata/hello.txt"]),
    ("*/hello*", ["testdata/hello.tmpl", "testdata/hello.txt"]),
    ("testdata/hello.{txt,tmpl}", ["testdata/hello.tmpl", "testdata/hello.txt"]),
    ("**/*.{txt,json}", ["testdata/hello.txt", "testdata/sub/a.json"]),
    ("testdata/{hello.{txt,tmpl},sub/*}", ["testdata/hello.tmpl", "testdata/hello.txt", "testdata/sub/a.json"]),
]


@pytest.fixture(scope="module")
def fs_ev(tmp_path_factory: pytest.TempPathFactory) -> Ev:
    from tests.unit.hcl.conftest import make_eval

    root = tmp_path_factory.mktemp("fileset")
    (root / "testdata" / "sub").mkdir(parents=True)
    for name in ("testdata/hello.txt", "testdata/hello.tmpl", "testdata/sub/a.json"):
        (root / name).write_text("x")
    return make_eval(root)


@pytest.mark.parametrize(("pattern", "want"), FILESET, ids=[c[0] for c in FILESET])
def test_fileset_as_terraform(fs_ev: Ev, pattern: str, want: list[str]) -> None:
    assert fs_ev(f'fileset(".", "{pattern}")') == want


@pytest.mark.parametrize("pattern", ["[", "\\\\", "{a,b", "a/[b"])
def test_fileset_rejects_invalid_patterns(fs_ev: Ev, pattern: str) -> None:
    with pytest.raises(EvalError, match="fileset\\(\\): invalid pattern"):
        fs_ev(f'fileset(".", "{pattern}")')


# Terraform internal/lang/funcs/cidr_test.go (TestCidrHost, TestCidrNetmask, TestCidrSubnet,
# TestCidrSubnets), zero-prefixed octets read as decimal included.
CIDR: list[tuple[str, Any]] = [
    ('cidrhost("192.168.1.0/24", 5)', "192.168.1.5"),
    ('cidrhost("192.168.1.0/24", -5)', "192.168.1.251"),
    ('cidrhost("192.168.1.0/24", -256)', "192.168.1.0"),
    ('cidrhost("010.001.0.0/24", 6)', "10.1.0.6"),
    ('cidrnetmask("192.168.1.0/32")', "255.255.255.255"),
    ('cidrnetmask("0.0.0.0/0")', "0.0.0.0"),
    ('cidrnetmask("010.001.0.0/24")', "255.255.255.0"),
    ('cidrsubnet("192.168.2.0/20", 4, 6)', "192.168.6.0/24"),
    ('cidrsubnet("fe80::/48", 16, 6)', "fe80:0:0:6::/64"),
    ('cidrsubnet("::ffff:192.168.0.0/112", 8, 6)', "192.168.6.0/24"),
    ('cidrsubnet("fe80::/48", 33, 6)', "fe80::3:0:0:0/81"),
    ('cidrsubnet("010.001.0.0/24", 4, 1)', "10.1.0.16/28"),
    (
        'cidrsubnets("10.0.0.0/21", 3, 3, 3, 4, 4, 4, 7, 7, 7)',
        [
            "10.0.0.0/24",
            "10.0.1.0/24",
            "10.0.2.0/24",
            "10.0.3.0/25",
            "10.0.3.128/25",
            "10.0.4.0/25",
            "10.0.4.128/28",
            "10.0.4.144/28",
            "10.0.4.160/28",
        ],
    ),
    ('cidrsubnets("010.0.0.0/21", 3)', ["10.0.0.0/24"]),
]
CIDR_ERRORS: list[tuple[str, str]] = [
    ('cidrhost("192.168.1.0/30", 255)', "does not fit"),
    ('cidrhost("192.168.1.0/30", -255)', "does not fit"),
    ('cidrhost("not-a-cidr", 6)', "is not a CIDR prefix"),
    ('cidrhost("10.256.0.0/8", 6)', "is not a CIDR prefix"),
    ('cidrhost("10.0.0.0/8", 0.75)', "must be a whole number"),
    ('cidrnetmask("1::/64")', "only supports IPv4"),
    ('cidrsubnet("192.168.0.0/30", 4, 6)', "cannot extend"),
    ('cidrsubnets("10.0.0.0/30", 1, 3)', "would extend prefix to 33 bits, which is too long for an IPv4 address"),
    (
        'cidrsubnets("10.0.0.0/8", 1, 1, 1)',
        "not enough remaining address space for a subnet with a prefix of 9 bits after 10.128.0.0/9",
    ),
    ('cidrsubnets("10.0.0.0/8", 1, 0)', "must extend prefix by at least one bit"),
    ('cidrsubnets("10.0.0.0/8", 1, -1)', "must extend prefix by at least one bit"),
    ('cidrsubnets("fe80::/48", 1, 33)', "may not extend prefix by more than 32 bits"),
]


@pytest.mark.parametrize(("src", "want"), CIDR, ids=[c[0] for c in CIDR])
def test_cidr_as_terraform(ev: Ev, src: str, want: Any) -> None:
    assert ev(src) == want


@pytest.mark.parametrize(("src", "message"), CIDR_ERRORS, ids=[c[0] for c in CIDR_ERRORS])
def test_cidr_errors_as_terraform(ev: Ev, src: str, message: str) -> None:
    with pytest.raises(EvalError) as info:
        ev(src)
    assert message in info.value.message
