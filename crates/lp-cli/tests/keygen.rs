//! End-to-end tests of `leanos-prove keygen`: file creation, permissions, no overwrite, usable keys.

use lp_cert::{dsse, keys};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leanos-prove")).args(args).current_dir(cwd).output().expect("run leanos-prove")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh scratch folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("keygen").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn keygen_writes_usable_keys_and_never_overwrites() {
    let dir = scratch("writes");
    let o = run(&["keygen", "--out", "keys", "--name", "ci"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let private_path = dir.join("keys/ci.key");
    let public_path = dir.join("keys/ci.pub");
    let private_pem = std::fs::read_to_string(&private_path).expect("read key");
    let public_pem = std::fs::read_to_string(&public_path).expect("read pub");
    assert!(private_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private_path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "private key mode is {mode:o}");
    }

    let private = keys::private_key_from_pem(&private_pem).expect("parse key");
    let public = keys::public_key_from_pem(&public_pem).expect("parse pub");
    assert_eq!(private.verifying_key(), public);
    assert_eq!(text(&o.stdout).trim(), keys::fingerprint(&public).expect("fingerprint"));
    let env = dsse::sign(&private, dsse::IN_TOTO_PAYLOAD_TYPE, b"{}", "");
    assert_eq!(dsse::verify(&env, &public), Ok(b"{}".to_vec()));

    let again = run(&["keygen", "--out", "keys", "--name", "ci"], &dir);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("already exists"), "{}", text(&again.stderr));
    assert_eq!(std::fs::read_to_string(&private_path).expect("read key"), private_pem);
    assert_eq!(std::fs::read_to_string(&public_path).expect("read pub"), public_pem);
}

#[test]
fn keygen_refuses_when_only_the_public_key_exists() {
    let dir = scratch("public-exists");
    std::fs::write(dir.join("leanos.pub"), "keep me").expect("write");
    let o = run(&["keygen"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("leanos.pub"), "{}", text(&o.stderr));
    assert!(!dir.join("leanos.key").exists());
    assert_eq!(std::fs::read_to_string(dir.join("leanos.pub")).expect("read"), "keep me");
}

#[test]
fn keygen_rejects_a_name_with_a_path() {
    let dir = scratch("bad-name");
    let o = run(&["keygen", "--name", "../evil"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not a valid key name"), "{}", text(&o.stderr));
}

/// Runs `openssl` with arguments, or `None` when it is not installed (CI installs it).
fn openssl(args: &[&str], cwd: &Path) -> Option<Output> {
    match Command::new("openssl").args(args).current_dir(cwd).output() {
        Ok(o) => Some(o),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("note: `openssl` is not installed; skipping the OpenSSL interoperability checks");
            None
        }
        Err(e) => panic!("cannot run openssl: {e}"),
    }
}

/// Runs `openssl` and requires success.
fn openssl_ok(args: &[&str], cwd: &Path) -> Option<Vec<u8>> {
    let o = openssl(args, cwd)?;
    assert!(o.status.success(), "openssl {args:?} failed: {}", text(&o.stderr));
    Some(o.stdout)
}

#[test]
fn keygen_keys_interoperate_with_openssl() {
    let dir = scratch("openssl");
    let o = run(&["keygen", "--out", ".", "--name", "k"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // OpenSSL 3.0 reads the private key (it rejected the PKCS#8 v2 form keygen used to write)
    // and derives the same public key.
    let Some(_) = openssl_ok(&["pkey", "-in", "k.key", "-noout"], &dir) else { return };
    let derived = openssl_ok(&["pkey", "-in", "k.key", "-pubout"], &dir).expect("openssl is installed");
    let public_pem = std::fs::read_to_string(dir.join("k.pub")).expect("read pub");
    assert_eq!(text(&derived), public_pem);

    // Our signature verifies with OpenSSL.
    let private =
        keys::private_key_from_pem(&std::fs::read_to_string(dir.join("k.key")).expect("read key")).expect("parse key");
    let message = b"leanos-prove signs this";
    std::fs::write(dir.join("msg"), message).expect("write message");
    std::fs::write(dir.join("sig"), keys::sign(&private, message).to_bytes()).expect("write signature");
    let verified = openssl_ok(
        &["pkeyutl", "-verify", "-pubin", "-inkey", "k.pub", "-rawin", "-in", "msg", "-sigfile", "sig"],
        &dir,
    )
    .expect("openssl is installed");
    assert!(text(&verified).contains("Signature Verified Successfully"), "{}", text(&verified));
    // A tampered message does not.
    std::fs::write(dir.join("msg"), b"leanos-prove signs that").expect("write message");
    let o =
        openssl(&["pkeyutl", "-verify", "-pubin", "-inkey", "k.pub", "-rawin", "-in", "msg", "-sigfile", "sig"], &dir)
            .expect("openssl is installed");
    assert!(!o.status.success(), "a tampered message verified");

    // A key OpenSSL generates is read by us, and OpenSSL verifies what we sign with it.
    openssl_ok(&["genpkey", "-algorithm", "ed25519", "-out", "o.key"], &dir).expect("openssl is installed");
    openssl_ok(&["pkey", "-in", "o.key", "-pubout", "-out", "o.pub"], &dir).expect("openssl is installed");
    let theirs = keys::private_key_from_pem(&std::fs::read_to_string(dir.join("o.key")).expect("read key"))
        .expect("an OpenSSL key reads");
    let their_pub = keys::public_key_from_pem(&std::fs::read_to_string(dir.join("o.pub")).expect("read pub"))
        .expect("an OpenSSL public key reads");
    assert_eq!(theirs.verifying_key(), their_pub);
    std::fs::write(dir.join("msg"), message).expect("write message");
    std::fs::write(dir.join("sig"), keys::sign(&theirs, message).to_bytes()).expect("write signature");
    openssl_ok(&["pkeyutl", "-verify", "-pubin", "-inkey", "o.pub", "-rawin", "-in", "msg", "-sigfile", "sig"], &dir)
        .expect("openssl is installed");
}

#[test]
fn the_committed_test_key_reads_with_openssl() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let key = root.join("certificates/TEST-ONLY-signing-key.key");
    let Some(derived) = openssl_ok(&["pkey", "-in", &key.display().to_string(), "-pubout"], &root) else { return };
    let public = std::fs::read_to_string(root.join("certificates/TEST-ONLY-signing-key.pub")).expect("read pub");
    assert_eq!(text(&derived), public);
}
