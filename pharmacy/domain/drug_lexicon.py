"""What the screen knows of drugs, and how it reads one line of a patient's lists.

The knowledge is data, read from two kinds of tab-separated text (see
`pharmacy/drug_data/README.md`):
- RxNorm value sets of opioid products (`rxcui`, `name`, `value_sets`): every code is an
  opioid product; each name gives its ingredients and, in brackets, its brand.
- Terms (`term`, `kind`, `substance`, `source`): what the value sets lack (brands newer
  or older than them, abbreviations, kratom and tianeptine), the other kinds a
  pharmacist cares about (naltrexone, cautions, look-alikes) and ordinary medicines and
  the words of directions, so that a line naming nothing known can be told apart.

A line is read as a pharmacist reads it: folded (`text.fold`), split into words, and
every known name found in it, whatever else surrounds it ("HYDROcodone/APAP 5/325 q6h
prn"). A word nothing knows is tried against the known names for a misspelling
("percoset", "oxycodon") and joined with its neighbour ("oxy codone"), and taken as a
misspelt opioid only when no other known name is as close: "hydroxyzine" is closer to
itself than to anything else.
"""

from __future__ import annotations

import csv
import enum
import functools
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .text import fold, words


class Kind(enum.StrEnum):
    OPIOID = "opioid"  # agonist or partial agonist: a hard stop
    NALTREXONE = "naltrexone"  # naltrexone already: a hard stop
    OPIOID_CAUTION = "opioid_caution"  # gut and cough opioid-receptor drugs: shown
    PAMORA = "pamora"  # peripheral opioid blockers: the patient is likely on opioids
    ANTAGONIST = "antagonist"  # another opioid antagonist: shown
    FORMULA_COMPONENT = "formula_component"  # in the capsules: matters as an allergy
    NOT_AN_OPIOID = "not_an_opioid"  # naloxone, look-alikes: known, no alert
    DRUG = "drug"  # any other medicine: known, no alert
    WORD = "word"  # units, forms, directions: not a drug at all


# What a known name that holds an order is, ranked: the first kind found names the line.
ALERTING = (Kind.OPIOID, Kind.NALTREXONE, Kind.PAMORA, Kind.ANTAGONIST, Kind.OPIOID_CAUTION)


class DrugDataError(ValueError):
    """A drug data file that cannot be read; the message names the line."""


@dataclass(frozen=True)
class Term:
    written: str  # as its source writes it: "Percocet", "oxycodone hydrochloride 5 MG ..."
    kind: Kind
    substance: str  # what it is, in a pharmacist's words: "oxycodone"
    source: str  # "RxNorm 1049640", "domain.md §6", ...


@dataclass(frozen=True)
class Recognised:
    """A known name found in a line, and how it was found."""

    term: Term
    how: str  # "name" | "code" | "misspelling" | "joined"
    seen: str  # the words of the line it was found in, folded

    def describe(self) -> str:
        """As a pharmacist would say it: "Percocet = oxycodone",
        '"percoset" read as Percocet = oxycodone', "RxNorm 1049621 = oxycodone"."""
        term = self.term
        if self.how == "code":
            if term.written == term.source:
                return f"{term.source} = {term.substance}"
            return f"{term.source} = {term.substance} ({term.written})"
        named = (
            term.written
            if fold(term.written) == term.substance
            else (f"{term.written} = {term.substance}")
        )
        if self.how in ("misspelling", "joined"):
            return f'"{self.seen}" read as {named}'
        return named


@dataclass(frozen=True)
class Reading:
    """What the screen recognised in one line."""

    line: str
    found: tuple[Recognised, ...]
    words: tuple[str, ...] = ()  # the line's words, folded

    def of_kind(self, kind: Kind) -> tuple[Recognised, ...]:
        return tuple(r for r in self.found if r.term.kind is kind)

    def named(self) -> list[str]:
        """What the line names, each once, as a pharmacist would say it."""
        said = (r.describe() for r in self.found if r.term.kind is not Kind.WORD)
        return list(dict.fromkeys(said))

    @property
    def recognised(self) -> bool:
        """Whether the line names anything at all: words of directions do not count."""
        return any(r.term.kind is not Kind.WORD for r in self.found)

    @property
    def kind(self) -> Kind | None:
        """The kind a pharmacist must hear about first, or None for a line that raises
        nothing."""
        for kind in ALERTING:
            if self.of_kind(kind):
                return kind
        return None


# Words of an RxNorm name that say what salt or preparation, not which drug.
_SALTS = frozenset(
    [
        "hydrochloride",
        "maleate",
        "polistirex",
        "tartrate",
        "bitartrate",
        "phosphate",
        "sulfate",
        "methylbromide",
        "liposomal",
        "tincture",
        "terephthalate",
        "napsylate",
        "alkaloids",
        "bark",
        "extract",
        "citrate",
        "acetate",
        "hydrobromide",
        "tannate",
        "for",
    ]
)
_LOWER_RUN = re.compile(r"\b[a-z][a-z\-]*(?: [a-z][a-z\-]*)*")
_BRAND = re.compile(r"\[([^\]]+)\]")
# "[Subsys 1600 MCG]", "[Panlor Reformulated Jan 2018]": the brand is what comes first.
_BRAND_TAIL = re.compile(r"\s+(?:\d.*|Reformulated.*)$")
# A name with no lower-case ingredient ("Abstral Oral Product"): the name ends where
# RxNorm's dose form words begin.
_FORM_WORDS = re.compile(
    r"\s+(?:Oral|Pill|Injectable|Injection|Sublingual|Buccal|Topical|Transdermal|Nasal|"
    r"Mucosal|Rectal|Drug|Prefilled|Extended|Cartridge|Product|Tablet|Capsule)\b.*$"
)
_MAX_DISTANCE_SHORT = 1  # words of 6 to 8 letters
_MAX_DISTANCE_LONG = 2  # words of 9 letters or more
_FUZZY_MIN_LETTERS = 6
_SPELLED_MIN_LETTERS = 4
_CODE_WORDS = frozenset({"rxnorm", "rxcui", "cui"})
_TERM_CODE = re.compile(r"RxNorm (\d+)")


@dataclass
class Lexicon:
    """The screen's knowledge, built once per version of the drug data."""

    version: str
    phrases: dict[tuple[str, ...], tuple[Term, ...]] = field(default_factory=dict)
    codes: dict[str, Term] = field(default_factory=dict)
    unresolved: tuple[str, ...] = ()  # RxNorm names whose opioid was not named (held anyway)

    def __post_init__(self) -> None:
        longest_from: dict[str, int] = {}
        for phrase in self.phrases:
            longest_from[phrase[0]] = max(longest_from.get(phrase[0], 0), len(phrase))
        self._longest_from = longest_from
        self._close = functools.lru_cache(maxsize=8192)(self._closest)
        self._read = functools.lru_cache(maxsize=16384)(self._read_line)

    @functools.cached_property
    def _by_deletion(self) -> dict[str, tuple[str, ...]]:
        """Every known single word under each string it becomes with one or two letters
        deleted: two words within two edits of each other share such a string, so a
        misspelling's candidates are a few dictionary look-ups, not a scan. Made at the
        first misspelling a process meets (some 0.3 s)."""
        index: dict[str, tuple[str, ...]] = {}
        for word in (p[0] for p in self.phrases if len(p) == 1 and len(p[0]) >= 4):
            for shorter in _deletions(word):
                found = index.get(shorter)
                if found is None:
                    index[shorter] = (word,)
                elif word not in found:
                    index[shorter] = (*found, word)
        # Tuples, built without sets on the way: a hundred thousand small sets would
        # hold some 18 MB more, at their peak too.
        return index

    def terms(self) -> Iterable[Term]:
        for terms in self.phrases.values():
            yield from terms

    def read(self, line: str, code: str | None = None) -> Reading:
        """Every known name in `line` (and its RxNorm `code`, if one was sent). Lines
        repeat from patient to patient and fill to fill, and a lexicon never changes:
        the readings of the last few thousand lines are kept."""
        return self._read(line, code)

    def _read_line(self, line: str, code: str | None) -> Reading:
        said = words(line)
        found: list[Recognised] = []
        covered = [False] * len(said)
        longest_from = self._longest_from
        for start, first in enumerate(said):
            longest = longest_from.get(first, 0)
            for size in range(1, min(longest, len(said) - start) + 1):
                phrase = said[start : start + size]
                terms = self.phrases.get(phrase)
                if terms:
                    seen = " ".join(phrase)
                    found.extend(Recognised(t, "name", seen) for t in terms)
                    covered[start : start + size] = [True] * size
        codes = [code.strip()] if code and code.strip() else []
        codes += [
            said[i + 1]
            for i in range(len(said) - 1)
            if said[i] in _CODE_WORDS and said[i + 1].isdigit()
        ]
        if said and all(w.isdigit() for w in said):  # a line that is only a code
            codes += list(said)
        for number in codes:
            term = self.codes.get(number)
            if term is not None:
                found.append(Recognised(term, "code", number))
        found.extend(self._misspelt(said, covered))
        found.extend(self._spelled_out(said))
        return Reading(line, tuple(found), said)

    def _spelled_out(self, said: tuple[str, ...]) -> list[Recognised]:
        """A name written a letter at a time ("O X Y C O D O N E") read as the word."""
        found: list[Recognised] = []
        run: list[str] = []
        for word in (*said, ""):
            if len(word) == 1 and word.isalpha():
                run.append(word)
                continue
            if len(run) >= _SPELLED_MIN_LETTERS:
                joined = "".join(run)
                for near in (joined,) if (joined,) in self.phrases else self._close(joined):
                    found.extend(
                        Recognised(t, "joined", " ".join(run)) for t in self.phrases[(near,)]
                    )
            run = []
        return found

    def _misspelt(self, said: tuple[str, ...], covered: list[bool]) -> list[Recognised]:
        """Names found, for the words no known name covers, by joining a word to its
        neighbour ("oxy codone") or forgiving a misspelling ("percoset")."""
        found: list[Recognised] = []
        for i, word in enumerate(said):
            if covered[i] or not word.isalpha():
                continue
            pairs = [
                j
                for j in (i - 1, i)
                if j >= 0 and j + 1 < len(said) and said[j].isalpha() and said[j + 1].isalpha()
            ]
            joined = [(said[j] + said[j + 1], f"{said[j]} {said[j + 1]}") for j in pairs]
            exact = [(w, seen) for w, seen in joined if (w,) in self.phrases]
            if exact:
                candidate, seen = exact[0]
                found.extend(Recognised(t, "joined", seen) for t in self.phrases[(candidate,)])
                continue
            # Forgiving a misspelling across two words only when neither is known:
            # "on methadone" is a known word and a known drug, not "onmethadone".
            loose = [
                pair
                for pair, j in zip(joined, pairs, strict=True)
                if not covered[j] and not covered[j + 1]
            ]
            for candidate, seen in [(word, word), *loose]:
                closest = self._close(candidate)
                for near in closest:
                    found.extend(Recognised(t, "misspelling", seen) for t in self.phrases[(near,)])
                if closest:
                    break
        return found

    def _closest(self, word: str) -> tuple[str, ...]:
        """The known single words nearest to `word` within the allowed distance; all
        of them when several are equally near, so a tie with an opioid holds."""
        if len(word) < _FUZZY_MIN_LETTERS:
            return ()
        allowed = _MAX_DISTANCE_SHORT if len(word) < 9 else _MAX_DISTANCE_LONG
        choices = sorted(
            {w for shorter in _deletions(word) for w in self._by_deletion.get(shorter, ())}
        )
        matches = process.extract(
            word,
            choices,
            scorer=OSA.distance,
            score_cutoff=allowed,
            limit=None,
        )
        if not matches:
            return ()
        best = min(distance for _, distance, _ in matches)
        return tuple(w for w, distance, _ in matches if distance == best)


def _deletions(word: str) -> set[str]:
    """`word` itself and every string it becomes with one or two letters deleted."""
    once = {word[:i] + word[i + 1 :] for i in range(len(word))}
    twice = {shorter[:i] + shorter[i + 1 :] for shorter in once for i in range(len(shorter))}
    return {word} | once | twice


def read_rxnorm(text: str, *, source: str = "RxNorm") -> list[tuple[str, str]]:
    """(rxcui, name) of each row of an RxNorm value set file."""
    rows = _rows(text, ("rxcui", "name"), source)
    pairs = []
    for number, row in rows:
        rxcui, name = row["rxcui"].strip(), row["name"].strip()
        if not rxcui.isdigit() or not name:
            raise DrugDataError(f"{source} line {number}: needs a numeric rxcui and a name")
        pairs.append((rxcui, name))
    return pairs


def read_terms(text: str, *, source: str = "terms") -> list[Term]:
    rows = _rows(text, ("term", "kind", "substance", "source"), source)
    terms = []
    for number, row in rows:
        try:
            kind = Kind(row["kind"].strip())
        except ValueError:
            allowed = ", ".join(k.value for k in Kind)
            raise DrugDataError(
                f"{source} line {number}: kind {row['kind']!r} is not one of {allowed}"
            ) from None
        written = row["term"].strip()
        if not words(written):
            raise DrugDataError(f"{source} line {number}: the term has no letter or digit")
        substance = fold(row["substance"] or written)
        terms.append(Term(written, kind, substance, (row["source"] or "").strip() or source))
    return terms


def _rows(text: str, columns: tuple[str, ...], source: str):
    reader = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise DrugDataError(f"{source}: the header lacks {', '.join(missing)}")
    return [(number, row) for number, row in enumerate(reader, start=2) if any(row.values())]


def build(version: str, rxnorm: list[tuple[str, str]], terms: list[Term]) -> Lexicon:
    """The lexicon of one version of the drug data.

    Every RxNorm row is an opioid product. Its ingredients are named from its text;
    those the terms know as something else (acetaminophen in Percocet, naloxone in
    Suboxone) are its companions, and every other one is taken as its opioid, so a
    newer file naming an opioid the terms do not know still holds."""
    phrases: dict[tuple[str, ...], list[Term]] = defaultdict(list)
    codes: dict[str, Term] = {}
    named_codes: dict[str, Term] = {}
    for term in terms:
        coded = _TERM_CODE.fullmatch(term.written)
        if coded:  # "RxNorm 2670": a code the value sets lack, or to be read otherwise
            named_codes[coded.group(1)] = Term(
                term.written, term.kind, term.substance, term.written
            )
        else:
            phrases[words(term.written)].append(term)
    not_opioid = {
        phrase[0]
        for phrase, known in phrases.items()
        if len(phrase) == 1 and all(t.kind is not Kind.OPIOID for t in known)
    }
    opioid_of = {fold(t.written): t.substance for t in terms if t.kind is Kind.OPIOID}
    brands: dict[str, set[str]] = defaultdict(set)
    unresolved = []
    for rxcui, name in rxnorm:
        ingredients = _ingredients(name)
        opioids = sorted({opioid_of.get(i, i) for i in ingredients if i not in not_opioid})
        for ingredient in ingredients:
            if ingredient not in not_opioid and ingredient not in opioid_of:
                phrases[words(ingredient)].append(
                    Term(ingredient, Kind.OPIOID, ingredient, f"RxNorm {rxcui}")
                )
                opioid_of[ingredient] = ingredient
        if not opioids:  # "72 HR Buprenorphine ...", "Abstral Oral Product"
            said = words(_BRAND.sub("", name))
            opioids = sorted({opioid_of[w] for w in said if w in opioid_of})
        substance = " + ".join(opioids)
        if not substance:
            unresolved.append(name)
        for brand, bracketed in _brands(name):
            # A name read off a product without brackets may be an ingredient the
            # terms know as something else ("Naloxone" in "Buprenorphine / Naloxone
            # Oral Strip"); a bracketed brand is RxNorm's word that it is an opioid.
            if bracketed or words(brand) not in phrases:
                brands[brand] |= set(opioids)
        codes[rxcui] = Term(name, Kind.OPIOID, substance or "an opioid product", f"RxNorm {rxcui}")
    for brand, opioids in brands.items():
        phrase = words(brand)
        if not any(t.kind is Kind.OPIOID for t in phrases.get(phrase, ())):
            what = " + ".join(sorted(opioids)) or "an opioid product"
            phrases[phrase].append(Term(brand, Kind.OPIOID, what, "RxNorm brand"))
    lexicon = Lexicon(
        version,
        {phrase: tuple(known) for phrase, known in phrases.items() if phrase},
        codes,
    )
    # A row that names only a brand ("Xtampza Pill") is what that brand is; a row of
    # the value sets that names no opioid at all ("loperamide") is what the terms say
    # it is, and an opioid product when they say nothing.
    unresolved = []
    for rxcui, term in codes.items():
        if term.substance != "an opioid product":
            continue
        kind = lexicon.read(term.written).kind
        said = [r.term for r in lexicon.read(term.written).found if r.term.kind is kind]
        if kind is None or not said:
            unresolved.append(term.written)
            continue
        what = " + ".join(sorted({t.substance for t in said}))
        codes[rxcui] = Term(term.written, kind, what, term.source)
    codes.update(named_codes)
    lexicon.unresolved = tuple(unresolved)
    return lexicon


def _ingredients(name: str) -> list[str]:
    """The ingredients an RxNorm name gives, salts left out: "acetaminophen 325 MG /
    oxycodone hydrochloride 5 MG Oral Tablet" -> ["acetaminophen", "oxycodone"]."""
    bare = _BRAND.sub("", name)
    found = []
    for run in _LOWER_RUN.findall(bare):
        kept = " ".join(w for w in run.split() if w not in _SALTS)
        if kept:
            found.append(kept)
    return found


def _brands(name: str) -> list[tuple[str, bool]]:
    """Brands an RxNorm name gives, and whether in brackets: "[Percocet]", or a
    capitalised name with no lower-case ingredient ("Abstral Oral Product")."""
    named = [(_BRAND_TAIL.sub("", b).strip(), True) for b in _BRAND.findall(name)]
    bare = _BRAND.sub("", name)
    if not _LOWER_RUN.search(bare) and not name.startswith("{"):
        parts = _FORM_WORDS.sub("", bare).split(" / ")
        named += [(part.strip(), False) for part in parts if not re.search(r"\d", part)]
    return [(b, bracketed) for b, bracketed in named if b]
