"""A SAML 2.0 identity provider for tests: pysaml2, with a key and certificate made per run.

pysaml2 signs with the xmlsec1 program (Debian's ``xmlsec1``; bin/test installs it). Nothing here
reaches into the portal: the tests carry its redirects and posts as a browser would.
"""

from __future__ import annotations

import base64
import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"
ENTITY_ID = "https://idp.fabrikam.test/saml/metadata"
SSO_URL = "https://idp.fabrikam.test/saml/sso"

# Attribute names as Entra ID sends them.
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
GIVEN_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"


def make_key_and_certificate(directory: Path, common_name: str) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path = directory / f"{common_name}.key"
    cert_path = directory / f"{common_name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@dataclass(frozen=True)
class AuthnRequest:
    id: str
    acs_url: str
    sp_entity_id: str
    relay_state: str


class TestIdentityProvider:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, directory: Path, *, lifetime_minutes: int = 5) -> None:
        self.key_path, self.cert_path = make_key_and_certificate(directory, "fabrikam-idp")
        self.lifetime_minutes = lifetime_minutes
        self._sp_metadata: list[str] = []
        self._server: Server | None = None

    def with_lifetime(self, minutes: int) -> TestIdentityProvider:
        """The same IdP (key, certificate, trusted SPs) issuing assertions valid ``minutes``
        from now: negative makes them expired on arrival."""
        clone = TestIdentityProvider.__new__(TestIdentityProvider)
        clone.key_path, clone.cert_path = self.key_path, self.cert_path
        clone.lifetime_minutes = minutes
        clone._sp_metadata = list(self._sp_metadata)
        clone._server = None
        return clone

    @property
    def certificate_pem(self) -> str:
        return self.cert_path.read_text()

    def trust_sp(self, metadata_xml: str) -> None:
        self._sp_metadata.append(metadata_xml)
        self._server = None

    def server(self) -> Server:
        # Loading pysaml2's configuration (its XML schemas) takes a while: once per IdP.
        if self._server is None:
            self._server = self._make_server()
        return self._server

    def _make_server(self) -> Server:
        config = IdPConfig()
        config.load(
            {
                "entityid": ENTITY_ID,
                "xmlsec_binary": XMLSEC1,
                "key_file": str(self.key_path),
                "cert_file": str(self.cert_path),
                "metadata": {"inline": self._sp_metadata},
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (SSO_URL, BINDING_HTTP_REDIRECT),
                                (SSO_URL, BINDING_HTTP_POST),
                            ]
                        },
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": self.lifetime_minutes},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    }
                },
            }
        )
        return Server(config=config)

    def read_request(self, redirect_url: str) -> AuthnRequest:
        """The AuthnRequest the portal sent the browser to us with (HTTP-Redirect binding)."""
        query = parse_qs(urlsplit(redirect_url).query)
        parsed = self.server().parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = parsed.message
        return AuthnRequest(
            id=message.id,
            acs_url=message.assertion_consumer_service_url,
            sp_entity_id=message.issuer.text,
            relay_state=query.get("RelayState", [""])[0],
        )

    def response(
        self,
        request: AuthnRequest,
        *,
        uid: str,
        email: str,
        groups: list[str],
        signed: bool = True,
        destination: str | None = None,
        audience: str | None = None,
    ) -> str:
        """A base64 SAMLResponse for the HTTP-POST binding, signed with SHA-256 unless told."""
        identity = {EMAIL: [email], GIVEN_NAME: [email.split("@")[0].title()], GROUPS: groups}
        xml = self.server().create_authn_response(
            identity=identity,
            in_response_to=request.id or None,  # none: IdP-initiated
            destination=destination or request.acs_url,
            sp_entity_id=audience or request.sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=uid),
            userid=uid,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=signed,
            sign_assertion=signed,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return base64.b64encode(str(xml).encode()).decode()
