//! Certificate verification that loads the OS trust store on the first TLS handshake, once per
//! process, instead of once per client at construction.
//!
//! Loading the store (about 140 PEM certificates parsed into a root store, and the parsing code
//! paged in) costs about 7 ms and 3 MiB, and reqwest's default does it for every client built. A
//! program that builds a client per request, or never speaks TLS (a local server), paid it
//! anyway. Here every client without extra roots shares one verifier, built when some client
//! first verifies a server certificate; a client with a CA file gets its own, built the same
//! way, and its certificates are still checked when the client is built.

use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, Ordering};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// A verifier built on first use. Lock-free, like the runtime: a lock held by another thread at
/// `fork()` would stay locked in the child.
#[derive(Debug, Default)]
struct Slot(AtomicPtr<Verifier>);

impl Slot {
    fn get_or_try_init(
        &self,
        make: impl FnOnce() -> Result<Verifier, rustls::Error>,
    ) -> Result<&Verifier, rustls::Error> {
        let cur = self.0.load(Ordering::Acquire);
        if !cur.is_null() {
            // SAFETY: a published pointer is freed only by `Drop`, which needs `&mut self`.
            return Ok(unsafe { &*cur });
        }
        let fresh = Box::into_raw(Box::new(make()?));
        match self.0.compare_exchange(
            std::ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: as above; `fresh` is now published.
            Ok(_) => Ok(unsafe { &*fresh }),
            Err(winner) => {
                // Two handshakes raced; keep the first verifier. SAFETY: `fresh` was never
                // published; `winner` was, and lives as long as `self`.
                drop(unsafe { Box::from_raw(fresh) });
                Ok(unsafe { &*winner })
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let p = *self.0.get_mut();
        if !p.is_null() {
            // SAFETY: published by `get_or_try_init`, and nothing can borrow it any more.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// The verifier of every client without extra roots; never dropped.
static SHARED: Slot = Slot(AtomicPtr::new(std::ptr::null_mut()));

#[derive(Debug)]
enum Roots {
    /// The OS store only: the process-wide [`SHARED`] verifier.
    System,
    /// The OS store plus these certificates: a verifier of this client's own.
    Extra(Vec<CertificateDer<'static>>, Slot),
}

/// Checks server certificates like `rustls-platform-verifier` (the OS trust store, plus extra
/// roots), building the verifier on the first certificate it checks. Handshake signatures and the
/// supported schemes need only the crypto provider, so they never wait for the store.
#[derive(Debug)]
pub(crate) struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    roots: Roots,
}

impl LazyVerifier {
    /// Checks the extra roots now (so a bad CA file is a construction error), loads nothing.
    pub(crate) fn new(
        provider: Arc<CryptoProvider>,
        extra: Vec<CertificateDer<'static>>,
    ) -> Result<Self, rustls::Error> {
        if extra.is_empty() {
            return Ok(LazyVerifier {
                provider,
                roots: Roots::System,
            });
        }
        let mut check = rustls::RootCertStore::empty();
        for cert in &extra {
            check.add(cert.clone())?;
        }
        Ok(LazyVerifier {
            provider,
            roots: Roots::Extra(extra, Slot::default()),
        })
    }

    fn inner(&self) -> Result<&Verifier, rustls::Error> {
        match &self.roots {
            Roots::System => SHARED.get_or_try_init(|| Verifier::new(self.provider.clone())),
            Roots::Extra(extra, slot) => slot.get_or_try_init(|| {
                Verifier::new_with_extra_roots(extra.iter().cloned(), self.provider.clone())
            }),
        }
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
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
            &self.provider.signature_verification_algorithms,
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
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The TLS configuration reqwest would build (TLS 1.2 and 1.3, SNI, ALPN `h2` then `http/1.1`),
/// with the lazy verifier.
pub(crate) fn client_config(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let verifier = LazyVerifier::new(provider.clone(), extra_roots)?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    #[test]
    fn building_loads_nothing() {
        let v = LazyVerifier::new(provider(), Vec::new()).unwrap();
        assert!(matches!(v.roots, Roots::System));
        let extra = vec![CertificateDer::from(b"not a certificate".to_vec())];
        // A bad extra root is refused when the client is built, not at the first handshake.
        assert!(LazyVerifier::new(provider(), extra).is_err());
    }

    #[test]
    fn a_slot_builds_once_and_keeps_the_first() {
        let slot = Slot::default();
        let mut builds = 0;
        let a = slot
            .get_or_try_init(|| {
                builds += 1;
                Verifier::new(provider())
            })
            .map(|v| v as *const Verifier);
        // No system store on this machine is an error, and is not cached either.
        if let Ok(a) = a {
            let b = slot
                .get_or_try_init(|| unreachable!("built twice"))
                .unwrap() as *const Verifier;
            assert_eq!(a, b);
        }
        assert_eq!(builds, 1);
    }

    #[test]
    fn schemes_come_from_the_provider_without_the_store() {
        let v = LazyVerifier::new(provider(), Vec::new()).unwrap();
        assert!(!v.supported_verify_schemes().is_empty());
    }
}
