"""Each study's rendered pieces (an export's record, the page's entry), kept in the store and
reused while nothing they were made from changed.

A night adds or revises about one study in a hundred, yet a build used to render every study
of every output again. A kept piece is reused only under the same key: a digest of the kind
of piece, of everything the piece is made from (the stored record's digest and the values
laid over it: grading, curation, citation, label, or the entry the template sees), and of the
code that renders it (every module of the package, the Python, Jinja and MarkupSafe versions;
the template's own source goes into a page entry's key). A revised record, a new decision, a
changed setting, template or line of code renders again. Only pieces made from their study's
values alone are kept this way; what depends on a study's place in a file or on other studies
(separators, headers, the fragment's selection, the feed) is made on every build.

Each kept row also carries a digest of its key and text together: a row damaged in the file,
or written by anything else, fails it and is made again, never published.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from importlib.metadata import version
from itertools import islice
from pathlib import Path

import evidence
from evidence.store import Store
from evidence.study import Study

# Studies whose kept pieces are read (and fresh ones written) at a time: memory stays flat in
# the number of studies.
BLOCK = 500


class WholeRecords:
    """Studies by PMID, read with `read` as they are asked for, a block of `order` at a time:
    a study at a time while few of a block are asked (a night's new and revised studies),
    the rest of the block at once when many are (a first build). Every export asks for the
    same studies in turn, so the first `keep` studies read stay held for the next one (all
    of a night's); a first build reads the blocks past them again, so memory stays bounded.
    A PMID not in `order`, or not found by `read`, is a KeyError."""

    ONE_BY_ONE = 16  # studies of a block read one by one before the rest is read at once

    def __init__(
        self,
        read: Callable[[list[str]], Mapping[str, Study]],
        order: Sequence[str],
        keep: int = 0,
    ) -> None:
        self._read = read
        self._order = order
        self._at = {pmid: i for i, pmid in enumerate(order)}
        self._keep = keep
        self._block = -1
        self._found: dict[str, Study] = {}
        self._kept: dict[str, Study] = {}
        self._asked = 0

    def __getitem__(self, pmid: str) -> Study:
        if pmid not in self._at:
            raise KeyError(f"study {pmid} is not among those asked for")
        if pmid in self._kept:
            return self._kept[pmid]
        block = self._at[pmid] // BLOCK
        if block != self._block:
            self._block, self._found, self._asked = block, {}, 0
        if pmid not in self._found:
            self._asked += 1
            wanted = [pmid]
            if self._asked > self.ONE_BY_ONE:
                rest = self._order[block * BLOCK : (block + 1) * BLOCK]
                wanted = [p for p in rest if p not in self._found and p not in self._kept]
            read = self._read(wanted)
            self._found.update(read)
            for found, study in read.items():
                if len(self._kept) >= self._keep:
                    break
                self._kept[found] = study
        return self._found[pmid]


# A piece to make: its study's PMID, what it is made from (None: not a stored record, so
# nothing to key it by; made every time), and how to make it.
Wanted = tuple[str, str | None, Callable[[], str]]


@cache
def code_digest() -> str:
    """A digest of the code that renders pieces: every module of the package, the package
    version, and the Python, Jinja and MarkupSafe it runs on."""
    digest = hashlib.blake2b(digest_size=16)
    versions = (evidence.__version__, sys.version, version("jinja2"), version("markupsafe"))
    digest.update("\n".join(versions).encode())
    folder = Path(evidence.__file__).resolve().parent
    for path in sorted(folder.glob("*.py")):
        digest.update(f"\n{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def digest_of(text: str) -> str:
    """A short digest of a long text a piece is made from (an entry's or a row's values)."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def piece_key(kind: str, made_from: str, code: str) -> str:
    return hashlib.blake2b(f"{kind}\0{made_from}\0{code}".encode(), digest_size=16).hexdigest()


def check_of(key: str, text: str) -> str:
    """The digest a kept row carries of its key and text together."""
    # One text hashed at once: the same digest as the key, "\0" and the text in turn, in
    # a third fewer calls (it is made for every kept piece read, 65,000 a nightly build).
    return hashlib.blake2b(f"{key}\0{text}".encode(), digest_size=16).hexdigest()


class Pieces:
    """The kept pieces of one store: `texts` gives each wanted piece, kept or made anew, and
    keeps what it made. `reused` and `made` count them."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._code = code_digest()
        self.reused = 0
        self.made = 0

    def texts(self, kind: str, wanted: Iterable[Wanted]) -> Iterator[str]:
        """The text of each wanted piece of `kind`, in order, a block at a time: the kept
        one where its key is the same and its row intact, else made (and kept)."""
        items = iter(wanted)
        # Fresh pieces are kept a block's worth at a time, not once per block read: a night's
        # few changed studies, spread over every block, were one commit (and sync) each.
        fresh: list[tuple[str, str, str, str, str]] = []
        while block := list(islice(items, BLOCK)):
            keys = {
                pmid: piece_key(kind, made_from, self._code)
                for pmid, made_from, _ in block
                if made_from is not None
            }
            kept = self._store.pieces(kind, list(keys))
            out: list[str] = []
            for pmid, _, make in block:
                key = keys.get(pmid)
                row = kept.get(pmid) if key is not None else None
                if row is not None and row[0] == key and check_of(key, row[1]) == row[2]:
                    self.reused += 1
                    out.append(row[1])
                    continue
                text = make()
                self.made += 1
                if key is not None:
                    fresh.append((kind, pmid, key, text, check_of(key, text)))
                out.append(text)
            if len(fresh) >= BLOCK:
                self._store.save_pieces(fresh)
                fresh = []
            yield from out
        if fresh:
            self._store.save_pieces(fresh)


def texts_of(pieces: Pieces | None, kind: str, wanted: Iterable[Wanted]) -> Iterator[str]:
    """The text of each wanted piece, in order: through `pieces` (kept ones reused), or all
    made anew where there is no store to keep them in."""
    if pieces is not None:
        return pieces.texts(kind, wanted)
    return (make() for _, _, make in wanted)
