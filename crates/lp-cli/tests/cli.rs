//! End-to-end tests of the binary's behaviour on bad input, flags and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leanos-prove"));
    c.env_remove("NO_COLOR");
    c
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin().args(args).current_dir(cwd).output().expect("run leanos-prove")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh scratch folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn assert_no_panic(o: &Output) {
    let err = text(&o.stderr);
    assert!(!err.contains("panicked"), "the binary panicked:\n{err}");
}

#[test]
fn binary_file_is_lp0006_with_exit_1() {
    let dir = scratch("binary");
    std::fs::write(dir.join("x.adt"), b"type A = Int\n\x00\x01\x02\xff").expect("write");
    let o = run(&["check", "x.adt", "--color", "never"], &dir);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("error[LP0006]"), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("x.adt"), "the diagnostic names the file");
}

#[test]
fn invalid_utf8_is_lp0005_with_exit_1() {
    let dir = scratch("utf8");
    std::fs::write(dir.join("x.adt"), b"type A = Int\ntype B = \xc3\x28 String\n").expect("write");
    let o = run(&["check", "x.adt", "--color", "never"], &dir);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("error[LP0005]") && err.contains("line 2"), "{err}");
}

#[test]
fn huge_file_is_lp0010_with_exit_1() {
    let dir = scratch("huge");
    let line = "type A = Int // padding padding padding padding padding padding\n";
    let big = line.repeat(lp_syntax::MAX_FILE_BYTES / line.len() + 2);
    std::fs::write(dir.join("x.adt"), big).expect("write");
    let o = run(&["check", "x.adt", "--color", "never"], &dir);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("error[LP0010]"), "{}", text(&o.stderr));
}

#[test]
fn deeply_nested_input_does_not_overflow() {
    let dir = scratch("deep");
    let depth = 200_000;
    let src = format!(
        "fn f(x: Int) -> Int = {}x{}\ntype T = {}Int{}\n",
        "(".repeat(depth),
        ")".repeat(depth),
        "List<".repeat(depth),
        ">".repeat(depth)
    );
    std::fs::write(dir.join("x.adt"), src).expect("write");
    let o = run(&["check", "x.adt", "--color", "never"], &dir);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("error[LP0004]"), "{}", text(&o.stderr));
}

/// A lone `\r` ends a line as `\n` and `\r\n` do: an error on the third line is reported on
/// line 3, and a `//` comment ends at its line's end instead of hiding the rest of the file.
#[test]
fn bare_cr_line_ends_are_line_ends() {
    let dir = scratch("bare-cr");
    std::fs::write(dir.join("x.adt"), "type A = Int\rtype B = Int\rtype C = Nope\r").expect("write");
    let o = run(&["check", "x.adt", "--color", "never"], &dir);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("x.adt:3:10"), "the unknown type is on line 3, column 10:\n{err}");

    std::fs::write(dir.join("x.adt"), "// A comment.\rtype A = Int\rtype B = Nope\r").expect("write");
    let o = run(&["check", "x.adt", "--color", "never"], &dir);
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1), "the item after the comment is checked:\n{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("x.adt:3:10"), "{err}");

    // The formatter writes `\n` line ends, whatever the input used.
    std::fs::write(dir.join("x.adt"), "// A comment.\rtype A = Int\r\rtype B = A // trailing\r").expect("write");
    let o = run(&["fmt", "x.adt"], &dir);
    assert_no_panic(&o);
    let formatted = std::fs::read_to_string(dir.join("x.adt")).expect("read");
    assert_eq!(formatted, "// A comment.\ntype A = Int\n\ntype B = A // trailing\n", "{}", text(&o.stderr));
}

/// A 100 KB and a 1 MB `matches` literal are over the regex size bound: `check` ends (it ran
/// for minutes and took gigabytes before the bound) with an honest LP3000 naming the bound.
#[test]
fn huge_regex_literal_is_an_undecided_lp3000() {
    let dir = scratch("huge-regex");
    for n in [100_000, 1_000_000] {
        let src = format!("type Code = String where matches(self, \"{}\")\n", "a".repeat(n));
        std::fs::write(dir.join("x.adt"), src).expect("write");
        let o = run(&["check", "x.adt", "--color", "never"], &dir);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(1));
        let err = text(&o.stderr);
        let head: String = err.chars().take(2000).collect();
        assert!(err.contains("error[LP3000]"), "{head}");
        let reason = format!("the pattern is {n} characters long, over the limit of 2000 characters");
        assert!(err.contains(&reason), "{head}");
    }
}

#[test]
fn missing_path_is_exit_2() {
    let dir = scratch("missing");
    let o = run(&["check", "does-not-exist.adt"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read `does-not-exist.adt`"), "{}", text(&o.stderr));
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("unreadable");
    let p = dir.join("x.adt");
    std::fs::write(&p, "type A = Int\n").expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root reads anything; only assert when the file really is unreadable.
    if std::fs::read(&p).is_err() {
        let o = run(&["check", "x.adt"], &dir);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains("cannot read"));
    }
}

#[test]
fn folder_without_project_file_is_lp1015() {
    let dir = scratch("noproject");
    let o = run(&["check", ".", "--color", "never"], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("error[LP1015]"), "{}", text(&o.stderr));
}

#[test]
fn wrong_flags_are_exit_2() {
    let dir = scratch("flags");
    for args in [&["check", "--no-such-flag"][..], &["frobnicate"], &["check", "--error-format", "xml"], &[]] {
        let o = run(args, &dir);
        assert_eq!(o.status.code(), Some(2), "args {args:?}: {}", text(&o.stderr));
        assert!(!text(&o.stderr).is_empty());
    }
}

#[test]
fn help_documents_exit_codes() {
    let o = run(&["--help"], Path::new("."));
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(out.contains("Exit codes:") && out.contains("2  usage or IO error"), "{out}");
}

#[test]
fn explain_prints_docs_and_rejects_unknown_codes() {
    let o = run(&["explain", "lp1001"], Path::new("."));
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).starts_with("# LP1001: unknown-type"));
    let o = run(&["explain", "LP9999"], Path::new("."));
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("unknown diagnostic code"));
    let o = run(&["explain", "--list"], Path::new("."));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout).lines().count(), lp_diagnostics::codes::ALL.len());
}

#[test]
fn init_scaffolds_a_project_that_checks_clean() {
    let dir = scratch("init");
    let o = run(&["init", "shop-api"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(&["check", "shop-api", "--color", "never"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("checked 1 file: no problems"), "{}", text(&o.stderr));
    // The scaffold is already in canonical form.
    let o = run(&["fmt", "--check", "shop-api"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    // A second init into the same folder is refused and changes nothing.
    let o = run(&["init", "shop-api"], &dir);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["init", "9bad name"], &dir);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn json_output_is_one_document_with_every_diagnostic() {
    let dir = scratch("json");
    std::fs::write(dir.join("x.adt"), "type A = Strin\ntype B = { a: A, b: Nope }\n").expect("write");
    let o = run(&["check", "x.adt", "--error-format", "json"], &dir);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let diags = v["diagnostics"].as_array().expect("diagnostics array");
    assert_eq!(diags.len(), 2, "{v:#}");
    assert!(diags.iter().all(|d| d["code"] == "LP1001"));
    assert_eq!(diags[0]["primary"]["line_start"], 1);
    assert_eq!(v["summary"]["errors"], 2);
}

#[test]
fn fmt_reads_stdin_and_writes_stdout() {
    let mut child = bin()
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"type   A =   Int\n\n\n\ntype B = A\n").expect("write stdin");
    }
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "type A = Int\n\ntype B = A\n");
}

#[test]
fn fmt_check_reports_and_fmt_rewrites() {
    let dir = scratch("fmt");
    std::fs::write(dir.join("x.adt"), "type   A =   Int\n").expect("write");
    let o = run(&["fmt", "--check", "x.adt"], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("would reformat x.adt"));
    assert_eq!(
        std::fs::read_to_string(dir.join("x.adt")).expect("read"),
        "type   A =   Int\n",
        "--check writes nothing"
    );
    let o = run(&["fmt", "x.adt"], &dir);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(dir.join("x.adt")).expect("read"), "type A = Int\n");
    let o = run(&["fmt", "--check", "x.adt"], &dir);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn fmt_leaves_files_with_syntax_errors_alone() {
    let dir = scratch("fmt-broken");
    let broken = "type A = { a: Int\ntype   B = Int\n";
    std::fs::write(dir.join("x.adt"), broken).expect("write");
    let o = run(&["fmt", "x.adt", "--color", "never"], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(dir.join("x.adt")).expect("read"), broken);
}
