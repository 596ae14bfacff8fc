"""Peer fidelity: MSAL for Python's certificate credential, unmodified, against the sandbox's token endpoint.

MSAL signs the client assertion itself (PyJWT + cryptography) the way it does for Entra ID: given the
certificate (`public_certificate`), PS256 with `x5t#S256` and `x5c`; given only a `thumbprint`, RS256 with the
SHA-1 `x5t`. The sandbox's config line carries its org app's registered certificate and key. A failure here
is a fidelity bug in the sandbox, not in MSAL.
"""

from __future__ import annotations

import msal
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@pytest.fixture(autouse=True)
def _honour_msals_verify_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in test_msal.py: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE would override MSAL's `verify`."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def _app(config: dict[str, str], credential: dict[str, object]) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        config["org_client_id"],
        client_credential=credential,
        authority=config["authority"],
        instance_discovery=False,
        verify=config["ca_file"],
    )


def _scopes(config: dict[str, str]) -> list[str]:
    return [f"{config['instance_url']}/.default"]


def _who_am_i(config: dict[str, str], access_token: str) -> requests.Response:
    return requests.get(
        f"{config['web_api_url']}WhoAmI",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        verify=config["ca_file"],
        timeout=10,
    )


def test_certificate_credential_with_the_public_certificate_gets_a_token(tls_sandbox: dict[str, str]) -> None:
    app = _app(
        tls_sandbox,
        {
            "private_key": tls_sandbox["org_certificate_key_pem"],
            "public_certificate": tls_sandbox["org_certificate_pem"],
        },
    )
    result = app.acquire_token_for_client(scopes=_scopes(tls_sandbox))
    assert "access_token" in result, result
    response = _who_am_i(tls_sandbox, result["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["UserId"]


def test_certificate_credential_with_a_sha1_thumbprint_gets_a_token(tls_sandbox: dict[str, str]) -> None:
    app = _app(
        tls_sandbox,
        {
            "private_key": tls_sandbox["org_certificate_key_pem"],
            "thumbprint": tls_sandbox["org_certificate_thumbprint"],
        },
    )
    result = app.acquire_token_for_client(scopes=_scopes(tls_sandbox))
    assert "access_token" in result, result
    assert _who_am_i(tls_sandbox, result["access_token"]).status_code == 200


def test_an_encrypted_key_with_its_passphrase_gets_a_token(tls_sandbox: dict[str, str]) -> None:
    key = serialization.load_pem_private_key(tls_sandbox["org_certificate_key_pem"].encode(), password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"peer-passphrase"),
    ).decode()
    app = _app(
        tls_sandbox,
        {
            "private_key": encrypted,
            "passphrase": "peer-passphrase",
            "public_certificate": tls_sandbox["org_certificate_pem"],
        },
    )
    result = app.acquire_token_for_client(scopes=_scopes(tls_sandbox))
    assert "access_token" in result, result


def test_a_key_that_is_not_the_certificate_s_gets_entra_s_700027(tls_sandbox: dict[str, str]) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    app = _app(
        tls_sandbox,
        {"private_key": other_pem, "public_certificate": tls_sandbox["org_certificate_pem"]},
    )
    result = app.acquire_token_for_client(scopes=_scopes(tls_sandbox))
    assert result.get("error") == "invalid_client", result
    assert result.get("error_codes") == [700027]
    assert result["error_description"].startswith("AADSTS700027:")


def test_a_certificate_not_registered_for_the_app_gets_700027_key_not_found(tls_sandbox: dict[str, str]) -> None:
    app = _app(
        tls_sandbox,
        {"private_key": tls_sandbox["org_certificate_key_pem"], "thumbprint": "00" * 20},
    )
    result = app.acquire_token_for_client(scopes=_scopes(tls_sandbox))
    assert result.get("error_codes") == [700027], result
    assert "The key was not found" in result["error_description"]
