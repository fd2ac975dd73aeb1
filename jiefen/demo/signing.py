"""The demo's signing certificate: a demo CA and, issued by it, the certificate the agreement
PDFs are signed with, written to var/signing/ (never committed) by `jiefen demo`. The settings
take them when no certificate is configured through the environment (jiefen.settings), so the
demo's agreements come out signed. Both say 演示 (demo) in their names: such a signature proves
only that the file is the one this demo issued.

The CA's private key is not kept: it signs the one certificate and is dropped. Made once; a
rerun keeps what is there (files already downloaded stay verifiable against the same CA).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CA = "demo-ca.pem"
KEY = "committee.key"
CERT = "committee.pem"
CA_NAME = "解纷演示根证书（仅供演示）"
ORGANISATION = "解纷演示部署（仅供演示）"
SIGNER_NAME = "人民调解协议书签名（演示）"


def folder() -> Path:
    """var/signing/, where the settings look (JIEFEN_DEMO_SIGNING_DIR elsewhere, for tests)."""
    from django.conf import settings

    chosen = getattr(settings, "JIEFEN_DEMO_SIGNING_DIR", None)
    return Path(chosen) if chosen else Path(settings.VAR_DIR) / "signing"


def demo_signing_certificates(where: Path | None = None, *, now: datetime | None = None) -> bool:
    """Make the demo CA and the signing certificate in `where` (var/signing/) unless they are
    there; True when made."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    where = where or folder()
    if all((where / name).is_file() for name in (CA, KEY, CERT)):
        return False
    where.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = now or datetime.now(UTC)

    def name(common: str) -> Any:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                x509.NameAttribute(NameOID.COMMON_NAME, common),
            ]
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name(CA_NAME)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(SIGNER_NAME))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    _write(
        where / KEY,
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        secret=True,
    )
    _write(where / CERT, cert.public_bytes(pem))
    _write(where / CA, ca.public_bytes(pem))
    return True


def _usage(*, cert_sign: bool) -> Any:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)


def demo_signing(stdout: Any) -> None:
    """For `jiefen demo`: make the certificates and say where they are and how to verify."""
    from django.utils.translation import gettext as _

    made = demo_signing_certificates()
    where = folder()
    stdout.write(
        (_("调解协议书签名证书：已生成 %(path)s") if made else _("调解协议书签名证书：%(path)s"))
        % {"path": where}
    )
    stdout.write(
        _("  验证下载的协议书：pyhanko sign validate --trust %(ca)s 文件.pdf") % {"ca": where / CA}
    )
