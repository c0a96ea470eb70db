"""`pharmacy drug-data`: the versions of the screen's drug knowledge."""

from __future__ import annotations

from pathlib import Path

import click

from pharmacy.extensions import database
from pharmacy.services import Actor, ServiceError

from . import fail, main, working_app

MAX_FILE_BYTES = 20 * 1024 * 1024


@main.group("drug-data")
def drug_data() -> None:
    """The drug knowledge the opioid screen reads (RxNorm value sets and terms)."""


@drug_data.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "loaded_by", default="", help="Who loads it, for the audit trail.")
def import_file(file: Path, loaded_by: str) -> None:
    """Load FILE as a new version: an RxNorm value set file (rxcui, name, value_sets)
    or a terms file (term, kind, substance, source). New orders are screened with it."""
    from pharmacy.services.reference import drug_data as service

    if file.stat().st_size > MAX_FILE_BYTES:
        fail(f"{file.name} is over {MAX_FILE_BYTES // (1024 * 1024)} MB: not a drug data file")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file.name} is not UTF-8 text")
    who = loaded_by.strip()[:100] or "command line"
    with working_app():
        try:
            loaded = service.import_file(
                database.session, text, file.name, Actor("system", "cli", who)
            )
        except ServiceError as error:
            fail(error.message)
    click.echo(
        f"drug data v{loaded.version} loaded from {file.name}: {loaded.rxnorm_rows} RxNorm "
        f"codes ({loaded.codes_added} new, {loaded.codes_removed} gone); new orders are "
        "screened with it"
    )


@drug_data.command("versions")
def versions() -> None:
    """List the versions loaded, newest last."""
    from pharmacy.services.reference import drug_data as service

    with working_app():
        for row in service.versions(database.session):
            click.echo(
                f"v{row.id}  {row.loaded_at:%Y-%m-%d %H:%M}  by {row.loaded_by}  "
                f"RxNorm: {row.rxnorm_source} ({row.rxnorm_sha256[:12]})  "
                f"terms: {row.terms_source} ({row.terms_sha256[:12]})"
            )
