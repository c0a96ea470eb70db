"""Responses with patient data are never cached or sniffed; a request's path cannot
forge a log line; every request is logged once."""

import json
import logging

from pharmacy.cli.processes import _gunicorn_command
from pharmacy.logs import JsonFormatter


def test_api_answers_are_not_stored_or_sniffed(client, clinic, prescription):
    created = client.post("/api/v1/prescriptions", json=prescription, headers=clinic.headers)
    shown = client.get(created.headers["Location"], headers=clinic.headers)
    refused = client.get("/api/v1/prescriptions", headers={"Authorization": "Bearer nope"})
    for response in (created, shown, refused):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_path_with_line_breaks_stays_on_one_log_line():
    record = logging.LogRecord("pharmacy.http", logging.INFO, __file__, 1, "request", (), None)
    record.path = '/api/v1/x\r\n{"level": "ERROR"}\x00'
    line = JsonFormatter().format(record)
    assert "\n" not in line and "\r" not in line and "\x00" not in line
    assert json.loads(line)["path"] == record.path


def test_gunicorn_keeps_no_access_log_of_its_own():
    command = _gunicorn_command("127.0.0.1", 8000, 2)
    assert "--access-logfile" not in command
