"""Write-ups to upload, built here: one in the SRE template's shape, and a zip with a good and a broken one
(the editor and demo fixtures are in tests/conftest.py)."""

import io
import zipfile

import pytest

SRE = """# Postmortem: DNS resolver outage

Date: 2024-03-05
Severity: SEV2
{status}
## Summary

Internal DNS resolvers stopped answering for 25 minutes.

## Impact

API requests failed.

## Timeline

- 2024-03-05 10:00 UTC resolvers stop answering
- 2024-03-05 10:25 UTC service restored

## Action Items

| Action | Type | Owner |
|---|---|---|
| Add resolver alerting | detect | sre |
"""

GOOD = """---
title: Cache stampede after deploy
severity: sev3
---
# Summary

The cache was emptied by a deploy and the database was overloaded.
"""

BROKEN = """---
title: Broken front matter
severity: [sev2
---
# Summary
"""


def sre(status=""):
    return SRE.format(status=f"Status: {status}\n" if status else "").encode()


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def sre_file():
    return sre()


@pytest.fixture
def two_file_zip():
    return zipped({"good.md": GOOD, "broken.md": BROKEN})
