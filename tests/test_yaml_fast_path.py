"""The fast YAML path (libyaml's parser, sim.scenario.libyaml) gives exactly what the reference
reader (ruamel, YAML 1.2) gives, data and positions, or leaves the file to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sim.errors import ScenarioError
from sim.scenario import libyaml, yamlio

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not libyaml.available(), reason="PyYAML without libyaml: no fast path")


def both(text: str):
    """(fast, reference) readings of ``text``; reference is the ScenarioError it raised, if any."""
    fast = libyaml.parse(text, yamlio.MAX_DEPTH)
    try:
        reference = yamlio.reference_parse(text)
    except ScenarioError as exc:
        reference = exc
    return fast, reference


def same(fast, reference) -> bool:
    """Equal data (NaN equal to NaN, types included) and equal positions."""
    return repr(fast[0]) == repr(reference[0]) and fast[1] == reference[1] and _types(fast[0]) == _types(reference[0])


def _types(value):
    if isinstance(value, dict):
        return {repr(k): _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@pytest.mark.parametrize("name", ["shanxi.yaml", "guizhou.yaml", "example.yaml"])
def test_the_shipped_scenarios_are_read_by_the_fast_path_exactly_as_by_the_reference(name):
    fast, reference = both((ROOT / "scenarios" / name).read_text(encoding="utf-8"))
    assert fast is not None, "a shipped scenario must take the fast path"
    assert same(fast, reference)


READ_ALIKE = {
    "numbers": "a: 1\nb: -2\nc: +3\nd: 1.5\ne: -.5\nf: 1e3\ng: 2.5E-3\nh: 0o17\ni: 0x1F\nj: 017\nk: 1_000\n"
               "l: .inf\nm: -.Inf\nn: .nan\no: 0\np: -0\nq: 0.0\nr: 12345678901234567890\ns: 1.0e+400\n",
    "booleans and nulls": "a: true\nb: False\nc: TRUE\nd: yes\ne: no\nf: on\ng: null\nh: ~\nj: Null\nk: NULL\n",
    "strings": "a: '1'\nb: \"2.5\"\nc: 'it''s'\nd: \"tab\\there\\u00e9 \\/ \\\\\"\ne: 2026-06\nf: 1:20\ng: a b  c\n"
               "h: http://x.y/z?q=1#f\ni: '-'\nj: '~'\nl: 'true'\n",
    "unicode": "名称: 山西\nemoji: \"\\U0001F600\"\nlatin: café\n😀 key: [😀, x, {y: 😀}]\nafter: 1\n",
    "block scalars": "a: |\n  line 1\n   line 2\n\n  line 4\nb: >-\n  folded\n  text\n\n  para\nc: |+\n  keep\n\n"
                     "d: |2\n    indented\ne: >\n  x\n",
    "multi-line plain and quoted": "a: first\n  second\n  third\nb: 'one\n  two'\nc: \"x\n\n  y\"\n",
    "comments": "# top\na: 1 # after\n# between\nb:  # before a list\n  - 1  # item\n  # inside\n  - 2\n",
    "flow": "a: [1, 2, {b: 3, c: [x, 'y']}]\nd: {e: f, g: [], h: {}}\ni: [\n  1,\n  2,\n]\n",
    "lists of mappings": "projects:\n- name: a\n  size: 1\n- name: b\n  sites:\n    - x\n    - y\n"
                         "other:\n  - - 1\n    - 2\n  - []\n",
    "keys": "true: bool key\n~: null key\n'quoted key': q\n\"x y\": z\n? explicit\n: value\n'3': quoted number\n",
    "number keys": "3: int key\n2.5: float key\n0x1F: hex\n0o17: octal\n1_000: underscores\n2e3: exponent\n.inf: inf\n",
    "document markers": "---\na: 1\n...\n",
    "empty collections and strings": "b: []\nc: {}\nd: ''\ne:\n  f: \"\"\n  g: [ ]\n",
    "deep but allowed": "aa:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 30)) + "  " * 30 + "v: 1\n",
    "scalar document": "just text\n",
    "list document": "- 1\n- 2\n",
    "empty": "",
    "only a comment": "# nothing\n",
}


@pytest.mark.parametrize("text", READ_ALIKE.values(), ids=READ_ALIKE.keys())
def test_the_fast_path_reads_each_form_exactly_as_the_reference_does(text):
    fast, reference = both(text)
    assert not isinstance(reference, ScenarioError), reference
    assert fast is not None, "this form should take the fast path"
    assert same(fast, reference)


LEFT_TO_REFERENCE = {
    "tab": "aa:\t1\n",
    "carriage return": "a: 1\r\nb: 2\r\n",
    "next line": "a: x\x85y\n",
    "line separator": "a: x\u2028y\n",
    "byte order mark": "\ufeffa: 1\n",
    "YAML directive": "%YAML 1.1\n---\na: yes\n",
    "TAG directive": "%TAG !e! tag:example.com,2000:\n---\na: 1\n",
    "anchor and alias": "a: &x 1\nb: *x\n",
    "merge key": "a: {x: 1}\nb:\n  <<: {x: 2}\n",
    "tag": "a: !!str 1\n",
    "local tag": "a: !thing 1\n",
    "duplicate key": "a: 1\na: 2\n",
    "duplicate key after conversion": "1: a\n1.0: b\n",
    "mapping as key": "? {a: 1}\n: x\n",
    "list as key": "? [a]\n: x\n",
    "date": "a: 2026-06-01\n",
    "timestamp": "a: 2026-06-01 10:00:00\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "control character": "a: \x07\n",
    "syntax error": "a: [1, 2\n",
    "bad indentation": "aa:\n  b: 1\n c: 2\n",
    "too deep": "a: " + "[" * 70 + "]" * 70 + "\n",
    "value key": "a: =\nb:\n  =: 1\n",
    "empty value": "aa:\nb: 1\n",
    "empty value in a list": "aa:\n  -\n  - 1\n",
    "empty key": ": x\n",
    "spaces-only line opening a block scalar": "ll: |\n \n  m\n",
    "spaces-only line opening a folded scalar": "- >\n \n  m\n",
    "comment glued to a block header": "aa: |#\n  x\n",
    "comment glued to a chomping indicator": "aa: |-#\n  x\n",
    "null document": "---\n...\n",
}


@pytest.mark.parametrize("text", LEFT_TO_REFERENCE.values(), ids=LEFT_TO_REFERENCE.keys())
def test_what_the_fast_path_is_not_sure_of_goes_to_the_reference_reader(text):
    fast, reference = both(text)
    if fast is not None:  # it may answer only where it is exactly right
        assert not isinstance(reference, ScenarioError), reference
        assert same(fast, reference)
    else:
        assert libyaml.parse(text, yamlio.MAX_DEPTH) is None


def test_parse_yaml_gives_the_reference_error_for_a_file_the_fast_path_leaves():
    with pytest.raises(ScenarioError) as fast_way:
        yamlio.parse_yaml("a: 1\nb: &x 2\n", "f.yaml")
    with pytest.raises(ScenarioError) as reference_way:
        yamlio.reference_parse("a: 1\nb: &x 2\n", "f.yaml")
    assert str(fast_way.value) == str(reference_way.value)
    assert ":2:" in str(fast_way.value) and "anchors" in str(fast_way.value)


scalars = st.one_of(
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["yes", "no", "on", "~", "null", "1_0", "0o7", "0x1f", "2026-06", ".5", "1e3", "-", "a: b",
                     "#x", "x #y", "'q'", '"d"', "[", "{", "}", ",", "? x", "- x", "é", "  lead", "trail  "]),
)
keys = st.one_of(st.text(alphabet="abcxyz_-0123456789 ", min_size=1, max_size=8), st.integers(-5, 5))
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(keys, inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(data=documents, flow=st.sampled_from([None, True, False]), width=st.sampled_from([20, 80, 4096]),
       indent=st.sampled_from([(2, 2, 0), (4, 4, 2), (2, 4, 2)]))
def test_the_fast_path_reads_generated_files_exactly_as_the_reference_does(data, flow, width, indent):
    import io

    yaml = YAML(typ="rt", pure=True)
    yaml.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    yaml.default_flow_style = flow
    yaml.width = width
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    fast, reference = both(text)
    if isinstance(reference, ScenarioError):
        assert fast is None, f"the fast path accepted what the reference refuses: {reference}"
        return
    assert fast is not None or any(mark in text for mark in ("\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff")), (
        f"a generated file without a mark that YAML 1.1 reads apart should take the fast path:\n{text}")
    assert same(fast, reference), text
