"""Property-based run of schemathesis against the live API, as an editor, over every operation.

Its coverage phase (every parameter's and body field's boundary and invalid values: ~3,200 requests, about three
quarters of the run, most of them on the incident document's writes) checks the API's validation, which does not
depend on the database: it runs in the pass that runs the whole suite, not again in a second pass on another
database (--database-only, .ci/run). Every pass runs the other phases: the schema's examples, random valid and
invalid requests (--max-examples per operation) and stateful sequences."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])


def phases(config):
    everything = "examples,coverage,fuzzing,stateful"
    return everything.replace("coverage,", "") if config.getoption("database_only") else everything


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_errors_or_schema_violations(live_server, tmp_path, pytestconfig):
    call_command("load_demo")
    token = Token.objects.create(user=UserFactory(username="fuzzer", role="editor")).key
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")), "run", f"{live_server.url}/api/v1/schema/",
            "--header", f"Authorization:Token {token}",
            "--checks", CHECKS,
            "--phases", phases(pytestconfig),
            "--max-examples", "15",
            "--workers", "1",
            "--seed", "20261122",
            "--request-timeout", "30",
            "--suppress-health-check", "all",
        ],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
