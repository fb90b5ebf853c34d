import pytest
from django.contrib.auth import get_user_model
from django.contrib import admin
from django.urls import reverse
from django.utils.functional import Promise

from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, demo, user):
    """The demo data, and a staff user of the admin group signed in (the demo user is not staff)."""
    user("admin", username="staff", is_staff=True)
    signed_in = client.post(reverse("login"), {"username": "staff", "password": "pw"})  # through django-axes
    assert signed_in.status_code == 302
    return client


def test_admin_lists_the_demo_incidents_in_japanese(staff):
    page = staff.get(reverse("admin:incidents_incident_changelist")).content.decode()
    for incident in Incident.objects.all():
        assert incident.title in page


def test_admin_filters_by_tag_and_finds_by_reference(staff):
    eks = Incident.objects.get(title__contains="pid_max")
    url = reverse("admin:incidents_incident_changelist")
    page = staff.get(url, {"q": eks.reference}).content.decode()
    assert eks.title in page
    page = staff.get(url, {"tags__id__exact": eks.tags.get(name="datadog").pk}).content.decode()
    podman = Incident.objects.get(title__contains="aardvark-dns")
    assert eks.title in page and podman.title not in page


def test_admin_change_page_shows_children(staff):
    eks = Incident.objects.get(title__contains="pid_max")
    page = staff.get(reverse("admin:incidents_incident_change", args=[eks.pk])).content.decode()
    assert "ゾンビ" in page and "pid_max" in page
    assert "https://github.com/DataDog/datadog-agent/issues/12997" in page


def test_admin_shows_a_form_error_for_a_factor_cycle(staff):
    eks = Incident.objects.get(title__contains="pid_max")
    url = reverse("admin:incidents_incident_change", args=[eks.pk])
    form = staff.get(url).context["adminform"].form
    data = _post_data(staff.get(url).context)
    first = eks.factors.get(category="defect")
    last = eks.factors.get(category="capacity")
    index = list(eks.factors.values_list("pk", flat=True)).index(last.pk)
    data[f"factors-{index}-leads_to"] = [str(first.pk)]
    response = staff.post(url, data)
    assert response.status_code == 200, "the form is shown again, not saved"
    assert "cycle" in response.content.decode()
    assert not last.leads_to.exists()
    assert form.instance.version == Incident.objects.get(pk=eks.pk).version


def _post_data(context):
    """The data the admin change form would post back unchanged, inlines included."""
    data = {}
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if callable(value):
                value = value()
            key = form.add_prefix(name)
            if hasattr(value, "pk"):
                value = value.pk
            if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(value, str):
                data[key] = [getattr(v, "pk", v) for v in value]
            elif value is None:
                data[key] = ""
            elif hasattr(value, "isoformat") and hasattr(field, "fields"):  # split date/time widgets
                local = value.astimezone()
                data[key + "_0"], data[key + "_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
            else:
                data[key] = value
    return data


@pytest.mark.parametrize("model", ["actionitem", "timelineevent", "contributingfactor", "lesson", "externallink",
                                   "tag", "service", "githubreference"])
def test_every_model_has_a_working_admin_list(staff, model):
    response = staff.get(reverse(f"admin:incidents_{model}_changelist"))
    assert response.status_code == 200


def test_admin_refuses_dates_the_application_cannot_hold(staff):
    from incidents.models import Retrospective

    eks = Incident.objects.get(title__contains="pid_max")
    url = reverse("admin:incidents_incident_change", args=[eks.pk])
    data = _post_data(staff.get(url).context)
    data["started_at_0"], data["started_at_1"] = "0001-01-01", "00:00:00"  # year 0 in UTC
    data["action_items-0-due_date"] = "9999-12-31"
    response = staff.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["started_at"] == ["Enter a date from 1000-01-02 to 9999-12-30."]
    items = next(inline.formset for inline in response.context["inline_admin_formsets"]
                 if inline.formset.prefix == "action_items")
    assert items.forms[0].errors["due_date"] == ["Enter a date from 1000-01-02 to 9999-12-30."]
    assert Incident.objects.get(pk=eks.pk).started_at == eks.started_at
    response = staff.post(reverse("admin:incidents_retrospective_add"),
                         {"title": "x", "date": "0001-01-01", "agenda-TOTAL_FORMS": "0", "agenda-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and "date" in response.context["adminform"].form.errors
    assert not Retrospective.objects.exists()


def test_every_incidents_model_in_the_admin_has_translatable_names():
    """The admin's index and headings use verbose names: lazy gettext ones follow the reader's language."""
    registered = [model for model in admin.site._registry if model._meta.app_label == "incidents"]
    assert registered
    for model in registered:
        assert isinstance(model._meta.verbose_name, Promise), model
        assert isinstance(model._meta.verbose_name_plural, Promise), model


def test_comments_are_read_and_deleted_in_the_admin_never_written(staff, user):
    from incidents.actions.comments import post_comment
    from incidents.models import Comment

    eks = Incident.objects.get(title__contains="pid_max")
    viewer = user("viewer")
    first, second, third = (post_comment(eks, viewer, text) for text in ("一つ目", "second", "third"))
    page = staff.get(reverse("admin:incidents_comment_change", args=[first.pk]))
    assert page.status_code == 200 and "一つ目" in page.content.decode()  # a read-only view
    assert staff.post(reverse("admin:incidents_comment_change", args=[first.pk]), {"body": "rewritten"}).status_code == 403
    assert staff.get(reverse("admin:incidents_comment_add")).status_code == 403
    assert Comment.objects.get(pk=first.pk).body == "一つ目"
    response = staff.post(reverse("admin:incidents_comment_delete", args=[first.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Comment.objects.filter(pk=first.pk).exists()
    response = staff.post(reverse("admin:incidents_comment_changelist"), {
        "action": "delete_selected", "post": "yes", "_selected_action": [second.pk, third.pk]})
    assert response.status_code == 302 and not Comment.objects.exists()


def _change(staff, incident, **changes):
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    data = _post_data(staff.get(url).context)
    data.update(changes)
    return staff.post(url, data)


def test_admin_shows_a_status_step_the_workflow_refuses_as_a_form_error(staff):
    from incidents.models import IncidentRevision

    published = Incident.objects.filter(status="published").first()
    revisions = IncidentRevision.objects.of(published).count()
    response = _change(staff, published, status="draft", title="not saved")
    assert response.status_code == 200, "the form is shown again, not saved"
    assert response.context["adminform"].form.errors == {"status": ["Published cannot go to Draft."]}
    published.refresh_from_db()
    assert published.status == "published" and published.title != "not saved"
    assert IncidentRevision.objects.of(published).count() == revisions
    draft = Incident.objects.filter(status="draft").first()
    draft.reviewers.clear()
    response = _change(staff, draft, status="in_review")
    assert response.context["adminform"].form.errors == {"status": ["Name at least one reviewer who is not an author."]}

    draft.reviewers.set([get_user_model().objects.get(username="staff")])
    response = _change(staff, draft, authors=[*draft.authors.values_list("pk", flat=True), draft.reviewers.get().pk])
    assert response.context["adminform"].form.errors == {"authors": ["An author cannot review their own write-up: staff."]}


def test_admin_publishes_through_the_workflow(staff, django_capture_on_commit_callbacks, mailoutbox):
    from incidents.models import IncidentRevision, Source

    draft = Incident.objects.filter(status="draft").first()
    author = draft.authors.first()
    author.email = "author@example.com"
    author.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(staff, draft, status="published")  # admins publish without a review
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    revision = IncidentRevision.objects.of(draft).first()
    assert (revision.source, revision.revision.user.username, revision.changed) == (Source.ADMIN, "staff", ["status"])
    assert [message.to for message in mailoutbox] == [["author@example.com"]]


def test_admin_deletes_and_renames_through_actions(staff, caplog, monkeypatch):
    from incidents.actions import admin_site
    from incidents.models import Tag

    called = []
    real = admin_site.save_record
    monkeypatch.setattr(admin_site, "save_record", lambda *a, **k: called.append("save_record") or real(*a, **k))
    eks = Incident.objects.get(title__contains="pid_max")
    with caplog.at_level("INFO", logger="incidents.actions.deletions"):
        response = staff.post(reverse("admin:incidents_incident_delete", args=[eks.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Incident.objects.filter(pk=eks.pk).exists()
    assert f"{eks.reference} ({eks.title}) deleted by staff" in caplog.text
    tag = Tag.objects.get(name="datadog")
    response = staff.post(reverse("admin:incidents_tag_change", args=[tag.pk]), {"name": "datadog-agent"})
    assert response.status_code == 302 and Tag.objects.get(pk=tag.pk).name == "datadog-agent"
    assert called == ["save_record"]  # the deletions show by their log lines (incidents.actions.deletions)
    from incidents.models import Retrospective

    meetings = [Retrospective.objects.create(title=f"振り返り {n}", date="2026-12-01") for n in (1, 2)]
    with caplog.at_level("INFO", logger="incidents.actions.deletions"):
        response = staff.post(reverse("admin:incidents_retrospective_changelist"), {
            "action": "delete_selected", "post": "yes", "_selected_action": [m.pk for m in meetings]})
    assert response.status_code == 302 and not Retrospective.objects.filter(title__startswith="振り返り").exists()
    assert f"retrospective {meetings[0].pk} (振り返り 1) deleted by staff" in caplog.text
