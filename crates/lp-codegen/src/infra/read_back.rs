//! Translation validation of the deployment files: the emitted compose file, Kubernetes
//! manifests, Dockerfiles and workflow are parsed back (YAML with yaml_serde, Dockerfiles
//! instruction by instruction) and compared with the spec's service graph.
//!
//! What is checked, and the code a difference gets:
//! - `LP7050` topology: the compose services, their `depends_on` (health-gated), the
//!   dependency URLs in their environment and in the Kubernetes ConfigMaps, the Services'
//!   selectors and the NetworkPolicies' admitted peers each give the spec's dependency
//!   graph back, edge for edge (an edge `a -> b` is "a calls b").
//! - `LP7051` ports: the Dockerfile's `EXPOSE` and `--port`, the container port, the probes,
//!   the Service's `targetPort`, the NetworkPolicy ports and the URLs agree with the app's
//!   port, and each Service and URL with the spec's `deploy` port.
//! - `LP7052` gate: every workflow job that deploys (`docker push`, `kubectl apply`) runs
//!   `leanos-prove verify` first, in the same job or in a job it needs, and nothing lets a
//!   failed verification pass.
//! - `LP7053` a file is missing, is not YAML, or is read differently by YAML 1.1 readers.
//! - `LP7054` settings: replicas, resources, images, probe routes, non-root security
//!   contexts and pinned actions are what the spec and the conventions say.
//! - `LP7059` injection: no workflow `run:` script contains an image or registry from the
//!   spec (they come through the step's `env:`), and every `${{ … }}` expression is one of
//!   the generator's own ([`allowed_expression`]).
//!
//! The expected graph is read from the spec itself ([`lp_ir::Spec::services`]), not from the
//! generator's [`Topology`](super::topology::Topology); only names, ports and defaults are
//! shared.

use super::kubernetes::{NAME_LABEL, PART_OF_LABEL, configmap_name, default_deny_path, manifest_path};
use super::topology::{
    APP_PORT, COMPOSE_FILE, FRONTEND_PORT, LIVENESS_PATH, READINESS_PATH, Topology, WORKFLOW_FILE, api_env,
    backend_dockerfile, dep_env, frontend_dockerfile,
};
use super::workflow::GATE_COMMAND;
use crate::generated::Generated;
use lp_diagnostics::{Code, codes};
use std::collections::{BTreeMap, BTreeSet};
use yaml_serde::Value;

/// One difference between the emitted files and the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub code: Code,
    /// The file it is about, relative to the output folder.
    pub file: String,
    pub message: String,
}

/// The edges `(caller, callee)` of a graph, by spec service name.
type Edges = BTreeSet<(String, String)>;

struct Checker<'a> {
    files: &'a Generated,
    t: &'a Topology,
    out: Vec<Mismatch>,
}

impl Checker<'_> {
    fn push(&mut self, code: Code, file: &str, message: String) {
        self.out.push(Mismatch { code, file: file.to_string(), message });
    }

    fn text(&mut self, path: &str) -> Option<String> {
        match self.files.get(path) {
            None => {
                self.push(codes::INFRA_FILE_UNREADABLE, path, "the file was not generated".into());
                None
            }
            Some(f) => match String::from_utf8(f.bytes.clone()) {
                Ok(s) => Some(s),
                Err(_) => {
                    self.push(codes::INFRA_FILE_UNREADABLE, path, "the file is not UTF-8".into());
                    None
                }
            },
        }
    }

    fn yaml(&mut self, path: &str) -> Option<Value> {
        let text = self.text(path)?;
        match yaml_serde::from_str::<Value>(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(codes::INFRA_FILE_UNREADABLE, path, format!("the file is not valid YAML: {e}"));
                None
            }
        }
    }

    /// Compares a graph read back from a file with the spec's.
    fn edges(&mut self, file: &str, what: &str, expected: &Edges, found: &Edges) {
        let missing: Vec<String> = expected.difference(found).map(|(a, b)| format!("{a} -> {b}")).collect();
        let extra: Vec<String> = found.difference(expected).map(|(a, b)| format!("{a} -> {b}")).collect();
        if !missing.is_empty() || !extra.is_empty() {
            self.push(
                codes::INFRA_TOPOLOGY_MISMATCH,
                file,
                format!(
                    "the {what} do not give the spec's dependency graph back: missing [{}], not in the spec [{}]",
                    missing.join(", "),
                    extra.join(", ")
                ),
            );
        }
    }

    /// The spec name of the service whose DNS name is `dns`.
    fn by_dns(&self, dns: &str) -> Option<String> {
        self.t.services.iter().find(|s| s.dns == dns).map(|s| s.name.clone())
    }
}

/// The string at `key` of a mapping.
fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// The keys of a mapping, in order.
fn keys(v: &Value) -> Vec<String> {
    v.as_mapping().map(|m| m.keys().filter_map(|k| k.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Splits `http://host:port` into host and port.
fn url_host_port(url: &str) -> Option<(String, i64)> {
    let rest = url.strip_prefix("http://")?;
    let rest = rest.split('/').next()?;
    let (host, port) = rest.rsplit_once(':')?;
    Some((host.to_string(), port.parse().ok()?))
}

/// Checks the emitted files against the spec; `t` gives the names and options they were
/// generated with.
pub fn read_back(spec: &lp_ir::Spec, t: &Topology, files: &Generated) -> Vec<Mismatch> {
    let mut c = Checker { files, t, out: Vec::new() };
    if t.services.is_empty() {
        return c.out;
    }
    // The spec's graph, straight from the IR.
    let mut expected = Edges::new();
    for svc in &spec.services {
        for d in &svc.depends {
            if let Some(dep) = spec.services.get(d.service.index()) {
                expected.insert((svc.name.clone(), dep.name.clone()));
            }
        }
    }
    yaml11_scalars(&mut c);
    let app_ports = dockerfiles(&mut c);
    compose(&mut c, &expected);
    kubernetes(&mut c, &expected, &app_ports);
    workflow(&mut c);
    c.out
}

/// Whether a YAML 1.1 reader (PyYAML, go-yaml v2) resolves the plain scalar `s` to a number or
/// a date where a YAML 1.2 writer meant a string: sexagesimal numbers (`12:30`), numbers with
/// `_` (`1_000`) and dates (`2001-12-14`). Booleans and the forms YAML 1.2 shares are quoted
/// by the writer already.
pub fn yaml11_non_string(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '_');
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let frac_ok = frac.chars().all(|c| c.is_ascii_digit() || c == '_');
    // Sexagesimal: 1:20, 190:20:30.15.
    let mut parts = int.split(':');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    if !rest.is_empty()
        && digits(first)
        && first.starts_with(|c: char| c.is_ascii_digit())
        && rest.iter().all(|p| matches!(p.as_bytes(), [d] | [b'0'..=b'5', d] if d.is_ascii_digit()))
        && frac_ok
    {
        return true;
    }
    // Numbers with underscores: 1_000, 0_7, 1_0.5.
    if int.contains('_') && digits(int) && int.starts_with(|c: char| c.is_ascii_digit()) && frac_ok {
        return true;
    }
    // Dates and timestamps: 2001-12-14, 2001-12-14t21:59:43.10-05:00.
    let b = s.as_bytes();
    b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && s[5..].split(['-', 't', 'T', ' ']).next().is_some_and(|m| (1..=2).contains(&m.len()) && digits(m))
}

/// Every plain scalar (key or value) of the emitted YAML that YAML 1.1 readers would not read
/// as the string it is (`LP7053`).
fn yaml11_scalars(c: &mut Checker) {
    let paths: Vec<String> = c.files.keys().filter(|p| p.ends_with(".yaml")).cloned().collect();
    for path in paths {
        let Some(file) = c.files.get(&path) else { continue };
        let text = String::from_utf8_lossy(&file.bytes).into_owned();
        for line in text.lines() {
            let mut rest = line.trim_start();
            if rest.starts_with('#') {
                continue;
            }
            while let Some(r) = rest.strip_prefix("- ") {
                rest = r;
            }
            let (key, value) = match rest.split_once(": ") {
                Some((k, v)) => (k, v),
                None => match rest.strip_suffix(':') {
                    Some(k) => (k, ""),
                    None => ("", rest),
                },
            };
            for scalar in [key, value] {
                let plain = !scalar.starts_with(['\'', '"', '|', '>', '{', '[', '&', '*', '!']);
                if plain && yaml11_non_string(scalar) {
                    c.push(
                        codes::INFRA_FILE_UNREADABLE,
                        &path,
                        format!(
                            "YAML 1.1 readers read the plain scalar `{scalar}` as a number or a date, not a string"
                        ),
                    );
                }
            }
        }
    }
}

/// A Dockerfile's instructions, one per logical line (continuations joined).
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (op, args) = current.split_once(char::is_whitespace).unwrap_or((current.as_str(), ""));
        out.push((op.to_ascii_uppercase(), args.trim().to_string()));
        current.clear();
    }
    out
}

/// The ports each Dockerfile's app listens on, by spec service name (`""` for the frontend);
/// checks `EXPOSE`, the command's `--port`, the health check and the user.
fn dockerfiles(c: &mut Checker) -> BTreeMap<String, i64> {
    let mut ports = BTreeMap::new();
    let mut targets: Vec<(String, String, i64)> =
        c.t.services.iter().map(|s| (s.name.clone(), backend_dockerfile(&s.name), APP_PORT)).collect();
    if c.t.frontend.is_some() {
        targets.push((String::new(), frontend_dockerfile(&c.t.spec), FRONTEND_PORT));
    }
    for (name, path, app_port) in targets {
        let Some(text) = c.text(&path) else { continue };
        let ins = instructions(&text);
        let froms = ins.iter().filter(|(op, _)| op == "FROM").count();
        if froms < 2 {
            c.push(
                codes::INFRA_SETTINGS_MISMATCH,
                &path,
                format!("the Dockerfile has {froms} stage(s), not a multi-stage build"),
            );
        }
        for (_, args) in ins.iter().filter(|(op, _)| op == "FROM") {
            let image = args.split_whitespace().next().unwrap_or_default();
            let last = image.rsplit('/').next().unwrap_or(image);
            if !(image.contains('@') || last.contains(':')) || last.ends_with(":latest") {
                c.push(codes::INFRA_SETTINGS_MISMATCH, &path, format!("the base image `{image}` is not pinned"));
            }
        }
        let exposed: Vec<i64> = ins
            .iter()
            .filter(|(op, _)| op == "EXPOSE")
            .flat_map(|(_, a)| {
                a.split_whitespace().filter_map(|p| p.split('/').next()?.parse().ok()).collect::<Vec<i64>>()
            })
            .collect();
        let port = match exposed.as_slice() {
            [p] => *p,
            _ => {
                c.push(
                    codes::INFRA_PORT_MISMATCH,
                    &path,
                    format!("the Dockerfile exposes {exposed:?}, not exactly the app's port {app_port}"),
                );
                continue;
            }
        };
        if port != app_port {
            c.push(codes::INFRA_PORT_MISMATCH, &path, format!("EXPOSE {port}, but the app listens on {app_port}"));
        }
        ports.insert(name.clone(), port);
        let cmd = ins.iter().rev().find(|(op, _)| op == "CMD").map(|(_, a)| a.clone()).unwrap_or_default();
        if name.is_empty() {
            let env_port =
                ins.iter().any(|(op, a)| op == "ENV" && a.split_whitespace().any(|kv| kv == format!("PORT={port}")));
            if !env_port {
                c.push(
                    codes::INFRA_PORT_MISMATCH,
                    &path,
                    format!("the frontend is not told to listen on {port} (ENV PORT)"),
                );
            }
        } else {
            let args: Vec<String> = serde_json::from_str(&cmd).unwrap_or_default();
            let listen = args
                .iter()
                .position(|a| a == "--port")
                .and_then(|i| args.get(i + 1))
                .and_then(|p| p.parse::<i64>().ok());
            if listen != Some(port) {
                c.push(
                    codes::INFRA_PORT_MISMATCH,
                    &path,
                    format!("the command listens on {listen:?}, but the Dockerfile exposes {port}"),
                );
            }
        }
        let route = if name.is_empty() { "/" } else { LIVENESS_PATH };
        let health = ins.iter().find(|(op, _)| op == "HEALTHCHECK").map(|(_, a)| a.clone()).unwrap_or_default();
        if !health.contains(&format!("127.0.0.1:{port}{route}")) {
            c.push(
                codes::INFRA_PORT_MISMATCH,
                &path,
                format!("the HEALTHCHECK does not probe 127.0.0.1:{port}{route}"),
            );
        }
        let user = ins.iter().rev().find(|(op, _)| op == "USER").map(|(_, a)| a.clone());
        let uid = user.as_deref().map(|u| u.split(':').next().unwrap_or_default().to_string());
        if matches!(uid.as_deref(), None | Some("root" | "0")) {
            c.push(codes::INFRA_SETTINGS_MISMATCH, &path, "the image runs as root (no non-root USER)".into());
        }
    }
    ports
}

fn compose(c: &mut Checker, expected: &Edges) {
    let Some(doc) = c.yaml(COMPOSE_FILE) else { return };
    let path = COMPOSE_FILE;
    let services = doc.get("services").cloned().unwrap_or(Value::Null);
    let names: Vec<String> = keys(&services);
    let mut wanted: Vec<String> = vec![c.t.db.clone()];
    wanted.extend(c.t.services.iter().map(|s| s.dns.clone()));
    wanted.extend(c.t.frontend.iter().map(|f| f.dns.clone()));
    let have: BTreeSet<&String> = names.iter().collect();
    let want: BTreeSet<&String> = wanted.iter().collect();
    if have != want {
        c.push(
            codes::INFRA_TOPOLOGY_MISMATCH,
            path,
            format!("the compose services are {have:?}, the spec's (with the database and frontend) are {want:?}"),
        );
    }
    let mut by_depends = Edges::new();
    let mut by_env = Edges::new();
    for svc in c.t.services.clone() {
        let Some(v) = services.get(svc.dns.as_str()) else { continue };
        let depends = v.get("depends_on").cloned().unwrap_or(Value::Null);
        for k in keys(&depends) {
            if depends[k.as_str()]["condition"].as_str() != Some("service_healthy") {
                c.push(
                    codes::INFRA_TOPOLOGY_MISMATCH,
                    path,
                    format!("`{}` does not wait for `{k}` to be healthy", svc.dns),
                );
            }
            if k == c.t.db {
                continue;
            }
            let callee = c.by_dns(&k).unwrap_or(k);
            by_depends.insert((svc.name.clone(), callee));
        }
        if depends.get(c.t.db.as_str()).is_none() {
            c.push(codes::INFRA_TOPOLOGY_MISMATCH, path, format!("`{}` does not wait for the database", svc.dns));
        }
        let health = v["healthcheck"]["test"]
            .as_sequence()
            .map(|t| t.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "));
        match health {
            None => {
                c.push(codes::INFRA_TOPOLOGY_MISMATCH, path, format!("`{}` has no health check to gate on", svc.dns))
            }
            Some(h) if !h.contains(&format!(":{APP_PORT}{READINESS_PATH}")) => c.push(
                codes::INFRA_PORT_MISMATCH,
                path,
                format!("the health check of `{}` does not probe port {APP_PORT}{READINESS_PATH}", svc.dns),
            ),
            Some(_) => {}
        }
        let env = v.get("environment").cloned().unwrap_or(Value::Null);
        for k in keys(&env) {
            let Some(value) = env[k.as_str()].as_str() else { continue };
            if k == "DATABASE_URL" {
                if !value.contains(&format!("@{}:", c.t.db)) {
                    c.push(
                        codes::INFRA_TOPOLOGY_MISMATCH,
                        path,
                        format!("DATABASE_URL of `{}` does not name `{}`", svc.dns, c.t.db),
                    );
                }
                continue;
            }
            let Some(dep) = c.t.services.iter().find(|d| dep_env(&d.name) == k).cloned() else { continue };
            match url_host_port(value) {
                Some((host, port)) => {
                    let callee = c.by_dns(&host).unwrap_or(host);
                    if callee != dep.name {
                        c.push(
                            codes::INFRA_TOPOLOGY_MISMATCH,
                            path,
                            format!("{k} of `{}` points at `{callee}`", svc.dns),
                        );
                    }
                    if port != APP_PORT {
                        c.push(
                            codes::INFRA_PORT_MISMATCH,
                            path,
                            format!("{k} of `{}` uses port {port}, the app listens on {APP_PORT}", svc.dns),
                        );
                    }
                    by_env.insert((svc.name.clone(), callee));
                }
                None => c.push(
                    codes::INFRA_TOPOLOGY_MISMATCH,
                    path,
                    format!("{k} of `{}` is not an http://host:port URL", svc.dns),
                ),
            }
        }
        if s(v, "image") != Some(svc.image.as_str()) {
            c.push(codes::INFRA_SETTINGS_MISMATCH, path, format!("the image of `{}` is not {}", svc.dns, svc.image));
        }
    }
    c.edges(path, "compose `depends_on` lists", expected, &by_depends);
    c.edges(path, "compose dependency URLs", expected, &by_env);
    // Dependency order: each service after the services it depends on.
    let position = |n: &str| names.iter().position(|x| x == n);
    for svc in &c.t.services.clone() {
        for d in &svc.depends {
            let Some(dep) = c.t.service(d) else { continue };
            if let (Some(a), Some(b)) = (position(&svc.dns), position(&dep.dns))
                && a < b
            {
                c.push(
                    codes::INFRA_TOPOLOGY_MISMATCH,
                    path,
                    format!("`{}` comes before its dependency `{}`", svc.dns, dep.dns),
                );
            }
        }
    }
    if let Some(f) = c.t.frontend.clone() {
        let v = services.get(f.dns.as_str()).cloned().unwrap_or(Value::Null);
        let env = v.get("environment").cloned().unwrap_or(Value::Null);
        for svc in c.t.services.clone() {
            let key = api_env(&svc.name);
            match env.get(key.as_str()).and_then(Value::as_str).and_then(url_host_port) {
                Some((host, port)) => {
                    if host != svc.dns {
                        c.push(
                            codes::INFRA_TOPOLOGY_MISMATCH,
                            path,
                            format!("{key} of the frontend points at `{host}`"),
                        );
                    }
                    if port != APP_PORT {
                        c.push(codes::INFRA_PORT_MISMATCH, path, format!("{key} of the frontend uses port {port}"));
                    }
                }
                None => c.push(codes::INFRA_TOPOLOGY_MISMATCH, path, format!("the frontend has no {key} URL")),
            }
            if v["depends_on"][svc.dns.as_str()]["condition"].as_str() != Some("service_healthy") {
                c.push(codes::INFRA_TOPOLOGY_MISMATCH, path, format!("the frontend does not wait for `{}`", svc.dns));
            }
        }
    }
}

/// The manifests by `(kind, name)`.
fn load_manifests(c: &mut Checker) -> BTreeMap<(String, String), (String, Value)> {
    let mut out = BTreeMap::new();
    let paths: Vec<String> =
        c.files.keys().filter(|p| p.starts_with("configs/kubernetes/") && p.ends_with(".yaml")).cloned().collect();
    for p in paths {
        let Some(doc) = c.yaml(&p) else { continue };
        let kind = s(&doc, "kind").unwrap_or_default().to_string();
        let name = doc["metadata"]["name"].as_str().unwrap_or_default().to_string();
        out.insert((kind, name), (p, doc));
    }
    out
}

/// Whether every label of `selector` is among `labels`.
fn selects(selector: &Value, labels: &Value) -> bool {
    selector.as_mapping().is_some_and(|m| m.iter().all(|(k, v)| labels.get(k).is_some_and(|l| l == v)))
}

fn kubernetes(c: &mut Checker, expected: &Edges, app_ports: &BTreeMap<String, i64>) {
    let m = load_manifests(c);
    let get = |kind: &str, name: &str| m.get(&(kind.to_string(), name.to_string())).cloned();
    let mut by_config = Edges::new();
    let mut by_policy = Edges::new();
    let policies: Vec<(String, Value)> =
        m.iter().filter(|((k, _), _)| k == "NetworkPolicy").map(|(_, (p, v))| (p.clone(), v.clone())).collect();
    // The system-wide default-deny ingress policy.
    let deny = default_deny_path();
    let has_deny = policies.iter().any(|(_, p)| {
        let sel = &p["spec"]["podSelector"]["matchLabels"];
        let all = sel.as_mapping().is_none_or(|m| m.is_empty())
            || (sel.as_mapping().is_some_and(|m| m.len() == 1)
                && sel[PART_OF_LABEL].as_str() == Some(c.t.spec_dns.as_str()));
        let ingress = p["spec"]["ingress"].as_sequence().is_none_or(Vec::is_empty);
        let types =
            p["spec"]["policyTypes"].as_sequence().is_some_and(|t| t.iter().any(|x| x.as_str() == Some("Ingress")));
        all && ingress && types
    });
    if !has_deny {
        c.push(
            codes::INFRA_TOPOLOGY_MISMATCH,
            &deny,
            "no NetworkPolicy denies ingress to the system's pods by default".into(),
        );
    }
    let mut workloads: Vec<(Option<String>, String, i64, i64)> = c
        .t
        .services
        .iter()
        .map(|s| {
            (Some(s.name.clone()), s.dns.clone(), app_ports.get(&s.name).copied().unwrap_or(APP_PORT), s.service_port)
        })
        .collect();
    if let Some(f) = &c.t.frontend {
        workloads.push((
            None,
            f.dns.clone(),
            app_ports.get("").copied().unwrap_or(FRONTEND_PORT),
            super::kubernetes::FRONTEND_SERVICE_PORT,
        ));
    }
    for (name, dns, app_port, service_port) in workloads {
        let folder = name.clone().unwrap_or_else(|| dns.clone());
        let Some((dpath, d)) = get("Deployment", &dns) else {
            c.push(
                codes::INFRA_TOPOLOGY_MISMATCH,
                &manifest_path(&folder, "deployment"),
                format!("no Deployment `{dns}`"),
            );
            continue;
        };
        let pod_labels = d["spec"]["template"]["metadata"]["labels"].clone();
        if !selects(&d["spec"]["selector"]["matchLabels"], &pod_labels)
            || pod_labels[NAME_LABEL].as_str() != Some(dns.as_str())
        {
            c.push(
                codes::INFRA_TOPOLOGY_MISMATCH,
                &dpath,
                format!("the Deployment's selector does not select its pods `{dns}`"),
            );
        }
        let pod = &d["spec"]["template"]["spec"];
        let container = &pod["containers"][0];
        let ports = container["ports"].as_sequence().cloned().unwrap_or_default();
        let http = ports.iter().find(|p| s(p, "name") == Some("http")).and_then(|p| p["containerPort"].as_i64());
        if http != Some(app_port) {
            c.push(
                codes::INFRA_PORT_MISMATCH,
                &dpath,
                format!("the container port `http` is {http:?}, the image exposes {app_port}"),
            );
        }
        let resolve = |v: &Value| v.as_i64().or_else(|| (v.as_str() == Some("http")).then_some(http).flatten());
        let (live, ready) = if name.is_some() { (LIVENESS_PATH, READINESS_PATH) } else { ("/", "/") };
        for (probe, route) in [("livenessProbe", live), ("readinessProbe", ready)] {
            let get = &container[probe]["httpGet"];
            if s(get, "path") != Some(route) {
                c.push(
                    codes::INFRA_SETTINGS_MISMATCH,
                    &dpath,
                    format!("the {probe} of `{dns}` does not probe {route}"),
                );
            }
            if resolve(&get["port"]) != Some(app_port) {
                c.push(
                    codes::INFRA_PORT_MISMATCH,
                    &dpath,
                    format!("the {probe} of `{dns}` does not probe port {app_port}"),
                );
            }
        }
        let sc = &pod["securityContext"];
        if sc["runAsNonRoot"].as_bool() != Some(true) || sc["runAsUser"].as_i64().is_none_or(|u| u == 0) {
            c.push(codes::INFRA_SETTINGS_MISMATCH, &dpath, format!("the pods of `{dns}` may run as root"));
        }
        if let Some(svc) = name.as_ref().and_then(|n| c.t.service(n)).cloned() {
            if d["spec"]["replicas"].as_i64() != Some(svc.replicas) {
                c.push(
                    codes::INFRA_SETTINGS_MISMATCH,
                    &dpath,
                    format!(
                        "`{dns}` has replicas {:?}, the spec says {}",
                        d["spec"]["replicas"].as_i64(),
                        svc.replicas
                    ),
                );
            }
            for bound in ["requests", "limits"] {
                let r = &container["resources"][bound];
                if s(r, "cpu") != Some(svc.cpu.as_str()) || s(r, "memory") != Some(svc.memory.as_str()) {
                    c.push(
                        codes::INFRA_SETTINGS_MISMATCH,
                        &dpath,
                        format!("the resource {bound} of `{dns}` are not cpu {} memory {}", svc.cpu, svc.memory),
                    );
                }
            }
            if s(container, "image") != Some(svc.image.as_str()) {
                c.push(codes::INFRA_SETTINGS_MISMATCH, &dpath, format!("the image of `{dns}` is not {}", svc.image));
            }
        }
        // The environment: every dependency URL names the dependency's Service and port.
        let cm_name = container["envFrom"][0]["configMapRef"]["name"].as_str().unwrap_or_default().to_string();
        if cm_name != configmap_name(&dns) {
            c.push(
                codes::INFRA_TOPOLOGY_MISMATCH,
                &dpath,
                format!("`{dns}` does not take its environment from `{}`", configmap_name(&dns)),
            );
        }
        match get("ConfigMap", &cm_name) {
            None => c.push(
                codes::INFRA_TOPOLOGY_MISMATCH,
                &manifest_path(&folder, "configmap"),
                format!("no ConfigMap `{cm_name}`"),
            ),
            Some((cpath, cm)) => {
                for k in keys(&cm["data"]) {
                    let callee =
                        c.t.services
                            .iter()
                            .find(|x| if name.is_some() { dep_env(&x.name) == k } else { api_env(&x.name) == k })
                            .cloned();
                    let Some(callee) = callee else { continue };
                    let Some((host, port)) = cm["data"][k.as_str()].as_str().and_then(url_host_port) else {
                        c.push(codes::INFRA_TOPOLOGY_MISMATCH, &cpath, format!("{k} is not an http://host:port URL"));
                        continue;
                    };
                    let target = c.by_dns(&host).unwrap_or_else(|| host.clone());
                    if target != callee.name {
                        c.push(
                            codes::INFRA_TOPOLOGY_MISMATCH,
                            &cpath,
                            format!("{k} points at `{host}`, not `{}`", callee.dns),
                        );
                    }
                    let actual = get("Service", &host).and_then(|(_, s)| s["spec"]["ports"][0]["port"].as_i64());
                    if port != callee.service_port || actual.is_some_and(|a| a != port) {
                        c.push(
                            codes::INFRA_PORT_MISMATCH,
                            &cpath,
                            format!(
                                "{k} uses port {port}, the Service `{}` listens on {}",
                                callee.dns, callee.service_port
                            ),
                        );
                    }
                    if let Some(n) = &name {
                        by_config.insert((n.clone(), target));
                    }
                }
                if name.is_none() {
                    for x in &c.t.services.clone() {
                        if cm["data"].get(api_env(&x.name).as_str()).is_none() {
                            c.push(
                                codes::INFRA_TOPOLOGY_MISMATCH,
                                &cpath,
                                format!("the frontend has no {}", api_env(&x.name)),
                            );
                        }
                    }
                }
            }
        }
        // The Service.
        match get("Service", &dns) {
            None => c.push(
                codes::INFRA_TOPOLOGY_MISMATCH,
                &manifest_path(&folder, "service"),
                format!("no Service `{dns}`"),
            ),
            Some((spath, svc)) => {
                if !selects(&svc["spec"]["selector"], &pod_labels)
                    || svc["spec"]["selector"][NAME_LABEL].as_str() != Some(dns.as_str())
                {
                    c.push(
                        codes::INFRA_TOPOLOGY_MISMATCH,
                        &spath,
                        format!("the Service `{dns}` does not select the pods of `{dns}`"),
                    );
                }
                let p = &svc["spec"]["ports"][0];
                if p["port"].as_i64() != Some(service_port) {
                    c.push(
                        codes::INFRA_PORT_MISMATCH,
                        &spath,
                        format!(
                            "the Service `{dns}` listens on {:?}, the spec says {service_port}",
                            p["port"].as_i64()
                        ),
                    );
                }
                if resolve(&p["targetPort"]) != Some(app_port) {
                    c.push(
                        codes::INFRA_PORT_MISMATCH,
                        &spath,
                        format!("the Service `{dns}` targets {:?}, the app listens on {app_port}", p["targetPort"]),
                    );
                }
            }
        }
        // The NetworkPolicy that selects these pods, and who it admits.
        let own: Vec<&(String, Value)> = policies
            .iter()
            .filter(|(_, p)| {
                let sel = &p["spec"]["podSelector"]["matchLabels"];
                sel[NAME_LABEL].as_str() == Some(dns.as_str()) && selects(sel, &pod_labels)
            })
            .collect();
        let policy_path = manifest_path(&folder, "networkpolicy");
        if own.is_empty() {
            c.push(
                codes::INFRA_TOPOLOGY_MISMATCH,
                &policy_path,
                format!("no NetworkPolicy admits the callers of `{dns}`"),
            );
            continue;
        }
        let mut any_source = false;
        let mut peers = BTreeSet::new();
        for (ppath, p) in own {
            for rule in p["spec"]["ingress"].as_sequence().cloned().unwrap_or_default() {
                for port in rule["ports"].as_sequence().cloned().unwrap_or_default() {
                    if resolve(&port["port"]) != Some(app_port) {
                        c.push(
                            codes::INFRA_PORT_MISMATCH,
                            ppath,
                            format!(
                                "the policy of `{dns}` admits port {:?}, the app listens on {app_port}",
                                port["port"]
                            ),
                        );
                    }
                }
                let from = rule["from"].as_sequence().cloned().unwrap_or_default();
                if from.is_empty() {
                    any_source = true;
                }
                for peer in from {
                    let labels = &peer["podSelector"]["matchLabels"];
                    match labels[NAME_LABEL].as_str() {
                        Some(n) if peer.get("namespaceSelector").is_none() && peer.get("ipBlock").is_none() => {
                            peers.insert(n.to_string());
                        }
                        _ => any_source = true,
                    }
                }
            }
        }
        let Some(n) = name else {
            if !any_source {
                c.push(codes::INFRA_TOPOLOGY_MISMATCH, &policy_path, "the frontend does not admit its users".into());
            }
            continue;
        };
        if any_source != c.t.entry_point(&n) {
            let what = if any_source {
                "admits every source, but it is not an entry point"
            } else {
                "is an entry point but admits no outside caller"
            };
            c.push(codes::INFRA_TOPOLOGY_MISMATCH, &policy_path, format!("the policy of `{dns}` {what}"));
        }
        for peer in peers {
            if c.t.frontend.as_ref().is_some_and(|f| f.dns == peer) {
                continue;
            }
            by_policy.insert((c.by_dns(&peer).unwrap_or(peer), n.clone()));
        }
        if let Some(f) = &c.t.frontend {
            let admitted = policies.iter().any(|(_, p)| {
                p["spec"]["podSelector"]["matchLabels"][NAME_LABEL].as_str() == Some(dns.as_str())
                    && p["spec"]["ingress"].as_sequence().is_some_and(|rules| {
                        rules.iter().any(|r| {
                            r["from"].as_sequence().is_some_and(|f2| {
                                f2.iter().any(|x| {
                                    x["podSelector"]["matchLabels"][NAME_LABEL].as_str() == Some(f.dns.as_str())
                                })
                            })
                        })
                    })
            });
            if !admitted {
                c.push(
                    codes::INFRA_TOPOLOGY_MISMATCH,
                    &policy_path,
                    format!("the frontend may not reach `{dns}`, which it calls"),
                );
            }
        }
    }
    c.edges(KUBERNETES_CONFIGMAPS, "Kubernetes ConfigMap URLs", expected, &by_config);
    c.edges(KUBERNETES_POLICIES, "Kubernetes NetworkPolicies", expected, &by_policy);
}

/// Names for the graphs read from several manifests.
const KUBERNETES_CONFIGMAPS: &str = "configs/kubernetes/*/configmap.yaml";
const KUBERNETES_POLICIES: &str = "configs/kubernetes/*/networkpolicy.yaml";

/// Whether an `if:` condition lets a step or job run after a failure.
fn runs_after_failure(cond: Option<&str>) -> bool {
    cond.is_some_and(|c| c.contains("always()") || c.contains("failure()") || c.contains("cancelled()"))
}

fn truthy(v: &Value) -> bool {
    v.as_bool() == Some(true) || v.as_str().is_some_and(|s| !s.is_empty() && s != "false")
}

/// Whether a step runs the certificate gate in a way that stops the job when it fails.
fn is_gate(step: &Value) -> bool {
    let Some(run) = s(step, "run") else { return false };
    let neutralised = run.contains("|| true") || run.contains("|| :") || run.contains("set +e");
    run.lines().any(|l| l.trim_start().starts_with(GATE_COMMAND) && l.contains("--key"))
        && !neutralised
        && !truthy(&step["continue-on-error"])
        && step.get("if").is_none()
}

fn is_deploy(step: &Value) -> bool {
    s(step, "run").is_some_and(|r| r.contains("kubectl apply") || r.contains("docker push"))
}

fn workflow(c: &mut Checker) {
    let path = WORKFLOW_FILE;
    let Some(text) = c.text(path) else { return };
    if text.lines().any(|l| l.starts_with("on:")) {
        c.push(
            codes::INFRA_FILE_UNREADABLE,
            path,
            "the key `on` is not quoted; YAML 1.1 readers read it as `true`".into(),
        );
    }
    let Some(doc) = c.yaml(path) else { return };
    let jobs = doc.get("jobs").cloned().unwrap_or(Value::Null);
    let names = keys(&jobs);
    let needs = |job: &Value| -> Vec<String> {
        match job.get("needs") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Sequence(v)) => v.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        }
    };
    // Jobs that pass the gate: they run it, or need (transitively) a job that does.
    let gates_in = |job: &Value| job["steps"].as_sequence().is_some_and(|st| st.iter().any(is_gate));
    let mut gated: BTreeSet<String> = names
        .iter()
        .filter(|n| gates_in(&jobs[n.as_str()]) && !truthy(&jobs[n.as_str()]["continue-on-error"]))
        .cloned()
        .collect();
    loop {
        let more: Vec<String> = names
            .iter()
            .filter(|n| !gated.contains(*n))
            .filter(|n| {
                let job = &jobs[n.as_str()];
                !runs_after_failure(s(job, "if")) && needs(job).iter().any(|x| gated.contains(x))
            })
            .cloned()
            .collect();
        if more.is_empty() {
            break;
        }
        gated.extend(more);
    }
    let mut deploying = 0;
    for n in &names {
        let job = &jobs[n.as_str()];
        let steps = job["steps"].as_sequence().cloned().unwrap_or_default();
        let Some(first) = steps.iter().position(is_deploy) else { continue };
        deploying += 1;
        let needed_gate = needs(job).iter().any(|x| gated.contains(x)) && !runs_after_failure(s(job, "if"));
        let gate_before = steps[..first].iter().any(is_gate);
        if !needed_gate && !gate_before {
            c.push(
                codes::INFRA_DEPLOY_NOT_GATED,
                path,
                format!("the job `{n}` deploys without first running `{GATE_COMMAND} --key ...` (in the job or a job it needs)"),
            );
        }
        for st in &steps[first..] {
            if is_deploy(st) && runs_after_failure(s(st, "if")) {
                c.push(
                    codes::INFRA_DEPLOY_NOT_GATED,
                    path,
                    format!("a deploying step of `{n}` runs even when an earlier step (the gate) failed"),
                );
            }
        }
    }
    if deploying == 0 {
        c.push(codes::INFRA_DEPLOY_NOT_GATED, path, "no job of the workflow deploys".into());
    }
    injection(c, &text, &jobs, &names);
    for n in &names {
        for st in jobs[n.as_str()]["steps"].as_sequence().cloned().unwrap_or_default() {
            if let Some(uses) = s(&st, "uses") {
                let sha = uses.rsplit_once('@').map(|(_, r)| r).unwrap_or_default();
                if sha.len() != 40 || !sha.chars().all(|ch| ch.is_ascii_hexdigit()) {
                    c.push(
                        codes::INFRA_SETTINGS_MISMATCH,
                        path,
                        format!("the action `{uses}` is not pinned by commit"),
                    );
                }
            }
        }
    }
}

/// Whether `expr`, the inside of a `${{ … }}` of the workflow, is one the generator writes:
/// a repository variable or secret, or the workflow's name and ref (its concurrency group).
pub fn allowed_expression(expr: &str) -> bool {
    let name = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    match expr.trim() {
        "github.workflow" | "github.ref" => true,
        e => e.strip_prefix("vars.").or_else(|| e.strip_prefix("secrets.")).is_some_and(name),
    }
}

/// `LP7059`: spec values reach scripts only through `env:`, and no expression comes from the spec.
fn injection(c: &mut Checker, text: &str, jobs: &Value, names: &[String]) {
    let path = WORKFLOW_FILE;
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        let after = &rest[i + 3..];
        let Some(end) = after.find("}}") else {
            c.push(codes::INFRA_WORKFLOW_INJECTION, path, "an expression `${{` is not closed".into());
            break;
        };
        let expr = &after[..end];
        if !allowed_expression(expr) {
            c.push(
                codes::INFRA_WORKFLOW_INJECTION,
                path,
                format!("the expression `${{{{{expr}}}}}` is not one the generator writes"),
            );
        }
        rest = &after[end + 2..];
    }
    let mut values: Vec<String> = c.t.services.iter().map(|s| s.image.clone()).collect();
    values.extend(c.t.frontend.iter().map(|f| f.image.clone()));
    values.extend(values.clone().iter().map(|i| super::workflow::registry(i)));
    values.sort();
    values.dedup();
    for n in names {
        for st in jobs[n.as_str()]["steps"].as_sequence().cloned().unwrap_or_default() {
            let Some(run) = s(&st, "run") else { continue };
            let step = s(&st, "name").unwrap_or("(unnamed)");
            for v in values.iter().filter(|v| run.contains(v.as_str())) {
                c.push(
                    codes::INFRA_WORKFLOW_INJECTION,
                    path,
                    format!("the `run:` script of step `{step}` of job `{n}` contains `{v}` instead of reading it from `env:`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{allowed_expression, yaml11_non_string};

    #[test]
    fn only_the_generators_expressions_are_allowed() {
        for ok in ["vars.LEANOS_PUBLIC_KEY", " secrets.KUBECONFIG ", "github.workflow", "github.ref"] {
            assert!(allowed_expression(ok), "{ok}");
        }
        for bad in ["github.token", "secrets", "vars.", "github.event.pull_request.title", "secrets.X || github.token"]
        {
            assert!(!allowed_expression(bad), "{bad}");
        }
    }

    #[test]
    fn yaml11_numbers_and_dates_are_recognised() {
        for s in ["12:30", "190:20:30.15", "-1:20", "1_000", "1_0.5", "2001-12-14", "2001-1-2t21:59:43"] {
            assert!(yaml11_non_string(s), "{s}");
        }
        for s in ["http://api:8080", "a:1", "12:300", "1:60", "1000", "v1_0", "2001-12", "LOG_LEVEL", "", "_1", "1:"] {
            assert!(!yaml11_non_string(s), "{s}");
        }
    }
}
