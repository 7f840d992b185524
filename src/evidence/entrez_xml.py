"""Reading E-utilities XML safely, offline: the guards every answer passes, and Bio.Entrez.

Shared by the transport (`eutils`, which reads ESearch and EPost answers through Bio.Entrez)
and the article parser (`pubmed`, which streams EFetch answers), so neither imports the other.

Bio.Entrez resolves the DTD named in a document's DOCTYPE from the DTDs it ships, and would
download any it lacks. NCBI publishes a new PubMed DTD every year, so `read_entrez_xml` maps an
unknown `pubmed_YYMMDD.dtd` to the newest bundled one and refuses every other unknown DTD:
parsing stays pure (bytes in, values out). NCBI never sends an internal DTD subset or entity
declarations; attackers do (billion laughs, external entities reading local files), so both
are refused before and inside the parser.
"""

from __future__ import annotations

import html
import io
import os
import re
from collections.abc import Mapping
from typing import IO, Any

from Bio.Entrez import Parser as EntrezParser

from evidence.errors import EutilsError, HistoryError, ParseError, TransientEutilsError

PUBMED_DTD = re.compile(r"^pubmed_(\d{6})\.dtd$")
SAFE_TAGS = frozenset({"i", "b", "u", "sup", "sub"})
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)([^<>]*)>")
# Where the prolog ends: the first element that is not a declaration, comment or PI.
ROOT_START = re.compile(rb"<[A-Za-z_]")
_HOSTILE_PROLOG = re.compile(rb"<!DOCTYPE[^>\[]*\[|<!ENTITY", re.I)


def _newest_bundled_pubmed_dtd() -> str:
    names = [n for n in os.listdir(EntrezParser.DataHandler.global_dtd_dir) if PUBMED_DTD.match(n)]
    if not names:
        raise ParseError("the installed Biopython ships no PubMed DTD; reinstall biopython")
    return max(names, key=lambda n: PUBMED_DTD.match(n).group(1))  # type: ignore[union-attr]


class _OfflineDataHandler(EntrezParser.DataHandler):
    """Bio.Entrez's handler with DTD lookup confined to the DTDs on disk."""

    def open_dtd_file(self, filename: str) -> IO[bytes]:
        handle: IO[bytes] | None = super().open_dtd_file(filename)
        if handle is None and PUBMED_DTD.match(filename):
            handle = super().open_dtd_file(_newest_bundled_pubmed_dtd())
        if handle is None:
            raise ParseError(f"the XML names a DTD this installation does not have: {filename}")
        return handle


def refuse_hostile_prolog(data: bytes) -> None:
    """NCBI never sends an internal DTD subset or entity declarations; attackers do
    (billion laughs, external entities reading local files). Refuse them before parsing."""
    root = ROOT_START.search(data)
    prolog = data[: root.start()] if root else data[:65536]
    if _HOSTILE_PROLOG.search(prolog):
        raise ParseError("the XML declares its own DTD subset or entities; refused as unsafe")


def _refuse_internal_subset(
    name: str, system_id: str | None, public_id: str | None, has_internal_subset: int
) -> None:
    if has_internal_subset:
        raise ParseError("the XML declares its own DTD subset or entities; refused as unsafe")


def read_entrez_xml(data: bytes) -> Any:
    """Parse any E-utilities XML answer with Bio.Entrez, offline.

    Text comes back XML-escaped with PubMed's inline markup (<i>, <sup>…) left in place, so
    markup and literal '<' stay distinguishable. Raises ParseError for anything that is not
    well-formed E-utilities XML (an HTML error page, a body cut off midway, a hostile DTD).
    """
    refuse_hostile_prolog(data)
    handler = _OfflineDataHandler(validate=True, escape=True, ignore_errors=True)
    # The same rule inside the parser, which no comment or processing instruction before the
    # DOCTYPE can get round: a document may name a DTD, never carry its own subset.
    handler.parser.StartDoctypeDeclHandler = _refuse_internal_subset
    try:
        return handler.read(io.BytesIO(data))
    except ParseError:
        raise
    except EntrezParser.NotXMLError as exc:
        raise ParseError(f"the answer is not XML ({first_line(data)})") from exc
    except EntrezParser.CorruptedXMLError as exc:
        raise ParseError(f"the XML is corrupted or cut off: {exc}") from exc
    except EntrezParser.ValidationError as exc:
        raise ParseError(f"unexpected XML element: {exc}") from exc
    except (ValueError, RuntimeError, OSError) as exc:
        # Bio.Entrez raises ValueError for a DOCTYPE with a non-NCBI or non-https URL, and
        # RuntimeError where it would have needed the network.
        raise ParseError(f"the XML cannot be parsed safely: {exc}") from exc


def first_line(data: bytes) -> str:
    """The start of a body, for an error message (an HTML page, an empty answer)."""
    line = data.lstrip()[:80].split(b"\n", 1)[0]
    return line.decode("utf-8", "replace") or "empty body"


# --- text of Bio.Entrez values ------------------------------------------------------------


def plain_text(value: object) -> str:
    """Plain text of an escaped Bio.Entrez string: markup removed, entities decoded."""
    if value is None:
        return ""
    return " ".join(html.unescape(_TAG.sub("", str(value))).split())


def safe_markup(value: object) -> str:
    """Escaped text with only PubMed's harmless inline tags kept, attributes dropped."""
    if value is None:
        return ""

    def keep(m: re.Match[str]) -> str:
        name = m.group(2).lower()
        return f"<{m.group(1)}{name}>" if name in SAFE_TAGS else ""

    text = " ".join(str(value).split())
    # Bio.Entrez gives '&', '<' and '>' of the text escaped; any other '<' is a tag.
    kept = _TAG.sub(keep, text)
    return _balance(kept)


def _balance(markup: str) -> str:
    """Drop unmatched safe tags so a title can never leave an <i> open in a page."""
    out: list[str] = []
    stack: list[str] = []
    for piece in re.split(r"(</?(?:i|b|u|sup|sub)>)", markup):
        m = re.fullmatch(r"<(/?)(i|b|u|sup|sub)>", piece)
        if not m:
            out.append(piece)
        elif not m.group(1):
            stack.append(m.group(2))
            out.append(piece)
        elif stack and stack[-1] == m.group(2):
            stack.pop()
            out.append(piece)
    for name in reversed(stack):
        out.append(f"</{name}>")
    return "".join(out)


_DOCTYPE_ID = re.compile(rb"<!DOCTYPE\s+\w+\s+(?:PUBLIC\s+\"[^\"]*\"\s+|SYSTEM\s+)\"([^\"]*)\"")
# NCBI's own hosts, over https as today or over http as answers saved before 2016 name them
# ("http://www.ncbi.nlm.nih.gov/corehtml/query/DTD/pubmed_150101.dtd"): the name is only
# looked up among the DTDs installed here, never fetched.
_NCBI_DTD_HOSTS = tuple(
    f"{scheme}://{host}/"
    for scheme in ("https", "http")
    for host in ("dtd.nlm.nih.gov", "www.ncbi.nlm.nih.gov", "eutils.ncbi.nlm.nih.gov")
)


def check_doctype(prolog: bytes) -> None:
    """Only NCBI's own DTDs, as Bio.Entrez accepts them (nothing is read)."""
    m = _DOCTYPE_ID.search(prolog)
    if not m:
        return
    url = m.group(1).decode("ascii", "replace")
    name = url.rsplit("/", 1)[-1]
    known = PUBMED_DTD.match(name) or os.path.exists(
        os.path.join(EntrezParser.DataHandler.global_dtd_dir, name)
    )
    if not url.startswith(_NCBI_DTD_HOSTS) or not known:
        raise ParseError(f"the XML names a DTD this installation does not have: {name}")


# --- E-utilities answers ------------------------------------------------------------------

_TRANSIENT = (
    "backend failed",
    "temporarily",
    "try again",
    "unavailable",
    "timeout",
    "timed out",
    "busy",
    "internal error",
)


def ncbi_error(what: str, message: str) -> EutilsError:
    """An ERROR element's text as an exception: NCBI signals a passing backend failure only
    by its wording, so this is the one place that reads it."""
    lower = message.lower()
    kind = TransientEutilsError if any(w in lower for w in _TRANSIENT) else EutilsError
    if "unable to obtain query" in lower:
        kind = HistoryError
    return kind(f"{what} failed: {message or 'error answer'}")


def esearch_record(body: bytes) -> Any:
    """An ESearch answer read; its ERROR, or zero results because the term failed, raised."""
    record = read_entrez_xml(body)
    if not isinstance(record, Mapping):
        raise ParseError("expected an eSearchResult document")
    if record.get("ERROR"):
        raise ncbi_error("ESearch", plain_text(record["ERROR"]))
    if "Count" not in record:
        raise ParseError("the eSearchResult has no Count")
    count = str(record["Count"]).strip()
    if not (count.isascii() and count.isdigit()):
        raise ParseError(f"the eSearchResult's Count is not a number ({count[:40]!r})")
    errors = record.get("ErrorList") or {}
    if int(str(record["Count"])) == 0 and isinstance(errors, Mapping) and any(errors.values()):
        # Zero results *because* part of the term failed is an error answer, not an empty set.
        notes = "; ".join(esearch_notes({"ErrorList": errors}))
        raise EutilsError(f"PubMed could not run the term ({notes}); check the query file")
    return record


def esearch_notes(record: Mapping[str, Any]) -> tuple[str, ...]:
    """PubMed's errors and warnings about a term ("PhraseNotFound: …")."""
    notes: list[str] = []
    for section in ("ErrorList", "WarningList"):
        block = record.get(section) or {}
        if isinstance(block, Mapping):
            for kind, values in block.items():
                for v in values if isinstance(values, list) else [values]:
                    if plain_text(v):
                        notes.append(f"{kind}: {plain_text(v)}")
    return tuple(notes)


_ERROR_ELEMENT = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)


def check_article_set(body: bytes) -> None:
    """An EFetch answer is a whole PubmedArticleSet, or its ERROR is raised."""
    head = body[:4096]
    if b"<eFetchResult" in head or b"<ERROR>" in head:
        # NCBI's error answer names efetch.dtd, which Biopython does not ship: read the
        # message from the bytes instead of parsing (parsing never fetches a DTD).
        m = _ERROR_ELEMENT.search(body)
        message = plain_text(html.escape(m.group(1).decode("utf-8", "replace"))) if m else ""
        raise ncbi_error("EFetch", message)
    if b"<PubmedArticleSet" not in head or not body.rstrip().endswith(b"</PubmedArticleSet>"):
        raise ParseError(f"not a complete PubmedArticleSet ({len(body)} bytes)")
