//! Server certificate verification as OpenSSL (so Python, so Locust) does
//! it, on top of webpki: the hostname check can be turned off on its own, a
//! self-signed certificate given as a trusted CA is accepted for itself, and
//! a rejection carries OpenSSL's words ("self-signed certificate", "IP
//! address mismatch, ...") so failure texts match Locust's.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

/// A rejected certificate, in OpenSSL's words (the text after
/// "certificate verify failed: ").
#[derive(Debug)]
pub(crate) struct VerifyFailed(pub String);

impl std::fmt::Display for VerifyFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VerifyFailed {}

fn rejected(text: String) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(VerifyFailed(
        text,
    )))))
}

#[derive(Debug)]
pub(crate) struct Verifier {
    inner: Arc<WebPkiServerVerifier>,
    check_hostname: bool,
    /// The CA certificates the user gave, DER.
    given: Vec<CertificateDer<'static>>,
}

impl Verifier {
    pub fn new(
        inner: Arc<WebPkiServerVerifier>,
        check_hostname: bool,
        given: Vec<CertificateDer<'static>>,
    ) -> Verifier {
        Verifier {
            inner,
            check_hostname,
            given,
        }
    }

    /// A server certificate that is itself one of the trusted certificates
    /// (OpenSSL accepts it; webpki wants a chain to a different anchor).
    fn trusted_directly(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
    ) -> Option<Result<ServerCertVerified, rustls::Error>> {
        if !self.given.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            return None;
        }
        if !self.check_hostname {
            return Some(Ok(ServerCertVerified::assertion()));
        }
        let parsed = ParsedCertificate::try_from(end_entity).ok()?;
        Some(
            match rustls::client::verify_server_name(&parsed, server_name) {
                Ok(()) => Ok(ServerCertVerified::assertion()),
                Err(_) => Err(rejected(name_mismatch(server_name))),
            },
        )
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let error = match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => return Ok(v),
            Err(rustls::Error::InvalidCertificate(e)) => e,
            Err(other) => return Err(other),
        };
        let name_only = matches!(
            error,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        );
        // webpki checks the name only once the chain holds.
        if name_only && !self.check_hostname {
            return Ok(ServerCertVerified::assertion());
        }
        // A certificate the CA file holds itself is trusted without an issuer,
        // but it still has to be valid (dates, purpose, signature), as in OpenSSL.
        if is_issuer_error(&error) {
            if let Some(outcome) = self.trusted_directly(end_entity, server_name) {
                return outcome;
            }
        }
        Err(rejected(openssl_text(
            &error,
            end_entity,
            intermediates,
            server_name,
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// OpenSSL's reason for rejecting a certificate that webpki rejected.
fn openssl_text(
    error: &CertificateError,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
) -> String {
    use CertificateError as C;
    let unknown_issuer = || {
        if is_self_issued(end_entity) {
            "self-signed certificate"
        } else if intermediates.iter().any(|c| is_self_issued(c)) {
            "self-signed certificate in certificate chain"
        } else {
            "unable to get local issuer certificate"
        }
        .to_owned()
    };
    match error {
        // OpenSSL calls an untrusted self-signed CA certificate just that.
        _ if is_issuer_error(error) => unknown_issuer(),
        C::NotValidForName | C::NotValidForNameContext { .. } => name_mismatch(server_name),
        C::Expired | C::ExpiredContext { .. } => "certificate has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "certificate is not yet valid".into(),
        C::Revoked => "certificate revoked".into(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "unsupported certificate purpose".into()
        }
        C::BadSignature => "certificate signature failure".into(),
        _ if is_self_issued(end_entity) => "self-signed certificate".into(),
        other => format!("{other:?}"),
    }
}

/// No trusted issuer was found (webpki's CaUsedAsEndEntity comes through
/// `Other`: a CA certificate served as the server's own).
fn is_issuer_error(error: &CertificateError) -> bool {
    match error {
        CertificateError::UnknownIssuer => true,
        CertificateError::Other(other) => format!("{other:?}").contains("CaUsedAsEndEntity"),
        _ => false,
    }
}

fn name_mismatch(server_name: &ServerName<'_>) -> String {
    match server_name {
        ServerName::IpAddress(ip) => {
            let ip: std::net::IpAddr = (*ip).into();
            format!("IP address mismatch, certificate is not valid for '{ip}'.")
        }
        ServerName::DnsName(name) => format!(
            "Hostname mismatch, certificate is not valid for '{}'.",
            name.as_ref()
        ),
        other => format!("Hostname mismatch, certificate is not valid for '{other:?}'."),
    }
}

/// `verify=False`: any certificate for any name is accepted, but the
/// handshake signatures are still checked so the peer holds the key.
#[derive(Debug)]
pub(crate) struct AcceptAnyCert(Arc<CryptoProvider>);

impl AcceptAnyCert {
    pub fn new(provider: Arc<CryptoProvider>) -> AcceptAnyCert {
        AcceptAnyCert(provider)
    }
}

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// One DER element at the start of `data`: (header length, content length).
fn der_header(data: &[u8]) -> Option<(usize, usize)> {
    let first = *data.get(1)?;
    if first < 0x80 {
        return Some((2, usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 || data.len() < 2 + n {
        return None;
    }
    let len = data[2..2 + n]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Some((2 + n, len))
}

/// The length of the DER element (a certificate) at the start of `data`.
pub(crate) fn der_len(data: &[u8]) -> Option<usize> {
    if data.first() != Some(&0x30) {
        return None;
    }
    let (head, len) = der_header(data)?;
    (data.len() >= head + len).then_some(head + len)
}

/// The elements inside the DER SEQUENCE `data`.
fn der_children(data: &[u8]) -> Option<Vec<&[u8]>> {
    let (head, len) = der_header(data)?;
    let mut inner = data.get(head..head + len)?;
    let mut out = Vec::new();
    while !inner.is_empty() {
        let (h, l) = der_header(inner)?;
        out.push(inner.get(..h + l)?);
        inner = &inner[h + l..];
    }
    Some(out)
}

/// Whether a certificate names itself as its issuer.
fn is_self_issued(cert: &[u8]) -> bool {
    let Some(tbs) = der_children(cert).and_then(|c| c.first().copied()) else {
        return false;
    };
    let Some(fields) = der_children(tbs) else {
        return false;
    };
    // [0] version is optional; then serial, signature, issuer, validity, subject.
    let skip = usize::from(fields.first().is_some_and(|f| f.first() == Some(&0xa0)));
    match (fields.get(skip + 2), fields.get(skip + 4)) {
        (Some(issuer), Some(subject)) => issuer == subject,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_issued_certificates_are_recognised() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        let own = params.self_signed(&key).unwrap();
        assert!(is_self_issued(own.der()));
        assert_eq!(der_len(own.der()), Some(own.der().len()));

        let named = |names: Vec<String>, cn: &str| {
            let mut p = rcgen::CertificateParams::new(names).unwrap();
            p.distinguished_name = rcgen::DistinguishedName::new();
            p.distinguished_name.push(rcgen::DnType::CommonName, cn);
            p
        };
        let mut ca_params = named(vec![], "ca");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = named(vec!["h".into()], "leaf")
            .signed_by(&leaf_key, &issuer)
            .unwrap();
        assert!(!is_self_issued(leaf.der()));
        assert!(is_self_issued(ca.der()));
        assert!(!is_self_issued(b"\x30\x03\x02\x01\x00"));
    }

    #[test]
    fn name_mismatches_read_like_openssl() {
        let ip = ServerName::try_from("127.0.0.1").unwrap();
        assert_eq!(
            name_mismatch(&ip),
            "IP address mismatch, certificate is not valid for '127.0.0.1'."
        );
        let dns = ServerName::try_from("example.test").unwrap();
        assert_eq!(
            name_mismatch(&dns),
            "Hostname mismatch, certificate is not valid for 'example.test'."
        );
    }
}
