"""The digital signature of the people's mediation agreement PDF (PAdES, with pyHanko).

The agreement is issued by the mediation committee holding the dispute. Its PDF is signed with
the certificate the deployment provides (settings.JIEFEN_SIGNING, from environment variables:
see jiefen.settings): one certificate for the deployment, the organisation that runs jiefen,
with the committee's name in the signature's reason and location. One and not one per body:
every key would sit on the same server, reachable by the same process, so a key per committee
adds hundreds of keys to issue, renew and revoke without making any of them safer; what names
the committee is the signed text of the document itself and the signature's reason, and the
audit chain records which dispute each signed file belongs to (its SHA-256).

The signature is a certification signature (DocMDP, no changes allowed) covering the whole
file: a byte changed anywhere breaks it, and any reader (Acrobat, pyHanko) shows who signed and
whether the file is intact. Anyone can check a downloaded file:

    pyhanko sign validate --trust <the issuing CA's certificate> agreement.pdf

Without a certificate the PDF is made unsigned and the documents panel says so; there is never
a stand-in signature. A certificate configured but unreadable is refused (ImproperlyConfigured)
rather than quietly skipped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FIELD = "JiefenSeal"


@dataclass(frozen=True)
class Config:
    """Where the key and certificates are: a PKCS#12 file, or PEM/DER key and certificate."""

    pkcs12: str = ""
    key: str = ""
    cert: str = ""
    chain: tuple[str, ...] = ()
    passphrase: str = ""

    @classmethod
    def of(cls, value: Any) -> Config | None:
        if not value:
            return None
        chain = value.get("chain") or ()
        if isinstance(chain, str):
            chain = [part for part in chain.split(",") if part.strip()]
        config = cls(
            pkcs12=str(value.get("pkcs12") or ""),
            key=str(value.get("key") or ""),
            cert=str(value.get("cert") or ""),
            chain=tuple(str(p).strip() for p in chain),
            passphrase=str(value.get("passphrase") or ""),
        )
        if not config.pkcs12 and not (config.key and config.cert):
            raise ImproperlyConfigured(
                "JIEFEN_SIGNING needs a PKCS#12 file, or a key and a certificate"
            )
        return config


def config() -> Config | None:
    return Config.of(getattr(settings, "JIEFEN_SIGNING", None))


@lru_cache(maxsize=4)
def _signer(config: Config) -> Any:
    from pyhanko.sign import signers

    for path in (config.pkcs12, config.key, config.cert, *config.chain):
        if path and not Path(path).is_file():
            raise ImproperlyConfigured(f"JIEFEN_SIGNING: no file {path}")
    passphrase = config.passphrase.encode() or None
    if config.pkcs12:
        signer = signers.SimpleSigner.load_pkcs12(
            config.pkcs12, ca_chain_files=config.chain or None, passphrase=passphrase
        )
    else:
        signer = signers.SimpleSigner.load(
            config.key, config.cert, ca_chain_files=config.chain or None, key_passphrase=passphrase
        )
    if signer is None:
        raise ImproperlyConfigured("JIEFEN_SIGNING: the key or certificate cannot be read")
    return signer


def signer() -> Any:
    """pyHanko's signer for the configured certificate (loaded once), None without one."""
    chosen = config()
    return None if chosen is None else _signer(chosen)


def warm() -> None:
    """With a certificate configured: pyHanko imported and the key read now (about a second),
    not on the first agreement a worker serves. Called by jiefen.wsgi when the app loads."""
    if config() is not None:
        from pyhanko.pdf_utils import incremental_writer  # noqa: F401
        from pyhanko.sign import fields, signers  # noqa: F401

        signer()


def signer_name() -> str:
    """The signing certificate's subject, as the documents panel names it; "" unsigned."""
    chosen = signer()
    if chosen is None:
        return ""
    subject = chosen.signing_cert.subject.native
    return str(subject.get("organization_name") or subject.get("common_name") or "")


def sign(data: bytes, *, reason: str, location: str, name: str) -> bytes:
    """`data` (a PDF) with a PAdES certification signature appended as an incremental update
    (the original bytes are kept as they are, so the fonts and text are untouched)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    chosen = signer()
    if chosen is None:
        raise ImproperlyConfigured("JIEFEN_SIGNING is not configured")
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    out = signers.PdfSigner(meta, signer=chosen).sign_pdf(writer, bytes_reserved=_room(chosen))
    return out.getvalue()


def _room(chosen: Any) -> int:
    """Bytes kept for the signature: the certificates it carries and room for the rest (the
    signed attributes, a signature of up to 4096-bit RSA). Given, pyHanko need not sign twice
    to measure it; a reservation too small would fail loudly, never sign short."""
    certificates = [chosen.signing_cert, *chosen.cert_registry]
    # Written in hex: two characters a byte.
    return 2 * (4096 + sum(len(cert.dump()) for cert in certificates))


def check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """A signing certificate configured but unreadable is an error at start, not at the first
    download (registered in DocumentsConfig.ready)."""
    from django.core import checks

    try:
        signer()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="jiefen.documents.E001")]
    return []
