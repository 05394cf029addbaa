//! The project file, `leanos.toml`: its schema and loading.

use serde::Deserialize;
use std::path::PathBuf;

/// The project file's name.
pub const TOML_NAME: &str = "leanos.toml";

/// The whole `leanos.toml`. Unknown keys are errors, so typos do not pass silently.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub project: ProjectSection,
    #[serde(default)]
    pub build: BuildSection,
    #[serde(default)]
    pub signing: SigningSection,
    #[serde(default)]
    pub compat: CompatSection,
    #[serde(default)]
    pub check: CheckSection,
    /// `[policy]`: which verdicts authorize a deploy (the build records it in the certificate).
    #[serde(default)]
    pub policy: Option<lp_cert::policy::Policy>,
}

/// `[check]`: project-wide defaults of the verification passes.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CheckSection {
    /// The completeness policy of state machines when the spec's `standards` declare none:
    /// `strict` (every state handles every event) or `lenient` (unhandled events are rejected
    /// at run time).
    pub completeness: Option<CompletenessSetting>,
    /// How many steps state-machine exploration goes before a verdict is only `bounded`.
    pub depth: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CompletenessSetting {
    Strict,
    Lenient,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    pub name: String,
    pub version: String,
    /// Spec files or folders, relative to the project folder. A folder means every `.adt`
    /// file below it, in sorted order.
    #[serde(default = "default_specs")]
    pub specs: Vec<PathBuf>,
    #[serde(default)]
    pub description: Option<String>,
}

fn default_specs() -> Vec<PathBuf> {
    vec![PathBuf::from(".")]
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BuildSection {
    #[serde(default = "default_output")]
    pub output: PathBuf,
    #[serde(default = "default_targets")]
    pub targets: Vec<Target>,
}

impl Default for BuildSection {
    fn default() -> Self {
        BuildSection { output: default_output(), targets: default_targets() }
    }
}

fn default_output() -> PathBuf {
    PathBuf::from("artifacts/engineering")
}

fn default_targets() -> Vec<Target> {
    vec![Target::Openapi, Target::Fastapi, Target::Remix, Target::Infra]
}

/// A code generation target.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Openapi,
    Fastapi,
    Remix,
    Infra,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SigningSection {
    /// The private key that signs certificates (PKCS#8 PEM), relative to the project.
    pub key: Option<PathBuf>,
    /// The public key (SPKI PEM) that `verify` checks certificates with when `--key` is not
    /// given, relative to the project.
    pub public_key: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CompatSection {
    /// The previous version's project folder, relative to this one.
    pub previous: Option<PathBuf>,
}

/// An error in `leanos.toml`, with the byte range it is about when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
    pub span: Option<std::ops::Range<usize>>,
}

impl ProjectConfig {
    /// Parses and validates a project file's text.
    pub fn parse(text: &str) -> Result<ProjectConfig, ConfigError> {
        let config: ProjectConfig = toml::from_str(text)
            .map_err(|e| ConfigError { message: e.message().trim_end_matches('\n').to_string(), span: e.span() })?;
        let version_ok = {
            let parts: Vec<&str> = config.project.version.split('.').collect();
            parts.len() == 3
                && parts.iter().all(|p| !p.is_empty() && p.len() <= 19 && p.bytes().all(|b| b.is_ascii_digit()))
        };
        if !version_ok {
            let span =
                text.find(&format!("\"{}\"", config.project.version)).map(|s| s..s + config.project.version.len() + 2);
            return Err(ConfigError {
                message: format!("`project.version` must be MAJOR.MINOR.PATCH, found `{}`", config.project.version),
                span,
            });
        }
        if config.project.name.trim().is_empty() {
            return Err(ConfigError { message: "`project.name` must not be empty".into(), span: None });
        }
        Ok(config)
    }
}
