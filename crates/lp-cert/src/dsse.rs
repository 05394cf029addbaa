//! DSSE v1 envelopes: the pre-authentication encoding, signing and strict verification.
//!
//! See <https://github.com/secure-systems-lab/dsse/blob/master/protocol.md>. The payload and
//! each signature are base64 (standard alphabet, padded) in the JSON envelope.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The DSSE payload type of an in-toto Statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope as serialized to JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Envelope {
    /// Base64 of the payload bytes.
    pub payload: String,
    /// The payload's media type, which is covered by the signature.
    pub payload_type: String,
    /// One or more signatures over `PAE(payload_type, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// An optional hint to the key that made the signature; it is not authenticated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keyid: String,
    /// Base64 of the 64-byte Ed25519 signature.
    pub sig: String,
}

/// Why an envelope did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    /// The payload is not valid base64.
    #[error("the payload is not valid base64")]
    PayloadEncoding,
    /// The envelope has no signature.
    #[error("the envelope has no signature")]
    NoSignature,
    /// A signature is not valid base64 or is not 64 bytes long.
    #[error("signature {0} is not a base64 Ed25519 signature of 64 bytes")]
    SignatureEncoding(usize),
    /// No signature verifies with the given key.
    #[error("no signature verifies with the given public key")]
    BadSignature,
}

/// The DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, with lengths in ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Signs `payload` into an envelope with one signature, tagged with `keyid` (which may be empty).
pub fn sign(key: &SigningKey, payload_type: &str, payload: &[u8], keyid: &str) -> Envelope {
    let signature = crate::keys::sign(key, &pae(payload_type, payload));
    Envelope {
        payload: STANDARD.encode(payload),
        payload_type: payload_type.to_owned(),
        signatures: vec![EnvelopeSignature { keyid: keyid.to_owned(), sig: STANDARD.encode(signature.to_bytes()) }],
    }
}

/// Verifies that at least one signature of the envelope is a strict Ed25519 signature by `key`
/// over `PAE(payload_type, payload)`, and returns the decoded payload.
pub fn verify(envelope: &Envelope, key: &VerifyingKey) -> Result<Vec<u8>, DsseError> {
    let payload = STANDARD.decode(&envelope.payload).map_err(|_| DsseError::PayloadEncoding)?;
    if envelope.signatures.is_empty() {
        return Err(DsseError::NoSignature);
    }
    let message = pae(&envelope.payload_type, &payload);
    for (i, s) in envelope.signatures.iter().enumerate() {
        let bytes = STANDARD.decode(&s.sig).map_err(|_| DsseError::SignatureEncoding(i))?;
        let bytes: [u8; 64] = bytes.try_into().map_err(|_| DsseError::SignatureEncoding(i))?;
        let signature = Signature::from_bytes(&bytes);
        if crate::keys::verify_strict(key, &message, &signature) {
            return Ok(payload);
        }
    }
    Err(DsseError::BadSignature)
}
