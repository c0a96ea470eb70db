"""The screen's drug knowledge as versioned reference data.

The package ships a version (`pharmacy/drug_data/`); `pharmacy db upgrade` loads it
where absent, and `pharmacy drug-data import FILE` adds a newer RxNorm value set file
or terms file as a new version, audited. A version is never changed: each order
records the version it was screened with, and its page reads its lines with that one.

A lexicon is built once per process and version (some 50 ms), and a worker checks the
newest version number with one small query per batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy.domain import drug_lexicon
from pharmacy.domain.drug_lexicon import DrugDataError, Kind, Lexicon
from pharmacy.models import DrugDataVersion
from pharmacy.services import Actor, ServiceError
from pharmacy.services.records import trail
from pharmacy.services.unit_of_work import in_unit_of_work

PACKAGED = "packaged with the service"
RXNORM_FILE = "opioid-rxnorm.tsv"
TERMS_FILES = ("opioid-supplement.tsv", "other-drugs.tsv")
RXNORM_HEADER = ("rxcui", "name")
TERMS_HEADER = ("term", "kind", "substance", "source")
# Whatever file is loaded, the screen must still hold these (domain.md §6): a file that
# would blind it is refused, not loaded.
MUST_HOLD = [
    "morphine",
    "codeine",
    "dihydrocodeine",
    "hydrocodone",
    "oxycodone",
    "oxymorphone",
    "hydromorphone",
    "fentanyl",
    "sufentanil",
    "alfentanil",
    "remifentanil",
    "meperidine",
    "methadone",
    "buprenorphine",
    "levorphanol",
    "tapentadol",
    "tramadol",
    "pentazocine",
    "butorphanol",
    "nalbuphine",
    "opium",
    "Percocet",
    "Norco",
    "Suboxone",
    "kratom",
    "tianeptine",
    "heroin",
]
MUST_HOLD_CODES = ("7052", "7804", "2670", "10689", "4337", "6813")


@dataclass(frozen=True)
class Loaded:
    version: int
    rxnorm_rows: int
    terms_rows: int
    codes_added: int
    codes_removed: int


def packaged() -> tuple[str, str]:
    """The RxNorm text and the terms text shipped in the package."""
    folder = resources.files("pharmacy") / "drug_data"
    rxnorm = (folder / RXNORM_FILE).read_text(encoding="utf-8")
    parts = [(folder / name).read_text(encoding="utf-8") for name in TERMS_FILES]
    # One terms text: the header once, then every file's rows.
    terms = (
        parts[0].rstrip("\n")
        + "\n"
        + "".join(part.split("\n", 1)[1] if "\n" in part else "" for part in parts[1:])
    )
    return rxnorm, terms


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_packaged(session: Session, loaded_by: str) -> str | None:
    """Add the packaged version when the database has none, or when the package
    brings a file the newest version did not come from (a pharmacy's own import stays:
    only the part it did not import is replaced). Returns what was added, or None."""
    rxnorm, terms = packaged()
    newest = _newest(session)
    if newest is None:
        row = _add(session, rxnorm, PACKAGED, terms, PACKAGED, loaded_by)
        return f"drug data v{row.id}"
    rxnorm_packaged = newest.rxnorm_source == PACKAGED
    terms_packaged = newest.terms_source == PACKAGED
    if (not rxnorm_packaged or newest.rxnorm_sha256 == _sha(rxnorm)) and (
        not terms_packaged or newest.terms_sha256 == _sha(terms)
    ):
        return None
    row = _add(
        session,
        rxnorm if rxnorm_packaged else newest.rxnorm,
        PACKAGED if rxnorm_packaged else newest.rxnorm_source,
        terms if terms_packaged else newest.terms,
        PACKAGED if terms_packaged else newest.terms_source,
        loaded_by,
    )
    return f"drug data v{row.id}"


@in_unit_of_work
def import_file(session: Session, text: str, filename: str, actor: Actor) -> Loaded:
    """Load a newer RxNorm value set file or terms file as a new version. Refused, with
    nothing written, when it cannot be read or would leave the screen blind to an
    opioid of domain.md §6."""
    newest = _newest(session)
    if newest is None:
        raise ServiceError("load the packaged drug data first: pharmacy db upgrade")
    header = tuple(text.split("\n", 1)[0].strip().split("\t"))
    source = f"imported from {filename}"[:300]
    if header[:2] == RXNORM_HEADER:
        rxnorm, rxnorm_source = text, source
        terms, terms_source = newest.terms, newest.terms_source
    elif header[:4] == TERMS_HEADER:
        rxnorm, rxnorm_source = newest.rxnorm, newest.rxnorm_source
        terms, terms_source = text, source
    else:
        raise ServiceError(
            "the first line must be the header of an RxNorm value set file "
            "(rxcui, name, value_sets) or of a terms file (term, kind, substance, source)"
        )
    if _sha(rxnorm) == newest.rxnorm_sha256 and _sha(terms) == newest.terms_sha256:
        raise ServiceError(f"this is the drug data of version {newest.id} already")
    lexicon = _checked(rxnorm, terms, filename)
    before = _build(newest)
    row = _add(session, rxnorm, rxnorm_source, terms, terms_source, actor.label)
    loaded = Loaded(
        version=row.id,
        rxnorm_rows=len(lexicon.codes),
        terms_rows=text.count("\n") if terms is text else terms.count("\n"),
        codes_added=len(lexicon.codes.keys() - before.codes.keys()),
        codes_removed=len(before.codes.keys() - lexicon.codes.keys()),
    )
    trail.record(
        session,
        actor,
        "drug_data.imported",
        version=row.id,
        file=filename[:200],
        sha256=_sha(text),
        codes=loaded.rxnorm_rows,
        codes_added=loaded.codes_added,
        codes_removed=loaded.codes_removed,
    )
    return loaded


def _checked(rxnorm: str, terms: str, filename: str) -> Lexicon:
    try:
        lexicon = build(rxnorm, terms, "checking")
    except DrugDataError as error:
        raise ServiceError(f"{filename}: {error}") from None
    blind = [name for name in MUST_HOLD if lexicon.read(name).kind is not Kind.OPIOID]
    blind += [
        f"RxNorm {code}"
        for code in MUST_HOLD_CODES
        if lexicon.read("", code).kind is not Kind.OPIOID
    ]
    if blind:
        raise ServiceError("with this file the screen would not hold " + ", ".join(blind))
    return lexicon


def build(rxnorm: str, terms: str, version: str) -> Lexicon:
    return drug_lexicon.build(
        version,
        drug_lexicon.read_rxnorm(rxnorm, source="RxNorm file"),
        drug_lexicon.read_terms(terms, source="terms file"),
    )


def _build(row: DrugDataVersion) -> Lexicon:
    return build(row.rxnorm, row.terms, f"v{row.id}")


def _add(
    session: Session,
    rxnorm: str,
    rxnorm_source: str,
    terms: str,
    terms_source: str,
    loaded_by: str,
) -> DrugDataVersion:
    row = DrugDataVersion(
        rxnorm=rxnorm,
        rxnorm_sha256=_sha(rxnorm),
        rxnorm_source=rxnorm_source,
        terms=terms,
        terms_sha256=_sha(terms),
        terms_source=terms_source,
        loaded_by=loaded_by,
    )
    session.add(row)
    session.flush()
    return row


def _newest(session: Session) -> DrugDataVersion | None:
    return session.scalars(select(DrugDataVersion).order_by(DrugDataVersion.id.desc())).first()


def versions(session: Session) -> list[DrugDataVersion]:
    return list(session.scalars(select(DrugDataVersion).order_by(DrugDataVersion.id)))


_lexicons: dict[tuple[str, int], Lexicon] = {}


def current(session: Session) -> tuple[int, Lexicon]:
    """The newest version's number and lexicon."""
    newest = session.scalar(select(func.max(DrugDataVersion.id)))
    if newest is None:
        raise DrugDataError("no drug data is loaded: run pharmacy db upgrade")
    return newest, of_version(session, newest)


def of_version(session: Session, version: int) -> Lexicon:
    """The lexicon of one version, built once per process."""
    key = (str(session.get_bind().url), version)
    lexicon = _lexicons.get(key)
    if lexicon is None:
        row = session.get(DrugDataVersion, version)
        if row is None:
            raise DrugDataError(f"drug data version {version} is not in the database")
        lexicon = _lexicons[key] = _build(row)
        while len(_lexicons) > 4:  # the newest and the few older ones a page may show
            _lexicons.pop(next(iter(_lexicons)))
    return lexicon
