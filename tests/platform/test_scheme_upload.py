"""A scheme file uploaded on the pages or through the API is read by one action, with the same refusals."""

from __future__ import annotations

import pytest

from lvzhi.evaluations import actions
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.evaluations.models import SchemeVersion

pytestmark = pytest.mark.django_db


def upload(cast, data: bytes, name: str = "方案.yaml"):
    return actions.do_upload_scheme_version(acting_user=cast.prov_office, data=data, file_name=name)


def test_a_file_over_two_megabytes_or_not_in_utf8_is_refused_by_name_and_nothing_is_stored(cast):
    count = SchemeVersion.objects.count()
    with pytest.raises(ValidationFailed, match="不能超过 2 MB"):
        upload(cast, b"#" * (actions.MAX_SCHEME_BYTES + 1))
    with pytest.raises(ValidationFailed, match=r"旧方案\.yaml：不是 UTF-8 编码的文本"):
        upload(cast, "id: 旧方案\n".encode("gbk"), "旧方案.yaml")
    assert SchemeVersion.objects.count() == count


def test_every_line_of_the_engines_refusal_is_one_issue_and_a_good_file_becomes_a_draft(cast):
    text = cast.scheme_version.yaml_text
    with pytest.raises(ValidationFailed) as refused:
        upload(cast, text.replace("target: 50", "target: 50 +").encode())
    assert refused.value.issues and all(i.code == "file" and i.message.strip() for i in refused.value.issues)
    assert any("方案.yaml" in i.message for i in refused.value.issues)
    sv = upload(cast, text.replace("target: 50", "target: 60").encode())
    assert sv.activated_at is None and sv.source_name == "方案.yaml"
