"""A control character typed or pasted into a form or a search is refused with a page
that says so, never a 500, on every kind of form."""

import pytest

NUL = "ab\x00cd"


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("technician", "/?q=" + NUL),
        ("technician", "/?q=%00"),
        ("admin", "/audit?actor=" + NUL),
        ("admin", "/audit?action=%00x"),
    ],
)
def test_a_search_with_a_nul_is_refused_plainly(desk, accounts, role, url):
    response = desk(accounts[role]).get(url)
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_a_login_with_a_nul_is_refused_plainly(desk, accounts):
    d = desk()
    response = d.client.post(
        "/login",
        data={"username": NUL, "password": "x\x00y", "csrf_token": d.read_token("/login")},
    )
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/users", {"username": NUL, "full_name": "A", "role": "technician"}),
        ("/admin/clinics", {"name": NUL}),
        ("/admin/lots", {"lot_number": NUL, "vendor": "V", "ingredient_code": "mcc_ph102"}),
    ],
)
def test_an_admin_form_with_a_nul_is_refused_plainly(desk, accounts, url, data):
    response = desk(accounts["admin"]).post(url, data)
    assert response.status_code == 400
    assert "control character" in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_still_welcome(desk, accounts):
    assert desk(accounts["technician"]).get("/?q=ada%09lovelace").status_code == 200
