"""Parsing XML the toolkit is given (define.xml above all) without trusting it.

    tree = parse_xml("define.xml")            # an lxml ElementTree
    tree = parse_xml(data, source="define.xml")

The parser never resolves an entity, never reads a DTD and never touches the network,
and a document that declares a DTD (a DOCTYPE, with or without entity declarations:
external entities that read files, "billion laughs" expansions) is refused before
anything is read from it: no define.xml, Dataset-JSON companion or ODM document needs
one. Everything that stops a document being read (refused, not well-formed, absent)
is an XmlInputError naming the file, never a libxml2 traceback.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from lxml import etree

_BOMS = (b"\xef\xbb\xbf",)


def _prolog_declaration(data: bytes) -> str | None:
    """The declaration (<!DOCTYPE ...) in the prolog of a UTF-8/ASCII document, before its root
    element, if any: what follows the XML declaration, comments and processing instructions."""
    at = len(_BOMS[0]) if data.startswith(_BOMS[0]) else 0
    while True:
        while at < len(data) and data[at] in b" \t\r\n":
            at += 1
        if data.startswith(b"<?", at):
            end = data.find(b"?>", at + 2)
        elif data.startswith(b"<!--", at):
            end = data.find(b"-->", at + 4)
        elif data.startswith(b"<!", at):
            word = re.match(rb"<!\s*([A-Za-z]*)", data[at : at + 20])
            return word.group(1).decode("ascii") if word and word.group(1) else "a declaration"
        else:
            return None
        if end < 0:
            return None  # the parser says what is wrong
        at = end + 2 if data[end] == ord("?") else end + 3


class XmlInputError(ValueError):
    """An XML document that cannot be read safely, or at all; the message names the file."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


def safe_parser(
    *, huge_tree: bool = False, remove_comments: bool = False, remove_blank_text: bool = False
) -> etree.XMLParser:
    """An lxml parser that resolves no entity, loads no DTD and reads nothing from the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_tree,
        remove_comments=remove_comments,
        remove_blank_text=remove_blank_text,
    )


def _refusal(kind: str) -> str:
    return (
        f"refused: the document declares a DTD ({kind}); a DTD's entities could read local files or "
        f"expand without end, and no document the toolkit reads needs one, so it was not read: remove "
        f"the <!DOCTYPE ...> declaration"
    )


def parse_xml(
    source,
    *,
    source_name: str | os.PathLike[str] | None = None,
    huge_tree: bool = False,
    remove_comments: bool = False,
    remove_blank_text: bool = False,
) -> etree._ElementTree:
    """Parse a file (path) or bytes with `safe_parser`; XmlInputError naming the file when the
    document declares a DTD or entities, is not well-formed, or cannot be read."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = str(source_name) if source_name is not None else "XML document"
    else:
        name = str(source_name if source_name is not None else source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise XmlInputError(name, f"cannot be read: {exc.strerror or exc}") from None
    found = _prolog_declaration(data)
    if found is not None:
        raise XmlInputError(name, _refusal(f"<!{found} ...>"))
    parser = safe_parser(huge_tree=huge_tree, remove_comments=remove_comments, remove_blank_text=remove_blank_text)
    try:
        root = etree.fromstring(data, parser, base_url=name)
    except etree.XMLSyntaxError as exc:
        raise XmlInputError(name, f"not well-formed XML: {exc}") from None
    except ValueError as exc:  # e.g. a document lxml will not take as bytes
        raise XmlInputError(name, f"not readable as XML: {exc}") from None
    if root is None:
        raise XmlInputError(name, "not readable as XML: no root element")
    tree = root.getroottree()
    info: Any = tree.docinfo  # lxml-stubs' DocInfo lacks doctype
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype or info.system_url:
        raise XmlInputError(name, _refusal(info.doctype or "a DOCTYPE"))  # one the byte scan could not see (UTF-16)
    return tree


__all__ = ["XmlInputError", "parse_xml", "safe_parser"]
