"""`pharmacy drug-data`: the pharmacy loads a newer opioid value set, audited, and the
screen never loses an opioid of the domain rules by it."""

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pharmacy import create_app
from pharmacy.cli import main
from pharmacy.extensions import database
from pharmacy.models import AuditEvent, DrugDataVersion
from pharmacy.services.reference import drug_data

HEADER = "rxcui\tname\tvalue_sets\n"


@pytest.fixture
def run(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env = {"DATABASE_URL": url, "PHARMACY_INSTANCE": str(tmp_path), "LOG_LEVEL": "WARNING"}

    def invoke(*args):
        return CliRunner().invoke(main, list(args), env=env)

    invoke.url = url
    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def newest(url) -> tuple[int, object, list]:
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    try:
        with app.app_context():
            session = database.session
            version, lexicon = drug_data.current(session)
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "drug_data.imported")
            ).all()
            return version, lexicon, [e.detail for e in events]
    finally:
        database.bound(app).engine.dispose()


def test_the_packaged_drug_data_is_version_1_after_upgrade(run):
    version, lexicon, _ = newest(run.url)
    assert version == 1
    assert lexicon.read("Percocet 5/325").kind.value == "opioid"
    assert "v1" in run("drug-data", "versions").output


def test_a_newer_rxnorm_file_becomes_a_new_audited_version(run, tmp_path):
    rxnorm, _ = drug_data.packaged()
    newer = tmp_path / "opioids-2027.tsv"
    newer.write_text(rxnorm + "9999991\tzenorphan 5 MG Oral Tablet [Zenocet]\tlocal\n")
    result = run("drug-data", "import", str(newer), "--by", "pharmacist kim")
    assert result.exit_code == 0, result.output
    assert "drug data v2" in result.output and "1 new" in result.output
    version, lexicon, events = newest(run.url)
    assert version == 2
    # A new opioid in a newer file is held by its code, ingredient and brand.
    for line, code in [("pain pill", "9999991"), ("zenorphan 5 mg", None), ("Zenocet", None)]:
        assert lexicon.read(line, code).kind.value == "opioid", line
    [event] = events
    assert event["version"] == 2 and event["file"] == "opioids-2027.tsv"
    assert event["codes_added"] == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("name\trxcui\n", "header"),
        (HEADER + "7804\toxycodone\tvsac\n", "would not hold"),
        (HEADER + "abc\toxycodone\tvsac\n", "numeric rxcui"),
        ("term\tkind\tsubstance\tsource\nfoo\tbogus\tfoo\tme\n", "is not one of"),
        ("", "header"),
    ],
    ids=["unknown-header", "blinds-the-screen", "bad-code", "bad-kind", "empty"],
)
def test_a_file_that_cannot_be_read_or_blinds_the_screen_is_refused(run, tmp_path, content, reason):
    bad = tmp_path / "bad.tsv"
    bad.write_text(content)
    result = run("drug-data", "import", str(bad))
    assert result.exit_code != 0
    assert reason in result.output
    version, _, events = newest(run.url)
    assert version == 1 and events == []


def test_loading_the_same_file_again_is_refused(run, tmp_path):
    rxnorm, _ = drug_data.packaged()
    same = tmp_path / "same.tsv"
    same.write_text(rxnorm)
    result = run("drug-data", "import", str(same))
    assert result.exit_code != 0 and "already" in result.output


def test_a_file_that_is_not_text_is_refused(run, tmp_path):
    binary = tmp_path / "data.tsv"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage")
    result = run("drug-data", "import", str(binary))
    assert result.exit_code != 0 and "UTF-8" in result.output
    assert newest(run.url)[0] == 1


def test_upgrading_again_adds_no_version(run):
    run("db", "upgrade")
    app = create_app({"DATABASE_URL": run.url, "TESTING": True})
    with app.app_context():
        assert len(database.session.scalars(select(DrugDataVersion)).all()) == 1
    database.bound(app).engine.dispose()
