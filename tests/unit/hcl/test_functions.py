"""Terraform's built-in functions, checked against the results Terraform documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.errors import EvalError
from orchestrator.hcl.numbers import from_float

Ev = Callable[..., Any]

DOCUMENTED: list[tuple[str, Any]] = [
    # strings
    ('format("Hello, %s!", "Ander")', "Hello, Ander!"),
    ('format("There are %d lights", 4)', "There are 4 lights"),
    (
        'format("%-5s|%05.2f|%t|%q|%v|%v", "ab", 3.14159, true, "q", [1, "a"], null)',
        'ab   |03.14|true|"q"|[1,"a"]|null',
    ),
    ('format("%[2]s %[1]s", "a", "b")', "b a"),
    ('format("%5d|%x|%X|%o|%b", 42, 255, "hi", 8, 5)', "   42|ff|6869|10|101"),
    ('format("100%%")', "100%"),
    (
        'formatlist("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"])',
        ["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"],
    ),
    (
        'formatlist("%s, %s!", "Salutations", ["Valentina", "Ander"])',
        ["Salutations, Valentina!", "Salutations, Ander!"],
    ),
    ('join("-", ["foo", "bar", "baz"])', "foo-bar-baz"),
    ('join(", ", ["foo"], ["bar", 1])', "foo, bar, 1"),
    ('split(",", "foo,bar,baz")', ["foo", "bar", "baz"]),
    ('split(",", "")', [""]),
    ('lower("HELLO")', "hello"),
    ('upper("hello")', "HELLO"),
    ('title("hello world")', "Hello World"),
    ('title("hELLO wORLD")', "HELLO WORLD"),
    ('trimspace("  hello\\n\\n")', "hello"),
    ('trim("?!hello?!", "!?")', "hello"),
    ('trimprefix("helloworld", "hello")', "world"),
    ('trimsuffix("helloworld", "world")', "hello"),
    ('replace("1 + 2 + 3", "+", "-")', "1 - 2 - 3"),
    ('replace("hello world", "/w.*d/", "everybody")', "hello everybody"),
    ('replace("hello world", "/(h)(e)/", "$2$1$${1}$$")', "ehh$llo world"),
    ('regex("[a-z]+", "53453453.345345aaabbbccc23454")', "aaabbbccc"),
    ('regex("(\\\\d\\\\d\\\\d\\\\d)-(\\\\d\\\\d)-(\\\\d\\\\d)", "2019-02-01")', ["2019", "02", "01"]),
    (
        'regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")',
        {"scheme": "https", "authority": "terraform.io"},
    ),
    ('regexall("[a-z]+", "1234abcd5678efgh9")', ["abcd", "efgh"]),
    ('length(regexall("[a-z]+", "123"))', 0),
    ('substr("hello world", 1, 4)', "ello"),
    ('substr("hello world", -5, -1)', "world"),
    ('substr("🤔🤷", 0, 1)', "🤔"),
    ('strrev("hello")', "olleh"),
    ('chomp("hello\\n\\n")', "hello"),
    ('chomp("hello\\r\\n")', "hello"),
    ('indent(2, "[\\n  foo,\\n  bar,\\n]")', "[\n    foo,\n    bar,\n  ]"),
    ('startswith("hello world", "hello")', True),
    ('endswith("hello world", "hello")', False),
    ('strcontains("hello world", "wor")', True),
    # collections
    ('length("hello")', 5),
    ("length([])", 0),
    ('length({"key" = "val"})', 1),
    ('concat(["a", ""], ["b", "c"])', ["a", "", "b", "c"]),
    ('merge({a="b", c="d"}, {e="f", c="z"})', {"a": "b", "c": "z", "e": "f"}),
    ("merge(null, {a = 1})", {"a": 1}),
    ('lookup({a="ay", b="bee"}, "a", "what?")', "ay"),
    ('lookup({a="ay", b="bee"}, "c", "what?")', "what?"),
    ('element(["a", "b", "c"], 1)', "b"),
    ('element(["a", "b", "c"], 3)', "a"),
    ('element(["a", "b", "c"], -1)', "c"),
    ('index(["a", "b", "c"], "b")', 1),
    ('contains(["a", "b", "c"], "a")', True),
    ('contains(["a", "b", "c"], "d")', False),
    ("keys({a=1, c=2, d=3})", ["a", "c", "d"]),
    ("values({a=3, c=2, d=1})", [3, 2, 1]),
    ('flatten([["a", "b"], [], ["c"]])', ["a", "b", "c"]),
    ('flatten([[["a", "b"], []], ["c"]])', ["a", "b", "c"]),
    ('distinct(["a", "b", "a", "c", "d", "b"])', ["a", "b", "c", "d"]),
    ('compact(["a", "", "b", null, "c"])', ["a", "b", "c"]),
    ('coalesce("a", "b")', "a"),
    ('coalesce("", "b")', "b"),
    ("coalesce(1, 2)", 1),
    ('coalescelist(["a", "b"], ["c", "d"])', ["a", "b"]),
    ('coalescelist([], ["c", "d"])', ["c", "d"]),
    ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]),
    ('sort(["e", "d", "a", "x"])', ["a", "d", "e", "x"]),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ("range(3)", [0, 1, 2]),
    ("range(1, 4)", [1, 2, 3]),
    ("range(1, 8, 2)", [1, 3, 5, 7]),
    ("range(1, 4, 0.5)", [1, 1.5, 2, 2.5, 3, 3.5]),
    ("range(4, 1)", [4, 3, 2]),
    ("range(10, 5, -2)", [10, 8, 6]),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('setunion(["a", "b"], ["b", "c"], ["d"])', ["a", "b", "c", "d"]),
    ('setintersection(["a", "b"], ["b", "c"], ["b", "d"])', ["b"]),
    ('setsubtract(["a", "b", "c"], ["a", "c"])', ["b"]),
    (
        'setproduct(["development", "staging", "production"], ["app1", "app2"])',
        [
            ["development", "app1"],
            ["development", "app2"],
            ["staging", "app1"],
            ["staging", "app2"],
            ["production", "app1"],
            ["production", "app2"],
        ],
    ),
    ('toset(["a", "b", "c", "b"])', ["a", "b", "c"]),
    ("one([])", None),
    ('one(["hello"])', "hello"),
    ("sum([10, 13, 6, 4.5])", 33.5),
    ('alltrue(["true", true])', True),
    ("alltrue([true, false])", False),
    ("anytrue([])", False),
    ('chunklist(["a", "b", "c", "d", "e"], 2)', [["a", "b"], ["c", "d"], ["e"]]),
    ('chunklist(["a", "b", "c", "d", "e"], 1)', [["a"], ["b"], ["c"], ["d"], ["e"]]),
    ('transpose({"a" = ["1", "2"], "b" = ["2", "3"]})', {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ('matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])', ["i-abc", "i-def"]),
    # conversion
    ("tostring(1.5)", "1.5"),
    ("tostring(true)", "true"),
    ("tostring(null)", None),
    ('tonumber("1")', 1),
    ("tonumber(null)", None),
    ('tobool("true")', True),
    ('tolist(["a", "b"])', ["a", "b"]),
    ('tomap({"a" = 1})', {"a": 1}),
    # encoding
    ('jsonencode({"hello"="world"})', '{"hello":"world"}'),
    ('jsonencode({b = [1, 2.5, true, null], a = "<&>"})', '{"a":"\\u003c\\u0026\\u003e","b":[1,2.5,true,null]}'),
    ('jsonencode("é\\n")', '"é\\n"'),
    ("jsonencode(10 / 4)", "2.5"),
    ("jsonencode(1e21)", "1000000000000000000000"),
    ('jsondecode("{\\"hello\\": \\"world\\"}")', {"hello": "world"}),
    ('jsondecode("true")', True),
    ('jsondecode("2.0")', 2),
    ('yamlencode({"a":"b", "c":"d"})', '"a": "b"\n"c": "d"\n'),
    ('yamlencode({"foo":[1, 2, 3], "bar": "baz"})', '"bar": "baz"\n"foo":\n- 1\n- 2\n- 3\n'),
    (
        'yamlencode({"foo":[1, {"a":"b","c":"d"}, 3], "bar": "baz"})',
        '"bar": "baz"\n"foo":\n- 1\n- "a": "b"\n  "c": "d"\n- 3\n',
    ),
    ("yamlencode({a = {b = [], c = {}}})", '"a":\n  "b": []\n  "c": {}\n'),
    ("yamlencode(true)", "true\n...\n"),
    ("yamlencode(0)", "0\n...\n"),
    ('yamlencode("hello")', '"hello"\n'),
    ("yamlencode([])", "[]\n"),
    ('yamlencode(["b"])', '- "b"\n'),
    ('yamldecode("hello: world")', {"hello": "world"}),
    ('yamldecode("true")', True),
    ('yamldecode("{a: &a [1, \\"foo\\"], b: *a}")', {"a": [1, "foo"], "b": [1, "foo"]}),
    ('yamldecode("d: 2024-01-02")', {"d": "2024-01-02T00:00:00Z"}),  # go-cty-yaml: timestamps as RFC 3339
    ('base64encode("Hello World")', "SGVsbG8gV29ybGQ="),
    ('base64decode("SGVsbG8gV29ybGQ=")', "Hello World"),
    ('urlencode("Hello World!")', "Hello+World%21"),
    ('urlencode("☃")', "%E2%98%83"),
    ('urlencode("foo:bar@localhost?foo=bar&bar=baz")', "foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz"),
    ('csvdecode("a,b,c\\n1,2,3\\n4,5,6")', [{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}]),
    # hashes
    ('md5("hello world")', "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ('sha1("hello world")', "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    ('sha256("hello world")', "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
    (
        'sha512("hello world")',
        "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f"
        "989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f",
    ),
    ('base64sha256("hello world")', "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
    ('uuidv5("dns", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ("length(uuid())", 36),
    # numeric
    ("abs(-12.4)", 12.4),
    ("abs(0)", 0),
    ("ceil(5.1)", 6),
    ("ceil(5)", 5),
    ("floor(4.9)", 4),
    ("floor(-4.1)", -5),
    ("log(50, 10) > 1.69", True),
    ("log(16, 2)", 4),
    ("max(12, 54, 3)", 54),
    ("max([12, 54, 3]...)", 54),
    ("min(12, 54, 3)", 3),
    ("pow(3, 2)", 9),
    ("pow(4, 0)", 1),
    ("pow(2, 0.5) > 1.41", True),
    ("signum(-13)", -1),
    ("signum(0)", 0),
    ("signum(344)", 1),
    ('parseint("100", 10)', 100),
    ('parseint("FF", 16)', 255),
    ('parseint("-10", 16)', -16),
    ('parseint("1011111011101111", 2)', 48879),
    ('parseint("aA", 36)', 370),
    # network
    ('cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
    ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ('cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', "fd00:fd12:3456:7800:a200::/72"),
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
    ('cidrhost("10.12.112.0/20", 268)', "10.12.113.12"),
    ('cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)', "fd00:fd12:3456:7890::22"),
    ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)', ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
    # dates
    ('formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")', "02 Jan 2018 23:12 UTC"),
    ('formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")', "Tuesday, 02-Jan-18 23:12:01 UTC"),
    ('formatdate("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00")', "Tue, 02 Jan 2018 23:12:01 -0800"),
    ('formatdate("MMM DD, YYYY", "2018-01-02T23:12:01Z")', "Jan 02, 2018"),
    ('formatdate("HH:mmaa", "2018-01-02T23:12:01Z")', "11:12pm"),
    ('formatdate("YYYY-MM-DD\'T\'hh:mm", "2018-01-02T23:12:01Z")', "2018-01-02T23:12"),
    ('timeadd("2017-11-22T00:00:00Z", "10m")', "2017-11-22T00:10:00Z"),
    ('timeadd("2017-11-22T00:00:00Z", "-1h30m")', "2017-11-21T22:30:00Z"),
    ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z")', 0),
    ('timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z")', 1),
    ('timecmp("2017-11-22T01:00:00+01:00", "2017-11-22T00:00:00Z")', 0),
    ('length(regexall("^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}Z$", timestamp()))', 1),
    # filesystem (pure path functions)
    ('basename("foo/bar/baz.txt")', "baz.txt"),
    ('basename("/foo/bar/")', "bar"),
    ('dirname("foo/bar/baz.txt")', "foo/bar"),
    ('dirname("baz.txt")', "."),
    ('dirname("/baz.txt")', "/"),
    ("sensitive(1)", 1),
]


@pytest.mark.parametrize(("src", "expected"), DOCUMENTED, ids=[s for s, _ in DOCUMENTED])
def test_documented_results(ev: Ev, src: str, expected: Any) -> None:
    result = ev(src)
    if type(expected) is float:  # a non-whole number is a 512-bit binary fraction, as in Terraform
        expected = from_float(expected)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ('lookup("str", "k")', "lookup() argument 1 must be an object, got string"),
        ('lookup({a = 1}, "b")', 'lookup(): the object has no key "b"'),
        ("element([], 0)", "element() cannot use an empty list"),
        ('index(["a"], "z")', "index(): the value is not in the list"),
        ('coalesce(null, "")', "coalesce(): no non-null, non-empty-string arguments"),
        ('regex("[", "x")', "regex(): invalid regular expression"),
        ('regex("z", "abc")', "regex(): the pattern did not match the string"),
        ('format("%d", "x")', "format() argument 2 must be a number, got string"),
        ('format("%s %s", "x")', "format(): not enough arguments"),
        ('format("%s", "x", "y")', "format(): too many arguments"),
        ('format("%y", 1)', "unsupported format verb"),
        ('jsondecode("{")', "jsondecode(): invalid JSON"),
        ('yamldecode("a: [")', "yamldecode(): invalid YAML"),
        ('base64decode("!!")', "base64decode(): the string is not valid base64"),
        ("one([1, 2])", "one(): the list has 2 elements"),
        ("sum([])", "sum() cannot sum an empty list"),
        ("slice([1, 2], 1, 5)", "slice(): indexes 1..5 are invalid"),
        ('zipmap(["a"], [])', "zipmap(): 1 keys but 0 values"),
        ('cidrsubnet("10.0.0.0/30", 4, 0)', "cannot extend a /30 prefix by 4 bits"),
        ('cidrsubnet("nope", 4, 0)', 'cidrsubnet(): "nope" is not a CIDR prefix'),
        ('cidrhost("10.0.0.0/30", 4)', "host number 4 does not fit"),
        ('formatdate("YYYY", "yesterday")', 'formatdate(): "yesterday" is not an RFC 3339 timestamp'),
        ('formatdate("Q", "2018-01-02T23:12:01Z")', "invalid date format token 'Q'"),
        ('timeadd("2017-11-22T00:00:00Z", "10x")', 'timeadd(): "10x" is not a duration'),
        ('parseint("12", 1)', "parseint(): base 1 is not between 2 and 62"),
        ('parseint("zz", 16)', 'parseint(): "zz" is not a valid base-16 number'),
        ("length(5)", "length() argument 1 must be a string, list or object, got number"),
        ("tolist(5)", "tolist() cannot convert number 5 to a list"),
        ('tonumber("x")', 'tonumber() cannot convert string "x" to a number'),
        ("range(0, 1, 0)", "range(): step must not be zero"),
        ('join(",", [null])', "join() argument 2 contains a null element"),
        ("log(-1, 10)", "log(): cannot take the logarithm"),
    ],
)
def test_bad_arguments(ev: Ev, src: str, message: str) -> None:
    with pytest.raises(EvalError) as exc:
        ev(src)
    assert message in exc.value.message, exc.value.format()
    assert exc.value.pos is not None and exc.value.pos.line == 1


def test_jsonencode_of_lazy_mapping_and_yaml_multiline(ev: Ev) -> None:
    from collections.abc import Iterator, Mapping

    class Lazy(Mapping[str, Any]):
        def __getitem__(self, key: str) -> Any:
            return {"b": [1], "a": "x"}[key]

        def __iter__(self) -> Iterator[str]:
            return iter(["b", "a"])

        def __len__(self) -> int:
            return 2

    assert ev("jsonencode(local)", {"local": Lazy()}) == '{"a":"x","b":[1]}'
    assert ev('yamlencode({s = "l1\\nl2\\n"})') == '"s": |\n  l1\n  l2\n'
    assert ev('yamlencode(["l1\\nl2"])') == "- |-\n  l1\n  l2\n"
    assert ev('yamldecode(yamlencode({s = "l1\\nl2\\n", n = [1, {a = "b"}]}))') == {
        "s": "l1\nl2\n",
        "n": [1, {"a": "b"}],
    }
