import pytest
from django.core.exceptions import ValidationError

from incidents.github import refs as github
from incidents.models import GitHubReference, Incident
from tests.factories import ActionItemFactory, IncidentFactory, LinkFactory


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://github.com/DataDog/datadog-agent/issues/12997", ("DataDog", "datadog-agent", 12997, "issue")),
        ("https://github.com/DataDog/datadog-agent/pull/13019", ("DataDog", "datadog-agent", 13019, "pull")),
        ("https://github.com/DataDog/datadog-agent/pull/13019/files", ("DataDog", "datadog-agent", 13019, "pull")),
        ("http://www.github.com/go-zeromq/zmq4/issues/131#issuecomment-1", ("go-zeromq", "zmq4", 131, "issue")),
        ("https://github.com/containers/aardvark-dns/issues/389?q=1", ("containers", "aardvark-dns", 389, "issue")),
        ("  DataDog/datadog-agent#12997 ", ("DataDog", "datadog-agent", 12997, "issue")),
        ("aws/amazon-vpc-cni-k8s#1", ("aws", "amazon-vpc-cni-k8s", 1, "issue")),
        ("owner/repo.js#7", ("owner", "repo.js", 7, "issue")),
    ],
)
def test_parse_issue_and_pull_references(text, expected):
    ref = github.parse(text)
    assert (ref.owner, ref.repo, ref.number, ref.kind) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/go-zeromq/zmq4",  # a repository page
        "https://github.com/DataDog/datadog-agent/blob/main/README.md",
        "https://gitlab.com/o/r/issues/1",
        "https://example.com/DataDog/datadog-agent/issues/12997",
        "ftp://github.com/o/r/issues/1",
        "not a url",
        "",
        None,
    ],
)
def test_other_links_are_not_github_references(text):
    assert github.parse(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/o/r/issues/abc",
        "https://github.com/o/r/pull/0",
        "https://github.com/o/r/issues/",
        "o/r#0",
        "o/r#12a",
        "o/r#-3",
    ],
)
def test_broken_github_references_are_errors(text):
    with pytest.raises(ValueError, match="not a valid|not an issue"):
        github.parse(text)


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["o/r#0", "https://github.com/o/r/issues/abc", "javascript:alert(1)", "nginx.conf"])
def test_link_validation_gives_a_clear_error(bad):
    link = LinkFactory.build(incident=IncidentFactory(), url=bad)
    with pytest.raises(ValidationError) as exc:
        link.full_clean()
    assert "url" in exc.value.message_dict


@pytest.mark.django_db
def test_one_reference_is_shared_by_every_incident_that_links_it():
    incidents = IncidentFactory.create_batch(3)
    LinkFactory(incident=incidents[0], url="https://github.com/DataDog/datadog-agent/issues/12997", relation="cause")
    LinkFactory(incident=incidents[1], url="datadog/DATADOG-AGENT#12997")
    ActionItemFactory(incident=incidents[2], url="https://github.com/DataDog/datadog-agent/issues/12997")
    LinkFactory(incident=incidents[2], url="https://github.com/DataDog/datadog-agent/pull/13019", relation="fix")

    assert GitHubReference.objects.count() == 2
    reference = GitHubReference.objects.by_short("DataDog/datadog-agent#12997").get()
    assert reference.short == "DataDog/datadog-agent#12997"  # spelled as first seen
    assert set(Incident.objects.linking([reference])) == set(incidents)
    assert set(incidents[2].github_references()) == set(GitHubReference.objects.all())


@pytest.mark.django_db
def test_short_form_is_stored_as_a_full_url():
    link = LinkFactory(url="DataDog/datadog-agent#12997")
    assert link.url == "https://github.com/DataDog/datadog-agent/issues/12997"
    assert link.github.kind == "issue"


@pytest.mark.django_db
def test_changing_a_url_away_from_github_drops_the_reference():
    item = ActionItemFactory(url="https://github.com/o/r/issues/5")
    item.url = "https://wiki.example.com/runbook"
    item.save()
    assert item.github is None
