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

/// Runs the binary, failing the test (instead of hanging it) when it does not finish in time.
fn run_within(args: &[&str], cwd: &Path, secs: u64) -> Output {
    let child = bin()
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run leanos-prove");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(o) => o.expect("wait for leanos-prove"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            panic!("`leanos-prove {}` hung for {secs} s", args.join(" "));
        }
    }
}

/// Makes a FIFO with the system's `mkfifo`.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("run mkfifo").success();
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_fifo_given_as_the_spec_path_is_lp0015_not_a_hang() {
    let dir = scratch("fifo-direct");
    mkfifo(&dir.join("pipe.adt"));
    for cmd in ["check", "build", "fmt", "graph", "ir"] {
        let o = run_within(&[cmd, "pipe.adt", "--color", "never"], &dir, 60);
        assert_no_panic(&o);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(err.contains("error[LP0015]") && err.contains("`pipe.adt` is a FIFO (named pipe)"), "{cmd}: {err}");
    }
    // Commands that read a file of another kind refuse it through the same reading path.
    let o = run_within(&["import", "openapi", "pipe.adt"], &dir, 60);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("FIFO"), "{}", text(&o.stderr));
}

#[cfg(unix)]
#[test]
fn a_fifo_inside_a_spec_folder_is_lp0015_and_the_other_files_are_still_read() {
    let dir = scratch("fifo-folder");
    let o = run(&["init", "shop"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let project = dir.join("shop");
    // `specs = ["spec"]`: every `*.adt` entry of the folder is read.
    mkfifo(&project.join("spec/zz-pipe.adt"));
    std::fs::write(project.join("spec/broken.adt"), "type = \n").expect("write");
    for cmd in ["check", "build", "fmt"] {
        let o = run_within(&[cmd, "shop", "--color", "never"], &dir, 120);
        assert_no_panic(&o);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(err.contains("error[LP0015]") && err.contains("zz-pipe.adt"), "{cmd}: {err}");
        // The FIFO does not stop the other files from being read and reported.
        assert!(err.contains("broken.adt"), "{cmd}: {err}");
    }
    assert!(!project.join("artifacts/engineering").exists(), "a build with errors writes nothing");
}

#[cfg(unix)]
#[test]
fn devices_and_folders_where_a_file_is_expected_are_refused() {
    let dir = scratch("not-regular");
    // A character device that never ends.
    let o = run_within(&["check", "/dev/zero", "--color", "never"], &dir, 60);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("`/dev/zero` is a character device"), "{}", text(&o.stderr));
    // A project listing a device among its specs.
    std::fs::create_dir_all(dir.join("p")).expect("mkdir");
    std::fs::write(
        dir.join("p/leanos.toml"),
        "[project]\nname = \"p\"\nversion = \"1.0.0\"\nspecs = [\"/dev/zero\"]\n",
    )
    .expect("write");
    let o = run_within(&["check", "p", "--color", "never"], &dir, 60);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("error[LP0015]"), "{}", text(&o.stderr));
    // A `leanos.toml` that is a folder.
    std::fs::create_dir_all(dir.join("q/leanos.toml")).expect("mkdir");
    let o = run_within(&["check", "q", "--color", "never"], &dir, 60);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("`q/leanos.toml` is a folder, not a regular file"), "{}", text(&o.stderr));
    // A signing key that is a folder: an unusable key, exit 2, before anything is written.
    let o = run(&["init", "shop"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run_within(&["build", "shop", "--key", "q", "--color", "never"], &dir, 120);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("is a folder, not a regular file"), "{}", text(&o.stderr));
}

#[test]
fn dash_is_a_usage_error_where_standard_input_is_not_supported() {
    let dir = scratch("dash");
    let o = run(&["init", "shop"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let cases: &[&[&str]] = &[
        &["build", "-"],
        &["build", "shop", "--out", "-"],
        &["build", "shop", "--key", "-"],
        &["check", "-"],
        &["graph", "-"],
        &["graph", "shop", "-o", "-"],
        &["ir", "-"],
        &["diff", "-", "shop"],
        &["import", "openapi", "-"],
        &["import", "openapi", "x.json", "-o", "-"],
        &["keygen", "--out", "-"],
        &["init", "-"],
        &["threads", "check", "-"],
        &["verify", "-"],
        &["verify", "shop", "--key", "-"],
        &["verify", "shop", "--cert", "-"],
    ];
    for args in cases {
        let o = run_within(args, &dir, 60);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("`-`"), "{args:?} names the problem: {err}");
        assert!(!dir.join("-").exists(), "{args:?} created a file or folder named `-`");
    }
    // `fmt -` does read standard input (see `fmt_reads_stdin_and_writes_stdout`).
}

#[test]
fn a_build_removes_the_temporary_folders_a_killed_build_left() {
    let dir = scratch("stale-tmp");
    let o = run(&["init", "shop"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let artifacts = dir.join("shop/artifacts");
    // What a build killed during its write phase leaves: its half-written tree and the
    // previous output it had moved aside (PIDs no live build has).
    for left in [".engineering.tmp-999999991/specifications", ".engineering.old-999999992/code"] {
        std::fs::create_dir_all(artifacts.join(left)).expect("mkdir");
        std::fs::write(artifacts.join(left).join("half.txt"), "half").expect("write");
    }
    // Another output's temporary folder is not this build's to remove.
    std::fs::create_dir_all(artifacts.join(".other.tmp-999999993")).expect("mkdir");
    let o = run_within(&["build", "shop", "--color", "never", "-q"], &dir, 300);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut left: Vec<String> = std::fs::read_dir(&artifacts)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".engineering.lock", ".other.tmp-999999993", "engineering"]);
}

#[test]
fn a_second_build_of_one_output_waits_for_the_first_and_says_so() {
    use std::io::BufRead;
    let dir = scratch("build-lock");
    let o = run(&["init", "shop"], &dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let artifacts = dir.join("shop/artifacts");
    std::fs::create_dir_all(&artifacts).expect("mkdir");
    // The test plays the first build: it holds the output's lock.
    let lock = std::fs::File::create(artifacts.join(".engineering.lock")).expect("lock file");
    lock.lock().expect("take the lock");
    let mut child = bin()
        .args(["build", "shop", "--color", "never", "-q"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run leanos-prove");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let waiting = rx.recv_timeout(std::time::Duration::from_secs(300));
    let waiting = match waiting {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            panic!("the second build neither waited nor said so");
        }
    };
    assert!(
        waiting.starts_with("Blocking waiting for file lock") && waiting.contains(".engineering.lock"),
        "{waiting}"
    );
    // While it waits, it writes nothing.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(child.try_wait().expect("poll").is_none(), "the build did not wait for the lock");
    assert!(!artifacts.join("engineering").exists(), "the build wrote while another held the lock");
    drop(lock);
    let status = child.wait().expect("wait");
    let rest: Vec<String> = rx.iter().collect();
    let rest = rest.join("\n");
    assert_eq!(status.code(), Some(0), "{rest}");
    assert!(rest.contains("warning[LP8030]"), "{rest}");
    assert!(artifacts.join("engineering/specifications").is_dir(), "{rest}");
}

/// `interp` answers every line, good or bad, and ends with the input (exit 0); a spec with
/// errors is exit 1 with nothing on standard output; a missing path is exit 2.
#[test]
fn interp_answers_json_lines_and_refuses_bad_input_without_stopping() {
    use std::io::Write;
    let dir = scratch("interp");
    std::fs::write(
        dir.join("x.adt"),
        "entity Item key sku = { sku: String, qty: Int }\nerror Missing = 404 { sku: String }\n\
         service shop {\n  op put_item(body item: Item) -> Item PUT /items/{item.sku} = {\n    put item\n    item\n  }\n\
         \x20 op get_item(sku: String) -> Item ! Missing GET /items/{sku} = {\n    Item[sku] else Missing { sku }\n  }\n}\n",
    )
    .expect("write");
    let mut child = bin()
        .args(["interp", "x.adt"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let input = "{\"op\":\"shop.get_item\",\"args\":{\"sku\":\"a\"}}\nnot json\n\n\
                 {\"op\":\"shop.put_item\",\"args\":{\"item\":{\"sku\":\"a\",\"qty\":2}}}\n{\"dump\":true}\n";
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    let o = child.wait_with_output().expect("wait");
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<serde_json::Value> =
        text(&o.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 4, "one answer per request, none for the blank line");
    assert_eq!(lines[0]["outcome"], "raised");
    assert_eq!(lines[0]["status"], 404);
    assert_eq!(lines[1]["outcome"], "error");
    assert_eq!(lines[2]["value"], serde_json::json!({"sku": "a", "qty": 2}));
    assert_eq!(lines[3]["store"]["Item"][0]["value"]["qty"], 2);

    std::fs::write(dir.join("bad.adt"), "type A = Nope\n").expect("write");
    let o = bin().args(["interp", "bad.adt", "--color", "never"]).current_dir(&dir).stdin(Stdio::null()).output();
    let o = o.expect("run");
    assert_no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    assert!(text(&o.stderr).contains("error[LP"), "{}", text(&o.stderr));

    let o = run(&["interp", "no-such-folder"], &dir);
    assert_eq!(o.status.code(), Some(2));
}
