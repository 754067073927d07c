"""The contracts' YAML emitter: strings stay strings for YAML 1.1 and 1.2 parsers alike."""

from __future__ import annotations

import datetime
import json

import pytest
import yaml

from services.kit import yaml_emitter
from tests.node import JS_YAML_SCHEMAS, js_yaml

# Strings a plain scalar would turn into something else, in YAML 1.1, 1.2 or both.
LOOK_ALIKES = [
    *("0190", "0088", "0106", "007", "-0012", "+12", "12", "0", "1_000", "0b1010"),  # integers
    *("0o17", "0x1F", "0xff_ff", "1:20", "190:20:30"),  # octal, hex, sexagesimal
    *("1.5", "1e3", "1E-3", "-2.5e+4", ".5", "1.", "0.1.0", "1:20.5"),  # floats
    *(".inf", "-.Inf", "+.INF", ".nan", ".NaN"),  # infinities, not-a-number
    *("true", "True", "FALSE", "yes", "No", "ON", "off", "y", "Y", "n", "N"),  # booleans
    *("null", "Null", "NULL", "~", ""),  # null
    *("2000-01-01", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5"),  # timestamps
    *("<<", "="),  # merge key, value key
]
PLAIN = ["0106 KvK", "v1", "1a", "abc", "on_invoice_issued", "2000-01-01 is a date", "a: b"]


@pytest.mark.parametrize("value", LOOK_ALIKES)
def test_a_string_that_looks_like_another_type_is_quoted(value: str) -> None:
    assert yaml_emitter.dump([value]) == f"- '{value}'\n"
    assert yaml.safe_load(yaml_emitter.dump({value: value})) == {value: value}


def test_plain_strings_stay_plain() -> None:
    assert (
        yaml_emitter.dump(["v1", "abc", "on_invoice_issued"])
        == "- v1\n- abc\n- on_invoice_issued\n"
    )
    assert yaml.safe_load(yaml_emitter.dump(PLAIN)) == PLAIN


def test_dates_and_datetimes_are_quoted_iso_strings() -> None:
    moment = datetime.datetime(2000, 1, 1, 12, 30, tzinfo=datetime.UTC)
    text = yaml_emitter.dump({"default": datetime.date(2000, 1, 1), "at": moment})
    assert text == "default: '2000-01-01'\nat: '2000-01-01T12:30:00+00:00'\n"
    assert yaml.safe_load(text) == {"default": "2000-01-01", "at": "2000-01-01T12:30:00+00:00"}


def test_numbers_booleans_and_null_keep_their_types() -> None:
    document = {"limit": 50, "maximum": 10.5, "required": True, "default": None}
    assert (
        yaml_emitter.dump(document) == "limit: 50\nmaximum: 10.5\nrequired: true\ndefault: null\n"
    )


def test_js_yaml_reads_what_pyyaml_reads() -> None:
    document = {"strings": LOOK_ALIKES + PLAIN, "numbers": [50, 0, 10.5], "flags": [True, None]}
    expected = json.loads(json.dumps(yaml.safe_load(yaml_emitter.dump(document))))
    assert expected == document
    read = js_yaml(yaml_emitter.dump(document))
    for schema in JS_YAML_SCHEMAS:
        assert read[schema] == document, schema
