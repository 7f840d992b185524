"""The reference-manager files (RIS, NBIB, BibTeX, CSL-JSON) put together from their
records' texts, and the JSON those texts are written in: what a build's own process and its
worker process (evidence.worker) both make, importing only the reference writers, so that the
worker starts without the grading, pandas' tables or Jinja (evidence.exports imports them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from json.encoder import encode_basestring

from evidence.errors import ConfigError
from evidence.references import (
    Review,
    bibtex_records,
    csl_items,
    nbib_records,
    ris_records,
)
from evidence.study import Study


def reference_record(fmt: str, study: Study, *, note: str, review: Review | None) -> str:
    """One study's record in a reference format (a key of REFERENCE_FORMATS) as its file
    holds it: what reference_parts makes of it, the separators aside."""
    found = {study.pmid: review} if review is not None else {}
    if fmt == "csl-json":
        return indented_json(next(csl_items([study], note=note, reviews=found)), "  ")
    writers = {"ris": ris_records, "bibtex": bibtex_records, "nbib": nbib_records}
    if fmt not in writers:
        raise ConfigError(f"{fmt!r} is not a reference-manager format")
    return list(writers[fmt]([study], note=note, reviews=found))[-1]  # after BibTeX's note


def reference_made_from(record_digest: str | None, note: str, review: Review | None) -> str | None:
    """What a study's reference record is made from, as its kept piece is keyed (None: not a
    stored record)."""
    if record_digest is None:
        return None
    return f"{record_digest}\0{note}\0{review!r}"


class ReferenceFile:
    """A reference-manager file put together from its records' texts (reference_record),
    as reference_parts writes it: the start, each record with its separator, the end."""

    def __init__(self, fmt: str, note: str) -> None:
        self._csl = fmt == "csl-json"
        # BibTeX opens with the note as a comment; the other formats start with a record.
        self._head = list(bibtex_records([], note=note)) if fmt == "bibtex" else []
        self._started = False

    def start(self) -> str:
        self._started = bool(self._head)
        return "".join(self._head)

    def record(self, text: str) -> str:
        if self._csl:
            text = (",\n  " if self._started else "[\n  ") + text
        elif self._started:
            text = "\n" + text
        self._started = True
        return text

    def end(self) -> str:
        if self._csl:
            return "\n]\n" if self._started else "[]\n"
        return ""


def reference_file(fmt: str, records: Iterable[str], note: str) -> Iterator[str]:
    """The file of a reference format from its records' texts, in order."""
    out = ReferenceFile(fmt, note)
    if head := out.start():
        yield head
    for text in records:
        yield out.record(text)
    if tail := out.end():
        yield tail


REFERENCE_FORMATS = ("ris", "bibtex", "nbib", "csl-json")


def reference_parts(
    fmt: str, studies: Iterable[Study], *, note: str, reviews: Mapping[str, Review]
) -> Iterator[str]:
    """A reference-manager export (a key of REFERENCE_FORMATS) of `studies`, a record at a
    time: what export_parts makes of a View, from its studies alone (a build's worker
    process reads them from the store)."""
    writers = {"ris": ris_records, "bibtex": bibtex_records, "nbib": nbib_records}
    if fmt in writers:
        return _joined(writers[fmt](studies, note=note, reviews=reviews), "\n")
    if fmt == "csl-json":
        return json_array(csl_items(studies, note=note, reviews=reviews), level=0, last="\n")
    raise ConfigError(f"{fmt!r} is not a reference-manager format")


def _joined(parts: Iterable[str], separator: str) -> Iterator[str]:
    """separator.join(parts), a piece at a time."""
    for i, part in enumerate(parts):
        yield part if i == 0 else separator + part


def json_array(items: Iterable[object], *, level: int, last: str = "") -> Iterator[str]:
    """json.dumps(list(items), ensure_ascii=False, indent=2) nested `level` deep, an item at
    a time (the same text), then `last`."""
    pad = "  " * (level + 1)
    return json_array_texts((indented_json(item, pad) for item in items), level=level, last=last)


def json_array_texts(texts: Iterable[str], *, level: int, last: str = "") -> Iterator[str]:
    """A JSON array of items given as their indented texts, nested `level` deep, then `last`."""
    pad = "  " * (level + 1)
    opened = False
    for text in texts:
        yield (",\n" if opened else "[\n") + pad + text
        opened = True
    yield ("\n" + "  " * level + "]" if opened else "[]") + last


def indented_json(value: object, pad: str) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2) for a value starting at indentation
    `pad`: the same text, made without the json module's pure-Python indenting encoder (which
    was a tenth of a build's time)."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    inner = pad + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        if all(isinstance(k, str) for k in value):
            body = (",\n" + inner).join(
                _string(k) + ": " + indented_json(v, inner) for k, v in value.items()
            )
            return "{\n" + inner + body + "\n" + pad + "}"
    elif isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        body = (",\n" + inner).join(indented_json(v, inner) for v in value)
        return "[\n" + inner + body + "\n" + pad + "]"
    # Anything else (floats, other keys) as the json module writes it.
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + pad)


_string = encode_basestring
