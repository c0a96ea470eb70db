"""The language the patient reads (`patient.language`, BCP 47): a supported one is kept as
sent, an unsupported one is refused naming the field and the languages supported."""

import pytest

from tests.support.orders import submit, with_value


@pytest.mark.parametrize("language", ["es", "es-MX", "en-US"])
def test_a_supported_language_is_accepted_and_kept(client, clinic, prescription, language):
    response = submit(client, clinic, with_value(prescription, "patient.language", language))
    assert response.status_code == 201, response.get_json()
    shown = client.get(response.headers["Location"], headers=clinic.headers).get_json()
    assert shown["patient"]["language"] == language


def test_an_order_without_a_language_or_with_null_is_accepted(client, clinic, prescription):
    assert "language" not in prescription["patient"]
    assert submit(client, clinic, prescription).status_code == 201
    body = with_value(prescription, "patient.language", None)
    assert submit(client, clinic, body).status_code == 201


@pytest.mark.parametrize("language", ["xx", "fr-CA"])
def test_an_unsupported_language_is_refused_naming_the_supported_ones(
    client, clinic, prescription, stored, language
):
    before = stored()
    response = submit(client, clinic, with_value(prescription, "patient.language", language))
    assert response.status_code == 422
    error = response.get_json()
    [detail] = [d for d in error["details"] if d["field"] == "patient.language"]
    assert language in detail["message"]
    assert "en (English)" in detail["message"] and "es (Spanish)" in detail["message"]
    assert stored() == before


@pytest.mark.parametrize("language", ["", "Spanish!", "es_MX", 7])
def test_a_language_that_is_not_a_tag_is_refused(client, clinic, prescription, language):
    response = submit(client, clinic, with_value(prescription, "patient.language", language))
    assert response.status_code == 422
    assert "patient.language" in [d["field"] for d in response.get_json()["details"]]


def test_the_openapi_document_names_the_supported_languages(client):
    document = client.get("/api/v1/openapi.json").get_json()
    text = str(document)
    assert "es (Spanish)" in text
