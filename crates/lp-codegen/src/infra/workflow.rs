//! The GitHub Actions workflow: a `build` job (every image), a `test` job (every generated
//! test suite, run on a copy of the project), and a `deploy` job that first verifies the
//! system-proof certificate with `leanos-prove verify` and stops when it fails; only then
//! does it push the images and apply the Kubernetes manifests. Actions are pinned by commit.
//!
//! No value from the spec is pasted into a script: an image, a registry, a folder or a
//! Deployment name reaches a `run:` script only through the step's `env:` and is quoted there
//! as `"$VAR"`, and the only `${{ … }}` expressions are the generator's own (the read-back
//! checks both, `LP7059`; check-time validation keeps `${{` out of spec strings, `LP7058`).

use super::topology::{CERTIFICATE, KUBERNETES_DIR, Topology, WORKFLOW_FILE, backend_dockerfile, frontend_dockerfile};
use lp_yaml::Node;

/// `actions/checkout` v4.2.2, pinned by commit.
pub const CHECKOUT: &str = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683";
/// `actions/setup-python` v5.3.0, pinned by commit.
pub const SETUP_PYTHON: &str = "actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b";
/// `actions/setup-node` v4.1.0, pinned by commit.
pub const SETUP_NODE: &str = "actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af";

/// Where the build output sits in the repository that runs the workflow (a project's
/// default `build.output`).
pub const OUT_DIR: &str = "artifacts/engineering";
/// The runner image, pinned to a release rather than `latest`.
const RUNNER: &str = "ubuntu-24.04";
/// The command that gates a deployment; the read-back looks for it.
pub const GATE_COMMAND: &str = "leanos-prove verify";

fn checkout() -> Node {
    Node::map()
        .with("name", "Check out (actions/checkout v4.2.2)")
        .with("uses", CHECKOUT)
        .with("with", Node::map().with("persist-credentials", false))
}

fn run(name: &str, script: String) -> Node {
    Node::map().with("name", name).with("run", script)
}

/// A step whose script reads the spec-derived values `env` through its environment.
fn run_with(name: &str, env: &[(&str, &str)], script: String) -> Node {
    let mut vars = Node::map();
    for (k, v) in env {
        vars = vars.with(k, *v);
    }
    Node::map().with("name", name).with("env", vars).with("run", script)
}

/// The registry host of an image (`ghcr.io`), `docker.io` when it names none.
pub fn registry(image: &str) -> String {
    match image.split_once('/') {
        Some((host, _)) if host.contains('.') || host.contains(':') || host == "localhost" => host.to_string(),
        _ => "docker.io".to_string(),
    }
}

/// The images with their Dockerfile and build context, relative to the output folder.
fn images(t: &Topology) -> Vec<(String, String, String, String)> {
    let mut out: Vec<(String, String, String, String)> = t
        .services
        .iter()
        .map(|s| (s.name.clone(), s.image.clone(), backend_dockerfile(&s.name), format!("code/backend/{}", s.name)))
        .collect();
    if let Some(f) = &t.frontend {
        out.push(("frontend".to_string(), f.image.clone(), frontend_dockerfile(&t.spec), f.dir.clone()));
    }
    out
}

/// The environment of a step that builds an image: the image, its Dockerfile and context.
fn image_env<'a>(image: &'a str, dockerfile: &'a str, context: &'a str) -> [(&'static str, &'a str); 3] {
    [("LEANOS_IMAGE", image), ("LEANOS_DOCKERFILE", dockerfile), ("LEANOS_CONTEXT", context)]
}

/// Builds the image of [`image_env`].
const DOCKER_BUILD: &str = "docker build --file \"$LEANOS_OUT_DIR/$LEANOS_DOCKERFILE\" --tag \"$LEANOS_IMAGE\" \"$LEANOS_OUT_DIR/$LEANOS_CONTEXT\"\n";

/// The text of the workflow.
pub fn workflow(t: &Topology) -> String {
    let mut build_steps = vec![checkout()];
    for (name, image, dockerfile, context) in images(t) {
        build_steps.push(run_with(
            &format!("Build the {name} image"),
            &image_env(&image, &dockerfile, &context),
            DOCKER_BUILD.to_string(),
        ));
    }
    let build = Node::map()
        .with("name", "Build the images")
        .with("runs-on", RUNNER)
        .with("timeout-minutes", 30usize)
        .with("steps", Node::Seq(build_steps));

    let mut test_steps = vec![
        checkout(),
        Node::map()
            .with("name", "Set up Python (actions/setup-python v5.3.0)")
            .with("uses", SETUP_PYTHON)
            .with("with", Node::map().with("python-version", "3.11")),
    ];
    for s in &t.services {
        // Generated suites run on a copy, so the output folder stays exactly as certified.
        let dir = format!("code/backend/{}", s.name);
        test_steps.push(run_with(
            &format!("Test the {} service", s.name),
            &[("LEANOS_SERVICE_DIR", &dir)],
            "work=\"$(mktemp -d)\"\n\
             cp -R \"$LEANOS_OUT_DIR/$LEANOS_SERVICE_DIR/.\" \"$work\"\n\
             python -m venv \"$work/.venv\"\n\
             \"$work/.venv/bin/pip\" install --no-cache-dir \"${work}[test]\"\n\
             cd \"$work\"\n\
             .venv/bin/python -m pytest -q\n"
                .to_string(),
        ));
    }
    if let Some(f) = &t.frontend {
        test_steps.push(
            Node::map()
                .with("name", "Set up Node.js (actions/setup-node v4.1.0)")
                .with("uses", SETUP_NODE)
                .with("with", Node::map().with("node-version", "20")),
        );
        test_steps.push(run_with(
            "Test the frontend",
            &[("LEANOS_APP_DIR", &f.dir)],
            "work=\"$(mktemp -d)\"\n\
             cp -R \"$LEANOS_OUT_DIR/$LEANOS_APP_DIR/.\" \"$work\"\n\
             cd \"$work\"\n\
             npm install --no-audit --no-fund\n\
             npm run typecheck --if-present\n\
             npm run build\n\
             npm test --if-present\n"
                .to_string(),
        ));
    }
    let test = Node::map()
        .with("name", "Test the generated code")
        .with("runs-on", RUNNER)
        .with("timeout-minutes", 30usize)
        .with("steps", Node::Seq(test_steps));

    let mut deploy_steps = vec![
        checkout(),
        run(
            "Install leanos-prove",
            "cargo install --locked --git \"$LEANOS_PROVE_GIT\" --tag \"v$LEANOS_PROVE_VERSION\" lp-cli\n".to_string(),
        ),
        Node::map()
            .with("name", "Verify the system-proof certificate (deploy gate)")
            .with("id", "gate")
            .with("env", Node::map().with("LEANOS_PUBLIC_KEY", "${{ vars.LEANOS_PUBLIC_KEY }}"))
            .with(
                "run",
                format!(
                    "if [ -z \"$LEANOS_PUBLIC_KEY\" ]; then\n\
                     \x20 echo \"::error::set the repository variable LEANOS_PUBLIC_KEY to the certificate's public key (PEM)\"\n\
                     \x20 exit 1\n\
                     fi\n\
                     # The key as one PEM block: no carriage returns, no blank lines.\n\
                     printf '%s\\n' \"$LEANOS_PUBLIC_KEY\" | tr -d '\\r' | sed '/^$/d' > \"$RUNNER_TEMP/leanos-public-key.pem\"\n\
                     if [ ! -f \"$LEANOS_OUT_DIR/{CERTIFICATE}\" ]; then\n\
                     \x20 echo \"::error::no certificate at $LEANOS_OUT_DIR/{CERTIFICATE}: build with a signing key\"\n\
                     \x20 exit 1\n\
                     fi\n\
                     {GATE_COMMAND} --key \"$RUNNER_TEMP/leanos-public-key.pem\" \"$LEANOS_OUT_DIR\"\n"
                ),
            ),
    ];
    let mut registries: Vec<String> = images(t).iter().map(|(_, image, _, _)| registry(image)).collect();
    registries.sort();
    registries.dedup();
    for r in registries {
        deploy_steps.push(
            Node::map()
                .with("name", format!("Log in to {r}"))
                .with(
                    "env",
                    Node::map()
                        .with("LEANOS_REGISTRY", r.as_str())
                        .with("REGISTRY_USERNAME", "${{ secrets.REGISTRY_USERNAME }}")
                        .with("REGISTRY_PASSWORD", "${{ secrets.REGISTRY_PASSWORD }}"),
                )
                .with(
                    "run",
                    "printf '%s' \"$REGISTRY_PASSWORD\" | docker login \"$LEANOS_REGISTRY\" --username \"$REGISTRY_USERNAME\" --password-stdin\n",
                ),
        );
    }
    for (name, image, dockerfile, context) in images(t) {
        let script = format!("{DOCKER_BUILD}docker push \"$LEANOS_IMAGE\"\n");
        deploy_steps.push(run_with(
            &format!("Push the {name} image"),
            &image_env(&image, &dockerfile, &context),
            script,
        ));
    }
    // The Deployments to wait for, one per line (DNS labels), read with `read -r`.
    let mut deployments: Vec<&str> = t.services.iter().map(|s| s.dns.as_str()).collect();
    if let Some(f) = &t.frontend {
        deployments.push(&f.dns);
    }
    let deployments = deployments.join("\n");
    let apply = format!(
        "printf '%s' \"$KUBECONFIG_DATA\" > \"$RUNNER_TEMP/kubeconfig\"\n\
         export KUBECONFIG=\"$RUNNER_TEMP/kubeconfig\"\n\
         kubectl apply --recursive --filename \"$LEANOS_OUT_DIR/{KUBERNETES_DIR}\"\n\
         while read -r deployment; do\n\
         \x20 kubectl rollout status \"deployment/$deployment\" --timeout=300s\n\
         done <<< \"$LEANOS_DEPLOYMENTS\"\n"
    );
    deploy_steps.push(
        Node::map()
            .with("name", "Apply the Kubernetes manifests")
            .with(
                "env",
                Node::map()
                    .with("LEANOS_DEPLOYMENTS", deployments.as_str())
                    .with("KUBECONFIG_DATA", "${{ secrets.KUBECONFIG }}"),
            )
            .with("run", apply),
    );
    let deploy = Node::map()
        .with("name", "Verify the certificate, then deploy")
        .with("needs", Node::strs(&["build", "test"]))
        .with("if", "github.event_name == 'push' && github.ref == 'refs/heads/main'")
        .with("runs-on", RUNNER)
        .with("timeout-minutes", 60usize)
        .with("environment", "production")
        .with("steps", Node::Seq(deploy_steps));

    let doc = Node::map()
        .with("name", format!("{} build, test and deploy", t.spec))
        .with(
            "on",
            Node::map()
                .with("push", Node::map().with("branches", Node::strs(&["main"])))
                .with("pull_request", Node::map())
                .with("workflow_dispatch", Node::map()),
        )
        .with("permissions", Node::map().with("contents", "read"))
        .with(
            "concurrency",
            Node::map().with("group", "${{ github.workflow }}-${{ github.ref }}").with("cancel-in-progress", false),
        )
        .with(
            "env",
            Node::map()
                .with("LEANOS_OUT_DIR", OUT_DIR)
                .with("LEANOS_PROVE_VERSION", env!("CARGO_PKG_VERSION"))
                .with("LEANOS_PROVE_GIT", env!("CARGO_PKG_REPOSITORY")),
        )
        .with("jobs", Node::map().with("build", build).with("test", test).with("deploy", deploy));
    lp_yaml::render(WORKFLOW_FILE, Some(&t.spec), Some(&t.version), &doc)
}
