//! The registry of stable diagnostic codes.
//!
//! A code is `LP` and four digits; the first digit is the area (0 syntax, 1 names and types,
//! 2 algebra and totality, 3 contracts, 4 state machines, 5 versions, 6 architecture,
//! 7 codegen, 8 certificate, 9 threads and internal). Codes are never reused: a retired code
//! stays in the table. Each code's documentation lives in `docs/LPnnnn.md` beside this crate,
//! is printed by `leanos-prove explain`, and generates the book's diagnostic index.

use crate::Severity;
use serde::{Serialize, Serializer};

/// A stable diagnostic code. Construct one through the constants in this module.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code(&'static CodeInfo);

/// Everything the registry knows about a code.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CodeInfo {
    /// `LPnnnn`.
    pub id: &'static str,
    /// A kebab-case name, stable like the id.
    pub name: &'static str,
    /// The severity diagnostics with this code get unless they say otherwise.
    pub severity: Severity,
    /// One line saying what the code is about.
    pub summary: &'static str,
    /// The Markdown documentation: what it means, an example, how to fix it.
    pub doc: &'static str,
}

impl Code {
    pub fn id(self) -> &'static str {
        self.0.id
    }

    pub fn info(self) -> &'static CodeInfo {
        self.0
    }

    /// Looks a code up by id, case-insensitively (`lp0001` works too).
    pub fn lookup(id: &str) -> Option<Code> {
        ALL.iter().copied().find(|c| c.id().eq_ignore_ascii_case(id))
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.id)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.id)
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.id)
    }
}

macro_rules! codes {
    ($( $konst:ident = $id:literal, $name:literal, $sev:ident, $summary:literal; )*) => {
        $(
            #[doc = $summary]
            pub const $konst: Code = Code(&CodeInfo {
                id: $id,
                name: $name,
                severity: Severity::$sev,
                summary: $summary,
                doc: include_str!(concat!("../docs/", $id, ".md")),
            });
        )*
        /// Every registered code, in id order.
        pub const ALL: &[Code] = &[$($konst),*];
    };
}

// The table. Keep it sorted by id; add a `docs/LPnnnn.md` and a corpus case for each entry.
codes! {
    // 0: syntax and input files.
    UNEXPECTED_TOKEN = "LP0001", "unexpected-token", Error, "The parser found a token it did not expect here.";
    UNTERMINATED_STRING = "LP0002", "unterminated-string", Error, "A string literal is not closed before the end of the line.";
    INVALID_CHARACTER = "LP0003", "invalid-character", Error, "A character that cannot start any token.";
    NESTING_TOO_DEEP = "LP0004", "nesting-too-deep", Error, "Types, expressions or blocks are nested deeper than the parser allows.";
    INVALID_UTF8 = "LP0005", "invalid-utf8", Error, "A spec file is not valid UTF-8.";
    BINARY_FILE = "LP0006", "binary-file", Error, "A spec file looks like binary data.";
    EMPTY_FILE = "LP0007", "empty-file", Warning, "A spec file contains no items.";
    INTEGER_OVERFLOW = "LP0008", "integer-overflow", Error, "An integer literal does not fit in 64 bits.";
    INVALID_VERSION = "LP0009", "invalid-version", Error, "A version is not `MAJOR.MINOR.PATCH`.";
    FILE_TOO_LARGE = "LP0010", "file-too-large", Error, "A spec file is larger than the limit.";
    UNCLOSED_DELIMITER = "LP0011", "unclosed-delimiter", Error, "A `{`, `(`, `[` or `<` is never closed.";
    UNKNOWN_ITEM = "LP0012", "unknown-item", Error, "A top-level item does not start with a known keyword.";
    INVALID_ESCAPE = "LP0013", "invalid-escape", Error, "A string literal contains an unknown escape sequence.";
    DANGLING_DOC_COMMENT = "LP0014", "dangling-doc-comment", Warning, "A `///` doc comment is not followed by anything it can document.";
    NOT_A_REGULAR_FILE = "LP0015", "not-a-regular-file", Error, "A spec path or project file is a FIFO, a device, a socket or a folder, not a regular file.";
    DECIMAL_OUT_OF_RANGE = "LP0016", "decimal-out-of-range", Error, "A decimal literal has more than 28 digits after its point or more significant digits than a decimal holds.";
    // 1: names, types, kinds and projects.
    UNKNOWN_TYPE = "LP1001", "unknown-type", Error, "A type name that is not defined.";
    DUPLICATE_DEFINITION = "LP1002", "duplicate-definition", Error, "Two items define the same name.";
    WRONG_TYPE_ARITY = "LP1003", "wrong-type-arity", Error, "A type is given the wrong number of type arguments.";
    KIND_MISMATCH = "LP1004", "kind-mismatch", Error, "A name is used as the wrong kind of thing.";
    UNKNOWN_NAME = "LP1005", "unknown-name", Error, "A name in an expression is not in scope.";
    UNKNOWN_FIELD = "LP1006", "unknown-field", Error, "A field that the record does not have.";
    UNKNOWN_FUNCTION = "LP1007", "unknown-function", Error, "A call to a function that does not exist.";
    UNKNOWN_SERVICE = "LP1008", "unknown-service", Error, "A service name that is not defined.";
    UNKNOWN_STATE = "LP1009", "unknown-state", Error, "A state machine names a state it does not have.";
    UNKNOWN_EVENT = "LP1010", "unknown-event", Error, "An operation fires an event the machine does not have.";
    DUPLICATE_MEMBER = "LP1011", "duplicate-member", Error, "A field, variant, parameter or setting appears twice.";
    UNKNOWN_VARIANT = "LP1012", "unknown-variant", Error, "A pattern or constructor names a variant that does not exist.";
    UNKNOWN_ERROR_TYPE = "LP1013", "unknown-error-type", Error, "An operation raises something that is not a declared `error`.";
    UNBOUND_PATH_PARAMETER = "LP1014", "unbound-path-parameter", Error, "An HTTP path names a parameter the operation does not have.";
    INVALID_PROJECT = "LP1015", "invalid-project", Error, "The project's `leanos.toml` is missing, unreadable or invalid.";
    SPEC_HEADER_MISMATCH = "LP1016", "spec-header-mismatch", Error, "Files of one project declare different spec names or versions.";
    DUPLICATE_ROUTE = "LP1017", "duplicate-route", Error, "Two operations bind the same HTTP method and path.";
    UNKNOWN_SETTING = "LP1018", "unknown-setting", Error, "A `standards` or `deploy` block has a setting it does not know.";
    INVALID_STATUS = "LP1019", "invalid-status", Error, "An error type's HTTP status is not a 4xx or 5xx code.";
    TYPE_MISMATCH = "LP1020", "type-mismatch", Error, "An expression's type is not the type its place requires.";
    AMBIGUOUS_NAME = "LP1021", "ambiguous-name", Error, "A name refers to several definitions and the context does not say which.";
    WRONG_ARGUMENT_COUNT = "LP1022", "wrong-argument-count", Error, "A call or constructor is given the wrong number of arguments.";
    INVALID_SETTING_VALUE = "LP1023", "invalid-setting-value", Error, "A `standards` or `deploy` setting has a value of the wrong kind or out of range.";
    INVALID_PATTERN = "LP1024", "invalid-pattern", Error, "A pattern does not have the shape of the variant it names.";
    CYCLIC_TYPE_ALIAS = "LP1025", "cyclic-type-alias", Error, "A type alias expands to itself.";
    UNKNOWN_MACHINE = "LP1026", "unknown-machine", Error, "An operation fires an event of a machine that is not defined.";
    MISSING_FIELD = "LP1027", "missing-record-field", Error, "A record literal does not give every field of its record.";
    RECORD_TYPE_UNKNOWN = "LP1028", "record-type-unknown", Error, "A record literal `{ … }` stands where no record type is expected, so its type is unknown.";
    ERROR_FIELD_IS_PROBLEM_MEMBER = "LP1029", "error-field-is-problem-member", Error, "An error declares a field named like a member of the problem document it is answered as (`type`, `title`, `status`, `detail`, `instance`).";
    // 1: behaviour: entities and operation bodies (LP1030–LP1049).
    UNKNOWN_ENTITY = "LP1030", "unknown-entity", Error, "A name used as an entity (in a lookup, `exists`, a quantifier, `count`, `create` or `delete`) is not a declared `entity`.";
    STORE_OUTSIDE_BEHAVIOUR = "LP1031", "store-outside-behaviour", Error, "`exists`, a quantifier over an entity, `count` or `fresh` stands outside an operation body, an operation's `ensures` or an `invariant`.";
    INVALID_ENTITY_KEY = "LP1032", "invalid-entity-key", Error, "An entity's key names a field the entity does not have, names one twice, or has a field that cannot be a key.";
    INVALID_FIRE = "LP1033", "invalid-fire", Error, "A `fire` names an instance that is not an entity with a lifecycle, or an event its machine does not have.";
    INVALID_OPERATION_CALL = "LP1034", "invalid-operation-call", Error, "A body calls an operation that does not exist or belongs to a service its service does not depend on.";
    FRESH_TYPE_UNKNOWN = "LP1035", "fresh-type-unknown", Error, "`fresh` stands where no key type (a `String` or `Int` type) is expected, so it cannot be drawn.";
    FIRES_WITH_BODY = "LP1036", "fires-with-body", Error, "An operation with a body also has a `fires` clause; a body says what it fires with `fire`.";
    NOT_AN_ENTITY_VALUE = "LP1037", "not-an-entity-value", Error, "`put` is given a value that is not of an entity's type.";
    // 1: numbers: `Int` and `Decimal` (LP1050–LP1059).
    INT_DECIMAL_MIX = "LP1050", "int-decimal-mix", Error, "An arithmetic operation or comparison mixes `Int` and `Decimal`, which never convert implicitly.";
    DECIMAL_DIVISION = "LP1051", "decimal-division", Error, "`/` or `%` is applied to `Decimal` operands; the quotient of two decimals need not be a decimal.";
    // 2: ADT structure and totality (LP2001–LP2019).
    UNINHABITED_TYPE = "LP2001", "uninhabited-type", Error, "A type or error has no value: every value would need a value of `Void` or of another empty type.";
    NO_BASE_CASE = "LP2002", "no-base-case", Error, "A recursive type has no base case, so it has no finite value.";
    NON_EXHAUSTIVE_MATCH = "LP2003", "non-exhaustive-match", Error, "A `match` does not cover every value of its scrutinee.";
    UNINHABITED_RESULT = "LP2004", "uninhabited-result", Error, "A function or operation whose inputs have values has a result type without values.";
    ISOMORPHIC_TYPES = "LP2005", "isomorphic-types", Hint, "A type has the same shape as an earlier type, up to the names of its fields and variants.";
    // 2: refinements no value satisfies (LP2020–LP2029).
    UNSATISFIABLE_REFINEMENT = "LP2020", "unsatisfiable-refinement", Error, "No value satisfies a type's refinement (with the refinements of its base type and fields).";
    UNSATISFIABLE_FIELD_REFINEMENT = "LP2021", "unsatisfiable-field-refinement", Error, "No value satisfies a field's refinement (with the refinements of the field's type).";
    // 2: functors and variance (LP2030–LP2039).
    VARIANCE_VIOLATION = "LP2030", "variance-violation", Error, "A type parameter declared covariant (`+T`) or contravariant (`-T`) occurs in a position of the opposite polarity.";
    FUNCTOR_LAW_FAILED = "LP2031", "functor-law-failed", Error, "The derived `map` of a covariant type breaks the identity or the composition law.";
    MAP_BREAKS_REFINEMENT = "LP2032", "map-breaks-refinement", Error, "Mapping a function over a covariant type can produce a value that violates the type's refinements.";
    // 3: contracts and the SMT solver.
    UNDECIDED = "LP3000", "undecided", Error, "An obligation could not be decided (solver timeout or unsupported theory); it fails closed.";
    ENSURES_FAILS = "LP3001", "ensures-fails", Error, "A function's `ensures` clause does not hold for some arguments that satisfy its precondition.";
    RESULT_REFINEMENT_FAILS = "LP3002", "result-refinement-fails", Error, "A function's body can return a value that its result type's refinement rejects.";
    PRECONDITION_VIOLATED_AT_CALL = "LP3003", "precondition-violated-at-call", Error, "A call can pass arguments that violate the callee's `requires` or parameter refinements.";
    VACUOUS_PRECONDITION = "LP3004", "vacuous-precondition", Error, "No arguments satisfy a function's `requires` clauses, so it can never be called.";
    POSSIBLE_DIVISION_BY_ZERO = "LP3005", "possible-division-by-zero", Error, "The divisor of a `/` or `%` can be zero.";
    RECORD_REFINEMENT_FAILS = "LP3010", "record-refinement-fails", Error, "A record literal or `with` update in a function can build a value that its type's refinements reject.";
    // 3: behaviour of operation bodies (LP3020–LP3039).
    UNDECLARED_ERROR_RAISED = "LP3020", "undeclared-error-raised", Error, "An operation's body can answer an error the operation does not declare.";
    DEAD_DECLARED_ERROR = "LP3021", "dead-declared-error", Warning, "An operation declares an error that no path of its body raises.";
    GET_WRITES = "LP3022", "get-writes", Error, "A `GET` operation's body writes the store (`put`, `delete`, `create`, `fire`, or a call of an operation that does).";
    FIRE_NOT_ENABLED = "LP3023", "fire-not-enabled", Error, "A `fire` without `else` can meet its instance in a state where the event is not enabled.";
    CREATE_KEY_TAKEN = "LP3024", "create-key-taken", Error, "A `create` without `else` can meet a store that already holds an instance with its key.";
    INVARIANT_NOT_PRESERVED = "LP3025", "invariant-not-preserved", Error, "An operation can leave the store breaking an `invariant` that held before it ran.";
    OPERATION_ENSURES_FAILS = "LP3026", "operation-ensures-fails", Error, "An operation's body can succeed without satisfying its `ensures` clause.";
    BODY_CAN_FAULT = "LP3027", "body-can-fault", Error, "An operation's body can get stuck: it can store a value that breaks a refinement, move a machine variable out of its type, evaluate an undefined expression or break a called function's contract.";
    NOT_IDEMPOTENT = "LP3028", "not-idempotent", Error, "A `PUT` or `DELETE` operation run twice with the same request leaves a different store or answer than run once.";
    // 4: state machines (LP4001–LP4019).
    UNREACHABLE_STATE = "LP4001", "unreachable-state", Error, "A state of a machine cannot be reached from its initial state.";
    DEADLOCK = "LP4002", "deadlock", Error, "A machine can reach a non-final state in which no transition is enabled.";
    NO_PROGRESS = "LP4003", "no-progress", Error, "A machine can reach a configuration from which no final state is reachable any more.";
    NONDETERMINISTIC_TRANSITION = "LP4004", "nondeterministic-transition", Error, "Two transitions from the same state on the same event have guards that can both hold.";
    INCOMPLETE_MACHINE = "LP4005", "incomplete-machine", Error, "Under `completeness = strict`, a non-final state does not handle every event of its machine.";
    INVARIANT_VIOLATED = "LP4006", "invariant-violated", Error, "A machine can reach a configuration that violates one of its invariants.";
    TERMINAL_STATE_HAS_EXIT = "LP4007", "terminal-state-has-exit", Error, "A final state has an outgoing transition.";
    EVENT_NEVER_ENABLED = "LP4008", "event-never-enabled", Error, "An operation fires an event that no reachable configuration of the machine can take.";
    MISSING_INITIAL_STATE = "LP4009", "missing-initial-state", Error, "A machine has no `initial` state.";
    // 5: version compatibility (LP5001–LP5099).
    BREAKING_CHANGE = "LP5001", "breaking-change", Error, "A change from the previous version breaks a category of consumers, and no `migrate` rule or `allow` covers it.";
    UNUSED_ALLOW = "LP5002", "unused-allow", Warning, "An `allow` suppresses no change between the versions.";
    UNKNOWN_COMPAT_RULE = "LP5003", "unknown-compat-rule", Error, "An `allow` names a compatibility rule that does not exist.";
    MIGRATION_NOT_TOTAL = "LP5004", "migration-not-total", Error, "Some valid value of the previous version migrates to a value the new refinements reject.";
    MIGRATION_NOT_REVERSIBLE = "LP5005", "migration-not-reversible", Error, "A `reversible` migration does not give back the original value after going forward and back.";
    STATE_NOT_MAPPED = "LP5006", "state-not-mapped", Error, "A state (or machine) of the previous version has no counterpart, so stored instances in it cannot be migrated.";
    MIGRATION_RULE_INVALID = "LP5007", "migration-rule-invalid", Error, "A `migrate` rule names a type or field the previous version does not have, or cannot be checked against it.";
    PREVIOUS_VERSION_INVALID = "LP5008", "previous-version-invalid", Error, "The previous version named by `[compat] previous` (or given to `diff`) cannot be read or has errors.";
    // 5: importing OpenAPI documents (LP5501–LP5549).
    IMPORT_UNREADABLE_DOCUMENT = "LP5501", "import-unreadable-document", Error, "The document to import is not valid JSON or YAML.";
    IMPORT_NOT_OPENAPI = "LP5502", "import-not-openapi", Error, "The document to import is JSON or YAML but not an OpenAPI document.";
    IMPORT_UNSUPPORTED_VERSION = "LP5503", "import-unsupported-version", Error, "The document is Swagger 2.0 or an OpenAPI version other than 3.0 and 3.1.";
    IMPORT_UNSUPPORTED_SCHEMA = "LP5504", "import-unsupported-schema", Warning, "A schema keyword or construct has no spec equivalent; it was imported approximately.";
    IMPORT_UNRESOLVED_REF = "LP5505", "import-unresolved-ref", Warning, "A `$ref` does not point to a schema of the document.";
    IMPORT_NAME_CHANGED = "LP5506", "import-name-changed", Warning, "A name was not a valid spec identifier, or collided with another, and was renamed.";
    IMPORT_REF_CYCLE = "LP5507", "import-ref-cycle", Warning, "Schemas refer to each other as aliases in a cycle, which a spec cannot express.";
    IMPORT_NESTING_TOO_DEEP = "LP5508", "import-nesting-too-deep", Warning, "A schema is nested deeper than the importer follows.";
    IMPORT_OPERATION_LOSSY = "LP5509", "import-operation-lossy", Warning, "Part of an operation (a header parameter, a `default` response, a webhook...) has no spec equivalent.";
    IMPORT_SECURITY_LOSSY = "LP5510", "import-security-lossy", Warning, "A security scheme the spec cannot express (an API key, HTTP basic, mutual TLS) is imported as bearer, so its operations stay closed.";
    IMPORT_DOCUMENT_LOSSY = "LP5511", "import-document-lossy", Warning, "A document-level field (the version, say) could not be carried over as written.";
    IMPORT_INVALID_OUTPUT = "LP5512", "import-invalid-output", Error, "The importer produced spec text that does not parse (a bug in the importer).";
    IMPORT_ERROR_PROBLEM_MEMBER = "LP5513", "import-error-problem-member", Warning, "An error body has a property named like a member of the problem document (`type`, `title`, `status`, `detail`, `instance`): it was left to the envelope or renamed `error_<name>`.";
    IMPORT_EXTERNAL_REF = "LP5520", "import-external-ref", Warning, "A `$ref` to another file was not followed: a URL, a path outside the description's folder, or a file that cannot be read.";
    IMPORT_BUNDLE_TOO_LARGE = "LP5521", "import-bundle-too-large", Error, "The files a multi-file description refers to pass the importer's bounds; nothing is imported.";
    // 6: architecture: flows and the service graph (LP6001–LP6019).
    DEPENDENCY_CYCLE = "LP6001", "dependency-cycle", Error, "The service dependency graph has a cycle.";
    FLOW_TYPE_MISMATCH = "LP6002", "flow-type-mismatch", Error, "Two adjacent steps of a `>=>` flow do not fit: a step's unwrapped result is not the next step's parameter.";
    UNDECLARED_DEPENDENCY = "LP6003", "undeclared-dependency", Error, "A flow calls an operation of a service that the flow's service does not depend on.";
    // 6: architecture: the service maps (LP6020–LP6029).
    ENTITY_WRITTEN_BY_SEVERAL_SERVICES = "LP6020", "entity-written-by-several-services", Error, "An entity is written (`create`, `put`, `delete`, `fire`) directly by the bodies of more than one service: only its owner may write it.";
    SYNCHRONOUS_CALL_CYCLE = "LP6021", "synchronous-call-cycle", Error, "Operation bodies call each other in a cycle, so a request could never finish.";
    SERVICE_MAP_MISMATCH = "LP6022", "service-map-mismatch", Error, "The generated service maps, read back, break composition (a call that does not match its callee's map, a write of an entity the service does not own, a cycle of calls): a bug in the map generator.";
    // 7: code generation (LP7001–LP7099).
    OPENAPI_TRANSLATION_MISMATCH = "LP7001", "openapi-translation-mismatch", Error, "The generated OpenAPI document, read back, does not describe the spec's types and operations.";
    // 7: the FastAPI backend (LP7010–LP7029).
    BACKEND_RESERVED_ROUTE = "LP7010", "backend-reserved-route", Error, "An operation is bound to `/healthz` or `/readyz`, which every generated backend service answers itself.";
    // 7: deployment configuration translation validation (LP7050–LP7069).
    INFRA_TOPOLOGY_MISMATCH = "LP7050", "infra-topology-mismatch", Error, "The service topology read back from the generated compose and Kubernetes files is not the spec's dependency graph.";
    INFRA_PORT_MISMATCH = "LP7051", "infra-port-mismatch", Error, "The ports of the generated Dockerfiles, compose file and Kubernetes manifests do not agree with each other or with the spec.";
    INFRA_DEPLOY_NOT_GATED = "LP7052", "infra-deploy-not-gated", Error, "A job of the generated CI workflow deploys without first passing the certificate gate (`leanos-prove verify`).";
    INFRA_FILE_UNREADABLE = "LP7053", "infra-file-unreadable", Error, "A generated deployment file is missing, is not valid YAML, or is read differently by YAML 1.1 readers.";
    INFRA_SETTINGS_MISMATCH = "LP7054", "infra-settings-mismatch", Error, "A generated deployment file's replicas, resources, image, probe routes, user or action pins differ from the spec and the conventions.";
    DEPLOY_ENV_INVALID = "LP7055", "deploy-env-invalid", Error, "An entry of a `deploy` block's `env` list is not a `NAME=VALUE` string, repeats a name, or sets a variable the generated configuration sets itself.";
    DEPLOY_IMAGE_INVALID = "LP7056", "deploy-image-invalid", Error, "A `deploy` block's `image` is not an OCI image reference `[host[:port]/]path[:tag][@sha256:hex]`.";
    DEPLOY_QUANTITY_INVALID = "LP7057", "deploy-quantity-invalid", Error, "A `deploy` block's `cpu` or `memory` is not a Kubernetes resource quantity such as `250m` or `64Mi`.";
    DEPLOY_STRING_UNSAFE = "LP7058", "deploy-string-unsafe", Error, "A string of a `deploy` block holds a control character or a GitHub Actions expression `${{`, which would change the generated files' meaning.";
    INFRA_WORKFLOW_INJECTION = "LP7059", "infra-workflow-injection", Error, "The generated workflow pastes a spec value into a `run:` script instead of passing it through `env:`, or evaluates an expression the generator does not write.";
    // 8: certificates and the deploy gate (LP8001–LP8099).
    CERT_MALFORMED = "LP8001", "certificate-malformed", Error, "The certificate is not a DSSE envelope carrying an in-toto Statement v1 of a leanos-prove system proof.";
    CERT_BAD_SIGNATURE = "LP8002", "certificate-bad-signature", Error, "No signature of the certificate verifies strictly with the given public key.";
    CERT_UNSAFE_SUBJECT = "LP8003", "certificate-unsafe-subject", Error, "A subject of the certificate names a path outside the output folder, or the same path twice.";
    ARTIFACT_MISSING = "LP8004", "artifact-missing", Error, "A file the certificate covers is missing from the output folder.";
    ARTIFACT_MODIFIED = "LP8005", "artifact-modified", Error, "A file's SHA-256 differs from the digest the certificate records for it.";
    ARTIFACT_UNCERTIFIED = "LP8006", "artifact-uncertified", Error, "The output folder holds a file the certificate does not cover.";
    SPEC_CHANGED = "LP8007", "spec-changed", Error, "The spec on disk is not the one the certificate was issued for.";
    TRACEABILITY_BROKEN = "LP8008", "traceability-broken", Error, "The traceability manifest does not link every artifact to spec items and every spec item to artifacts.";
    POLICY_VIOLATION = "LP8009", "policy-violation", Error, "An obligation's verdict does not meet the verification policy.";
    DEPLOY_NOT_AUTHORIZED = "LP8010", "deploy-not-authorized", Error, "The certificate itself records that the deploy is not authorized.";
    BUILD_UNSIGNED = "LP8011", "build-unsigned", Warning, "The build has no signing key, so it wrote no certificate.";
    POLICY_INVALID = "LP8012", "policy-invalid", Error, "The verification policy file cannot be read as a policy.";
    TRUST_ANCHOR_MISSING = "LP8013", "trust-anchor-missing", Error, "`verify` was given no trusted public key from outside the tree it verifies, or an unusable one.";
    TEST_KEY_SIGNED = "LP8014", "test-key-signed", Warning, "The certificate is signed by the committed TEST-ONLY key, whose private half is public.";
    TEST_KEY_REFUSED = "LP8015", "test-key-refused", Error, "The certificate is signed by the committed TEST-ONLY key and the test key was not explicitly allowed.";
    KEY_FINGERPRINT_MISMATCH = "LP8016", "key-fingerprint-mismatch", Error, "The public key found for the certificate does not have the pinned fingerprint.";
    SYMLINK_IN_OUTPUT = "LP8017", "symlink-in-output", Error, "The output folder holds a symbolic link, which the gate does not follow.";
    OBLIGATION_MISSING = "LP8018", "obligation-missing", Error, "An obligation of the spec on disk has no verdict in the certificate.";
    DIGEST_UNSUPPORTED = "LP8019", "digest-unsupported", Error, "A subject of the certificate carries a digest the gate cannot check.";
    // 8: the build output (LP8030–LP8034).
    BUILD_OUTPUT_LOCKED = "LP8030", "build-output-locked", Warning, "Another build was writing the same output folder; this build waited for its lock, then replaced that build's output.";
    // 9: business threads and the canvas (LP9001–LP9099).
    THREAD_MISSING_STAGE = "LP9001", "missing-stage", Error, "A thread lacks a stage file that its metadata's stage or a later stage requires.";
    THREAD_STAGE_OUT_OF_ORDER = "LP9002", "stage-out-of-order", Error, "A stage file's `stage` does not match its file name, or its date is earlier than the previous stage's.";
    THREAD_MISSING_FIELD = "LP9003", "missing-field", Error, "A required front-matter or metadata field is missing.";
    THREAD_INVALID_ENUM = "LP9004", "invalid-enum-value", Error, "A front-matter, metadata or action field has a value outside its allowed set.";
    THREAD_INVALID_FIELD = "LP9005", "invalid-field-value", Error, "A front-matter or metadata field is malformed: unreadable YAML, a bad date, a number out of range or the wrong kind of value.";
    THREAD_MISSING_METADATA = "LP9006", "missing-metadata", Error, "A thread folder has no `metadata.yaml`.";
    THREAD_FACT_WITHOUT_SOURCE = "LP9010", "fact-without-source", Error, "A Stage 1 fact does not give its source and date.";
    THREAD_MISSING_SECTION = "LP9011", "missing-section", Error, "A stage lacks the section its content requires (facts, assumptions, alternatives, actions).";
    THREAD_UNKNOWN_ASSUMPTION = "LP9020", "unknown-assumption", Error, "A thread names an assumption id that the canvas's `10-assumptions.md` does not define.";
    THREAD_MISSING_CONFIDENCE_CHANGE = "LP9021", "missing-confidence-change", Error, "A Stage 2 assumption does not state its confidence as `previous → new`.";
    THREAD_DECISION_NOT_ALLOWED = "LP9030", "decision-not-allowed", Error, "A Stage 4 decision is not one the thread's type allows.";
    THREAD_TOO_FEW_ALTERNATIVES = "LP9031", "too-few-alternatives", Error, "A Stage 4 decision lists fewer than two alternatives.";
    THREAD_UNKNOWN_ACTION_TYPE = "LP9040", "unknown-action-type", Error, "A Stage 5 action's type is not a known `domain:verb`.";
    THREAD_ACTION_MISSING_STATUS = "LP9041", "action-missing-status", Error, "A Stage 5 action has no status.";
    THREAD_MISSING_CANVAS_UPDATE = "LP9050", "missing-canvas-update", Error, "Stage 6 records no canvas update.";
    IMPACT_SCORE_MISMATCH = "LP9060", "impact-score-mismatch", Error, "A stored impact score or flag disagrees with the one the impact policy computes from the stored inputs.";
    INVALID_IMPACT_INPUT = "LP9061", "invalid-impact-input", Error, "An impact input the active policy needs is missing or outside 0–1.";
    APPROVAL_REQUIRED = "LP9062", "approval-required", Error, "A decision at or above the approval threshold, or always flagged, is accepted without a recorded human approval.";
    OVERDUE_STAGE = "LP9070", "overdue-stage", Warning, "A thread's next stage is past its due date.";
    INVALID_CANVAS = "LP9080", "invalid-canvas", Error, "The canvas's `10-assumptions.md` is missing, or an assumption lacks a readable status or confidence.";
    DUPLICATE_ASSUMPTION = "LP9081", "duplicate-assumption", Error, "Two canvas assumptions have the same id.";
    INVALID_MODE_FILE = "LP9082", "invalid-mode-file", Error, "`00-business-model-mode.md` is missing, names no mode, or configures the impact policy wrongly.";
    MISSING_SPEC_PROJECT = "LP9090", "missing-spec-project", Error, "An engineering action names a spec project path that does not exist.";
    GATE_FAILED = "LP9091", "gate-failed", Warning, "An engineering action's last run failed a gate.";
}

/// The book's diagnostic index (`book/src/diagnostics.md`), generated from the registry so the
/// book and `leanos-prove explain` can never disagree.
pub fn markdown_index() -> String {
    let mut out = String::from(
        "# Diagnostic index\n\n<!-- Generated from crates/lp-diagnostics/docs by `UPDATE_BOOK=1 cargo test -p lp-diagnostics`; do not edit. -->\n\n\
         Every diagnostic has a stable code, `LP` and four digits; the first digit is the area: \
         0 syntax, 1 names and types, 2 algebra and totality, 3 contracts, 4 state machines, \
         5 versions, 6 architecture, 7 code generation, 8 certificates, 9 threads. \
         `leanos-prove explain CODE` prints the same text as this page.\n\n\
         | code | name | default severity | summary |\n|---|---|---|---|\n",
    );
    for c in ALL {
        let i = c.info();
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} |\n",
            i.id,
            i.id.to_lowercase(),
            i.name,
            i.severity.as_str(),
            i.summary
        ));
    }
    for c in ALL {
        let i = c.info();
        // The table and other pages link to `#lp0001`; mdBook's own heading ids carry the
        // name too (`#lp0001-unexpected-token`), so each entry gets an explicit anchor.
        out.push_str(&format!("\n<a id=\"{}\"></a>\n\n", i.id.to_lowercase()));
        for line in i.doc.lines() {
            // Each code's page starts at `#`; in the index it sits one level down.
            if line.starts_with('#') {
                out.push('#');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
