"""A user's sign-in on the sandbox's pages, done over plain HTTP (as a browser would post the forms), for
peer tests that need a code but are not about the browser. The real browser runs in tests/browser."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import requests


def _ctx(html: str) -> str:
    match = re.search(r'name="ctx" value="([^"]+)"', html)
    assert match, f"no ctx field in: {html[:500]}"
    return match.group(1)


def complete_sign_in(auth_uri: str, authority: str, username: str, password: str, verify: str | bool) -> dict[str, str]:
    """Opens `auth_uri`, signs in, accepts consent; returns the query the app's redirect URI receives."""
    session = requests.Session()
    session.verify = verify
    page = session.get(auth_uri, allow_redirects=False)
    page.raise_for_status()
    consent = session.post(
        f"{authority}/login", data={"ctx": _ctx(page.text), "login": username, "passwd": password}
    )
    consent.raise_for_status()
    done = session.post(f"{authority}/consent", data={"ctx": _ctx(consent.text), "decision": "accept"}, allow_redirects=False)
    assert done.status_code == 302, done.text
    query = parse_qs(urlparse(done.headers["Location"]).query)
    return {name: values[0] for name, values in query.items()}
