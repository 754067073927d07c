"""A small ISO Schematron runner for the tests: ``.sch`` → XSLT 2.0 → SVRL, run with Saxon.

What it compiles (what the Peppol BIS rules use):

- ``ns`` → namespace declarations on the stylesheet;
- schema-level ``let`` and pattern-level ``let`` → global ``xsl:variable`` (so rule
  contexts may refer to them, as in ``cac:PaymentMeans[$supplierCountryIsNL]``);
- ``xsl:function`` elements → copied verbatim;
- each ``pattern`` → a mode of its own; its rules → templates in that mode whose
  priorities fall in document order, so a node is matched by the first rule only
  (ISO Schematron: one rule per node per pattern); a fallback template walks on;
- in a rule, ``let`` → ``xsl:variable``, ``assert`` → ``svrl:failed-assert`` when
  its test is false, ``report`` → ``svrl:successful-report`` when true, in document
  order; each fired rule is recorded as ``svrl:fired-rule``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
NS = {"sch": SCH, "svrl": SVRL}


@dataclass(frozen=True)
class Failure:
    id: str | None
    flag: str | None
    location: str | None
    text: str


@dataclass(frozen=True)
class Report:
    fired_rules: int
    failures: list[Failure]

    def ids(self, *flags: str) -> set[str | None]:
        return {f.id for f in self.failures if not flags or f.flag in flags}


def _xsl(parent: etree._Element, tag: str, /, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XSL}}}{tag}", attributes)


def _svrl(parent: etree._Element, tag: str, /, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{SVRL}}}{tag}", attributes)


def _attribute(parent: etree._Element, name: str, select: str) -> None:
    _xsl(parent, "attribute", name=name, select=select)


def compile_schematron(sch: Path) -> str:
    """The XSLT 2.0 stylesheet that validates against ``sch`` and answers SVRL."""
    schema = etree.parse(str(sch)).getroot()
    namespaces = {ns.get("prefix"): ns.get("uri") for ns in schema.iterfind("sch:ns", NS)}
    stylesheet = etree.Element(
        f"{{{XSL}}}stylesheet",
        {"version": "2.0"},
        nsmap={"xsl": XSL, "svrl": SVRL, **namespaces},
    )
    _xsl(stylesheet, "output", method="xml", indent="no")
    for let in schema.iterfind("sch:let", NS):
        _xsl(stylesheet, "variable", name=let.get("name", ""), select=let.get("value", ""))
    for function in schema.iterfind(f"{{{XSL}}}function"):
        stylesheet.append(etree.fromstring(etree.tostring(function)))
    patterns = list(schema.iterfind("sch:pattern", NS))
    for pattern in patterns:
        for let in pattern.iterfind("sch:let", NS):
            _xsl(stylesheet, "variable", name=let.get("name", ""), select=let.get("value", ""))

    root = _xsl(stylesheet, "template", match="/")
    output = _svrl(root, "schematron-output", title=schema.findtext("sch:title", "", NS))
    for index, pattern in enumerate(patterns):
        active = _svrl(output, "active-pattern")
        if pattern.get("id"):
            active.set("id", pattern.get("id", ""))
        _xsl(output, "apply-templates", select="/", mode=f"p{index}")

    for index, pattern in enumerate(patterns):
        mode = f"p{index}"
        rules = list(pattern.iterfind("sch:rule", NS))
        for position, rule in enumerate(rules):
            template = _xsl(
                stylesheet,
                "template",
                match=rule.get("context", ""),
                mode=mode,
                priority=str(1000 + len(rules) - position),
            )
            fired = _svrl(template, "fired-rule")
            _attribute(fired, "context", f"'{rule.get('context', '').replace(chr(39), '')}'")
            for child in rule:
                if child.tag == f"{{{SCH}}}let":
                    _xsl(
                        template,
                        "variable",
                        name=child.get("name", ""),
                        select=child.get("value", ""),
                    )
                elif child.tag in (f"{{{SCH}}}assert", f"{{{SCH}}}report"):
                    failing = child.tag == f"{{{SCH}}}assert"
                    test = child.get("test", "")
                    check = _xsl(template, "if", test=f"not({test})" if failing else test)
                    result = _svrl(check, "failed-assert" if failing else "successful-report")
                    for name in ("id", "flag"):
                        if child.get(name):
                            result.set(name, child.get(name, ""))
                    _attribute(result, "location", "path(.)")
                    text = _svrl(result, "text")
                    text.text = " ".join("".join(child.itertext()).split())
            _xsl(template, "apply-templates", select="@*|node()", mode=mode)
        fallback = _xsl(
            stylesheet, "template", match="document-node()|@*|node()", mode=mode, priority="-10"
        )
        _xsl(fallback, "apply-templates", select="@*|node()", mode=mode)
    return etree.tostring(stylesheet, encoding="unicode")


class Validator:
    """A compiled stylesheet (Schematron or an SVRL-producing XSLT) to run on documents."""

    def __init__(self, processor: PySaxonProcessor, stylesheet: str | Path) -> None:
        xslt = processor.new_xslt30_processor()
        if isinstance(stylesheet, Path):
            self._executable = xslt.compile_stylesheet(stylesheet_file=str(stylesheet))
        else:
            self._executable = xslt.compile_stylesheet(stylesheet_text=stylesheet)
        self._processor = processor

    def validate(self, document: bytes) -> Report:
        node = self._processor.parse_xml(xml_text=document.decode())
        self._executable.set_global_context_item(xdm_item=node)
        svrl = self._executable.transform_to_string(xdm_node=node)
        assert svrl is not None
        result = etree.fromstring(svrl.encode())
        return Report(
            fired_rules=len(result.findall(".//svrl:fired-rule", NS)),
            failures=[
                Failure(
                    id=element.get("id"),
                    flag=element.get("flag"),
                    location=element.get("location"),
                    text=" ".join("".join(element.itertext()).split()),
                )
                for element in result.iterfind(".//svrl:failed-assert", NS)
            ],
        )


@cache
def processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@cache
def peppol(peppol_dir: Path) -> Validator:
    return Validator(processor(), compile_schematron(peppol_dir / "PEPPOL-EN16931-UBL.sch"))


@cache
def cen(peppol_dir: Path) -> Validator:
    return Validator(processor(), peppol_dir / "CEN-EN16931-UBL.xslt")
