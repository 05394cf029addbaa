//! The deployment configuration (`configs/`): a snapshot of a small spec's output,
//! determinism, the topology read back independently of the generator, and seeded defects
//! that translation validation must catch, one per code: LP7050 (topology), LP7051 (ports),
//! LP7052 (deploy not gated), LP7053 (unreadable file) and LP7054 (settings).

mod common;

use common::{EXAMPLES, example};
use lp_codegen::generated::Generated;
use lp_codegen::infra::{Options, generate_with, validate};
use lp_diagnostics::{Code, FileId, codes};
use std::collections::BTreeSet;
use yaml_serde::Value;

/// A small spec: `web` calls `api`, which calls `store`; `api` has a deploy block.
const SMALL: &str = "spec shop version 1.2.0\n\
    type Item = { sku: String }\n\
    service store {\n  op get(sku: String) -> Item GET /items/{sku}\n}\n\
    service api {\n  depends on store\n  op item(sku: String) -> Item GET /api/items/{sku}\n}\n\
    service web {\n  depends on api\n  op page() -> Unit GET /\n}\n\
    standards { auth = bearer(scopes = [\"shop\"]) except [page] }\n\
    deploy api { replicas = 2, cpu = \"250m\", memory = \"64Mi\", port = 8080, env = [\"LOG_LEVEL=debug\", \"on\"] }\n";

fn small() -> lp_ir::Spec {
    let parsed = lp_syntax::parse(FileId(0), SMALL);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let lowered = lp_ir::lower(&[(FileId(0), &parsed.value)]);
    assert!(!lowered.diagnostics.iter().any(|d| d.is_error()), "{:?}", lowered.diagnostics);
    lowered.value
}

const WITH_FRONTEND: Options = Options { frontend: true };
const NO_FRONTEND: Options = Options { frontend: false };

fn text(files: &Generated, path: &str) -> String {
    String::from_utf8(files.get(path).unwrap_or_else(|| panic!("{path} generated")).bytes.clone()).expect("UTF-8")
}

fn set_text(files: &mut Generated, path: &str, text: String) {
    files.get_mut(path).unwrap_or_else(|| panic!("{path} generated")).bytes = text.into_bytes();
}

fn yaml(files: &Generated, path: &str) -> Value {
    yaml_serde::from_str(&text(files, path)).expect("valid YAML")
}

fn set_yaml(files: &mut Generated, path: &str, doc: &Value) {
    set_text(files, path, yaml_serde::to_string(doc).expect("serialise"));
}

/// The ids of the codes validation reports (`LP7050`...).
fn codes_of(spec: &lp_ir::Spec, options: &Options, files: &Generated) -> BTreeSet<&'static str> {
    validate(spec, options, files).iter().map(|d| d.code.info().id).collect()
}

#[test]
fn small_spec_snapshot() {
    let files = generate_with(&small(), &WITH_FRONTEND);
    let mut all = String::new();
    for (path, file) in &files {
        all.push_str(&format!("==> {path} (from {})\n", file.sources.join(", ")));
        all.push_str(&String::from_utf8_lossy(&file.bytes));
        all.push('\n');
    }
    insta::assert_snapshot!(all);
}

#[test]
fn output_is_deterministic_and_reads_back_cleanly() {
    for dir in EXAMPLES {
        let spec = example(dir);
        for options in [WITH_FRONTEND, NO_FRONTEND] {
            let files = generate_with(&spec, &options);
            assert_eq!(files, generate_with(&spec, &options), "{dir}: deterministic");
            assert!(files.contains_key("configs/docker/docker-compose.yaml"), "{dir}");
            let found = validate(&spec, &options, &files);
            assert!(found.is_empty(), "{dir} ({options:?}): {found:#?}");
            for (path, file) in &files {
                assert!(!file.sources.is_empty(), "{dir}: {path} names no spec item");
                let text = String::from_utf8_lossy(&file.bytes);
                assert!(!text.contains("could not be written"), "{dir}: {path}");
            }
        }
    }
}

#[test]
fn a_spec_without_services_generates_nothing() {
    let parsed = lp_syntax::parse(FileId(0), "spec empty version 1.0.0\ntype A = { x: Int }\n");
    let spec = lp_ir::lower(&[(FileId(0), &parsed.value)]).value;
    assert!(generate_with(&spec, &WITH_FRONTEND).is_empty());
}

/// The spec's dependency edges `(caller, callee)` by DNS name, read from the IR.
fn spec_edges(spec: &lp_ir::Spec) -> BTreeSet<(String, String)> {
    let dns = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    spec.services
        .iter()
        .flat_map(|s| s.depends.iter().map(move |d| (dns(&s.name), dns(&spec.services[d.service.index()].name))))
        .collect()
}

/// The topology is read back here without the crate's read-back: from the compose
/// `depends_on` lists, the Kubernetes ConfigMap URLs and the NetworkPolicy peers.
#[test]
fn topology_reads_back_as_the_spec_graph() {
    for dir in EXAMPLES {
        let spec = example(dir);
        let files = generate_with(&spec, &NO_FRONTEND);
        let expected = spec_edges(&spec);
        let compose = yaml(&files, "configs/docker/docker-compose.yaml");
        let mut by_compose = BTreeSet::new();
        for (name, svc) in compose["services"].as_mapping().expect("services") {
            let name = name.as_str().expect("name");
            for (dep, cond) in svc["depends_on"].as_mapping().into_iter().flatten() {
                assert_eq!(cond["condition"].as_str(), Some("service_healthy"), "{dir}: {name}");
                if dep.as_str() != Some("db") {
                    by_compose.insert((name.to_string(), dep.as_str().expect("dep").to_string()));
                }
            }
        }
        assert_eq!(by_compose, expected, "{dir}: compose");
        let mut by_config = BTreeSet::new();
        let mut by_policy = BTreeSet::new();
        for (path, _) in files.iter().filter(|(p, _)| p.starts_with("configs/kubernetes/")) {
            let doc = yaml(&files, path);
            let own = doc["metadata"]["labels"]["app.kubernetes.io/name"].as_str().unwrap_or_default().to_string();
            match doc["kind"].as_str() {
                Some("ConfigMap") => {
                    for (k, v) in doc["data"].as_mapping().into_iter().flatten() {
                        if k.as_str().is_some_and(|k| k.ends_with("_URL")) {
                            let host = v.as_str().expect("url").trim_start_matches("http://").split(':').next();
                            by_config.insert((own.clone(), host.expect("host").to_string()));
                        }
                    }
                }
                Some("NetworkPolicy") if !own.is_empty() => {
                    for rule in doc["spec"]["ingress"].as_sequence().into_iter().flatten() {
                        for peer in rule["from"].as_sequence().into_iter().flatten() {
                            let from = peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"].as_str();
                            by_policy.insert((from.expect("peer").to_string(), own.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
        assert_eq!(by_config, expected, "{dir}: ConfigMaps");
        assert_eq!(by_policy, expected, "{dir}: NetworkPolicies");
    }
}

#[test]
fn ports_and_settings_come_from_the_deploy_block() {
    let files = generate_with(&small(), &WITH_FRONTEND);
    let svc = yaml(&files, "configs/kubernetes/api/service.yaml");
    assert_eq!(svc["spec"]["ports"][0]["port"].as_i64(), Some(8080));
    assert_eq!(svc["spec"]["ports"][0]["targetPort"].as_str(), Some("http"));
    let dep = yaml(&files, "configs/kubernetes/api/deployment.yaml");
    assert_eq!(dep["spec"]["replicas"].as_i64(), Some(2));
    let c = &dep["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["ports"][0]["containerPort"].as_i64(), Some(8000));
    assert_eq!(c["resources"]["limits"]["memory"].as_str(), Some("64Mi"));
    assert_eq!(c["image"].as_str(), Some("shop/api:1.2.0"));
    assert_eq!(c["livenessProbe"]["httpGet"]["path"].as_str(), Some("/healthz"));
    assert_eq!(c["readinessProbe"]["httpGet"]["path"].as_str(), Some("/readyz"));
    // Defaults where the spec has no deploy block.
    let store = yaml(&files, "configs/kubernetes/store/deployment.yaml");
    assert_eq!(store["spec"]["replicas"].as_i64(), Some(1));
    // `web` calls `api` through its Service port; the ConfigMap keeps only NAME=VALUE entries.
    let web = yaml(&files, "configs/kubernetes/web/configmap.yaml");
    assert_eq!(web["data"]["API_URL"].as_str(), Some("http://api:8080"));
    let api = yaml(&files, "configs/kubernetes/api/configmap.yaml");
    assert_eq!(api["data"]["LOG_LEVEL"].as_str(), Some("debug"));
    assert_eq!(api["data"].as_mapping().map(|m| m.len()), Some(2), "STORE_URL and LOG_LEVEL");
    // `store` admits `api` and the frontend only.
    let policy = yaml(&files, "configs/kubernetes/store/networkpolicy.yaml");
    let peers: Vec<&str> = policy["spec"]["ingress"][0]["from"]
        .as_sequence()
        .expect("from")
        .iter()
        .filter_map(|p| p["podSelector"]["matchLabels"]["app.kubernetes.io/name"].as_str())
        .collect();
    assert_eq!(peers, ["api", "frontend"]);
    // Compose: in dependency order, the dependency URL on the container port.
    let compose = yaml(&files, "configs/docker/docker-compose.yaml");
    let order: Vec<&str> = compose["services"].as_mapping().expect("map").keys().filter_map(Value::as_str).collect();
    assert_eq!(order, ["db", "store", "api", "web", "frontend"]);
    assert_eq!(compose["services"]["web"]["environment"]["API_URL"].as_str(), Some("http://api:8000"));
    // The workflow's trigger key is quoted for YAML 1.1 readers.
    let wf = text(&files, "configs/ci-cd/.github/workflows/build-test-deploy.yaml");
    assert!(wf.contains("\n'on':\n"), "{wf}");
}

/// Without a frontend, the services nothing depends on are the entry points: their policy
/// admits every source; every other service stays closed to all but its dependents.
#[test]
fn entry_points_without_a_frontend() {
    let files = generate_with(&small(), &NO_FRONTEND);
    let web = yaml(&files, "configs/kubernetes/web/networkpolicy.yaml");
    assert!(web["spec"]["ingress"][0].get("from").is_none(), "{web:?}");
    let store = yaml(&files, "configs/kubernetes/store/networkpolicy.yaml");
    assert_eq!(store["spec"]["ingress"][0]["from"].as_sequence().map(Vec::len), Some(1));
    assert!(!files.keys().any(|p| p.contains("frontend")), "{:?}", files.keys());
}

// ---------------------------------------------------------------- seeded defects

/// Applies a defect to the generated files of the small spec and returns the codes found.
fn defect(options: Options, mutate: impl FnOnce(&mut Generated)) -> BTreeSet<&'static str> {
    let spec = small();
    let mut files = generate_with(&spec, &options);
    assert!(validate(&spec, &options, &files).is_empty(), "clean before the defect");
    mutate(&mut files);
    codes_of(&spec, &options, &files)
}

fn assert_caught(found: BTreeSet<&'static str>, code: Code, what: &str) {
    assert!(found.contains(code.info().id), "{what}: expected {}, found {found:?}", code.info().id);
}

const POLICY_STORE: &str = "configs/kubernetes/store/networkpolicy.yaml";
const COMPOSE: &str = "configs/docker/docker-compose.yaml";
const WORKFLOW: &str = "configs/ci-cd/.github/workflows/build-test-deploy.yaml";

#[test]
fn lp7050_a_removed_network_policy() {
    let found = defect(WITH_FRONTEND, |f| {
        f.remove(POLICY_STORE);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "policy removed");
}

#[test]
fn lp7050_a_policy_that_drops_a_dependent() {
    let found = defect(NO_FRONTEND, |f| {
        let mut p = yaml(f, POLICY_STORE);
        p["spec"]["ingress"][0]["from"] = Value::Sequence(Vec::new());
        set_yaml(f, POLICY_STORE, &p);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "dependent dropped");
}

#[test]
fn lp7050_a_policy_that_admits_a_non_dependent() {
    let found = defect(NO_FRONTEND, |f| {
        let mut p = yaml(f, POLICY_STORE);
        let mut extra = p["spec"]["ingress"][0]["from"][0].clone();
        extra["podSelector"]["matchLabels"]["app.kubernetes.io/name"] = Value::String("web".into());
        if let Some(from) = p["spec"]["ingress"][0]["from"].as_sequence_mut() {
            from.push(extra);
        }
        set_yaml(f, POLICY_STORE, &p);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "web -> store admitted");
}

#[test]
fn lp7050_a_policy_opened_to_every_source() {
    let found = defect(NO_FRONTEND, |f| {
        let mut p = yaml(f, POLICY_STORE);
        if let Some(rule) = p["spec"]["ingress"][0].as_mapping_mut() {
            rule.remove("from");
        }
        set_yaml(f, POLICY_STORE, &p);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "store opened");
}

#[test]
fn lp7050_the_frontend_cut_off() {
    let found = defect(WITH_FRONTEND, |f| {
        let mut p = yaml(f, POLICY_STORE);
        if let Some(from) = p["spec"]["ingress"][0]["from"].as_sequence_mut() {
            from.pop();
        }
        set_yaml(f, POLICY_STORE, &p);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "frontend cut off");
}

#[test]
fn lp7050_no_default_deny() {
    let found = defect(WITH_FRONTEND, |f| {
        f.remove("configs/kubernetes/default-deny-ingress.yaml");
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "default deny removed");
}

#[test]
fn lp7050_a_dropped_compose_dependency() {
    let found = defect(WITH_FRONTEND, |f| {
        let mut c = yaml(f, COMPOSE);
        if let Some(m) = c["services"]["api"]["depends_on"].as_mapping_mut() {
            m.remove("store");
        }
        set_yaml(f, COMPOSE, &c);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "depends_on store dropped");
}

#[test]
fn lp7050_a_dependency_not_health_gated() {
    let found = defect(WITH_FRONTEND, |f| {
        let mut c = yaml(f, COMPOSE);
        c["services"]["api"]["depends_on"]["store"]["condition"] = Value::String("service_started".into());
        set_yaml(f, COMPOSE, &c);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "not health-gated");
}

#[test]
fn lp7050_a_url_to_the_wrong_service() {
    let found = defect(WITH_FRONTEND, |f| {
        let path = "configs/kubernetes/web/configmap.yaml";
        let mut c = yaml(f, path);
        c["data"]["API_URL"] = Value::String("http://store:8000".into());
        set_yaml(f, path, &c);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "API_URL -> store");
}

#[test]
fn lp7050_compose_out_of_dependency_order() {
    let found = defect(WITH_FRONTEND, |f| {
        let c = text(f, COMPOSE);
        let doc: Value = yaml_serde::from_str(&c).expect("yaml");
        let services = doc["services"].as_mapping().expect("map");
        let mut reordered = yaml_serde::Mapping::new();
        for key in ["db", "web", "api", "store", "frontend"] {
            reordered.insert(Value::String(key.into()), services[key].clone());
        }
        let mut doc = doc.clone();
        doc["services"] = Value::Mapping(reordered);
        set_yaml(f, COMPOSE, &doc);
    });
    assert_caught(found, codes::INFRA_TOPOLOGY_MISMATCH, "reordered");
}

#[test]
fn lp7051_a_changed_service_port() {
    let found = defect(WITH_FRONTEND, |f| {
        let path = "configs/kubernetes/api/service.yaml";
        let mut s = yaml(f, path);
        s["spec"]["ports"][0]["port"] = Value::Number(9090.into());
        set_yaml(f, path, &s);
    });
    assert_caught(found, codes::INFRA_PORT_MISMATCH, "Service port 9090");
}

#[test]
fn lp7051_a_changed_exposed_port() {
    let found = defect(WITH_FRONTEND, |f| {
        let path = "configs/docker/backend/store.Dockerfile";
        let t = text(f, path).replace("EXPOSE 8000", "EXPOSE 8001");
        set_text(f, path, t);
    });
    assert_caught(found, codes::INFRA_PORT_MISMATCH, "EXPOSE 8001");
}

#[test]
fn lp7051_a_changed_container_port() {
    let found = defect(WITH_FRONTEND, |f| {
        let path = "configs/kubernetes/store/deployment.yaml";
        let mut d = yaml(f, path);
        d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = Value::Number(8001.into());
        set_yaml(f, path, &d);
    });
    assert_caught(found, codes::INFRA_PORT_MISMATCH, "containerPort 8001");
}

#[test]
fn lp7051_a_dependency_url_on_the_wrong_port() {
    let found = defect(WITH_FRONTEND, |f| {
        let mut c = yaml(f, COMPOSE);
        c["services"]["web"]["environment"]["API_URL"] = Value::String("http://api:8080".into());
        set_yaml(f, COMPOSE, &c);
    });
    assert_caught(found, codes::INFRA_PORT_MISMATCH, "compose API_URL on 8080");
}

#[test]
fn lp7051_a_policy_on_the_wrong_port() {
    let found = defect(WITH_FRONTEND, |f| {
        let mut p = yaml(f, POLICY_STORE);
        p["spec"]["ingress"][0]["ports"][0]["port"] = Value::Number(8080.into());
        set_yaml(f, POLICY_STORE, &p);
    });
    assert_caught(found, codes::INFRA_PORT_MISMATCH, "policy port 8080");
}

/// The workflow is edited as text, so the quoting of `on` survives.
fn workflow_defect(edit: impl FnOnce(String) -> String) -> BTreeSet<&'static str> {
    defect(WITH_FRONTEND, |f| {
        let before = text(f, WORKFLOW);
        let after = edit(before.clone());
        assert_ne!(before, after, "the edit changed nothing");
        set_text(f, WORKFLOW, after);
    })
}

/// The gate step of the generated workflow, as text.
fn gate_step(wf: &str) -> (usize, usize) {
    let start = wf.find("    - name: Verify the system-proof certificate").expect("gate step");
    let end = start + 1 + wf[start + 1..].find("    - name:").expect("a step after the gate");
    (start, end)
}

#[test]
fn lp7052_the_gate_dropped() {
    let found = workflow_defect(|wf| {
        let (a, b) = gate_step(&wf);
        format!("{}{}", &wf[..a], &wf[b..])
    });
    assert_caught(found, codes::INFRA_DEPLOY_NOT_GATED, "gate dropped");
}

#[test]
fn lp7052_the_gate_neutralised() {
    let found = workflow_defect(|wf| wf.replace("\"$LEANOS_OUT_DIR\"\n", "\"$LEANOS_OUT_DIR\" || true\n"));
    assert_caught(found, codes::INFRA_DEPLOY_NOT_GATED, "|| true");
}

#[test]
fn lp7052_the_gate_allowed_to_fail() {
    let found = workflow_defect(|wf| wf.replace("      id: gate\n", "      id: gate\n      continue-on-error: true\n"));
    assert_caught(found, codes::INFRA_DEPLOY_NOT_GATED, "continue-on-error");
}

#[test]
fn lp7052_the_gate_after_the_deployment() {
    let found = workflow_defect(|wf| {
        let (a, b) = gate_step(&wf);
        let gate = wf[a..b].to_string();
        let rest = format!("{}{}", &wf[..a], &wf[b..]);
        format!("{rest}{gate}")
    });
    assert_caught(found, codes::INFRA_DEPLOY_NOT_GATED, "gate last");
}

#[test]
fn lp7052_a_deploy_step_that_runs_always() {
    let found = workflow_defect(|wf| {
        wf.replace(
            "    - name: Apply the Kubernetes manifests\n",
            "    - name: Apply the Kubernetes manifests\n      if: always()\n",
        )
    });
    assert_caught(found, codes::INFRA_DEPLOY_NOT_GATED, "if: always()");
}

#[test]
fn lp7053_an_unquoted_on_key() {
    let found = workflow_defect(|wf| wf.replace("\n'on':\n", "\non:\n"));
    assert_caught(found, codes::INFRA_FILE_UNREADABLE, "on: unquoted");
}

#[test]
fn lp7053_a_manifest_that_is_not_yaml() {
    let found =
        defect(WITH_FRONTEND, |f| set_text(f, "configs/kubernetes/api/service.yaml", "kind: [Service\n".into()));
    assert_caught(found, codes::INFRA_FILE_UNREADABLE, "broken YAML");
}

#[test]
fn lp7053_a_missing_dockerfile() {
    let found = defect(WITH_FRONTEND, |f| {
        f.remove("configs/docker/backend/api.Dockerfile");
    });
    assert_caught(found, codes::INFRA_FILE_UNREADABLE, "Dockerfile missing");
}

#[test]
fn lp7054_changed_replicas() {
    let found = defect(WITH_FRONTEND, |f| {
        let path = "configs/kubernetes/api/deployment.yaml";
        let mut d = yaml(f, path);
        d["spec"]["replicas"] = Value::Number(5.into());
        set_yaml(f, path, &d);
    });
    assert_caught(found, codes::INFRA_SETTINGS_MISMATCH, "replicas 5");
}

#[test]
fn lp7054_a_pod_that_may_run_as_root() {
    let found = defect(WITH_FRONTEND, |f| {
        let path = "configs/kubernetes/store/deployment.yaml";
        let mut d = yaml(f, path);
        d["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = Value::Bool(false);
        set_yaml(f, path, &d);
    });
    assert_caught(found, codes::INFRA_SETTINGS_MISMATCH, "runAsNonRoot false");
}

#[test]
fn lp7054_a_probe_on_the_wrong_route() {
    let found = defect(WITH_FRONTEND, |f| {
        let path = "configs/kubernetes/store/deployment.yaml";
        let mut d = yaml(f, path);
        d["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"] =
            Value::String("/healthz".into());
        set_yaml(f, path, &d);
    });
    assert_caught(found, codes::INFRA_SETTINGS_MISMATCH, "readiness on /healthz");
}

#[test]
fn lp7054_a_root_image_and_an_unpinned_action() {
    let found = defect(WITH_FRONTEND, |f| {
        let path = "configs/docker/backend/store.Dockerfile";
        let t = text(f, path).replace("USER 10001:10001", "USER root");
        set_text(f, path, t);
    });
    assert_caught(found, codes::INFRA_SETTINGS_MISMATCH, "USER root");
    let found = workflow_defect(|wf| {
        wf.replace("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "actions/checkout@v4")
    });
    assert_caught(found, codes::INFRA_SETTINGS_MISMATCH, "checkout@v4");
}

/// The driver turns each finding into an error diagnostic with the code, and a build with
/// any writes nothing (see `lp_driver::build::artifacts`).
#[test]
fn findings_are_errors() {
    let spec = small();
    let mut files = generate_with(&spec, &WITH_FRONTEND);
    files.remove(POLICY_STORE);
    let found = validate(&spec, &WITH_FRONTEND, &files);
    assert!(!found.is_empty());
    assert!(found.iter().all(|d| d.is_error()), "{found:#?}");
    assert!(found.iter().any(|d| d.message.contains("store")), "{found:#?}");
}

/// LP7055: `env` entries the build cannot carry (the corpus case
/// `tests/corpus/diagnostics/LP7055_deploy-env-invalid.adt` runs it through `build`).
#[test]
fn lp7055_env_entries_the_build_cannot_carry() {
    let spec = small();
    let found = lp_codegen::infra::spec_diagnostics(&spec);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, codes::DEPLOY_ENV_INVALID);
    assert!(found[0].message.contains("`on`"), "{}", found[0].message);
    let src = SMALL.replace("\"on\"]", "\"STORE_URL=http://x:1\", \"LOG_LEVEL=info\", 3]");
    let parsed = lp_syntax::parse(FileId(0), &src);
    let spec = lp_ir::lower(&[(FileId(0), &parsed.value)]).value;
    let found = lp_codegen::infra::spec_diagnostics(&spec);
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(found.len(), 3, "{messages:#?}");
    assert!(messages[0].contains("sets `STORE_URL`, which the generated configuration sets itself"), "{messages:#?}");
    assert!(messages[1].contains("sets `LOG_LEVEL` twice"), "{messages:#?}");
    assert!(messages[2].contains("is not a string"), "{messages:#?}");
    // The generator leaves those entries out, so its own output stays valid.
    let files = generate_with(&spec, &WITH_FRONTEND);
    assert!(validate(&spec, &WITH_FRONTEND, &files).is_empty());
    let api = yaml(&files, "configs/kubernetes/api/configmap.yaml");
    assert_eq!(api["data"]["STORE_URL"].as_str(), Some("http://store:8000"));
    assert_eq!(api["data"]["LOG_LEVEL"].as_str(), Some("debug"));
}

/// A value from the spec that YAML 1.1 would read as a number (`12:30` is base 60 there) is
/// quoted by lp-yaml, so it reads back as the same string and the build is clean. (The
/// read-back's LP7053 stays as the net under any such writer gap.)
#[test]
fn a_value_yaml11_reads_as_a_number_is_quoted() {
    let src = SMALL.replace("\"on\"]", "\"WINDOW=12:30\"]");
    let parsed = lp_syntax::parse(FileId(0), &src);
    let spec = lp_ir::lower(&[(FileId(0), &parsed.value)]).value;
    let files = generate_with(&spec, &WITH_FRONTEND);
    let found = codes_of(&spec, &WITH_FRONTEND, &files);
    assert!(found.is_empty(), "{found:?}");
    let text: String = files.values().map(|f| String::from_utf8_lossy(&f.bytes).into_owned()).collect();
    assert!(text.contains("'12:30'"), "the value is single-quoted somewhere in the output");
}

/// Every dependency graph over four services (each of the 64 DAGs whose edges point from a
/// later service to an earlier one), with and without a frontend: the output reads back
/// cleanly, and the compose and NetworkPolicy graphs are the spec's.
#[test]
fn every_graph_of_four_services_reads_back() {
    let names = ["s0", "s1", "s2", "s3"];
    let pairs: Vec<(usize, usize)> = (0..4).flat_map(|a| (0..a).map(move |b| (a, b))).collect();
    for mask in 0u32..(1 << pairs.len()) {
        let mut src = "spec g version 1.0.0\n".to_string();
        for (i, n) in names.iter().enumerate() {
            let deps: Vec<&str> = pairs
                .iter()
                .enumerate()
                .filter(|(k, (a, _))| mask & (1 << k) != 0 && *a == i)
                .map(|(_, (_, b))| names[*b])
                .collect();
            src.push_str(&format!("service {n} {{\n"));
            if !deps.is_empty() {
                src.push_str(&format!("  depends on {}\n", deps.join(", ")));
            }
            src.push_str(&format!("  op ping_{n}() -> Unit GET /{n}\n}}\n"));
        }
        let parsed = lp_syntax::parse(FileId(0), &src);
        assert!(parsed.diagnostics.is_empty(), "{src}: {:?}", parsed.diagnostics);
        let spec = lp_ir::lower(&[(FileId(0), &parsed.value)]).value;
        let expected = spec_edges(&spec);
        assert_eq!(expected.len(), mask.count_ones() as usize, "{src}");
        for options in [WITH_FRONTEND, NO_FRONTEND] {
            let files = generate_with(&spec, &options);
            let found = validate(&spec, &options, &files);
            assert!(found.is_empty(), "{src} ({options:?}): {found:#?}");
            let mut by_policy = BTreeSet::new();
            for n in names {
                let p = yaml(&files, &format!("configs/kubernetes/{n}/networkpolicy.yaml"));
                for peer in p["spec"]["ingress"][0]["from"].as_sequence().into_iter().flatten() {
                    let from = peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"].as_str().expect("peer");
                    if from != "frontend" {
                        by_policy.insert((from.to_string(), n.to_string()));
                    }
                }
                let entry = p["spec"]["ingress"][0].get("from").is_none();
                let dependents = expected.iter().any(|(_, callee)| callee == n);
                assert_eq!(entry, !options.frontend && !dependents, "{src} ({options:?}): {n} open to all");
            }
            assert_eq!(by_policy, expected, "{src} ({options:?})");
        }
    }
}

/// In every example, removing any one NetworkPolicy, changing any one Service's port or
/// removing any one compose `depends_on` entry is caught.
#[test]
fn every_single_defect_in_the_examples_is_caught() {
    for dir in EXAMPLES {
        let spec = example(dir);
        let files = generate_with(&spec, &WITH_FRONTEND);
        let paths: Vec<String> = files.keys().cloned().collect();
        let mut checked = 0;
        for path in
            paths.iter().filter(|p| p.ends_with("/networkpolicy.yaml") || p.ends_with("default-deny-ingress.yaml"))
        {
            let mut f = files.clone();
            f.remove(path);
            assert_caught(
                codes_of(&spec, &WITH_FRONTEND, &f),
                codes::INFRA_TOPOLOGY_MISMATCH,
                &format!("{dir}: {path} removed"),
            );
            checked += 1;
        }
        for path in paths.iter().filter(|p| p.ends_with("/service.yaml")) {
            let mut f = files.clone();
            let mut s = yaml(&f, path);
            let port = s["spec"]["ports"][0]["port"].as_i64().expect("port");
            s["spec"]["ports"][0]["port"] = Value::Number((port + 1).into());
            set_yaml(&mut f, path, &s);
            assert_caught(
                codes_of(&spec, &WITH_FRONTEND, &f),
                codes::INFRA_PORT_MISMATCH,
                &format!("{dir}: {path} port"),
            );
            checked += 1;
        }
        let compose = yaml(&files, COMPOSE);
        for (name, svc) in compose["services"].as_mapping().expect("services") {
            for dep in svc["depends_on"].as_mapping().into_iter().flatten().map(|(k, _)| k.clone()) {
                let mut c = compose.clone();
                if let Some(m) = c["services"][name.as_str().expect("name")]["depends_on"].as_mapping_mut() {
                    m.remove(&dep);
                }
                let mut f = files.clone();
                set_yaml(&mut f, COMPOSE, &c);
                let what = format!("{dir}: {name:?} no longer waits for {dep:?}");
                assert_caught(codes_of(&spec, &WITH_FRONTEND, &f), codes::INFRA_TOPOLOGY_MISMATCH, &what);
                checked += 1;
            }
        }
        assert!(checked >= 10, "{dir}: only {checked} defects tried");
    }
}

/// An `env` entry may not wire a dependency the graph does not have (LP7055).
#[test]
fn lp7055_an_env_url_to_a_service_not_depended_on() {
    let src = SMALL.replace("\"on\"]", "\"WEB_URL=http://web:8000\"]");
    let parsed = lp_syntax::parse(FileId(0), &src);
    let spec = lp_ir::lower(&[(FileId(0), &parsed.value)]).value;
    let found = lp_codegen::infra::spec_diagnostics(&spec);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, codes::DEPLOY_ENV_INVALID);
    assert!(found[0].help.iter().any(|h| h.contains("depends on web")), "{found:#?}");
    // The generator leaves it out, so the read-back sees only the spec's graph.
    let files = generate_with(&spec, &WITH_FRONTEND);
    assert!(validate(&spec, &WITH_FRONTEND, &files).is_empty());
    assert!(yaml(&files, "configs/kubernetes/api/configmap.yaml")["data"].get("WEB_URL").is_none());
}

// ---------------------------------------------------------------- issue #14: injection

/// The small spec with `api`'s deploy block replaced by `settings`.
fn small_with_deploy(settings: &str) -> lp_ir::Spec {
    let start = SMALL.find("deploy api {").expect("deploy block");
    let src = format!("{}deploy api {{ {settings} }}\n", &SMALL[..start]);
    let parsed = lp_syntax::parse(FileId(0), &src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    lp_ir::lower(&[(FileId(0), &parsed.value)]).value
}

fn spec_codes(spec: &lp_ir::Spec) -> Vec<&'static str> {
    lp_codegen::infra::spec_diagnostics(spec).iter().map(|d| d.code.info().id).collect()
}

/// The `${{ … }}` expressions of a text, without the braces.
fn expressions(text: &str) -> Vec<String> {
    text.split("${{").skip(1).map(|rest| rest.split("}}").next().unwrap_or_default().trim().to_string()).collect()
}

/// LP7056: the injection string of issue #14 in `image` is refused at check time (the
/// corpus case `LP7056_deploy-image-invalid.adt` runs it through `build`), and the generator
/// never writes it: the default image stands in and the output still reads back cleanly.
#[test]
fn lp7056_the_injection_string_in_image_is_refused() {
    let spec = small_with_deploy(r#"image = "\"; touch X; \"""#);
    assert_eq!(spec_codes(&spec), ["LP7056"]);
    let files = generate_with(&spec, &WITH_FRONTEND);
    assert!(!text(&files, WORKFLOW).contains("touch X"));
    assert!(validate(&spec, &WITH_FRONTEND, &files).is_empty());
    for ok in ["ghcr.io/acme/api:2.0.0", "localhost:5000/api", "api@sha256:".to_string().as_str()] {
        let ok = if ok.ends_with(':') { format!("{ok}{}", "a".repeat(64)) } else { ok.to_string() };
        assert!(spec_codes(&small_with_deploy(&format!("image = \"{ok}\""))).is_empty(), "{ok}");
    }
}

/// LP7057: `cpu` and `memory` must be Kubernetes quantities.
#[test]
fn lp7057_cpu_and_memory_must_be_quantities() {
    assert_eq!(spec_codes(&small_with_deploy(r#"cpu = "1.5 cores", memory = "512MB""#)), ["LP7057", "LP7057"]);
    assert_eq!(spec_codes(&small_with_deploy(r#"cpu = "-1""#)), ["LP7057"]);
    assert!(spec_codes(&small_with_deploy(r#"cpu = "0.5", memory = "1Gi""#)).is_empty());
    // The defaults stand in for the refused values, so the generator's output stays valid.
    let spec = small_with_deploy(r#"cpu = "1; rm -rf /", memory = "x""#);
    let files = generate_with(&spec, &WITH_FRONTEND);
    assert!(validate(&spec, &WITH_FRONTEND, &files).is_empty());
    assert!(!files.values().any(|f| String::from_utf8_lossy(&f.bytes).contains("rm -rf")));
}

/// LP7058: `${{` and control characters in any deploy string are refused, and none reaches a file.
#[test]
fn lp7058_expressions_and_control_characters_are_refused() {
    let spec = small_with_deploy(
        r#"image = "api:${{ github.sha }}", env = ["T=${{ secrets.FROM_SPEC }}", "B=one\nline", "C=a\tb", "OK=$HOME"]"#,
    );
    assert_eq!(spec_codes(&spec), ["LP7058", "LP7058", "LP7058", "LP7058"]);
    let files = generate_with(&spec, &WITH_FRONTEND);
    assert!(validate(&spec, &WITH_FRONTEND, &files).is_empty());
    for (path, f) in &files {
        let text = String::from_utf8_lossy(&f.bytes);
        assert!(!text.contains("github.sha") && !text.contains("FROM_SPEC") && !text.contains("one\nline"), "{path}");
        assert!(!text.contains("a\tb") && !text.contains("C="), "{path}");
    }
    assert_eq!(yaml(&files, "configs/kubernetes/api/configmap.yaml")["data"]["OK"].as_str(), Some("$HOME"));
}

/// The escaping fixture's deploy blocks hold every shell- and Actions-sensitive character a
/// valid spec may (scripts/test-infra.sh runs actionlint and zizmor on its workflow): the
/// check accepts them, the read-back is clean, every expression of the workflow is the
/// generator's own, and the spec's images and env values never appear in a `run:` script.
#[test]
fn no_spec_string_reaches_a_workflow_script_or_expression() {
    let src = include_str!("fixtures/infra-escaping.adt");
    let parsed = lp_syntax::parse(FileId(0), src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let spec = lp_ir::lower(&[(FileId(0), &parsed.value)]).value;
    assert!(lp_codegen::infra::spec_diagnostics(&spec).is_empty());
    for (label, spec) in [("fixture", &spec), ("small", &small())] {
        for options in [WITH_FRONTEND, NO_FRONTEND] {
            let files = generate_with(spec, &options);
            assert!(validate(spec, &options, &files).is_empty(), "{label}");
            let wf = text(&files, WORKFLOW);
            let allowed = ["github.workflow", "github.ref", "vars.LEANOS_PUBLIC_KEY"];
            for e in expressions(&wf) {
                assert!(allowed.contains(&e.as_str()) || e.starts_with("secrets."), "{label}: ${{{{ {e} }}}}");
            }
            if label == "fixture" {
                // Compose would interpolate `$`: it is written `$$`; the ConfigMap keeps it.
                let compose = yaml(&files, COMPOSE);
                let store = &compose["services"]["store"]["environment"];
                assert_eq!(store["DOLLAR"].as_str(), Some("$$HOME $$(id) `id` $${X}"));
                let cm = yaml(&files, "configs/kubernetes/store/configmap.yaml");
                assert_eq!(cm["data"]["DOLLAR"].as_str(), Some("$HOME $(id) `id` ${X}"));
            }
            let doc: Value = yaml_serde::from_str(&wf).expect("YAML");
            for job in doc["jobs"].as_mapping().expect("jobs").values() {
                for step in job["steps"].as_sequence().expect("steps") {
                    let Some(run) = step["run"].as_str() else { continue };
                    for forbidden in ["registry.example.com", "[::1]", "touch X", "$(id)", "`id`", "shop/"] {
                        assert!(!run.contains(forbidden), "{label}: {forbidden} in {run}");
                    }
                }
            }
        }
    }
}

/// LP7059: an image pasted into a script, or an expression the generator does not write, is
/// caught by the read-back.
#[test]
fn lp7059_a_pasted_image_and_a_foreign_expression() {
    let found = workflow_defect(|wf| wf.replace("docker push \"$LEANOS_IMAGE\"", "docker push \"shop/api:1.2.0\""));
    assert_caught(found, codes::INFRA_WORKFLOW_INJECTION, "image pasted into run");
    let found =
        workflow_defect(|wf| wf.replace("--tag \"$LEANOS_IMAGE\"", "--tag \"${{ github.event.pull_request.title }}\""));
    assert_caught(found, codes::INFRA_WORKFLOW_INJECTION, "foreign expression");
}

/// LP7052 on the `env:` shape of the workflow: a step that pushes an image through its
/// environment, added to the ungated `build` job, is an ungated deployment.
#[test]
fn lp7052_an_env_shaped_push_in_the_ungated_build_job() {
    let found = workflow_defect(|wf| {
        let test_job = wf.find("\n  test:\n").expect("test job");
        let push = "    - name: Push early\n      env:\n        LEANOS_IMAGE: shop/api:1.2.0\n      run: |\n        docker push \"$LEANOS_IMAGE\"\n";
        format!("{}\n{push}{}", &wf[..test_job], &wf[test_job + 1..])
    });
    assert_caught(found, codes::INFRA_DEPLOY_NOT_GATED, "push in build");
}
