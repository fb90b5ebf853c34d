"""Where attachments are stored (settings.STORAGES["attachments"]), from ATTACHMENT_STORAGE:

- ``local`` (the default): files under the data directory (``$POSTMORTEM_DATA_DIR/attachments``), for one node
  or nodes sharing that directory;
- ``s3``: S3-compatible object storage through django-storages, for several nodes without a shared disk:
  AWS_STORAGE_BUCKET_NAME (required), AWS_S3_ENDPOINT_URL (MinIO, Ceph, R2 …; unset for AWS),
  AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (else the usual AWS credential chain).

Files are never public: the bucket needs no public access, and every download goes through the app, which
checks who may see the incident. Documented in docs/operations.md."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

KINDS = ("local", "s3")


def attachments(data_dir):
    kind = (os.environ.get("ATTACHMENT_STORAGE") or "local").strip().lower()
    if kind not in KINDS:
        raise ImproperlyConfigured(f"ATTACHMENT_STORAGE={os.environ.get('ATTACHMENT_STORAGE')!r} is not a storage "
                                   f"this app has; use one of: {', '.join(KINDS)}.")
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(data_dir / "attachments")}}
    bucket = (os.environ.get("AWS_STORAGE_BUCKET_NAME") or "").strip()
    if not bucket:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when ATTACHMENT_STORAGE=s3.")
    endpoint = (os.environ.get("AWS_S3_ENDPOINT_URL") or "").strip() or None
    if endpoint and (urlsplit(endpoint).scheme not in ("http", "https") or not urlsplit(endpoint).hostname):
        raise ImproperlyConfigured(f"AWS_S3_ENDPOINT_URL={endpoint!r} is not a URL (e.g. https://s3.example.com).")
    options = {
        "bucket_name": bucket,
        "location": "attachments",  # a prefix: the bucket may hold other things
        "endpoint_url": endpoint,
        "region_name": (os.environ.get("AWS_S3_REGION_NAME") or "").strip() or None,
        "default_acl": None,  # the bucket's own (private); files are served by the app only
        "querystring_auth": True,
        "file_overwrite": False,
    }
    access_key, secret_key = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if access_key:
        options["access_key"] = access_key
    if secret_key:
        options["secret_key"] = secret_key
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
