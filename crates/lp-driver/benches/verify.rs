//! `verify` throughput on a large output tree, beside `sha256sum` of the same files in the
//! same run (the goal: at least 0.9x of `sha256sum`).
//!
//! `cargo bench -p lp-driver --bench verify` builds a tree of 1 GiB (240 files of 4 MiB and
//! 4096 of 16 KiB; `LEANOS_BENCH_VERIFY_MB` changes the size) with a signed certificate,
//! warms the page cache, then times the whole gate (signature, every digest, the listing, the
//! spec comparison, traceability and policy) and `sha256sum` over the same files. Best of 3.

use lp_cert::statement::{
    FileRecord, PREDICATE_TYPE, STATEMENT_TYPE, SpecRecord, Statement, Subject, SystemProof, ToolRecord, Traceability,
};
use lp_driver::certify::{CERTIFICATE_PATH, sha256_hex};
use lp_driver::fs::OsFs;
use lp_driver::verify::{VerifyRequest, verify};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fill(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.expect("n > 0"))
}

fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test` of benches passes nothing: skip then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let total_mb: usize = std::env::var("LEANOS_BENCH_VERIFY_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("verify-bench");
    let _ = std::fs::remove_dir_all(&root);
    let out = root.join("artifacts/engineering");
    std::fs::create_dir_all(root.join("spec")).expect("mkdir");
    std::fs::write(root.join("leanos.toml"), "[project]\nname = \"bench\"\nversion = \"1.0.0\"\nspecs = [\"spec\"]\n")
        .expect("toml");
    std::fs::write(root.join("spec/a.adt"), "spec bench version 1.0.0\ntype A = Int\n").expect("spec");
    // 15/16 of the bytes in 4 MiB files, 1/16 in 16 KiB files.
    let big = 4 << 20;
    let small = 16 << 10;
    let n_big = (total_mb << 20) * 15 / 16 / big;
    let n_small = (total_mb << 20) / 16 / small;
    let mut files: Vec<(String, usize)> = Vec::new();
    files.extend((0..n_big).map(|i| (format!("code/backend/svc{}/blob{i:04}.bin", i % 16), big)));
    files.extend((0..n_small).map(|i| (format!("configs/k8s/part{}/m{i:05}.yaml", i % 64), small)));
    let mut subjects = Vec::new();
    let mut trace = BTreeMap::new();
    let mut bytes_total = 0u64;
    for (i, (rel, len)) in files.iter().enumerate() {
        let p = out.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let data = fill(i as u64 + 1, *len);
        subjects.push(Subject::sha256(rel.clone(), sha256_hex(&data)));
        trace.insert(rel.clone(), vec!["type.A".to_string()]);
        bytes_total += *len as u64;
        std::fs::write(&p, data).expect("write");
    }
    let spec_files = ["leanos.toml", "spec/a.adt"]
        .iter()
        .map(|f| FileRecord { path: f.to_string(), sha256: sha256_hex(&std::fs::read(root.join(f)).expect("read")) })
        .collect();
    let st = Statement {
        statement_type: STATEMENT_TYPE.into(),
        subject: subjects,
        predicate_type: PREDICATE_TYPE.into(),
        predicate: SystemProof {
            spec: SpecRecord {
                name: "bench".into(),
                version: "1.0.0".into(),
                ir_sha256: "0".repeat(64),
                files: spec_files,
                output: Some("artifacts/engineering".into()),
            },
            tool: ToolRecord { name: "leanos-prove".into(), version: "bench".into() },
            solver: ToolRecord { name: "z3".into(), version: "n/a".into() },
            obligations: Vec::new(),
            summary: BTreeMap::new(),
            policy: Default::default(),
            policy_violations: Vec::new(),
            traceability: Traceability::from_artifacts(trace, &["type.A".to_string()]),
            deploy_authorized: true,
        },
    };
    let key = lp_cert::keys::generate().expect("key");
    let fp = lp_cert::keys::fingerprint(&key.verifying_key()).expect("fp");
    let payload = lp_cert::canonical::to_vec(&serde_json::to_value(&st).expect("json")).expect("canonical");
    let env = lp_cert::dsse::sign(&key, lp_cert::dsse::IN_TOTO_PAYLOAD_TYPE, &payload, &fp);
    let cert = out.join(CERTIFICATE_PATH);
    std::fs::create_dir_all(cert.parent().expect("parent")).expect("mkdir");
    std::fs::write(&cert, serde_json::to_vec(&env).expect("json")).expect("cert");
    let pubkey = root.join("bench.pub");
    std::fs::write(&pubkey, lp_cert::keys::public_key_to_pem(&key.verifying_key()).expect("pem")).expect("pub");

    let paths: Vec<PathBuf> = files.iter().map(|(rel, _)| out.join(rel)).collect();
    let sha256sum = |parallel: usize| {
        // `sha256sum` over every file, split into `parallel` processes (1 = the plain tool).
        let chunks: Vec<&[PathBuf]> = paths.chunks(paths.len().div_ceil(parallel)).collect();
        let children: Vec<_> = chunks
            .iter()
            .map(|c| {
                std::process::Command::new("sha256sum")
                    .args(c.iter())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .expect("sha256sum")
            })
            .collect();
        for mut c in children {
            assert!(c.wait().expect("wait").success());
        }
    };
    // Warm the page cache so both sides read from memory.
    sha256sum(1);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let (t_sum, ()) = best_of(3, || sha256sum(1));
    let (t_sum_par, ()) = best_of(3, || sha256sum(cores));
    let req = VerifyRequest { path: out.clone(), key: Some(pubkey), ..VerifyRequest::default() };
    let (t_verify, outcome) = best_of(3, || verify(&OsFs, &req).expect("verify"));
    assert!(outcome.authorized(), "the bench tree must verify: {:#?}", outcome.diagnostics);
    let mb = bytes_total as f64 / (1 << 20) as f64;
    let rate = |t: Duration| mb / t.as_secs_f64();
    println!("verify bench: {} files, {:.0} MiB, {cores} cores (best of 3, warm cache)", files.len(), mb);
    println!("  leanos-prove verify     {:>7.3} s  {:>7.0} MiB/s", t_verify.as_secs_f64(), rate(t_verify));
    println!("  sha256sum (1 process)   {:>7.3} s  {:>7.0} MiB/s", t_sum.as_secs_f64(), rate(t_sum));
    println!("  sha256sum ({cores} processes) {:>7.3} s  {:>7.0} MiB/s", t_sum_par.as_secs_f64(), rate(t_sum_par));
    println!(
        "  ratio verify / sha256sum: {:.2}x (vs {cores} sha256sum processes: {:.2}x)",
        t_sum.as_secs_f64() / t_verify.as_secs_f64(),
        t_sum_par.as_secs_f64() / t_verify.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&root);
}
