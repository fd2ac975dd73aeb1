"""`jiefen demo` makes a demo CA and the certificate the agreements are signed with, once, and
the settings take them when the environment names no certificate."""

import os
from datetime import UTC, datetime
from io import StringIO

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID

from jiefen import settings as jiefen_settings
from jiefen.demo.signing import (
    CA,
    CERT,
    KEY,
    ORGANISATION,
    demo_signing,
    demo_signing_certificates,
    folder,
)


def test_the_certificates_are_made_once_and_the_ca_key_is_not_kept(tmp_path):
    assert demo_signing_certificates(tmp_path) is True
    kept = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(kept) == {CA, KEY, CERT}
    assert demo_signing_certificates(tmp_path) is False
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == kept
    assert os.stat(tmp_path / KEY).st_mode & 0o077 == 0


def test_the_signing_certificate_is_issued_by_the_demo_ca_for_signing(tmp_path):
    demo_signing_certificates(tmp_path, now=datetime(2026, 3, 1, tzinfo=UTC))
    ca = x509.load_pem_x509_certificate((tmp_path / CA).read_bytes())
    cert = x509.load_pem_x509_certificate((tmp_path / CERT).read_bytes())
    cert.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca
    usage = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    names = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert names[0].value == ORGANISATION and "演示" in ORGANISATION
    assert cert.not_valid_after_utc > datetime(2028, 3, 1, tzinfo=UTC)


def test_the_settings_take_the_demo_certificate_unless_the_environment_names_one(tmp_path):
    assert jiefen_settings._signing({}, tmp_path) is None
    demo_signing_certificates(tmp_path / "signing")
    assert jiefen_settings._signing({}, tmp_path) == {
        "key": str(tmp_path / "signing" / KEY),
        "cert": str(tmp_path / "signing" / CERT),
        "chain": str(tmp_path / "signing" / CA),
    }
    environ = {"JIEFEN_SIGNING_PKCS12": "/etc/jiefen/seal.p12", "JIEFEN_SIGNING_PASSPHRASE": "x"}
    configured = jiefen_settings._signing(environ, tmp_path)
    assert configured is not None
    assert (configured["pkcs12"], configured["passphrase"]) == ("/etc/jiefen/seal.p12", "x")


def test_the_demo_command_says_where_they_are_and_how_to_verify(settings, tmp_path):
    settings.JIEFEN_DEMO_SIGNING_DIR = tmp_path
    out = StringIO()
    demo_signing(out)
    assert folder() == tmp_path and (tmp_path / CERT).is_file()
    assert f"pyhanko sign validate --trust {tmp_path / CA}" in out.getvalue()
