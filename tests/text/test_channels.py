"""One rule for a Slack channel (incidents.text.channels), used by SLACK_DEFAULT_CHANNEL and the channel routes."""

import pytest

from incidents.text.channels import is_channel


@pytest.mark.parametrize("name, expected", [
    ("#incidents", True), (" #障害-対応 ", True), ("C0123ABCD", True), ("G01ABC", True),
    ("#", False), ("# incidents", False), ("incidents", False), ("c0123abcd", False), ("C1", False), ("", False),
    (None, False),
])
def test_a_channel_is_a_hash_name_or_a_channel_id(name, expected):
    assert is_channel(name) is expected
