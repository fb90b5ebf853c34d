"""Identifier families (incidents/families.py): pure, no database."""

from incidents import families
from incidents.glossary import Glossary


def family(key):
    return next(terms for k, _category, terms in families.families() if k == key)


def test_errno_names_numbers_and_messages_are_one_family():
    assert family("errno-eagain")[:4] == ("EAGAIN", "EWOULDBLOCK", "errno=11", "Resource temporarily unavailable")
    assert "Connection reset by peer" in family("errno-econnreset") and "errno=104" in family("errno-econnreset")


def test_http_statuses_and_signals():
    assert family("http-429")[:4] == ("429", "HTTP 429", "429 Too Many Requests", "Too Many Requests")
    assert "rate limit" in family("http-429") and "レート制限" in family("http-429")
    assert family("signal-sigkill")[:3] == ("SIGKILL", "signal 9", "exit code 137")
    assert not any(key.startswith("http-2") or key.startswith("http-3") for key, _c, _t in families.families())


def test_a_family_joins_the_glossary_entries_that_share_a_term():
    rows = [("connection-refused", "error", ("接続拒否", "ECONNREFUSED")), ("rate-limit", "resource", ("レート制限",))]
    merged = {key: terms for key, _category, terms in families.merged(rows)}
    assert merged["connection-refused"][:2] == ("接続拒否", "ECONNREFUSED") and "errno=111" in merged["connection-refused"]
    assert "errno-econnrefused" not in merged  # joined, not repeated
    assert "429" in merged["rate-limit"] and "http-429" not in merged  # レート制限 is in both
    glossary = Glossary(families.merged(rows))
    assert {key for key, _term in glossary.lookup("Too Many Requests")} == {"rate-limit"}
    assert {key for key, _term in glossary.lookup("errno=11")} == {"errno-eagain"}


def test_a_disabled_entry_turns_off_the_families_it_shares_a_term_with():
    merged = {key for key, _c, _t in families.merged([], disabled=["ECONNREFUSED"])}
    assert "errno-econnrefused" not in merged and "errno-eagain" in merged


def test_a_named_vulnerability_and_its_cve_numbers():
    assert family("vulnerability-shellshock") == ("Shellshock", "CVE-2014-6271", "CVE-2014-7169")
    assert {key for key, _term in Glossary(families.merged([])).lookup("cve-2021-44228")} == {"vulnerability-log4shell"}
