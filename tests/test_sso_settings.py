"""Single sign-on settings (postmortem/sso.py) and the role map (incidents/roles.py): pure, no database.
Start-up stopping on them is tests/test_settings.py's."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from incidents.roles import parse_role_map, role_for_groups
from postmortem import sso

BASE = {"OIDC_ISSUER": "https://sso.example.com/realms/staff", "OIDC_CLIENT_ID": "postmortem",
        "OIDC_CLIENT_SECRET": "s3cret"}


@pytest.fixture
def environ(monkeypatch):
    for name in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_NAME", "OIDC_SCOPES",
                 "OIDC_GROUPS_CLAIM", "OIDC_ROLE_MAP", "OIDC_ONLY"):
        monkeypatch.delenv(name, raising=False)

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return sso.read()
    return set_env


def test_unset_issuer_means_no_single_sign_on(environ):
    assert environ() is None


def test_defaults(environ):
    assert environ(**BASE) == {
        "issuer": "https://sso.example.com/realms/staff", "client_id": "postmortem", "client_secret": "s3cret",
        "name": "sso.example.com", "scopes": "openid email profile", "groups_claim": "groups",
        "role_map": (("*", "viewer"),), "only": False}


def test_every_variable_is_read(environ):
    config = environ(**BASE, OIDC_NAME="Okta", OIDC_SCOPES="openid email profile groups", OIDC_GROUPS_CLAIM="roles",
                     OIDC_ROLE_MAP="sre-leads=admin, sre=editor ,*=viewer", OIDC_ONLY="1")
    assert (config["name"], config["scopes"], config["groups_claim"], config["only"]) == (
        "Okta", "openid email profile groups", "roles", True)
    assert config["role_map"] == (("sre-leads", "admin"), ("sre", "editor"), ("*", "viewer"))


@pytest.mark.parametrize("values, message", [
    ({"OIDC_ISSUER": "http://sso.example.com"}, "OIDC_ISSUER='http://sso.example.com' is not an issuer URL"),
    ({"OIDC_ISSUER": "https://sso.example.com/?realm=x"}, "is not an issuer URL"),
    ({"OIDC_ISSUER": "https://"}, "OIDC_ISSUER='https://' is not an issuer URL"),
    ({**BASE, "OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID must be set when OIDC_ISSUER is"),
    ({**BASE, "OIDC_CLIENT_SECRET": " "}, "OIDC_CLIENT_SECRET must be set when OIDC_ISSUER is"),
    ({**BASE, "OIDC_ROLE_MAP": "sre=root"}, "OIDC_ROLE_MAP='sre=root': unknown role “root” in “sre=root” "
                                            "(roles: viewer, editor, admin)."),
    ({**BASE, "OIDC_ROLE_MAP": "sre"}, "OIDC_ROLE_MAP='sre': “sre” is not group=role"),
    ({**BASE, "OIDC_ROLE_MAP": "=admin"}, "“=admin” is not group=role"),
    ({**BASE, "OIDC_ROLE_MAP": " , "}, "OIDC_ROLE_MAP=' , ' gives nobody a role"),
    ({**BASE, "OIDC_SCOPES": "email profile"}, "OIDC_SCOPES='email profile' must include openid."),
    ({**BASE, "OIDC_ONLY": "sometimes"}, "OIDC_ONLY='sometimes' is not a boolean"),
])
def test_bad_values_name_the_variable(environ, values, message):
    with pytest.raises(ImproperlyConfigured) as raised:
        environ(**values)
    assert message in str(raised.value)


def test_a_local_test_provider_may_use_http(environ):
    assert environ(**{**BASE, "OIDC_ISSUER": "http://127.0.0.1:9000"})["issuer"] == "http://127.0.0.1:9000"


def test_the_provider_may_receive_the_sign_out_form(environ):
    policy = {"DIRECTIVES": {"form-action": ["'self'"], "script-src": ["'self'"]}}
    allowed = sso.allow_sign_out(policy, environ(**BASE))
    assert allowed["DIRECTIVES"]["form-action"] == ["'self'", "https://sso.example.com"]
    assert policy["DIRECTIVES"]["form-action"] == ["'self'"]  # the original is untouched
    assert sso.allow_sign_out(policy, None) is policy


@pytest.mark.parametrize("groups, role", [
    (["sre-leads", "sre"], "admin"),
    (["sre"], "editor"),
    (["sales"], "viewer"),
    ([], "viewer"),
    (["ana@example.com"], "admin"),
    (["Ana@Example.COM"], "admin"),
])
def test_the_first_matching_rule_wins(groups, role):
    rules = parse_role_map("sre-leads=admin,ANA@example.com=admin,sre=editor,*=viewer")
    assert role_for_groups(rules, groups) == role


def test_no_matching_rule_is_no_role():
    assert role_for_groups(parse_role_map("sre=editor"), ["sales"]) is None
    assert role_for_groups(parse_role_map("sre=editor"), ["SRE"]) is None  # group names keep their case
