import datetime

from django.utils import translation

from incidents.models import FactorCategory, Incident
from incidents.patterns import patterns, quarter_of, quarters_between, recurs

DAY = datetime.timedelta(days=1)


def test_quarters_and_recurrence():
    assert quarters_between("2022-Q3", "2023-Q2") == ["2022-Q3", "2022-Q4", "2023-Q1", "2023-Q2"]
    assert quarter_of(datetime.datetime(2023, 3, 31, 16, tzinfo=datetime.UTC)) == "2023-Q2"  # April 1 in Tokyo
    start = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    assert recurs([start, start + 180 * DAY], 180 * DAY, 2)
    assert not recurs([start, start + 181 * DAY], 180 * DAY, 2)
    assert recurs([start, start + 300 * DAY, start + 350 * DAY], 180 * DAY, 2)
    assert not recurs([start, start + 10 * DAY], 180 * DAY, 3)


def test_demo_patterns(demo):
    found = patterns(Incident.objects.all())
    tags = {row.name: row for row in found.tags}
    assert tags["eks"].recurring and tags["podman"].recurring
    assert not tags["soak-test"].recurring
    assert found.tags[0].recurring  # recurring rows first
    assert found.github == []  # only the EKS write-up links DataDog/datadog-agent#12997 so far
    earlier = Incident.objects.get(title__contains="NotReady", status="published", severity="sev2")
    earlier.links.create(url="DataDog/datadog-agent#12997", relation="related")
    found = patterns(Incident.objects.all())
    [(reference, incidents)] = found.github
    assert reference.short == "DataDog/datadog-agent#12997" and len(incidents) == 2
    cells = dict(tags["eks"].cells)
    assert sum(len(v) for v in cells.values()) == tags["eks"].total
    assert tags["eks"].median_time_to_resolve is not None


def test_patterns_are_configurable(demo, settings):
    settings.POSTMORTEM_RECURRING_DAYS = 1
    assert not {row.name for row in patterns(Incident.objects.all()).tags if row.recurring} & {"podman"}


def test_patterns_page_shows_the_chart_and_recurring_tags(demo, viewer_client):
    page = viewer_client.get("/patterns/").content.decode()
    assert "<svg" in page and 'class="heatmap"' in page
    assert "recurring" in page and "eks" in page
    assert "systemd" not in page  # the draft's tag is not shown to a viewer


def test_patterns_page_names_factor_categories_in_the_reader_s_language(demo, viewer_client):
    rows = patterns(Incident.objects.all()).categories
    assert rows and all(row.name in FactorCategory.values for row in rows)
    page = viewer_client.get("/patterns/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    section = page.split('id="categories"')[1].split("</section>")[0]
    with translation.override("ja"):
        labels = {row.name: str(FactorCategory(row.name).label) for row in rows}
    for value, label in labels.items():
        assert f">{label}" in section
        assert f">{value}" not in section  # links still filter by the value: category:{value}


def test_patterns_page_needs_sign_in(client):
    response = client.get("/patterns/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
