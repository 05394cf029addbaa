//! Lowering of `standards` and `deploy` blocks: known keys, duplicate keys, value kinds and
//! ranges, and `except` lists.

use super::Lowerer;
use super::hash::Map;
use crate::spec::{
    Auth, Deploy, DeployId, DeployKey, DeploySetting, Exempt, Location, ServiceId, StandardKey, StandardSetting,
};
use crate::suggest::{did_you_mean, similar_help};
use lp_diagnostics::{Diagnostic, FileId, Span, codes};
use lp_syntax::ast::{self, SettingValueKind};

impl<'a> Lowerer<'a> {
    fn unknown_setting(&mut self, key: &ast::Name, block: &str, known: &[&str]) {
        let help = did_you_mean(&key.text, known.iter().copied()).map(|s| similar_help("setting", s));
        let mut diag = Diagnostic::new(codes::UNKNOWN_SETTING, format!("unknown setting `{}` in `{block}`", key.text))
            .at(self.file, key.span, "not a known setting")
            .with_note(format!(
                "the settings of `{block}` are {}",
                known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ));
        if let Some(help) = help {
            diag = diag.with_help(help);
        }
        self.diags.push(diag);
    }

    fn invalid_value(&mut self, span: Span, message: String, label: &str) {
        self.diags.push(Diagnostic::new(codes::INVALID_SETTING_VALUE, message).at(self.file, span, label));
    }

    fn duplicate_setting(&mut self, key: &ast::Name, first: (FileId, Span)) {
        self.diags.push(
            Diagnostic::new(codes::DUPLICATE_MEMBER, format!("setting `{}` is set more than once", key.text))
                .at(self.file, key.span, "set again here")
                .with_secondary(first.0, first.1, "first set here"),
        );
    }

    /// Resolves an `except [...]` list to the operations of those names.
    fn exempts(&self, names: &[ast::Name]) -> Vec<Exempt> {
        names
            .iter()
            .map(|n| Exempt {
                name: n.text.clone(),
                span: n.span,
                ops: self.ops_by_name.get(n.text.as_str()).cloned().unwrap_or_default(),
            })
            .collect()
    }

    pub(super) fn lower_standards(&mut self) {
        let known: Vec<&str> = StandardKey::ALL.iter().map(|k| k.as_str()).collect();
        let mut seen: Map<StandardKey, (FileId, Span)> = Map::default();
        let blocks = std::mem::take(&mut self.standards_asts);
        for &(file, span, settings) in &blocks {
            self.file = file;
            self.spec.standards.blocks.push(Location { file, span });
            for setting in &settings.entries {
                let Some(key) = StandardKey::ALL.iter().copied().find(|k| k.as_str() == setting.key.text) else {
                    self.unknown_setting(&setting.key, "standards", &known);
                    continue;
                };
                if let Some(&first) = seen.get(&key) {
                    self.duplicate_setting(&setting.key, first);
                    continue;
                }
                seen.insert(key, (file, setting.key.span));
                let except = self.exempts(&setting.except);
                match key {
                    StandardKey::Auth => match &setting.value.kind {
                        SettingValueKind::Ident { name, args } => {
                            self.spec.standards.auth = Some(Auth {
                                scheme: name.text.clone(),
                                args: args.iter().flatten().map(|(n, v)| (n.text.clone(), v.clone())).collect(),
                                except: except.clone(),
                            });
                        }
                        _ => self.invalid_value(
                            setting.value.span,
                            "`auth` must name an authentication scheme, such as `bearer(scopes = [...])`".to_string(),
                            "not a scheme",
                        ),
                    },
                    StandardKey::Errors => match &setting.value.kind {
                        SettingValueKind::Ident { name, args: None } => {
                            self.spec.standards.errors = Some(name.text.clone());
                        }
                        _ => self.invalid_value(
                            setting.value.span,
                            "`errors` must name an error style, such as `problem_json`".to_string(),
                            "not an error style",
                        ),
                    },
                    StandardKey::Completeness => match &setting.value.kind {
                        SettingValueKind::Ident { name, args: None }
                            if name.text == "strict" || name.text == "lenient" => {}
                        _ => self.invalid_value(
                            setting.value.span,
                            "`completeness` must be `strict` or `lenient`".to_string(),
                            "not a completeness policy",
                        ),
                    },
                    _ => {}
                }
                self.spec.standards.settings.push(StandardSetting {
                    key,
                    value: setting.value.clone(),
                    except,
                    file,
                    span: setting.span,
                });
            }
        }
        self.standards_asts = blocks;
    }

    pub(super) fn lower_deploys(&mut self) {
        let known: Vec<&str> = DeployKey::ALL.iter().map(|k| k.as_str()).collect();
        let mut deployed: Map<ServiceId, (FileId, Span)> = Map::default();
        let asts = std::mem::take(&mut self.deploy_asts);
        self.deploy_ids = vec![None; asts.len()];
        for (k, &(file, item, decl)) in asts.iter().enumerate() {
            self.file = file;
            let service = self.resolve_service(&decl.service);
            let mut deploy = Deploy {
                service: service.unwrap_or(ServiceId(0)),
                file,
                span: item.span,
                name_span: decl.service.span,
                docs: item.docs.clone(),
                replicas: None,
                cpu: None,
                memory: None,
                port: None,
                image: None,
                env: None,
                settings: Vec::new(),
            };
            let mut seen: Map<DeployKey, Span> = Map::default();
            for setting in &decl.settings.entries {
                let Some(key) = DeployKey::ALL.iter().copied().find(|k| k.as_str() == setting.key.text) else {
                    self.unknown_setting(&setting.key, "deploy", &known);
                    continue;
                };
                if let Some(&first) = seen.get(&key) {
                    self.duplicate_setting(&setting.key, (file, first));
                    continue;
                }
                seen.insert(key, setting.key.span);
                if let Some(first) = setting.except.first() {
                    self.invalid_value(
                        first.span,
                        "`except` has no meaning in a `deploy` block".to_string(),
                        "only `standards` settings take exceptions",
                    );
                }
                self.deploy_value(&mut deploy, key, &setting.value);
                deploy.settings.push(DeploySetting { key, value: setting.value.clone(), span: setting.span });
            }
            let Some(service) = service else { continue };
            if let Some(&(first_file, first)) = deployed.get(&service) {
                self.diags.push(
                    Diagnostic::new(
                        codes::DUPLICATE_DEFINITION,
                        format!("service `{}` is deployed more than once", decl.service.text),
                    )
                    .at(file, decl.service.span, "deployed again here")
                    .with_secondary(first_file, first, "first deployed here")
                    .with_help("merge the settings into one `deploy` block"),
                );
                continue;
            }
            deployed.insert(service, (file, decl.service.span));
            self.deploy_ids[k] = Some(DeployId(self.spec.deploys.len() as u32));
            self.spec.deploys.push(deploy);
        }
        self.deploy_asts = asts;
    }

    /// Checks and records the value of one known deploy setting.
    fn deploy_value(&mut self, deploy: &mut Deploy, key: DeployKey, value: &ast::SettingValue) {
        let span = value.span;
        match (key, &value.kind) {
            (DeployKey::Replicas, SettingValueKind::Int(n)) if *n >= 1 => deploy.replicas = Some(*n),
            (DeployKey::Replicas, _) => self.invalid_value(
                span,
                "`replicas` must be an integer of at least 1".to_string(),
                "not a replica count",
            ),
            (DeployKey::Port, SettingValueKind::Int(n)) if (1..=65535).contains(n) => deploy.port = Some(*n),
            (DeployKey::Port, _) => {
                self.invalid_value(span, "`port` must be an integer from 1 to 65535".to_string(), "not a port")
            }
            (DeployKey::Cpu, SettingValueKind::Str(s)) => deploy.cpu = Some(s.clone()),
            (DeployKey::Memory, SettingValueKind::Str(s)) => deploy.memory = Some(s.clone()),
            (DeployKey::Image, SettingValueKind::Str(s)) => deploy.image = Some(s.clone()),
            (DeployKey::Cpu | DeployKey::Memory | DeployKey::Image, _) => {
                let example = match key {
                    DeployKey::Cpu => "\"500m\"",
                    DeployKey::Memory => "\"256Mi\"",
                    _ => "\"ghcr.io/acme/catalog:1.0.0\"",
                };
                self.invalid_value(
                    span,
                    format!("`{}` must be a string, such as {example}", key.as_str()),
                    "not a string",
                );
            }
            (DeployKey::Env, SettingValueKind::List(items)) => deploy.env = Some(items.clone()),
            (DeployKey::Env, _) => {
                self.invalid_value(span, "`env` must be a list, such as [\"LOG_LEVEL=info\"]".to_string(), "not a list")
            }
        }
    }
}
