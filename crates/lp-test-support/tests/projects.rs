//! Example projects load as the CLI loads them, so a build output inside an example folder
//! (what `./scripts/demo.sh` leaves) is never taken for spec files.

use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("list") {
        let p = entry.expect("entry").path();
        let target = to.join(p.file_name().expect("a name"));
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy");
        }
    }
}

fn relative(files: &[PathBuf], root: &Path) -> Vec<PathBuf> {
    files.iter().map(|f| f.strip_prefix(root).expect("inside the project").to_path_buf()).collect()
}

#[test]
fn a_build_output_inside_an_example_is_not_one_of_its_spec_files() {
    let example = lp_test_support::repo().join("spec-examples/catalog-sync");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("polluted-catalog-sync");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(example.join("leanos.toml"), dir.join("leanos.toml")).expect("copy leanos.toml");
    copy_dir(&example.join("spec"), &dir.join("spec"));
    let clean = relative(&lp_test_support::project_files(&dir), &dir);
    // What the demo's build writes into the example: reports named `*.adt` that are YAML.
    let report = dir.join("artifacts/engineering/specifications/v2.0.0/requirements.adt");
    std::fs::create_dir_all(report.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&report, "requirements:\n  - id: REQ-1\n    verdict: proved\n").expect("write");
    // Not a spec either: `specs = ["spec"]` does not list the project's root.
    std::fs::write(dir.join("notes.adt"), "this is not a spec\n").expect("write");
    assert!(lp_test_support::adt_files(&dir).contains(&report), "the folder does hold the report");
    let files = lp_test_support::project_files(&dir);
    assert_eq!(relative(&files, &dir), clean);
    assert!(clean.iter().all(|f| f.starts_with("spec")), "{clean:?}");
}

#[test]
fn every_example_loads_its_listed_spec_files() {
    let projects = lp_test_support::example_projects();
    assert_eq!(projects.len(), lp_test_support::EXAMPLES.len(), "{projects:?}");
    for name in lp_test_support::EXAMPLES {
        let texts = lp_test_support::example_texts(name);
        assert!(!texts.is_empty(), "{name}");
        // Each loads as one spec without errors, as `check` reads it.
        let _ = lp_test_support::example(name);
    }
}
