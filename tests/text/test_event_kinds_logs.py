"""guess_event_kind on the words log lines use (the log paste on the edit page)."""

import pytest

from incidents.text.event_kinds import guess_event_kind


@pytest.mark.parametrize(
    "text, kind",
    [
        ("PagerDuty: incident #4312 triggered", "detection"),
        ("Opsgenie alert acknowledged by tanaka", "detection"),
        ("[FIRING:2] KubePodCrashLooping (api-0, api-1)", "detection"),
        ("[RESOLVED] alertname=KubePodCrashLooping", "resolution"),
        ("Back-off restarting failed container api in pod api-0", "trigger"),
        ("back-off 5m0s restarting failed container=api", "trigger"),
        ("Container api failed liveness probe, will be restarted", "trigger"),
        ("api-0 OOMKilled (exit code 137)", "trigger"),
        ("Out of memory: Killed process 1234 (java)", "trigger"),
        ("api-0 is in CrashLoopBackOff", "trigger"),
        ("panic: runtime error: index out of range [3] with length 3", "trigger"),
        ("restarted the OOMKilled pod", "mitigation"),
        ("kubectl rollout undo deployment/api", "mitigation"),
        ("rollback to v1.41.2", "mitigation"),
        ("node-3 cordoned and drained", "mitigation"),
        ("investigating the CrashLoopBackOff", "investigation"),
        ("alert: api-0 OOMKilled", "detection"),  # the alert beats what it reports
        ("zoomed into the dashboard", "other"),
    ],
)
def test_log_words(text, kind):
    assert guess_event_kind(text) == kind
