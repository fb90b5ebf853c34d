"""Settings come from the environment; bad values stop start-up loudly; production passes --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k7#Qm2!vZp9@Lr4$Tx8^Wc1&Hy6*Nb3(Jd5)Fg0_Ks-Ue+Ao=Ri"


def manage(*args, tmp_path, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**clean, "POSTMORTEM_DATA_DIR": str(tmp_path), **env},
    )


def test_production_profile_passes_check_deploy(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path,
                    DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="postmortem.example.com")
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "0", "ALLOWED_HOSTS": "x.example"}, "SECRET_KEY must be set"),
        ({"DEBUG": "0", "SECRET_KEY": "short", "ALLOWED_HOSTS": "x.example"}, "SECRET_KEY is too weak"),
        ({"DEBUG": "0", "SECRET_KEY": STRONG_KEY}, "ALLOWED_HOSTS must list"),
        ({"DATABASE_URL": "nosuchdb://localhost/x"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "http://127.0.0.1:6379"}, "CELERY_BROKER_URL"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE='Mars/Olympus'"),
        ({"SEARCH_BACKEND": "lucene"}, "SEARCH_BACKEND='lucene' is not a search engine"),
        ({"SEARCH_PEERS": "10.0.0.2:8000", "SEARCH_PEER_TOKEN": "p" * 20 + "-peer-token-" + "abcdefgh"},
         "SEARCH_PEERS: '10.0.0.2:8000' is not a node's http(s) URL (e.g. http://10.0.0.2:8000)."),
        ({"SEARCH_PEERS": "http://10.0.0.2:8000"}, "SEARCH_PEERS needs SEARCH_PEER_TOKEN (the same on every node)."),
        ({"SEARCH_PEER_TOKEN": "secret"}, "SEARCH_PEER_TOKEN is too weak: use at least 32 random characters"),
        ({"POSTMORTEM_MAX_BODY_BYTES": "lots"}, "POSTMORTEM_MAX_BODY_BYTES='lots' is not a whole number"),
        ({"GITHUB_API_URL": "api.github.com"}, "GITHUB_API_URL"),
        ({"POSTMORTEM_LOGIN_FAILURE_LIMIT": "ten"}, "POSTMORTEM_LOGIN_FAILURE_LIMIT='ten' is not a whole number"),
        ({"POSTMORTEM_LOGIN_LOCKOUT_MINUTES": "0"}, "POSTMORTEM_LOGIN_LOCKOUT_MINUTES='0' must be at least 1"),
        ({"ATTACHMENT_STORAGE": "ftp"}, "ATTACHMENT_STORAGE='ftp' is not a storage this app has; use one of: local, s3."),
        ({"ATTACHMENT_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": " "},
         "AWS_STORAGE_BUCKET_NAME must be set when ATTACHMENT_STORAGE=s3."),
        ({"ATTACHMENT_STORAGE": "S3", "AWS_STORAGE_BUCKET_NAME": "pm", "AWS_S3_ENDPOINT_URL": "minio.internal:9000"},
         "AWS_S3_ENDPOINT_URL='minio.internal:9000' is not a URL (e.g. https://s3.example.com)."),
        ({"ATTACHMENT_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "pm", "AWS_S3_ENDPOINT_URL": "https://"},
         "AWS_S3_ENDPOINT_URL='https://' is not a URL (e.g. https://s3.example.com)."),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='LOUD' is not one of DEBUG, INFO, WARNING, ERROR or CRITICAL."),
        ({"OIDC_ISSUER": "sso.example.com/realms/staff"}, "OIDC_ISSUER='sso.example.com/realms/staff' is not an issuer URL"),
        ({"OIDC_ISSUER": "https://sso.example.com", "OIDC_CLIENT_ID": "pm", "OIDC_CLIENT_SECRET": "s",
          "OIDC_ROLE_MAP": "sre=owner"}, "OIDC_ROLE_MAP='sre=owner': unknown role “owner” in “sre=owner”"),
    ],
)
def test_bad_values_stop_start_up_with_a_clear_message(tmp_path, env, message):
    result = manage("check", tmp_path=tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_data_dir_that_is_a_file_is_refused(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result = manage("check", tmp_path=tmp_path, POSTMORTEM_DATA_DIR=str(not_a_dir))
    assert result.returncode != 0 and "POSTMORTEM_DATA_DIR" in result.stderr


def test_defaults_use_sqlite_in_the_data_dir_and_run_tasks_in_process(tmp_path):
    """No broker: tasks run eagerly, and the placeholder broker connection makes kombu log nothing."""
    code = (
        "import logging; logging.basicConfig(level=logging.WARNING); "
        "import django; django.setup(); from django.conf import settings as s; from celery import current_app; "
        "print(s.DATABASES['default']['NAME']); print(s.CELERY_TASK_ALWAYS_EAGER); "
        "current_app.connection_for_write().as_uri()"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "postmortem.settings", "POSTMORTEM_DATA_DIR": str(tmp_path)},
    )
    assert result.stdout.split() == [str(tmp_path / "postmortem.sqlite3"), "True"], result.stderr
    assert "No hostname" not in result.stderr


def test_login_throttling_numbers_come_from_the_environment(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "postmortem.settings", "POSTMORTEM_DATA_DIR": str(tmp_path),
             "POSTMORTEM_LOGIN_FAILURE_LIMIT": "5", "POSTMORTEM_LOGIN_LOCKOUT_MINUTES": "30"},
    )
    assert result.stdout.split() == ["5", "1800"], result.stderr


HSTS_HEADER = (
    "import django; django.setup(); from django.conf import settings as s; "
    "from django.http import HttpResponse; from django.middleware.security import SecurityMiddleware; "
    "from django.test import RequestFactory; "
    "request = RequestFactory().get('/', secure=True, HTTP_HOST='postmortem.example.com'); "
    "print(SecurityMiddleware(lambda r: HttpResponse())(request)['Strict-Transport-Security']); "
    "print(s.SILENCED_SYSTEM_CHECKS)"
)


@pytest.mark.parametrize("preload, header, silenced", [
    (None, "max-age=31536000; includeSubDomains", "['security.W021']"),  # preload is opt-in
    ("1", "max-age=31536000; includeSubDomains; preload", "[]"),
])
def test_hsts_preload_is_opt_in(tmp_path, preload, header, silenced):
    env = {k: v for k, v in os.environ.items() if k != "SECURE_HSTS_PRELOAD"}
    env.update(DJANGO_SETTINGS_MODULE="postmortem.settings", POSTMORTEM_DATA_DIR=str(tmp_path), DEBUG="0",
               SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="postmortem.example.com")
    if preload is not None:
        env["SECURE_HSTS_PRELOAD"] = preload
    result = subprocess.run([sys.executable, "-c", HSTS_HEADER], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=env)
    assert result.stdout.splitlines() == [header, silenced], result.stderr


def test_check_deploy_passes_with_hsts_preload_turned_on(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, DEBUG="0",
                    SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="postmortem.example.com", SECURE_HSTS_PRELOAD="1")
    assert result.returncode == 0, result.stderr + result.stdout


def test_check_deploy_passes_with_attachments_in_s3_compatible_storage(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, DEBUG="0",
                    SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="postmortem.example.com", ATTACHMENT_STORAGE="s3",
                    AWS_STORAGE_BUCKET_NAME="postmortem-attachments", AWS_S3_ENDPOINT_URL="https://minio.internal:9000",
                    AWS_S3_REGION_NAME="ap-northeast-1", AWS_ACCESS_KEY_ID="pm", AWS_SECRET_ACCESS_KEY="secret")
    assert result.returncode == 0, result.stderr + result.stdout
