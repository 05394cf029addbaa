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
