//! Known-answer tests (RFC 8032, DSSE), envelope round trips, tampering and canonical JSON.

use lp_cert::{canonical, dsse, keys};
use serde_json::json;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn key32(s: &str) -> [u8; 32] {
    unhex(s).try_into().expect("32 bytes")
}

/// RFC 8032 section 7.1: (secret key, public key, message, signature).
const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

#[test]
fn rfc8032_test_vectors() {
    for (secret, public, message, signature) in RFC8032 {
        let key = keys::PrivateKey::from_bytes(&key32(secret));
        assert_eq!(keys::hex(key.verifying_key().as_bytes()), public);
        let sig = keys::sign(&key, &unhex(message));
        assert_eq!(keys::hex(&sig.to_bytes()), signature);
        assert!(keys::verify_strict(&key.verifying_key(), &unhex(message), &sig));
    }
}

#[test]
fn rfc8032_keys_survive_pem_round_trip() {
    let key = keys::PrivateKey::from_bytes(&key32(RFC8032[0].0));
    let private = keys::private_key_to_pem(&key).expect("encode private");
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{private}");
    let public = keys::public_key_to_pem(&key.verifying_key()).expect("encode public");
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{public}");
    assert_eq!(keys::private_key_from_pem(&private).expect("decode private").to_bytes(), key.to_bytes());
    assert_eq!(keys::public_key_from_pem(&public).expect("decode public"), key.verifying_key());
    assert!(keys::private_key_from_pem(&public).is_err());
    assert!(keys::public_key_from_pem(&private).is_err());
    let fp = keys::fingerprint(&key.verifying_key()).expect("fingerprint");
    assert!(fp.starts_with("SHA256:") && fp.len() == 7 + 64, "{fp}");
}

#[test]
fn generated_keys_differ() {
    let a = keys::generate().expect("generate");
    let b = keys::generate().expect("generate");
    assert_ne!(a.to_bytes(), b.to_bytes());
}

#[test]
fn dsse_pae_vectors() {
    assert_eq!(
        dsse::pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
    );
    assert_eq!(dsse::pae("", b""), b"DSSEv1 0  0 ".to_vec());
}

fn signed() -> (keys::PrivateKey, dsse::Envelope) {
    let key = keys::PrivateKey::from_bytes(&key32(RFC8032[1].0));
    let env = dsse::sign(&key, dsse::IN_TOTO_PAYLOAD_TYPE, br#"{"_type":"x"}"#, "k1");
    (key, env)
}

#[test]
fn envelope_round_trip() {
    let (key, env) = signed();
    let json = serde_json::to_string(&env).expect("serialize");
    assert!(json.contains("\"payloadType\":\"application/vnd.in-toto+json\""), "{json}");
    let back: dsse::Envelope = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(dsse::verify(&back, &key.verifying_key()), Ok(br#"{"_type":"x"}"#.to_vec()));
}

fn flip_base64_byte(b64: &str, index: usize) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(b64).expect("base64");
    bytes[index] ^= 0x01;
    engine.encode(bytes)
}

#[test]
fn tampered_payload_is_rejected() {
    let (key, mut env) = signed();
    env.payload = flip_base64_byte(&env.payload, 3);
    assert_eq!(dsse::verify(&env, &key.verifying_key()), Err(dsse::DsseError::BadSignature));
}

#[test]
fn tampered_payload_type_is_rejected() {
    let (key, mut env) = signed();
    env.payload_type = "application/json".into();
    assert_eq!(dsse::verify(&env, &key.verifying_key()), Err(dsse::DsseError::BadSignature));
}

#[test]
fn tampered_signature_is_rejected() {
    let (key, mut env) = signed();
    for i in [0, 31, 32, 63] {
        let mut e = env.clone();
        e.signatures[0].sig = flip_base64_byte(&env.signatures[0].sig, i);
        assert_eq!(dsse::verify(&e, &key.verifying_key()), Err(dsse::DsseError::BadSignature), "byte {i}");
    }
    env.signatures[0].sig = "AAAA".into();
    assert_eq!(dsse::verify(&env, &key.verifying_key()), Err(dsse::DsseError::SignatureEncoding(0)));
    env.signatures.clear();
    assert_eq!(dsse::verify(&env, &key.verifying_key()), Err(dsse::DsseError::NoSignature));
}

#[test]
fn wrong_key_is_rejected() {
    let (_, env) = signed();
    let other = keys::PrivateKey::from_bytes(&key32(RFC8032[2].0));
    assert_eq!(dsse::verify(&env, &other.verifying_key()), Err(dsse::DsseError::BadSignature));
}

/// The group order L, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

#[test]
fn non_canonical_s_is_rejected() {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let (key, mut env) = signed();
    let mut sig = engine.decode(&env.signatures[0].sig).expect("base64");
    // S + L is congruent to S modulo L, so only a scalar range check rejects it.
    let mut carry = 0u16;
    for (s, l) in sig[32..].iter_mut().zip(L) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    assert!(sig[63] & 0xe0 == 0, "S + L still fits in 253 bits");
    env.signatures[0].sig = engine.encode(&sig);
    assert_eq!(dsse::verify(&env, &key.verifying_key()), Err(dsse::DsseError::BadSignature));
}

#[test]
fn canonical_json_sorts_keys_without_whitespace() {
    let v = json!({"b": 1, "a": {"z": [true, null, "x\n\"y\u{1}"], "y": -3}, "A": 18446744073709551615u64});
    assert_eq!(
        canonical::to_string(&v).expect("canonical"),
        r#"{"A":18446744073709551615,"a":{"y":-3,"z":[true,null,"x\n\"y\u0001"]},"b":1}"#
    );
}

#[test]
fn canonical_json_is_deterministic_and_matches_parse() {
    let a: serde_json::Value = serde_json::from_str(r#"{ "k2": [1, 2], "k1": {"\u00e9": 1, "e": 2} }"#).expect("parse");
    let b: serde_json::Value = serde_json::from_str(r#"{"k1":{"e":2,"é":1},"k2":[1,2]}"#).expect("parse");
    let ca = canonical::to_vec(&a).expect("canonical");
    assert_eq!(ca, canonical::to_vec(&b).expect("canonical"));
    assert_eq!(ca, r#"{"k1":{"e":2,"é":1},"k2":[1,2]}"#.as_bytes());
    let reparsed: serde_json::Value = serde_json::from_slice(&ca).expect("reparse");
    assert_eq!(reparsed, a);
}

#[test]
fn canonical_json_sorts_by_utf16_code_units() {
    // U+1F600 is a surrogate pair (0xD83D...) and sorts before U+FB01 (0xFB01) in UTF-16, unlike in UTF-8.
    let v = json!({"\u{fb01}": 1, "\u{1f600}": 2});
    assert_eq!(canonical::to_string(&v).expect("canonical"), "{\"\u{1f600}\":2,\"\u{fb01}\":1}");
}

#[test]
fn canonical_json_rejects_floats() {
    assert!(matches!(canonical::to_string(&json!({"x": 1.5})), Err(canonical::CanonicalError::NonInteger(_))));
}
