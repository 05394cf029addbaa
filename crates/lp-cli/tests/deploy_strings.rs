//! The `deploy` blocks' strings are validated at check time (issue #14): `check` itself, not
//! only `build`, refuses the shell-injection image of the issue and a `${{` expression, with
//! exit code 1, and `build` writes nothing.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leanos-prove")).args(args).current_dir(cwd).output().expect("run leanos-prove")
}

#[test]
fn check_refuses_the_injection_image_and_an_actions_expression() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deploy-strings");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let spec = "spec shop version 1.0.0\n\
        service api {\n  op ping() -> Unit GET /ping\n}\n\
        deploy api {\n  image = \"\\\"; touch X; \\\"\",\n  env = [\"T=${{ secrets.KUBECONFIG }}\"],\n}\n";
    std::fs::write(dir.join("shop.adt"), spec).expect("write spec");
    let o = run(&["check", "shop.adt", "--color", "never"], &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error[LP7056]") && err.contains("error[LP7058]"), "{err}");
    let o = run(&["build", "shop.adt", "--out", "out", "--color", "never"], &dir);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.join("out").exists(), "a build with an injection image wrote files");
    assert!(!dir.join("X").exists(), "the injection ran");
}
