import pytest
from django.contrib.auth import get_user, get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from incidents.models import GitHubReference, Incident

pytestmark = pytest.mark.django_db


def load(**kwargs):
    call_command("load_demo", **kwargs)


def test_demo_loads_the_seed_incidents_in_japanese():
    load()
    assert Incident.objects.count() >= 7
    titles = " ".join(Incident.objects.values_list("title", flat=True))
    for word in ["aardvark-dns", "zmq4", "pid_max", "172.31.0.0/16", "node exporter", "datadog-agent", "podman"]:
        assert word in titles
    for incident in Incident.objects.all():
        assert incident.timeline.exists() and incident.factors.exists() and incident.lessons.exists()
        assert incident.action_items.exists() and incident.tags.exists() and incident.services.exists()
    assert set(Incident.objects.values_list("status", flat=True)) == {"draft", "in_review", "published"}


def test_demo_eks_incident_has_the_causal_chain_and_github_links():
    load()
    eks = Incident.objects.get(title__contains="pid_max")
    path, factor = [], eks.factors.get(category="defect")
    while factor:
        path.append(factor.category)
        factor = factor.leads_to.first()
    assert len(path) >= 5 and path[:2] == ["defect", "resource-exhaustion"]
    links = {link.github.short: link.relation for link in eks.links.exclude(github=None)}
    assert links["DataDog/datadog-agent#12997"] == "cause"
    assert links["DataDog/datadog-agent#13019"] == "fix"
    assert GitHubReference.objects.get(number=12997).synced_at is None  # the demo never calls GitHub


def test_demo_loader_is_idempotent_and_keeps_edits():
    load()
    counts = Incident.objects.count()
    edited = Incident.objects.first()
    edited.summary = "手で書き直した要約"
    edited.save()
    load()
    assert Incident.objects.count() == counts
    assert Incident.objects.get(pk=edited.pk).summary == "手で書き直した要約"


def test_demo_user_can_sign_in_and_edit(monkeypatch, client):
    monkeypatch.setenv("DEMO_PASSWORD", "s3cret-demo")
    load()
    response = client.post(reverse("login"), {"username": "demo", "password": "s3cret-demo"})
    assert response.status_code == 302
    user = get_user(client)
    assert user.username == "demo" and user.has_perm("incidents.change_incident")
    assert Incident.objects.visible_to(user).filter(status="draft").exists()


def test_demo_user_is_an_editor_not_staff_and_an_older_staff_demo_user_is_made_one():
    load()
    user = get_user_model().objects.get(username="demo")
    assert list(user.groups.values_list("name", flat=True)) == ["editor"]
    assert not user.is_staff and not user.is_superuser
    user.is_staff = user.is_superuser = True  # as an older load_demo (staff) or a hand left it
    user.save()
    load()
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser and user.check_password("demo")


def test_bad_demo_file_names_the_file_and_problem_and_stores_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "incidents:\n  - title: ok\n  - title: broken\n    severity: sev9\n"
        "    factors: [{ref: a, category: defect, description: x, leads_to: [b]}]\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        load(file=str(bad))
    message = str(exc.value)
    assert str(bad) in message and "incident #2" in message
    assert "severity" in message and "factors" in message and "unknown ref" in message
    assert not Incident.objects.exists()


def test_unreadable_demo_file(tmp_path):
    with pytest.raises(CommandError, match="missing.yaml"):
        load(file=str(tmp_path / "missing.yaml"))
    (tmp_path / "list.yaml").write_text("- just a list\n")
    with pytest.raises(CommandError, match="'incidents' list"):
        load(file=str(tmp_path / "list.yaml"))
