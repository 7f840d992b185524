"""Query definitions: queries/*.toml loaded into validated, immutable `Query` values.

A query file is one topic: the drug block, the conditions it covers (each with the MeSH
headings and free-text synonyms a librarian would search), and an optional date window. The
PubMed term is built from those parts, so the same declarations drive the search and the
labelling of each study's conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence.errors import QueryError
from evidence.settings import read_toml
from evidence.study import is_pmid

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DATE = re.compile(r"^(\d{4})(?:/(\d{2})(?:/(\d{2}))?)?$")

_TOP_KEYS = {
    "id",
    "title",
    "description",
    "order",
    "search",
    "conditions",
    "other_label",
    "sentinels",
    "languages",
}
_LANGUAGE = re.compile(r"^[a-z]{3}$")
_SEARCH_KEYS = {"drug", "also", "term", "filters", "mindate", "maxdate"}
_CONDITION_KEYS = {"id", "label", "mesh", "text", "search", "term"}


@dataclass(frozen=True)
class Condition:
    """A labelled condition within a topic (e.g. CRPS), with what identifies it."""

    id: str
    label: str
    mesh: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    search: bool = True  # False: used to label studies, not OR-ed into the PubMed term
    explicit_term: str = ""  # a hand-written search term, where MeSH OR words is too broad

    @property
    def term(self) -> str:
        """This condition's part of the PubMed term: its own term, or MeSH OR words."""
        if self.explicit_term:
            return f"({self.explicit_term})"
        parts = [f'"{m}"[Mesh]' for m in self.mesh] + [_tiab(t) for t in self.text]
        return "(" + " OR ".join(parts) + ")"


@dataclass(frozen=True)
class Query:
    """One topic of the evidence page and how PubMed is searched for it."""

    id: str
    title: str
    path: Path
    drug: str
    conditions: tuple[Condition, ...]
    also: str = ""  # further condition terms searched for but not labelled (the "other" bucket)
    description: str = ""
    order: int = 0
    filters: str = ""
    explicit_term: str = ""
    mindate: str = ""
    maxdate: str = ""
    other_label: str = "Other or several conditions"
    sentinels: tuple[str, ...] = ()  # PMIDs a sound search must find (landmark studies)
    languages: tuple[str, ...] = ()  # PubMed language codes to include; () = every language

    @property
    def term(self) -> str:
        """The PubMed term sent to ESearch."""
        if self.explicit_term:
            return self.explicit_term
        parts = [c.term for c in self.conditions if c.search]
        if self.also:
            parts.append(f"({self.also})")
        conditions = " OR ".join(parts)
        term = f"({self.drug}) AND ({conditions})"
        if self.filters:
            term = f"{term} {self.filters}"
        return term

    def condition(self, condition_id: str) -> Condition | None:
        return next((c for c in self.conditions if c.id == condition_id), None)


def _tiab(text: str) -> str:
    return f'"{text}"[tiab]' if (" " in text or "-" in text) else f"{text}[tiab]"


def load_queries(directory: Path) -> list[Query]:
    """Load every queries/*.toml in `directory`, sorted by (order, id); raise QueryError."""
    if not directory.is_dir():
        raise QueryError(f"{directory}: no queries folder (create it with one TOML file a topic)")
    files = sorted(p for p in directory.glob("*.toml") if p.name != "curation.toml")
    if not files:
        raise QueryError(f"{directory}: no query files (*.toml) found")
    queries = [load_query(p) for p in files]
    seen: dict[str, Path] = {}
    for q in queries:
        if q.id in seen:
            raise QueryError(f"{q.path}: id {q.id!r} is already used by {seen[q.id].name}")
        seen[q.id] = q.path
    return sorted(queries, key=lambda q: (q.order, q.id))


def load_query(path: Path) -> Query:
    """Load and validate one query file."""
    data = read_toml(path, QueryError)
    if data is None:
        raise QueryError(f"{path}: no such query file")
    return _build(path, data)


def _build(path: Path, data: dict[str, Any]) -> Query:
    _no_unknown(path, "", data, _TOP_KEYS)
    qid = _str(path, "id", data.get("id", path.stem.replace("-", "_")))
    if not _ID.match(qid):
        raise QueryError(f"{path}: id {qid!r} must be lowercase letters, digits and _")
    title = _str(path, "title", data.get("title"), required=True)
    search = data.get("search")
    if not isinstance(search, dict):
        raise QueryError(f"{path}: missing [search] table (with at least 'drug')")
    _no_unknown(path, "search.", search, _SEARCH_KEYS)
    drug = _str(path, "search.drug", search.get("drug"), required=True)
    raw_conditions = data.get("conditions", [])
    if not isinstance(raw_conditions, list) or not raw_conditions:
        raise QueryError(f"{path}: needs at least one [[conditions]] entry")
    conditions = tuple(_condition(path, i, c) for i, c in enumerate(raw_conditions))
    if not any(c.search for c in conditions) and not search.get("also"):
        raise QueryError(f"{path}: no condition is searched (all have search = false)")
    ids = [c.id for c in conditions]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise QueryError(f"{path}: conditions: duplicate id {dupes[0]!r}")
    mindate = _date(path, "search.mindate", search.get("mindate", ""))
    maxdate = _date(path, "search.maxdate", search.get("maxdate", ""))
    if mindate and maxdate and _date_key(mindate) > _date_key(maxdate):
        raise QueryError(f"{path}: search.mindate {mindate} is after search.maxdate {maxdate}")
    order = data.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):
        raise QueryError(f"{path}: order must be an integer")
    query = Query(
        id=qid,
        title=title,
        path=path,
        drug=drug,
        conditions=conditions,
        also=_str(path, "search.also", search.get("also", "")),
        description=_str(path, "description", data.get("description", "")),
        order=order,
        filters=_str(path, "search.filters", search.get("filters", "")),
        explicit_term=_str(path, "search.term", search.get("term", "")),
        mindate=mindate,
        maxdate=maxdate,
        other_label=_str(path, "other_label", data.get("other_label", Query.other_label)),
        sentinels=_pmids(path, "sentinels", data.get("sentinels", [])),
        languages=_languages(path, data.get("languages", [])),
    )
    _check_balanced(path, query.term)
    return query


def _condition(path: Path, index: int, raw: object) -> Condition:
    where = f"conditions[{index}]"
    if not isinstance(raw, dict):
        raise QueryError(f"{path}: {where} must be a table")
    _no_unknown(path, f"{where}.", raw, _CONDITION_KEYS)
    cid = _str(path, f"{where}.id", raw.get("id"), required=True)
    if not _ID.match(cid):
        raise QueryError(f"{path}: {where}.id {cid!r} must be lowercase letters, digits and _")
    label = _str(path, f"{where}.label", raw.get("label"), required=True)
    mesh = _str_list(path, f"{where}.mesh", raw.get("mesh", []))
    text = _str_list(path, f"{where}.text", raw.get("text", []))
    if not mesh and not text:
        raise QueryError(f"{path}: {where} ({cid}) needs 'mesh' or 'text' terms")
    searched = raw.get("search", True)
    if not isinstance(searched, bool):
        raise QueryError(f"{path}: {where}.search must be true or false")
    term = _str(path, f"{where}.term", raw.get("term", ""))
    return Condition(id=cid, label=label, mesh=mesh, text=text, search=searched, explicit_term=term)


def _no_unknown(path: Path, prefix: str, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise QueryError(
            f"{path}: unknown key {prefix + unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _str(path: Path, key: str, value: object, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        if value is None:
            raise QueryError(f"{path}: missing required key {key!r}")
        raise QueryError(f"{path}: {key} must be a string")
    value = value.strip()
    if required and not value:
        raise QueryError(f"{path}: {key} must not be empty")
    return value


def _str_list(path: Path, key: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise QueryError(f"{path}: {key} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _pmids(path: Path, key: str, value: object) -> tuple[str, ...]:
    items = _str_list(path, key, value)
    bad = [p for p in items if not is_pmid(p)]
    if bad:
        raise QueryError(
            f"{path}: {key}: {bad[0]!r} is not a PMID (1 to 9 digits, no leading zero)"
        )
    return tuple(dict.fromkeys(items))


def _languages(path: Path, value: object) -> tuple[str, ...]:
    items = _str_list(path, "languages", value)
    bad = [code for code in items if not _LANGUAGE.match(code)]
    if bad:
        raise QueryError(
            f"{path}: languages: {bad[0]!r} is not a PubMed language code (e.g. 'eng', 'fre')"
        )
    return items


def _date(path: Path, key: str, value: object) -> str:
    text = _str(path, key, value)
    if not text:
        return ""
    m = _DATE.match(text)
    if not m:
        raise QueryError(f"{path}: {key} {text!r} must be YYYY, YYYY/MM or YYYY/MM/DD")
    month, day = int(m.group(2) or 1), int(m.group(3) or 1)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise QueryError(f"{path}: {key} {text!r} is not a real date")
    return text


def _date_key(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in text.split("/")] + [1, 1]
    return parts[0], parts[1], parts[2]


def _check_balanced(path: Path, term: str) -> None:
    """Parentheses nest and close, quotes close, and each field tag's [ closes with ]
    before anything else opens (PubMed reads an unclosed [ as text, silently)."""
    depth = 0
    in_quote = False
    in_tag = False
    for ch in term:
        if ch == '"':
            in_quote = not in_quote
        elif in_quote:
            continue
        elif ch == "[":
            if in_tag:
                break
            in_tag = True
        elif ch == "]":
            if not in_tag:
                in_tag = True  # a ] with no [: unbalanced
                break
            in_tag = False
        elif in_tag and ch in "()":
            break
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                break
    if depth != 0 or in_quote or in_tag:
        raise QueryError(
            f"{path}: the search term has unbalanced parentheses, [field tags] or quotes"
        )
