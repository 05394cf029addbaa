//! The registry of compatibility rules: a stable id, what the rule reports, and for each
//! category of consumer whether the change breaks it.

use serde::Serialize;

/// Who is affected by a change (after buf's categories, per generated surface).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Category {
    /// Clients of the HTTP API, speaking JSON.
    #[serde(rename = "WIRE_JSON")]
    WireJson,
    /// Code that uses the generated Python (FastAPI models and clients).
    #[serde(rename = "PYTHON")]
    Python,
    /// Code that uses the generated TypeScript.
    #[serde(rename = "TYPESCRIPT")]
    TypeScript,
    /// Resources stored mid-lifecycle: records in the database, machine instances.
    #[serde(rename = "STATE")]
    State,
    /// The rollout: old and new replicas running side by side.
    #[serde(rename = "DEPLOY")]
    Deploy,
}

impl Category {
    pub const ALL: [Category; 5] =
        [Category::WireJson, Category::Python, Category::TypeScript, Category::State, Category::Deploy];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::WireJson => "WIRE_JSON",
            Category::Python => "PYTHON",
            Category::TypeScript => "TYPESCRIPT",
            Category::State => "STATE",
            Category::Deploy => "DEPLOY",
        }
    }
}

/// What can make a breaking change acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Remedy {
    /// A `migrate` rule for the field (or an `allow`).
    Migration,
    /// Only an `allow` with a reason.
    Allow,
}

/// One compatibility rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable id, written in `allow RULE on PATH`.
    pub id: &'static str,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// The categories the change breaks; it is compatible for all others. Empty: the change
    /// is compatible everywhere and only recorded.
    pub breaks: &'static [Category],
    /// What covers the change when it breaks something.
    pub remedy: Remedy,
}

impl Rule {
    pub fn is_breaking(&self) -> bool {
        !self.breaks.is_empty()
    }

    /// Whether this rule's change breaks `category`.
    pub fn breaks(&self, category: Category) -> bool {
        self.breaks.contains(&category)
    }

    /// Looks a rule up by id (exactly: ids are upper case).
    pub fn lookup(id: &str) -> Option<&'static Rule> {
        ALL.iter().copied().find(|r| r.id == id)
    }
}

use Category::{Deploy as D, Python as P, State as S, TypeScript as T, WireJson as W};

macro_rules! rules {
    ($( $konst:ident = $id:literal, [$($cat:ident),*], $remedy:ident, $summary:literal; )*) => {
        $(
            #[doc = $summary]
            pub const $konst: &Rule =
                &Rule { id: $id, summary: $summary, breaks: &[$($cat),*], remedy: Remedy::$remedy };
        )*
        /// Every rule, in the order of the book's table.
        pub const ALL: &[&Rule] = &[$($konst),*];
    };
}

rules! {
    // Types.
    TYPE_REMOVED = "TYPE_REMOVED", [P, T, S], Allow, "A type was removed.";
    TYPE_ADDED = "TYPE_ADDED", [], Allow, "A type was added.";
    TYPE_KIND_CHANGED = "TYPE_KIND_CHANGED", [W, P, T, S, D], Allow, "A type changed between record, sum and alias.";
    ALIAS_TARGET_CHANGED = "ALIAS_TARGET_CHANGED", [W, P, T, S, D], Allow, "An alias now stands for a different type.";
    TYPE_PARAMS_CHANGED = "TYPE_PARAMS_CHANGED", [P, T], Allow, "A generic type's parameters changed.";
    // Record fields (also the payload fields of variants and errors).
    FIELD_REMOVED = "FIELD_REMOVED", [W, P, T, S, D], Migration, "A field was removed.";
    FIELD_ADDED_REQUIRED = "FIELD_ADDED_REQUIRED", [W, P, T, S, D], Migration, "A field was added that is not an `Option`, so old values and old clients lack it.";
    FIELD_ADDED_OPTIONAL = "FIELD_ADDED_OPTIONAL", [], Migration, "An optional field was added.";
    FIELD_TYPE_CHANGED = "FIELD_TYPE_CHANGED", [W, P, T, S, D], Migration, "A field's type changed.";
    FIELD_MADE_REQUIRED = "FIELD_MADE_REQUIRED", [W, P, T, S], Migration, "A field's type went from `Option<T>` to `T`.";
    FIELD_MADE_OPTIONAL = "FIELD_MADE_OPTIONAL", [W, P, T], Migration, "A field's type went from `T` to `Option<T>`: readers may now get `null`.";
    REFINEMENT_NARROWED = "REFINEMENT_NARROWED", [W, P, T, S], Migration, "A refinement now rejects values it accepted (decided by z3).";
    REFINEMENT_WIDENED = "REFINEMENT_WIDENED", [W], Migration, "A refinement now accepts values it rejected: old clients' validators may reject new responses.";
    RECORD_REFINEMENT_CHANGED = "RECORD_REFINEMENT_CHANGED", [W, P, T, S], Migration, "A record-level `where` changed.";
    // Sums.
    VARIANT_REMOVED = "VARIANT_REMOVED", [W, P, T, S, D], Allow, "A variant of a sum type was removed.";
    VARIANT_ADDED = "VARIANT_ADDED", [W, P, T], Allow, "A variant was added: clients with exhaustive handling meet an unknown case.";
    // Errors.
    ERROR_REMOVED = "ERROR_REMOVED", [P, T], Allow, "An error type was removed.";
    ERROR_STATUS_CHANGED = "ERROR_STATUS_CHANGED", [W], Allow, "An error's HTTP status changed.";
    // Services and operations.
    SERVICE_REMOVED = "SERVICE_REMOVED", [W, P, T, D], Allow, "A service was removed.";
    SERVICE_ADDED = "SERVICE_ADDED", [], Allow, "A service was added.";
    OP_REMOVED = "OP_REMOVED", [W, P, T, D], Allow, "An operation was removed.";
    OP_ADDED = "OP_ADDED", [], Allow, "An operation was added.";
    OP_HTTP_CHANGED = "OP_HTTP_CHANGED", [W, P, T, D], Allow, "An operation's HTTP method or path changed.";
    OP_PARAM_ADDED = "OP_PARAM_ADDED", [W, P, T], Allow, "An operation has a new parameter that old clients do not send.";
    OP_PARAM_REMOVED = "OP_PARAM_REMOVED", [P, T], Allow, "An operation lost a parameter: generated signatures change.";
    OP_PARAM_TYPE_CHANGED = "OP_PARAM_TYPE_CHANGED", [W, P, T], Allow, "An operation parameter's type changed.";
    OP_RESULT_CHANGED = "OP_RESULT_CHANGED", [W, P, T], Allow, "An operation's result type changed.";
    OP_ERROR_ADDED = "OP_ERROR_ADDED", [W, P, T], Allow, "An operation may fail with an error old clients do not expect.";
    OP_ERROR_REMOVED = "OP_ERROR_REMOVED", [], Allow, "An operation no longer fails with an error.";
    DEPENDENCY_ADDED = "DEPENDENCY_ADDED", [D], Allow, "A service depends on another one it did not: the dependency must be rolled out first.";
    DEPENDENCY_REMOVED = "DEPENDENCY_REMOVED", [], Allow, "A service no longer depends on another.";
    AUTH_CHANGED = "AUTH_CHANGED", [W, P, T], Allow, "The `auth` standard (scheme, arguments or exemptions) changed.";
    DEPLOY_PORT_CHANGED = "DEPLOY_PORT_CHANGED", [D], Allow, "A service's deploy port changed.";
    FN_REMOVED = "FN_REMOVED", [P], Allow, "A function (implemented by hand against the generated stubs) was removed.";
    FN_SIGNATURE_CHANGED = "FN_SIGNATURE_CHANGED", [P], Allow, "A function's parameters or result changed.";
    // State machines.
    MACHINE_REMOVED = "MACHINE_REMOVED", [W, S], Allow, "A state machine was removed: stored instances have no lifecycle.";
    STATE_REMOVED = "STATE_REMOVED", [S], Allow, "A state was removed: stored instances in it have no state to map to.";
    STATE_ADDED = "STATE_ADDED", [], Allow, "A state was added.";
    INITIAL_STATE_CHANGED = "INITIAL_STATE_CHANGED", [S], Allow, "The initial state changed.";
    TRANSITION_REMOVED = "TRANSITION_REMOVED", [W, S], Allow, "A transition was removed: instances mid-lifecycle lose a path, operations that fire it fail.";
    TRANSITION_ADDED = "TRANSITION_ADDED", [], Allow, "A transition was added.";
    MACHINE_VAR_REMOVED = "MACHINE_VAR_REMOVED", [S], Allow, "A machine variable was removed.";
    MACHINE_VAR_ADDED = "MACHINE_VAR_ADDED", [S], Allow, "A machine variable was added: stored instances lack it.";
    MACHINE_VAR_TYPE_CHANGED = "MACHINE_VAR_TYPE_CHANGED", [S], Allow, "A machine variable's type changed.";
    INVARIANT_NARROWED = "INVARIANT_NARROWED", [S], Allow, "The machine's invariants reject variable values they accepted (decided by z3): stored instances may be invalid.";
    // Entities, spec invariants and behaviour.
    ENTITY_ADDED = "ENTITY_ADDED", [], Allow, "An entity was added (or a record type became stored).";
    ENTITY_REMOVED = "ENTITY_REMOVED", [W, S, D], Allow, "An entity was removed (or is no longer stored): its stored instances are lost.";
    ENTITY_KEY_CHANGED = "ENTITY_KEY_CHANGED", [W, S, D], Allow, "An entity's key changed: stored instances are addressed differently and may collide.";
    ENTITY_LIFECYCLE_CHANGED = "ENTITY_LIFECYCLE_CHANGED", [W, S], Allow, "An entity's lifecycle machine was added, removed or replaced: stored instances have no state in the new one.";
    SPEC_INVARIANT_ADDED = "SPEC_INVARIANT_ADDED", [S], Allow, "A spec `invariant` was added: data stored under the old version may break it.";
    SPEC_INVARIANT_CHANGED = "SPEC_INVARIANT_CHANGED", [S], Allow, "A spec `invariant` changed: data stored under the old version may break it.";
    SPEC_INVARIANT_REMOVED = "SPEC_INVARIANT_REMOVED", [], Allow, "A spec `invariant` was removed.";
    OP_BODY_ADDED = "OP_BODY_ADDED", [], Allow, "An operation got a body: its behaviour is now specified and checked.";
    OP_BODY_REMOVED = "OP_BODY_REMOVED", [P], Allow, "An operation lost its body: its behaviour is hand-written again, against the generated stubs.";
    OP_BODY_CHANGED = "OP_BODY_CHANGED", [W], Allow, "An operation's body changed: the same request may get another answer or change the store differently.";
    OP_ENSURES_CHANGED = "OP_ENSURES_CHANGED", [W], Allow, "An operation's `ensures` changed: what clients may rely on changed.";
}

/// The Markdown table of every rule, as the book's versions page shows it.
pub fn book_table() -> String {
    let mut s = String::from("| Rule | Breaks | Remedy | What it reports |\n|---|---|---|---|\n");
    for r in ALL {
        let breaks: Vec<&str> = r.breaks.iter().map(|c| c.as_str()).collect();
        let breaks = if breaks.is_empty() { "nothing (compatible)".to_string() } else { breaks.join(", ") };
        let remedy = match (r.is_breaking(), r.remedy) {
            (false, _) => "—",
            (true, Remedy::Migration) => "migration",
            (true, Remedy::Allow) => "allow",
        };
        s.push_str(&format!("| `{}` | {breaks} | {remedy} | {} |\n", r.id, r.summary));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_upper_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for r in ALL {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            assert!(r.id.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{}", r.id);
        }
    }

    #[test]
    fn lookup_finds_every_rule_and_nothing_else() {
        for r in ALL {
            assert_eq!(Rule::lookup(r.id), Some(*r));
        }
        assert_eq!(Rule::lookup("field_removed"), None);
        assert_eq!(Rule::lookup("NO_SUCH_RULE"), None);
    }
}
