"""Peer fidelity: Microsoft's MSAL for Python, unmodified, against the sandbox's identity provider.

MSAL accepts only https authorities, so the sandbox runs with --tls and MSAL trusts the run's CA through
its own `verify` setting. Besides that, the only settings are the documented ones for a non-public cloud
authority (`instance_discovery=False`). A failure here is a fidelity bug in the sandbox, not in MSAL.
"""

from __future__ import annotations

import msal
import pytest
import requests

from peers.signin import complete_sign_in


@pytest.fixture(autouse=True)
def _honour_msals_verify_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's `verify` (which is how MSAL
    passes its `verify` setting on); machines that export them would silently ignore the sandbox's CA."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


def _who_am_i(config: dict[str, str], access_token: str) -> requests.Response:
    return requests.get(
        f"{config['web_api_url']}WhoAmI",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        verify=config["ca_file"],
        timeout=10,
    )


def test_confidential_client_gets_a_token_that_opens_who_am_i(tls_sandbox: dict[str, str]) -> None:
    app = msal.ConfidentialClientApplication(
        tls_sandbox["org_client_id"],
        client_credential=tls_sandbox["org_client_secret"],
        authority=tls_sandbox["authority"],
        instance_discovery=False,
        verify=tls_sandbox["ca_file"],
    )
    result = app.acquire_token_for_client(scopes=[f"{tls_sandbox['instance_url']}/.default"])
    assert "access_token" in result, result
    assert result["token_type"] == "Bearer"
    response = _who_am_i(tls_sandbox, result["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["OrganizationId"]

    # A second call is served from MSAL's cache: the sandbox's expires_in was understood.
    again = app.acquire_token_for_client(scopes=[f"{tls_sandbox['instance_url']}/.default"])
    assert again["access_token"] == result["access_token"]
    assert again.get("token_source") == "cache"


def test_confidential_client_sees_entra_errors(tls_sandbox: dict[str, str]) -> None:
    app = msal.ConfidentialClientApplication(
        tls_sandbox["org_client_id"],
        client_credential="not-the-secret",
        authority=tls_sandbox["authority"],
        instance_discovery=False,
        verify=tls_sandbox["ca_file"],
    )
    result = app.acquire_token_for_client(scopes=[f"{tls_sandbox['instance_url']}/.default"])
    assert result.get("error") == "invalid_client", result
    assert result.get("error_codes") == [7000215]
    assert result["error_description"].startswith("AADSTS7000215:")


def test_public_client_auth_code_flow_then_refresh(tls_sandbox: dict[str, str]) -> None:
    scopes = [f"{tls_sandbox['instance_url']}/user_impersonation"]
    app = msal.PublicClientApplication(
        tls_sandbox["public_client_id"],
        authority=tls_sandbox["authority"],
        instance_discovery=False,
        verify=tls_sandbox["ca_file"],
    )
    flow = app.initiate_auth_code_flow(scopes, redirect_uri="http://localhost:8400/")
    assert "auth_uri" in flow, flow
    auth_response = complete_sign_in(
        flow["auth_uri"],
        tls_sandbox["authority"],
        tls_sandbox["username"],
        tls_sandbox["password"],
        verify=tls_sandbox["ca_file"],
    )
    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert "access_token" in result, result
    assert "refresh_token" in result, "MSAL asks for offline_access; the sandbox must return a refresh token"
    assert result["id_token_claims"]["preferred_username"] == tls_sandbox["username"]
    assert _who_am_i(tls_sandbox, result["access_token"]).status_code == 200

    accounts = app.get_accounts()
    assert [a["username"] for a in accounts] == [tls_sandbox["username"]]
    refreshed = app.acquire_token_silent_with_error(scopes, account=accounts[0], force_refresh=True)
    assert refreshed and "access_token" in refreshed, refreshed
    assert refreshed["access_token"] != result["access_token"]
    assert refreshed.get("token_source") == "identity_provider", "the refresh token was redeemed"
    assert _who_am_i(tls_sandbox, refreshed["access_token"]).status_code == 200
