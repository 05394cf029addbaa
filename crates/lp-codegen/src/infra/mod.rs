//! The deployment configuration of a spec (`configs/`): Dockerfiles and the compose file
//! ([`docker`]), Kubernetes manifests with NetworkPolicies from the dependency graph
//! ([`kubernetes`]), the GitHub Actions workflow whose deploy job is gated on the certificate
//! ([`workflow`]), all from one [`topology`]; and their translation validation
//! ([`read_back`]), which parses the emitted files back and compares them with the spec.

pub mod docker;
pub mod grammar;
pub mod kubernetes;
pub mod read_back;
pub mod topology;
pub mod workflow;

use crate::generated::{Generated, GeneratedFile};
use lp_diagnostics::{Diagnostic, codes};
use lp_ir::SettingValueKind;
use lp_ir::Spec;
pub use topology::Options;

/// The deployment files of a spec, with a frontend (the `remix` target's app).
pub fn generate(spec: &Spec) -> Generated {
    generate_with(spec, &Options::default())
}

/// The deployment files of a spec: nothing when it has no service.
pub fn generate_with(spec: &Spec, options: &Options) -> Generated {
    let t = topology::topology(spec, options);
    let mut out = Generated::new();
    if t.services.is_empty() {
        return out;
    }
    let all = t.all_sources();
    for s in &t.services {
        let path = topology::backend_dockerfile(&s.name);
        let ignore = format!("{path}.dockerignore");
        out.insert(ignore.clone(), GeneratedFile::new(docker::dockerignore(&t, &ignore, false), s.sources.clone()));
        out.insert(path, GeneratedFile::new(docker::backend_dockerfile_text(&t, s), s.sources.clone()));
    }
    if t.frontend.is_some() {
        let path = topology::frontend_dockerfile(&t.spec);
        let ignore = format!("{path}.dockerignore");
        out.insert(ignore.clone(), GeneratedFile::new(docker::dockerignore(&t, &ignore, true), all.clone()));
        out.insert(path, GeneratedFile::new(docker::frontend_dockerfile_text(&t), all.clone()));
    }
    out.insert(topology::COMPOSE_FILE.to_string(), GeneratedFile::new(docker::compose(&t), all.clone()));
    out.insert(
        topology::POSTGRES_INIT_FILE.to_string(),
        GeneratedFile::new(docker::postgres_init(&t), t.services.iter().map(|s| s.sources[0].clone())),
    );
    for (path, text) in kubernetes::manifests(&t) {
        // A service's manifests come from it and what it depends on; the shared ones from all.
        let sources = t
            .services
            .iter()
            .find(|s| path.starts_with(&format!("{}/{}/", topology::KUBERNETES_DIR, s.name)))
            .map_or_else(
                || all.clone(),
                |s| {
                    let mut v = s.sources.clone();
                    v.extend(t.dependents(&s.name).iter().map(|d| d.sources[0].clone()));
                    v.extend(s.depends.iter().filter_map(|d| t.service(d)).flat_map(|d| d.sources.clone()));
                    if t.auth {
                        v.push(crate::generated::item_id(crate::generated::ItemKind::Standards, ""));
                    }
                    v
                },
            );
        out.insert(path, GeneratedFile::new(text, sources));
    }
    out.insert(topology::WORKFLOW_FILE.to_string(), GeneratedFile::new(workflow::workflow(&t), all));
    out
}

/// Translation validation of `files` (the output of [`generate_with`] with the same
/// options, or a changed copy): one error diagnostic per difference from the spec.
pub fn validate(spec: &Spec, options: &Options, files: &Generated) -> Vec<Diagnostic> {
    let t = topology::topology(spec, options);
    read_back::read_back(spec, &t, files)
        .into_iter()
        .map(|m| {
            Diagnostic::new(
                m.code,
                format!("the generated deployment configuration does not match the spec: {}: {}", m.file, m.message),
            )
            .with_note("this is a bug in the infrastructure generator, not in the spec")
        })
        .collect()
}

/// The errors of the spec's `deploy` blocks that the deployment configuration cannot carry:
/// a string with a control character or a GitHub Actions expression `${{` (`LP7058`), an
/// `image` that is not an OCI reference (`LP7056`), a `cpu` or `memory` that is not a
/// Kubernetes quantity (`LP7057`), and an `env` entry (`LP7055`) that is not a `NAME=VALUE`
/// string, that repeats a name, or that sets `DATABASE_URL`, `LEANOS_AUTH_TOKENS` or a
/// service's URL variable, which the generated configuration sets itself (see
/// [`topology::reserved_env`]). The build reports them and writes nothing, so no spec string
/// reaches a generated file unchecked (see [`grammar`]).
pub fn spec_diagnostics(spec: &Spec) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for d in &spec.deploys {
        let Some(service) = spec.services.get(d.service.index()) else { continue };
        for setting in &d.settings {
            let SettingValueKind::Str(text) = &setting.value.kind else { continue };
            let key = setting.key.as_str();
            let at = |code, message: String, label: &str| {
                Diagnostic::new(code, message).at(d.file, setting.value.span, label.to_string())
            };
            if let Err(why) = grammar::unsafe_text(text) {
                out.push(
                    at(
                        codes::DEPLOY_STRING_UNSAFE,
                        format!("`{key}` of `deploy {}` cannot be used: {why}", service.name),
                        "unsafe string",
                    )
                    .with_help("remove it: deploy strings reach YAML files and the CI workflow as they are"),
                );
                continue;
            }
            let checked = match setting.key {
                lp_ir::DeployKey::Image => grammar::oci_reference(text).map_err(|why| {
                    at(
                        codes::DEPLOY_IMAGE_INVALID,
                        format!("`image` of `deploy {}` is not an OCI image reference: {why}", service.name),
                        "not an image reference",
                    )
                    .with_help("write `[host[:port]/]path[:tag][@sha256:hex]`, e.g. `ghcr.io/acme/catalog:2.0.0`")
                }),
                lp_ir::DeployKey::Cpu | lp_ir::DeployKey::Memory => grammar::quantity(text).map_err(|why| {
                    at(
                        codes::DEPLOY_QUANTITY_INVALID,
                        format!("`{key}` of `deploy {}` is not a Kubernetes quantity: {why}", service.name),
                        "not a quantity",
                    )
                    .with_help("write e.g. `\"250m\"` or `\"1\"` for cpu, `\"64Mi\"` or `\"1Gi\"` for memory")
                }),
                _ => Ok(()),
            };
            out.extend(checked.err());
        }
        let Some(env) = &d.env else { continue };
        let reserved = topology::reserved_env(spec);
        let mut seen: Vec<(String, lp_diagnostics::Span)> = Vec::new();
        for entry in env {
            let error = |message: String, label: &str| {
                Diagnostic::new(codes::DEPLOY_ENV_INVALID, message).at(d.file, entry.span, label.to_string())
            };
            let SettingValueKind::Str(text) = &entry.kind else {
                out.push(
                    error(format!("an `env` entry of `deploy {}` is not a string", service.name), "not a string")
                        .with_help("write each entry as a string \"NAME=VALUE\""),
                );
                continue;
            };
            if let Err(why) = grammar::unsafe_text(text) {
                out.push(
                    Diagnostic::new(
                        codes::DEPLOY_STRING_UNSAFE,
                        format!(
                            "`env` entry `{}` of `deploy {}` cannot be used: {why}",
                            text.escape_debug(),
                            service.name
                        ),
                    )
                    .at(d.file, entry.span, "unsafe string")
                    .with_help("remove it: deploy strings reach YAML files and the CI workflow as they are"),
                );
                continue;
            }
            let Some((name, _)) = text.split_once('=').filter(|(k, _)| topology::env_name(k)) else {
                out.push(
                    error(
                        format!("`env` entry `{text}` of `deploy {}` is not `NAME=VALUE`", service.name),
                        "not NAME=VALUE",
                    )
                    .with_help("a name is letters, digits and `_`, not starting with a digit, then `=` and the value"),
                );
                continue;
            };
            if reserved.iter().any(|r| r == name) {
                let target = spec.services.iter().find(|s| topology::dep_env(&s.name) == name);
                let declared = target.is_some_and(|t| {
                    service
                        .depends
                        .iter()
                        .any(|x| spec.services.get(x.service.index()).is_some_and(|s| s.name == t.name))
                });
                let help = match target {
                    Some(t) if !declared => format!(
                        "`{name}` is the URL of service `{}`, set only for services that depend on it: \
                         declare `depends on {}` in service `{}` instead",
                        t.name, t.name, service.name
                    ),
                    _ => "remove the entry: DATABASE_URL, LEANOS_AUTH_TOKENS and the dependency URLs are wired by the build"
                        .to_string(),
                };
                out.push(
                    error(
                        format!(
                            "`env` entry `{text}` of `deploy {}` sets `{name}`, which the generated configuration sets itself",
                            service.name
                        ),
                        "set by the build",
                    )
                    .with_help(help),
                );
                continue;
            }
            if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
                out.push(
                    error(format!("`env` of `deploy {}` sets `{name}` twice", service.name), "set again here")
                        .with_secondary(d.file, *first, "first set here"),
                );
                continue;
            }
            seen.push((name.to_string(), entry.span));
        }
    }
    out
}
