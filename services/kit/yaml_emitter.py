"""YAML that every parser reads the same way: the contracts' emitter.

PyYAML quotes a string only when its own YAML 1.1 resolver would read it as something else.
YAML 1.2 parsers (js-yaml, most OpenAPI tooling) apply the core schema instead, which reads
``0190`` as the number 190 and ``1e3`` as a float, and strict YAML 1.1 readers take ``y`` and
``n`` for booleans. ``Dumper`` quotes every string that any of these would read as anything
but a string, and writes dates and datetimes as quoted ISO 8601 strings, as JSON would.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"

_NOT_A_STRING = re.compile(
    r"""^(?:
    # YAML 1.2 core schema (section 10.3.2)
      null|Null|NULL|~|
    | true|True|TRUE|false|False|FALSE
    | [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
    | [-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
    | [-+]?(?:\.inf|\.Inf|\.INF) | \.nan|\.NaN|\.NAN
    # YAML 1.1 types (yaml.org/type) beyond what PyYAML's resolver knows
    | y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF
    | [-+]?0b[01_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
    | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    | [-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?
    | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[\ \t]+)[0-9].*)?
    | <<|=
    )$""",
    re.VERBOSE,
)


class Dumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML ships no types
    """A ``SafeDumper`` whose plain scalars mean the same to YAML 1.1 and 1.2 parsers."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        if _NOT_A_STRING.match(data) or self.resolve(yaml.ScalarNode, data, (True, False)) != _STR:
            return self.represent_scalar(_STR, data, style="'")
        return super().represent_str(data)

    def represent_date(self, data: datetime.date) -> yaml.ScalarNode:
        return self.represent_str(data.isoformat())


Dumper.add_representer(str, Dumper.represent_str)
Dumper.add_representer(datetime.date, Dumper.represent_date)
Dumper.add_representer(datetime.datetime, Dumper.represent_date)


def dump(document: Any) -> str:
    """``document`` as block YAML, keys in their given order, lines of at most 100 columns."""
    return str(yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100))
