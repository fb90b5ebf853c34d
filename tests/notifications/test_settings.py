"""Notification settings come from the environment; bad values stop start-up naming the variable."""

import os
import subprocess
import sys

import pytest

from tests.test_settings import ROOT, manage


@pytest.mark.parametrize("env, message", [
    ({"POSTMORTEM_WEBHOOK_URL": "hooks.slack.com/services/x"}, "POSTMORTEM_WEBHOOK_URL='hooks.slack.com/services/x' must be an http(s) URL"),
    ({"POSTMORTEM_WEBHOOK_URL": "ftp://example.com/hook"}, "POSTMORTEM_WEBHOOK_URL"),
    ({"POSTMORTEM_BASE_URL": "postmortem.example.com"}, "POSTMORTEM_BASE_URL"),
    ({"SITE_URL": "postmortem.example.com"}, "SITE_URL='postmortem.example.com' must be an http(s) URL"),
    ({"POSTMORTEM_DUE_REMINDER_DAYS": "three"}, "POSTMORTEM_DUE_REMINDER_DAYS='three' is not a whole number"),
    ({"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole number"),
    ({"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "70000"}, "EMAIL_PORT=70000 is not a port number"),
    ({"EMAIL_HOST": "smtp.example.com", "EMAIL_USE_TLS": "maybe"}, "EMAIL_USE_TLS='maybe' is not a boolean"),
])
def test_bad_values_stop_start_up(tmp_path, env, message):
    result = manage("check", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def settings_in(tmp_path, **env):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, repr(s.POSTMORTEM_BASE_URL), "
        "repr(s.POSTMORTEM_WEBHOOK_URL), s.POSTMORTEM_DUE_REMINDER_DAYS)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "POSTMORTEM_", "SITE_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "postmortem.settings", "POSTMORTEM_DATA_DIR": str(tmp_path), **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_defaults_print_emails_to_the_console(tmp_path):
    assert settings_in(tmp_path) == ["django.core.mail.backends.console.EmailBackend", "25", "False",
                                     "postmortem@localhost", "''", "''", "3"]  # no base URL: the request's (incidents.sites)


def test_site_url_is_the_base_urls_other_name(tmp_path):
    assert settings_in(tmp_path, SITE_URL="http://pm.internal:8042/")[4] == "'http://pm.internal:8042'"
    assert settings_in(tmp_path, SITE_URL="http://a:1", POSTMORTEM_BASE_URL="https://b")[4] == "'https://b'"


def test_an_email_host_means_smtp(tmp_path):
    assert settings_in(tmp_path, EMAIL_HOST="smtp.example.com", DEFAULT_FROM_EMAIL="pm@example.com",
                       POSTMORTEM_BASE_URL="https://pm.example.com/",
                       POSTMORTEM_WEBHOOK_URL="https://hooks.slack.com/services/T/B/x") == [
        "django.core.mail.backends.smtp.EmailBackend", "587", "True", "pm@example.com", "'https://pm.example.com'",
        "'https://hooks.slack.com/services/T/B/x'", "3"]
