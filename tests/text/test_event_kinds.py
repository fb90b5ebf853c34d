"""guess_event_kind: the words of a timeline line to an event kind, English and Japanese."""

import pytest

from incidents.text.event_kinds import KINDS, guess_event_kind


@pytest.mark.parametrize("text, kind", [
    ("14:54 OUTAGE BEGINS — backends melt down", "trigger"),
    ("OUTAGE MITIGATED, index replicated", "mitigation"),
    ("OUTAGE ENDS, all traffic balanced", "resolution"),
    ("Errors started after the deploy", "trigger"),
    ("レスポンスの遅延が始まる", "trigger"),
    ("利用者からの問い合わせを受ける", "detection"),
    ("画面が遅いことに気づく", "detection"),
    ("障害発生", "trigger"),
    ("docbrown receives pager storm", "detection"),
    ("Borgmon paged the on-call", "detection"),
    ("PagerDuty alert: high latency", "detection"),
    ("アラート発報", "detection"),
    ("外形監視で検知", "detection"),
    ("docbrown starts investigating the crash rate", "investigation"),
    ("started investigating", "investigation"),
    ("ログを調査", "investigation"),
    ("Rolled back to v41", "mitigation"),
    ("rollback completed, errors resolved", "mitigation"),
    ("Drained traffic from us-east-1", "mitigation"),
    ("ConfigMap を切り戻し", "mitigation"),
    ("Pod を再起動", "mitigation"),
    ("Error rates recovered", "resolution"),
    ("復旧を確認", "resolution"),
    ("エラーが解消", "resolution"),
    ("Posted an update on the status page", "communication"),
    ("jennifer notifies the incident list", "communication"),
    ("顧客に連絡", "communication"),
    ("Deployed v42", "action"),
    ("Ran the reindex job", "action"),
    ("定期リリースを実施", "action"),
    ("News reports a new sonnet", "other"),
    ("", "other"),
])
def test_guess_event_kind(text, kind):
    assert guess_event_kind(text) == kind
    assert kind in KINDS


def test_page_is_a_whole_word():
    assert guess_event_kind("homepage redesign shipped") == "other"
