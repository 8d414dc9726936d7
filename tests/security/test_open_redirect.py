"""Item 12: a form's `next` sends the browser back only to this site."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/x",
        "/\\evil.example/x",
        "javascript:alert(1)",
        "http:evil.example",
    ],
)
def test_a_transition_with_a_foreign_next_goes_back_to_the_evaluation_instead(client, cast, target):
    client.force_login(cast.jia1_filler)
    response = client.post(f"/e/{cast.jia1.pk}/transition/", {"to": "填报中", "next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/e/{cast.jia1.pk}/"


def test_a_local_next_is_followed(client, cast):
    client.force_login(cast.jia1_filler)
    response = client.post(f"/e/{cast.jia1.pk}/transition/", {"to": "填报中", "next": "/e/1/data/?x=1"})
    assert response["Location"] == "/e/1/data/?x=1"


def test_an_evidence_upload_with_a_foreign_next_stays_on_the_site(client, cast):
    client.force_login(cast.viewer)
    response = client.post(f"/e/{cast.jia1.pk}/evidence/1.1/", {"next": "//evil.example/x"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
