//! Ed25519 key pairs: generation, PEM encoding (PKCS#8 v1 private, SPKI public) and fingerprints.

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{SigningKey as PrivateKey, VerifyingKey as PublicKey};

/// The fingerprint of the committed key pair `certificates/TEST-ONLY-signing-key.{key,pub}`.
/// Its private key is public, so a certificate it signed proves nothing: the gate refuses one
/// unless the caller explicitly allows the test key, and warns either way.
pub const TEST_ONLY_KEY_FINGERPRINT: &str = "SHA256:d7bd0f708f83d18f88deefdbbee814d58ca497eb09b206711a9d037cb0433103";

/// Why a key could not be generated, encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(String),
    /// A private key could not be encoded as or decoded from PKCS#8 PEM.
    #[error("invalid PKCS#8 private key: {0}")]
    Private(String),
    /// A public key could not be encoded as or decoded from SPKI PEM.
    #[error("invalid SPKI public key: {0}")]
    Public(String),
}

/// Generates a fresh key pair from the operating system's random number generator.
pub fn generate() -> Result<SigningKey, KeyError> {
    let mut seed = [0u8; ed25519_dalek::SECRET_KEY_LENGTH];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    Ok(key)
}

/// The private key as PKCS#8 v1 PEM (RFC 8410: the seed alone, no embedded public key),
/// using `\n` line endings. This is the form every common tool reads: OpenSSL 3.0 rejects the
/// v2 form (`OneAsymmetricKey` with the public key) that `SigningKey::to_pkcs8_pem` writes.
pub fn private_key_to_pem(key: &SigningKey) -> Result<String, KeyError> {
    let bytes = KeypairBytes { secret_key: key.to_bytes(), public_key: None };
    bytes.to_pkcs8_pem(LineEnding::LF).map(|pem| pem.to_string()).map_err(|e| KeyError::Private(e.to_string()))
}

/// Reads a private key from PKCS#8 PEM, v1 or v2 (a v2 key's public key must match its seed).
pub fn private_key_from_pem(pem: &str) -> Result<SigningKey, KeyError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| KeyError::Private(e.to_string()))
}

/// The public key as SPKI PEM, using `\n` line endings.
pub fn public_key_to_pem(key: &VerifyingKey) -> Result<String, KeyError> {
    key.to_public_key_pem(LineEnding::LF).map_err(|e| KeyError::Public(e.to_string()))
}

/// Reads a public key from SPKI PEM.
pub fn public_key_from_pem(pem: &str) -> Result<VerifyingKey, KeyError> {
    VerifyingKey::from_public_key_pem(pem).map_err(|e| KeyError::Public(e.to_string()))
}

/// The public key's fingerprint: `SHA256:` and the lowercase hex SHA-256 of its SPKI DER encoding.
pub fn fingerprint(key: &VerifyingKey) -> Result<String, KeyError> {
    let der = key.to_public_key_der().map_err(|e| KeyError::Public(e.to_string()))?;
    Ok(format!("SHA256:{}", hex(&Sha256::digest(der.as_bytes()))))
}

/// Signs raw bytes (pure Ed25519, RFC 8032).
pub fn sign(key: &SigningKey, message: &[u8]) -> Signature {
    key.sign(message)
}

/// Verifies a signature strictly: non-canonical `S`, small-order keys and small-order `R` are rejected.
pub fn verify_strict(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    key.verify_strict(message, signature).is_ok()
}

/// Lowercase hexadecimal, because sha2 0.11 digests no longer implement `LowerHex`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8410 §10.3's private key (PKCS#8 v1) and §10.1's public key, which is its half.
    const RFC8410_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
-----END PRIVATE KEY-----
";
    const RFC8410_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
-----END PUBLIC KEY-----
";
    /// The committed TEST-ONLY key as `keygen` once wrote it: PKCS#8 v2, public key embedded.
    const V2_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MFECAQEwBQYDK2VwBCIEIGZ1y5FXw+b6c6D1XS12yHZUOtXSV304YznripRawmxg
gSEASUXYCQSEKhBTtyTiBH5shcRM2rmmTq5zbloKs17orus=
-----END PRIVATE KEY-----
";

    #[test]
    fn private_keys_are_written_as_pkcs8_v1() {
        let key = private_key_from_pem(RFC8410_PRIVATE).expect("RFC 8410's key reads");
        assert_eq!(public_key_to_pem(&key.verifying_key()).expect("encodes"), RFC8410_PUBLIC);
        // Byte for byte the RFC's encoding: version 0, no public key.
        assert_eq!(private_key_to_pem(&key).expect("encodes"), RFC8410_PRIVATE);
    }

    #[test]
    fn v2_private_keys_still_read() {
        let key = private_key_from_pem(V2_PRIVATE).expect("a v2 key reads");
        let v1 = private_key_to_pem(&key).expect("encodes");
        assert!(v1.starts_with("-----BEGIN PRIVATE KEY-----\nMC4CAQAw"), "{v1}");
        assert_eq!(private_key_from_pem(&v1).expect("re-reads").to_bytes(), key.to_bytes());
    }
}
