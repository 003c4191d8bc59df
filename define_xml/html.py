"""define.html: define.xml rendered with the CDISC define2-1.xsl stylesheet shipped by defineutils."""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from specs.fileio import atomic_write_bytes
from specs.xmlsafe import XmlInputError, parse_xml


class DefineHtmlError(RuntimeError):
    pass


def stylesheet_path() -> Path:
    """The define2-1.xsl file inside the installed defineutils package."""
    import defineutils.definehtml.definehtml as renderer

    return Path(renderer.__file__).parent / "define2-1.xsl"


def render_html(define_path: str | os.PathLike[str]) -> bytes:
    """define.xml as HTML bytes, through defineutils' DefineHtml (errors are raised, not swallowed)."""
    from defineutils.definehtml import DefineHtml

    renderer = DefineHtml(Path(define_path))
    try:
        document = parse_xml(renderer.define, source_name=define_path)
    except XmlInputError as exc:
        raise DefineHtmlError(f"{exc}; define.html was not rendered") from None
    try:
        xslt = etree.XSLT(parse_xml(renderer.xslt))
        result = xslt(document)
    except (etree.XSLTApplyError, etree.XMLSyntaxError, etree.XSLTParseError, XmlInputError) as exc:
        raise DefineHtmlError(f"{define_path}: define.html could not be rendered: {exc}") from exc
    html = etree.tostring(result, pretty_print=True, method="html", encoding="UTF-8")
    if not html:
        raise DefineHtmlError(f"{define_path}: the stylesheet gave an empty document")
    return html


def write_html(define_path: str | os.PathLike[str], html_path: str | os.PathLike[str]) -> Path:
    """Render define.xml to define.html atomically."""
    return atomic_write_bytes(html_path, render_html(define_path))


def copy_stylesheet(folder: str | os.PathLike[str]) -> Path:
    """Put define2-1.xsl beside define.xml so a browser can render define.xml itself."""
    target = Path(folder) / "define2-1.xsl"
    atomic_write_bytes(target, stylesheet_path().read_bytes())
    return target


__all__ = ["DefineHtmlError", "copy_stylesheet", "render_html", "stylesheet_path", "write_html"]
