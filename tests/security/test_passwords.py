"""Item 11: the password policy counts visible characters and refuses the published demo password, on every path."""

from __future__ import annotations

import pytest

from lvzhi.accounts import actions
from lvzhi.accounts.models import User
from lvzhi.demo.populate import PASSWORD as DEMO_PASSWORD
from lvzhi.evaluations.errors import ValidationFailed

WEAK = {
    "two letters padded with spaces": "a1" + " " * 8,
    "two letters padded with zero-width spaces": "\u200b" * 9 + "a1",
    "padded with other format characters": "\ufeff\u200d\u2060" * 4 + "ab12",
    "the published demo password": DEMO_PASSWORD,
    "the demo password with an invisible tail": DEMO_PASSWORD + "\u200b",
    "a common password": "password123",
}


@pytest.mark.parametrize("password", list(WEAK.values()), ids=list(WEAK))
def test_the_account_action_refuses_a_weak_password(cast, password):
    with pytest.raises(ValidationFailed) as err:
        actions.do_create_user(acting_user=cast.admin, username="newcomer", password=password)
    assert all("密码" in issue.message for issue in err.value.issues)
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize("password", list(WEAK.values()), ids=list(WEAK))
def test_setting_a_weak_password_for_an_existing_user_is_refused(cast, password):
    with pytest.raises(ValidationFailed):
        actions.do_set_password(acting_user=cast.admin, user=cast.jia1_filler, password=password)
    cast.jia1_filler.refresh_from_db()
    assert cast.jia1_filler.check_password(cast.password)


def test_a_long_visible_password_is_accepted(cast):
    user = actions.do_create_user(acting_user=cast.admin, username="newcomer", password="县域督导 2025 Ok!")
    assert user.check_password("县域督导 2025 Ok!")


@pytest.mark.parametrize("password", [WEAK["two letters padded with zero-width spaces"], DEMO_PASSWORD])
def test_the_django_admin_password_form_applies_the_same_rules(client, cast, password):
    User.objects.filter(pk=cast.admin.pk).update(is_staff=True)
    client.force_login(cast.admin)
    url = f"/admin/accounts/user/{cast.jia1_filler.pk}/password/"
    response = client.post(url, {"password1": password, "password2": password, "usable_password": "true"})
    assert response.status_code == 200  # the form again, with the error, instead of a redirect
    cast.jia1_filler.refresh_from_db()
    assert cast.jia1_filler.check_password(cast.password)


def test_the_django_admin_password_form_accepts_a_good_password(client, cast):
    User.objects.filter(pk=cast.admin.pk).update(is_staff=True)
    client.force_login(cast.admin)
    url = f"/admin/accounts/user/{cast.jia1_filler.pk}/password/"
    good = "县域督导 2025 Ok!"
    response = client.post(url, {"password1": good, "password2": good, "usable_password": "true"})
    assert response.status_code == 302
    cast.jia1_filler.refresh_from_db()
    assert cast.jia1_filler.check_password(good)
