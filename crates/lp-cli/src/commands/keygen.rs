//! `leanos-prove keygen`: write a new Ed25519 signing key pair as PEM files.

use crate::cli::Status;
use crate::output::Output;
use lp_cert::keys;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to write the keys into (created if missing).
    #[arg(long, default_value = ".", value_parser = crate::cli::path_arg)]
    pub out: PathBuf,
    /// The base name of the key files: `NAME.key` (private) and `NAME.pub` (public).
    #[arg(long, default_value = "leanos")]
    pub name: String,
}

pub fn run(args: Args, out: &Output) -> Status {
    let name = args.name.as_str();
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        out.fatal(&format!(
            "`{name}` is not a valid key name: use letters, digits, `-`, `_` and `.`, starting with a letter or digit"
        ));
        return Status::Error;
    }
    let private_path = args.out.join(format!("{name}.key"));
    let public_path = args.out.join(format!("{name}.pub"));
    for path in [&private_path, &public_path] {
        if path.symlink_metadata().is_ok() {
            out.fatal(&format!("`{}` already exists; keygen never overwrites a key", path.display()));
            return Status::Error;
        }
    }
    let key = match keys::generate() {
        Ok(key) => key,
        Err(e) => {
            out.fatal(&e.to_string());
            return Status::Error;
        }
    };
    let public = key.verifying_key();
    let pems = keys::private_key_to_pem(&key).and_then(|p| Ok((p, keys::public_key_to_pem(&public)?)));
    let fingerprint = keys::fingerprint(&public);
    let ((private_pem, public_pem), fingerprint) = match (pems, fingerprint) {
        (Ok(pems), Ok(fp)) => (pems, fp),
        (Err(e), _) | (_, Err(e)) => {
            out.fatal(&e.to_string());
            return Status::Error;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        out.fatal(&format!("cannot create `{}`: {e}", args.out.display()));
        return Status::Error;
    }
    if let Err(e) = write_new(&private_path, &private_pem, true) {
        out.fatal(&write_error(&private_path, &e));
        return Status::Error;
    }
    if let Err(e) = write_new(&public_path, &public_pem, false) {
        // Never leave a private key without its public half.
        let _ = std::fs::remove_file(&private_path);
        out.fatal(&write_error(&public_path, &e));
        return Status::Error;
    }
    out.stdout(&format!("{fingerprint}\n"));
    out.stderr(&format!(
        "wrote private key `{}` (keep it secret) and public key `{}`\n",
        private_path.display(),
        public_path.display()
    ));
    Status::Success
}

fn write_error(path: &Path, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        format!("`{}` already exists; keygen never overwrites a key", path.display())
    } else {
        format!("cannot write `{}`: {e}", path.display())
    }
}

/// Creates `path`, failing if it exists; a private file is readable by its owner only on unix.
fn write_new(path: &Path, text: &str, private: bool) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file: File = options.open(path)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}
