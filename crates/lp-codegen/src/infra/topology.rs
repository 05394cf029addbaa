//! The deployment topology of a spec: every service with its dependencies, ports, image,
//! resources and environment, in dependency order, plus the optional frontend and the
//! database. The Docker, Kubernetes and workflow generators all read this one model, and
//! translation validation compares what they emitted with the spec through it.

use super::grammar;
use crate::generated::{ItemKind, item_id};
use lp_ir::{SettingValueKind, Spec};

/// The port every backend service listens on inside its container (`uvicorn --port 8000`).
pub const APP_PORT: i64 = 8000;
/// The port the frontend app listens on.
pub const FRONTEND_PORT: i64 = 3000;
/// The replica count of a service without `replicas` in its `deploy` block.
pub const DEFAULT_REPLICAS: i64 = 1;
/// The CPU of a service without `cpu` in its `deploy` block.
pub const DEFAULT_CPU: &str = "100m";
/// The memory of a service without `memory` in its `deploy` block.
pub const DEFAULT_MEMORY: &str = "128Mi";
/// The liveness route every backend service answers.
pub const LIVENESS_PATH: &str = "/healthz";
/// The readiness route every backend service answers.
pub const READINESS_PATH: &str = "/readyz";
/// The non-root user id the containers run as.
pub const RUN_AS_USER: i64 = 10001;
/// The PostgreSQL image of the compose file (a pinned tag).
pub const POSTGRES_IMAGE: &str = "postgres:16.4-alpine3.20";
/// The Python base image of the backend Dockerfiles (a pinned tag).
pub const PYTHON_IMAGE: &str = "python:3.11.11-slim-bookworm";
/// The Node.js base image of the frontend Dockerfile (a pinned tag; Vite 7 needs Node 20.19 or
/// later, and the tests run the app on Node 20.20).
pub const NODE_IMAGE: &str = "node:20.20.2-bookworm-slim";

/// Which optional parts the build generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Whether the build has a frontend app (`code/frontend/{spec}/`), so the infrastructure
    /// builds, runs and admits it.
    pub frontend: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { frontend: true }
    }
}

/// The deployment topology of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// The spec's name as written (`catalog_sync`), or `app` when it has none.
    pub spec: String,
    /// The spec's name as a DNS label (`catalog-sync`).
    pub spec_dns: String,
    /// The spec's version, `0.0.0` when it has none.
    pub version: String,
    /// The backend services, dependencies before their dependents.
    pub services: Vec<ServiceTopo>,
    pub frontend: Option<FrontendTopo>,
    /// The compose name of the database service.
    pub db: String,
    /// Whether the spec has an `auth` standard (the services then read `LEANOS_AUTH_TOKENS`).
    pub auth: bool,
}

/// One backend service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTopo {
    /// The spec name (`order_items`).
    pub name: String,
    /// The DNS-safe name of its container, Deployment and Service (`order-items`).
    pub dns: String,
    /// The spec names of its declared dependencies, in declaration order.
    pub depends: Vec<String>,
    /// The port of its Kubernetes Service: the `deploy` block's `port`, else [`APP_PORT`].
    pub service_port: i64,
    /// The pinned image name.
    pub image: String,
    pub replicas: i64,
    pub cpu: String,
    pub memory: String,
    /// The `deploy` block's `env` entries that are `NAME=VALUE` strings, in order.
    pub env: Vec<(String, String)>,
    /// The spec items the service's files come from (`service.X`, `deploy.X`).
    pub sources: Vec<String>,
}

/// The frontend app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontendTopo {
    /// Its folder in the build output: `code/frontend/{spec}`.
    pub dir: String,
    /// The DNS-safe name of its container, Deployment and Service.
    pub dns: String,
    pub image: String,
}

/// A name as a DNS label: lower case, `_` as `-`, other characters dropped, at most 63
/// characters, starting and ending with a letter or digit.
pub fn dns_name(name: &str) -> String {
    let mapped: String = name
        .chars()
        .filter_map(|c| match c {
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' | '-' => Some(c),
            '_' => Some('-'),
            _ => None,
        })
        .collect();
    let trimmed: String = mapped.trim_matches('-').chars().take(63).collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    if trimmed.is_empty() { "app".to_string() } else { trimmed }
}

/// The environment variable that carries a dependency's base URL: `INVENTORY_URL`.
pub fn dep_env(service: &str) -> String {
    format!("{}_URL", service.to_ascii_uppercase())
}

/// The environment variable the frontend reads a service's base URL from: `INVENTORY_API_URL`.
pub fn api_env(service: &str) -> String {
    format!("{}_API_URL", service.to_ascii_uppercase())
}

/// The Dockerfile of a backend service, relative to the output folder.
pub fn backend_dockerfile(service: &str) -> String {
    format!("configs/docker/backend/{service}.Dockerfile")
}

/// The Dockerfile of the frontend, relative to the output folder.
pub fn frontend_dockerfile(spec: &str) -> String {
    format!("configs/docker/frontend/{spec}.Dockerfile")
}

/// The compose file, relative to the output folder.
pub const COMPOSE_FILE: &str = "configs/docker/docker-compose.yaml";
/// The database initialisation script of the compose file, relative to the output folder.
pub const POSTGRES_INIT_FILE: &str = "configs/docker/postgres-init.sql";
/// The GitHub Actions workflow, relative to the output folder.
pub const WORKFLOW_FILE: &str = "configs/ci-cd/.github/workflows/build-test-deploy.yaml";
/// The folder of the Kubernetes manifests, relative to the output folder.
pub const KUBERNETES_DIR: &str = "configs/kubernetes";
/// Where the certificate the deploy gate verifies sits in the output folder.
pub const CERTIFICATE: &str = "proofs/composed/system-proof.certificate";

/// The variables the build sets itself, which a `deploy` block's `env` may not set:
/// `DATABASE_URL`, `LEANOS_AUTH_TOKENS`, and the URL variable `DEP_URL` of every service of
/// the spec (set only for declared dependencies, so the environment cannot wire a dependency
/// the graph does not have).
pub fn reserved_env(spec: &Spec) -> Vec<String> {
    let mut out = vec!["DATABASE_URL".to_string(), "LEANOS_AUTH_TOKENS".to_string()];
    out.extend(spec.services.iter().map(|s| dep_env(&s.name)));
    out
}

/// Whether `s` is an environment variable name (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An image name with a tag or digest: the name as given when its last path component has
/// a tag (`:2.0.0`) or it has a digest (`@sha256:...`), else with `:{version}` appended.
pub fn pinned_image(image: &str, version: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') || last.contains(':') { image.to_string() } else { format!("{image}:{version}") }
}

/// A name not in `taken`: `preferred`, else `preferred-2`, `preferred-3`...
fn unique(preferred: &str, taken: &[String]) -> String {
    let mut name = preferred.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{preferred}-{n}");
        n += 1;
    }
    name
}

/// The services' indices with every dependency before its dependents (declaration order
/// among independent services); services on a cycle come last, in declaration order.
pub fn dependency_order(spec: &Spec) -> Vec<usize> {
    let n = spec.services.len();
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    loop {
        let next = (0..n).find(|&i| {
            !placed[i]
                && spec.services[i].depends.iter().all(|d| placed.get(d.service.index()).copied().unwrap_or(true))
        });
        let Some(i) = next else { break };
        placed[i] = true;
        order.push(i);
    }
    order.extend((0..n).filter(|&i| !placed[i]));
    order
}

/// The topology of a spec.
pub fn topology(spec: &Spec, options: &Options) -> Topology {
    let name = spec.name.clone().unwrap_or_else(|| "app".to_string());
    let spec_dns = dns_name(&name);
    let version = spec.version.map_or_else(|| "0.0.0".to_string(), |v| v.to_string());
    let mut services = Vec::new();
    for i in dependency_order(spec) {
        let s = &spec.services[i];
        let deploy = spec.deploys.iter().find(|d| d.service.index() == i);
        let dns = dns_name(&s.name);
        // Values the build cannot carry are left out here (the defaults stand in) and reported
        // by `infra::spec_diagnostics` (LP7055-LP7058), which stops the build: no unchecked
        // spec string reaches a generated file, even one the build then does not write.
        let valid_image = |i: &&str| grammar::unsafe_text(i).is_ok() && grammar::oci_reference(i).is_ok();
        let image = match deploy.and_then(|d| d.image.as_deref()).filter(valid_image) {
            Some(image) => pinned_image(image, &version),
            None => format!("{spec_dns}/{dns}:{version}"),
        };
        let quantity =
            |q: &Option<String>| q.clone().filter(|q| grammar::unsafe_text(q).is_ok() && grammar::quantity(q).is_ok());
        let reserved = reserved_env(spec);
        let mut env: Vec<(String, String)> = Vec::new();
        for v in deploy.and_then(|d| d.env.as_ref()).into_iter().flatten() {
            let SettingValueKind::Str(text) = &v.kind else { continue };
            if grammar::unsafe_text(text).is_err() {
                continue;
            }
            let Some((k, v)) = text.split_once('=').filter(|(k, _)| env_name(k)) else { continue };
            if !reserved.iter().any(|r| r == k) && !env.iter().any(|(n, _)| n == k) {
                env.push((k.to_string(), v.to_string()));
            }
        }
        let mut sources = vec![item_id(ItemKind::Service, &s.name)];
        if deploy.is_some() {
            sources.push(item_id(ItemKind::Deploy, &s.name));
        }
        services.push(ServiceTopo {
            name: s.name.clone(),
            dns,
            depends: s
                .depends
                .iter()
                .filter_map(|d| spec.services.get(d.service.index()))
                .map(|d| d.name.clone())
                .collect(),
            service_port: deploy.and_then(|d| d.port).unwrap_or(APP_PORT),
            image,
            replicas: deploy.and_then(|d| d.replicas).unwrap_or(DEFAULT_REPLICAS),
            cpu: deploy.and_then(|d| quantity(&d.cpu)).unwrap_or_else(|| DEFAULT_CPU.to_string()),
            memory: deploy.and_then(|d| quantity(&d.memory)).unwrap_or_else(|| DEFAULT_MEMORY.to_string()),
            env,
            sources,
        });
    }
    let mut taken: Vec<String> = services.iter().map(|s| s.dns.clone()).collect();
    let frontend = (options.frontend && !services.is_empty()).then(|| {
        let dns = unique("frontend", &taken);
        taken.push(dns.clone());
        FrontendTopo { dir: format!("code/frontend/{name}"), image: format!("{spec_dns}/{dns}:{version}"), dns }
    });
    let db = unique("db", &taken);
    Topology { spec: name, spec_dns, version, services, frontend, db, auth: spec.standards.auth.is_some() }
}

impl Topology {
    /// The services that declare a dependency on `service` (spec names, in topology order).
    pub fn dependents(&self, service: &str) -> Vec<&ServiceTopo> {
        self.services.iter().filter(|s| s.depends.iter().any(|d| d == service)).collect()
    }

    /// The service with spec name `name`.
    pub fn service(&self, name: &str) -> Option<&ServiceTopo> {
        self.services.iter().find(|s| s.name == name)
    }

    /// Whether outside clients may call `service` directly: without a frontend, the services
    /// nothing depends on are the system's entry points.
    pub fn entry_point(&self, service: &str) -> bool {
        self.frontend.is_none() && self.dependents(service).is_empty()
    }

    /// Every `service.X` and `deploy.X` item.
    pub fn all_sources(&self) -> Vec<String> {
        let mut out: Vec<String> = self.services.iter().flat_map(|s| s.sources.iter().cloned()).collect();
        if self.auth {
            out.push(item_id(ItemKind::Standards, ""));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{dns_name, env_name, pinned_image};

    #[test]
    fn names_become_dns_labels() {
        assert_eq!(dns_name("order_items"), "order-items");
        assert_eq!(dns_name("Catalog"), "catalog");
        assert_eq!(dns_name("_x_"), "x");
        assert_eq!(dns_name("__"), "app");
        assert_eq!(dns_name(&"a".repeat(80)).len(), 63);
    }

    #[test]
    fn images_are_pinned() {
        assert_eq!(pinned_image("ghcr.io/acme/catalog:2.0.0", "1.0.0"), "ghcr.io/acme/catalog:2.0.0");
        assert_eq!(pinned_image("localhost:5000/catalog", "1.0.0"), "localhost:5000/catalog:1.0.0");
        assert_eq!(pinned_image("catalog@sha256:abc", "1.0.0"), "catalog@sha256:abc");
    }

    #[test]
    fn environment_names() {
        assert!(env_name("LOG_LEVEL") && env_name("_X1"));
        assert!(!env_name("1X") && !env_name("A-B") && !env_name(""));
    }
}
