"""/settings/types/ (admins define a ニアミス type with two fields through the pages), the edit page of an incident
of that type (an editor writes one through the form) and the incident page (values in English and Japanese)."""

import pytest

from incidents.models import CustomField, Incident, IncidentType

pytestmark = pytest.mark.django_db

EMPTY_SECTIONS = {f"{prefix}-{name}": "0" for prefix in ("timeline", "factors", "lessons", "actions", "links")
                  for name in ("TOTAL_FORMS", "INITIAL_FORMS")}


@pytest.fixture
def admin_client(user, client_as):
    return client_as(user("admin"))


def type_page_data(version, sections, fields, stored=(0, 0)):
    """The type page's POST; ``stored`` (sections, fields) is how many rows the page showed filled."""
    data = {"name_ja": "ニアミス", "name_en": "Near miss", "order": "1", "version": str(version),
            "sections-TOTAL_FORMS": str(len(sections)), "sections-INITIAL_FORMS": str(min(stored[0], len(sections))),
            "fields-TOTAL_FORMS": str(len(fields)), "fields-INITIAL_FORMS": str(min(stored[1], len(fields)))}
    for index, section in enumerate(sections):
        data |= {f"sections-{index}-{name}": value for name, value in section.items()}
    for index, field in enumerate(fields):
        data |= {f"fields-{index}-{name}": value for name, value in field.items()}
    return data


REGION = {"key": "region", "label_ja": "リージョン", "label_en": "Region", "kind": "choice",
          "choices": "ap-northeast-1\nus-east-1", "required": "on", "help_ja": "影響したリージョン",
          "help_en": "The affected region"}
CUSTOMERS = {"key": "affected_customers", "label_ja": "影響顧客数", "label_en": "Affected customers", "kind": "number",
             "unit": "社"}
SECTIONS = [{"key": "summary", "heading_ja": "概要", "heading_en": "What almost happened", "prompt_en": "In two lines"},
            {"key": "mitigate", "heading_ja": "暫定対策", "heading_en": "Interim measures"},
            {"key": "prevent", "heading_ja": "恒久対策", "heading_en": "Permanent measures"}]


@pytest.fixture
def near_miss(admin_client):
    created = admin_client.post("/settings/types/", {"key": "near-miss", "name_ja": "ニアミス", "name_en": "Near miss"})
    assert created.status_code == 302 and created["Location"] == "/settings/types/near-miss/"
    saved = admin_client.post("/settings/types/near-miss/", type_page_data(1, SECTIONS, [REGION, CUSTOMERS]))
    assert saved.status_code == 302, saved.content.decode()
    return IncidentType.objects.get(key="near-miss")


def test_an_admin_defines_a_type_through_the_pages(near_miss, admin_client):
    assert near_miss.version == 2 and [s["key"] for s in near_miss.sections] == ["summary", "mitigate", "prevent"]
    region, customers = near_miss.custom_fields.all()
    assert (region.kind, region.choices, region.required) == ("choice", ["ap-northeast-1", "us-east-1"], True)
    assert (customers.kind, customers.unit, customers.order) == ("number", "社", 1)
    page = admin_client.get("/settings/types/near-miss/").content.decode()
    assert 'name="preview-cf_region"' in page and "ap-northeast-1" in page  # the preview of the form
    assert "Interim measures" in page
    listed = admin_client.get("/settings/types/").content.decode()
    assert "Near miss" in listed and "/settings/types/near-miss/" in listed
    assert "/settings/types/" in admin_client.get("/people/").content.decode()


def test_only_admins_see_the_pages(near_miss, editor_client, viewer_client):
    for client in (editor_client, viewer_client):
        assert client.get("/settings/types/").status_code == 403
        assert client.post("/settings/types/near-miss/", type_page_data(2, SECTIONS, [])).status_code == 403
    assert IncidentType.objects.get(key="near-miss").custom_fields.filter(retired=False).count() == 2


def test_a_stale_version_asks_to_reload(near_miss, admin_client):
    stale = admin_client.post("/settings/types/near-miss/", type_page_data(1, SECTIONS, [REGION], stored=(3, 2)))
    assert stale.status_code == 409 and "reload the page" in stale.content.decode()
    assert not CustomField.objects.get(key="affected_customers").retired


def test_bad_rows_are_form_errors(near_miss, admin_client):
    no_choices = dict(REGION, key="zone", choices="")
    response = admin_client.post("/settings/types/near-miss/", type_page_data(2, SECTIONS, [no_choices], stored=(3, 2)))
    assert response.status_code == 400 and "A choice field needs at least one choice." in response.content.decode()
    twice = type_page_data(2, [SECTIONS[0], SECTIONS[0]], [], stored=(3, 2))
    response = admin_client.post("/settings/types/near-miss/", twice)
    assert response.status_code == 400 and "listed twice" in response.content.decode()


def write_one(editor_client):
    """An editor picks the type ("Change type": the page reloads with its fields, keeping the title), then saves."""
    changed = editor_client.post("/incidents/new/", {"title": "Almost lost the queue", "type": "near-miss",
                                                    "action": "change_type", "severity": "sev3", **EMPTY_SECTIONS})
    page = changed.content.decode()
    assert changed.status_code == 200 and 'name="cf_region"' in page and 'name="cf_affected_customers"' in page
    assert "Almost lost the queue" in page and "The affected region" in page and "What almost happened" in page
    assert page.index('name="cf_region"') < page.index('name="cf_affected_customers"')
    missing = editor_client.post("/incidents/new/", {"title": "Almost lost the queue", "type": "near-miss",
                                                    "cf_affected_customers": "x", "action": "save", "severity": "sev3", **EMPTY_SECTIONS})
    assert missing.status_code == 200 and not Incident.objects.exists()
    form = missing.context["form"]
    assert "cf_region" in form.errors and "cf_affected_customers" in form.errors
    saved = editor_client.post("/incidents/new/", {"title": "Almost lost the queue", "type": "near-miss",
                                                  "summary": "The queue filled up.", "cf_region": "ap-northeast-1",
                                                  "cf_affected_customers": "12", "action": "save", "severity": "sev3", **EMPTY_SECTIONS})
    assert saved.status_code == 302, saved.content.decode()
    return Incident.objects.get(title="Almost lost the queue")


def test_an_editor_writes_one_through_the_form_and_the_page_shows_it(near_miss, editor_client):
    incident = write_one(editor_client)
    assert incident.type == near_miss and incident.fields == {"region": "ap-northeast-1", "affected_customers": 12}
    english = editor_client.get(incident.get_absolute_url()).content.decode()
    assert "Region" in english and "ap-northeast-1" in english and "12 社" in english and "Affected customers" in english
    assert "What almost happened" in english and "Interim measures" in english and "Permanent measures" in english
    assert english.index("What almost happened") < english.index("Interim measures") < english.index("Permanent measures")
    japanese = editor_client.get(incident.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "リージョン" in japanese and "影響顧客数" in japanese and "暫定対策" in japanese and "恒久対策" in japanese
    edit = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert 'value="ap-northeast-1" selected' in edit and 'value="12"' in edit


def test_retired_fields_stay_on_the_incident_page(near_miss, admin_client, editor_client):
    incident = write_one(editor_client)
    retire = dict(CUSTOMERS, retired="on")
    assert admin_client.post("/settings/types/near-miss/", type_page_data(2, SECTIONS, [REGION, retire], stored=(3, 2))).status_code == 302
    page = editor_client.get(incident.get_absolute_url()).content.decode()
    assert "Retired fields" in page and page.index("Retired fields") < page.index("12 社")
    edit = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert 'name="cf_affected_customers"' not in edit
    assert Incident.objects.get(pk=incident.pk).fields["affected_customers"] == 12


def test_the_default_type_shows_the_page_as_before(editor_client, make_incident):
    incident = make_incident(title="Plain")
    page = editor_client.get(incident.get_absolute_url()).content.decode()
    headings = ["Summary", "Impact", "Timeline", "Contributing factors", "Analysis", "Resolution", "Lessons learned",
                "Action items"]
    positions = [page.index(f"<h2>{heading}") for heading in headings]
    assert positions == sorted(positions) and "Retired fields" not in page and 'id="details"' not in page


def test_text_sections_the_template_leaves_out_are_off_the_form_unless_they_have_text(near_miss, editor_client):
    incident = write_one(editor_client)
    page = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert 'name="summary"' in page and 'name="impact"' not in page and 'name="analysis"' not in page
    Incident.objects.filter(pk=incident.pk).update(impact="Kept text")
    page = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert 'name="impact"' in page and "Kept text" in page
    shown = editor_client.get(incident.get_absolute_url()).content.decode()
    assert "Kept text" in shown and shown.index("Permanent measures") < shown.index("Kept text")


def test_every_kind_on_the_form_is_stored_canonically_and_shown(admin_client, editor_client, user, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    user("viewer", username="hanako", first_name="Hanako", last_name="Sato")
    kinds = [{"key": "team", "kind": "user"}, {"key": "seen", "kind": "date"}, {"key": "paged", "kind": "datetime"},
             {"key": "dash", "kind": "url"}, {"key": "zones", "kind": "multi_choice", "choices": "a\nb\nc"},
             {"key": "notes", "kind": "markdown"}, {"key": "ticket", "kind": "text"}]
    assert admin_client.post("/settings/types/", {"key": "all-kinds"}).status_code == 302
    rows = [dict(row, label_en=row["key"].title(), label_ja=row["key"]) for row in kinds]
    saved = admin_client.post("/settings/types/all-kinds/", type_page_data(1, SECTIONS, rows))
    assert saved.status_code == 302, saved.content.decode()
    form = editor_client.post("/incidents/new/", {"title": "Kinds", "type": "all-kinds", "severity": "sev3",
                                                 "action": "change_type", **EMPTY_SECTIONS}).content.decode()
    assert 'type="date" name="cf_seen"' in form and 'type="datetime-local" name="cf_paged"' in form
    assert 'type="url" name="cf_dash"' in form and 'type="checkbox" name="cf_zones"' in form
    assert '<option value="hanako">Hanako Sato (hanako)</option>' in form
    bad = editor_client.post("/incidents/new/", {"title": "Kinds", "type": "all-kinds", "severity": "sev3",
                                                "cf_dash": "ftp://example.com", "action": "save", **EMPTY_SECTIONS})
    assert "Must be an http or https URL." in bad.content.decode() and not Incident.objects.filter(title="Kinds")
    response = editor_client.post("/incidents/new/", {
        "title": "Kinds", "type": "all-kinds", "severity": "sev3", "cf_team": "hanako", "cf_seen": "2026-12-01",
        "cf_paged": "2026-12-01T09:30", "cf_dash": "https://grafana.example.com/d/1", "cf_zones": ["c", "a"],
        "cf_notes": "**bold**", "cf_ticket": " OPS-1 ", "action": "save", **EMPTY_SECTIONS})
    assert response.status_code == 302, response.content.decode()
    incident = Incident.objects.get(title="Kinds")
    assert incident.fields == {"team": "hanako", "seen": "2026-12-01", "paged": "2026-12-01T00:30:00Z",
                               "dash": "https://grafana.example.com/d/1", "zones": ["a", "c"], "notes": "**bold**",
                               "ticket": "OPS-1"}
    page = editor_client.get(incident.get_absolute_url()).content.decode()
    assert "Hanako Sato" in page and "2026-12-01 09:30 JST" in page and "a, c" in page and "<strong>bold</strong>" in page
    edit = editor_client.get(f"/incidents/{incident.reference}/edit/").content.decode()
    assert 'value="2026-12-01T09:30"' in edit and 'value="hanako" selected' in edit


def form_as_a_browser_sends_it(html):
    """The fields a browser posts for the page's form untouched: inputs' values, checked boxes, each select's
    selected (else first) option, textareas' text."""
    from html.parser import HTMLParser

    data = {}

    class Form(HTMLParser):
        select = textarea = None

        def handle_starttag(self, tag, attributes):
            attributes = dict(attributes)
            name = attributes.get("name")
            if tag == "input" and name and attributes.get("type") not in ("submit", "button"):
                if attributes.get("type") != "checkbox" or "checked" in attributes:
                    data[name] = attributes.get("value") or ("on" if attributes.get("type") == "checkbox" else "")
            elif tag == "select":
                self.select = name
            elif tag == "option" and self.select and (self.select not in data or "selected" in attributes):
                data[self.select] = attributes.get("value", "")
            elif tag == "textarea":
                self.textarea = name
                data[name] = ""

        def handle_data(self, text):
            if self.textarea:
                data[self.textarea] += text

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

    Form().feed(html)
    return data


def test_saving_the_page_untouched_keeps_the_type_and_adds_no_row(near_miss, admin_client):
    page = admin_client.get("/settings/types/near-miss/")
    before = IncidentType.objects.get(key="near-miss")
    sections, fields = list(before.sections), list(before.custom_fields.values_list("key", flat=True))
    data = {key: value for key, value in form_as_a_browser_sends_it(page.content.decode()).items()
            if key != "csrfmiddlewaretoken"}
    response = admin_client.post("/settings/types/near-miss/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    after = IncidentType.objects.get(key="near-miss")
    assert after.sections == sections
    assert list(after.custom_fields.values_list("key", flat=True)) == fields
