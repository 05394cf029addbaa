//! The frontend generator: a React Router v7 (framework mode, Remix's successor) app in
//! TypeScript under `code/frontend/{spec name}/`, with a type per spec type, zod validators
//! with the refinements, a typed API client per service, routes with loaders and actions,
//! transition tables that offer only enabled events, and generated vitest suites.
//!
//! The project files that do not depend on the spec (package.json with exact versions, the
//! npm lockfile, the TypeScript, Vite and React Router configuration, the runtime helpers)
//! are embedded from `templates/remix/` and emitted verbatim.

mod client;
pub mod examples;
mod machines;
mod routes;
mod tests;
pub mod ts;
mod zod;

use crate::generated::{Generated, GeneratedFile, ItemKind, item_id, op_id, or_whole_spec};
use lp_ir::{Spec, Ty, TypeBody};
use std::collections::BTreeSet;

/// The files copied verbatim from `templates/remix/`.
const TEMPLATES: &[(&str, &str)] = &[
    (".gitignore", include_str!("../../templates/remix/.gitignore")),
    ("package.json", include_str!("../../templates/remix/package.json")),
    ("package-lock.json", include_str!("../../templates/remix/package-lock.json")),
    ("tsconfig.json", include_str!("../../templates/remix/tsconfig.json")),
    ("tsconfig.correspondence.json", include_str!("../../templates/remix/tsconfig.correspondence.json")),
    ("vite.config.ts", include_str!("../../templates/remix/vite.config.ts")),
    ("vitest.config.ts", include_str!("../../templates/remix/vitest.config.ts")),
    ("react-router.config.ts", include_str!("../../templates/remix/react-router.config.ts")),
    ("app/root.tsx", include_str!("../../templates/remix/app/root.tsx")),
    ("app/api/http.ts", include_str!("../../templates/remix/app/api/http.ts")),
    ("app/lib/forms.ts", include_str!("../../templates/remix/app/lib/forms.ts")),
    ("app/lib/machine.ts", include_str!("../../templates/remix/app/lib/machine.ts")),
    ("app/lib/outcome.tsx", include_str!("../../templates/remix/app/lib/outcome.tsx")),
    ("app/lib/runtime.ts", include_str!("../../templates/remix/app/lib/runtime.ts")),
    ("app/lib/view.tsx", include_str!("../../templates/remix/app/lib/view.tsx")),
];

/// The app's folder in the build output: `code/frontend/{spec name}`.
pub fn app_dir(spec: &Spec) -> String {
    format!("code/frontend/{}", spec.name.as_deref().unwrap_or("app"))
}

/// The declared types and errors a type mentions, transitively, as item ids.
fn type_items(spec: &Spec, ty: &Ty, out: &mut BTreeSet<String>) {
    match ty {
        Ty::Option(t) | Ty::List(t) | Ty::Set(t) => type_items(spec, t, out),
        Ty::Result(a, b) | Ty::Map(a, b) | Ty::Fn(a, b) => {
            type_items(spec, a, out);
            type_items(spec, b, out);
        }
        Ty::Named { id, args } => {
            for a in args {
                type_items(spec, a, out);
            }
            let Some(def) = spec.types.get(id.index()) else { return };
            if !out.insert(item_id(ItemKind::Type, &def.name)) {
                return;
            }
            match &def.body {
                TypeBody::Record(fs) => fs.iter().for_each(|f| type_items(spec, &f.ty, out)),
                TypeBody::Sum(vs) => {
                    vs.iter().flat_map(|v| v.payload.iter().flatten()).for_each(|f| type_items(spec, &f.ty, out))
                }
                TypeBody::Alias(t) => type_items(spec, t, out),
            }
        }
        Ty::ErrorType(e) => {
            if let Some(def) = spec.errors.get(e.index()) {
                out.insert(item_id(ItemKind::Error, &def.name));
                def.fields.iter().for_each(|f| type_items(spec, &f.ty, out));
            }
        }
        Ty::Machine(m) => {
            if let Some(m) = spec.machines.get(m.index()) {
                out.insert(item_id(ItemKind::Machine, &m.name));
            }
        }
        _ => {}
    }
}

/// The items of one operation: the op, its service, the types of its parameters and result,
/// its errors and the machine it fires.
fn op_items(spec: &Spec, s: usize, o: usize) -> BTreeSet<String> {
    let service = &spec.services[s];
    let op = &service.ops[o];
    let mut out = BTreeSet::new();
    out.insert(item_id(ItemKind::Service, &service.name));
    out.insert(op_id(&service.name, &op.name));
    for p in &op.params {
        type_items(spec, &p.ty, &mut out);
    }
    type_items(spec, &op.result, &mut out);
    for e in &op.errors {
        type_items(spec, &Ty::ErrorType(e.error), &mut out);
    }
    if let Some(f) = &op.fires
        && let Some(m) = spec.machines.get(f.machine.index())
    {
        out.insert(item_id(ItemKind::Machine, &m.name));
    }
    out
}

/// `items`, or the spec as a whole when the spec has none of the items a file is about.
fn or_spec(items: BTreeSet<String>) -> BTreeSet<String> {
    or_whole_spec(items).into_iter().collect()
}

/// The frontend app of a spec. Every file names the items it comes from; a file about a kind
/// of item the spec has none of (the app's scaffolding without services, the validators
/// without types) comes from the spec as a whole, and the machine module and its tests are
/// generated only for a spec with state machines.
pub fn generate(spec: &Spec) -> Generated {
    let dir = app_dir(spec);
    let mut files = Generated::new();
    let mut put = |path: &str, text: String, sources: BTreeSet<String>| {
        files.insert(format!("{dir}/{path}"), GeneratedFile::new(text.into_bytes(), sources));
    };
    let service_items: BTreeSet<String> = spec.services.iter().map(|s| item_id(ItemKind::Service, &s.name)).collect();
    let services = or_spec(service_items.clone());
    let all_ops: BTreeSet<String> =
        spec.services.iter().flat_map(|s| s.ops.iter().map(|o| op_id(&s.name, &o.name))).collect();
    let types: BTreeSet<String> = or_spec(
        spec.types
            .iter()
            .map(|t| item_id(ItemKind::Type, &t.name))
            .chain(spec.errors.iter().map(|e| item_id(ItemKind::Error, &e.name)))
            .collect(),
    );
    let machine_items: BTreeSet<String> = spec.machines.iter().map(|m| item_id(ItemKind::Machine, &m.name)).collect();
    let fn_item = |id: lp_ir::FnId| spec.fns.get(id.index()).map(|f| item_id(ItemKind::Fn, &f.name));

    // The project: the app exists for the services it talks to.
    for (path, text) in TEMPLATES {
        put(path, (*text).to_string(), services.clone());
    }
    put("README.md", readme(spec), services.clone());

    // Types, validators, functions.
    put("app/api/types.ts", ts::types_ts(spec), types.clone());
    let validators = zod::validators_ts(spec);
    let (machines_text, machine_calls, _) = machines::machines_ts(spec);
    let mut roots = validators.calls.clone();
    roots.extend(machine_calls.iter().copied());
    let mut validator_items = types.clone();
    if let Some((text, fns)) = zod::functions_ts(spec, &roots) {
        let fn_items: BTreeSet<String> = fns.iter().filter_map(|f| fn_item(*f)).collect();
        validator_items.extend(fn_items.iter().cloned());
        put("app/api/functions.ts", text, fn_items);
    }
    for f in &validators.calls {
        validator_items.extend(fn_item(*f));
    }
    put("app/api/validators.ts", validators.text.clone(), validator_items);

    // Clients, configuration, navigation.
    for (s, service) in spec.services.iter().enumerate() {
        let mut items = BTreeSet::new();
        for o in 0..service.ops.len() {
            items.extend(op_items(spec, s, o));
        }
        items.insert(item_id(ItemKind::Service, &service.name));
        put(&format!("app/api/clients/{}.ts", service.name), client::client_ts(spec, s), items.clone());
        put(&format!("app/routes/{}/index.tsx", service.name), routes::service_tsx(spec, s), {
            let mut i: BTreeSet<String> = service.ops.iter().map(|o| op_id(&service.name, &o.name)).collect();
            i.insert(item_id(ItemKind::Service, &service.name));
            i
        });
        for o in 0..service.ops.len() {
            put(
                &format!("app/routes/{}/{}.tsx", service.name, service.ops[o].name),
                routes::op_tsx(spec, s, o),
                op_items(spec, s, o),
            );
        }
    }
    put("app/api/config.server.ts", client::config_ts(spec), services.clone());
    let mut nav = service_items.clone();
    nav.extend(all_ops.iter().cloned());
    nav.extend(machine_items.iter().cloned());
    let nav = or_spec(nav);
    put("app/api/meta.ts", routes::meta_ts(spec), nav.clone());
    put("app/routes.ts", routes::routes_ts(spec), nav.clone());
    put("app/routes/home.tsx", routes::home_tsx(), nav);

    // Machines.
    // Only routes of machines and of operations that fire one import the module.
    if !spec.machines.is_empty() {
        let mut m_items = machine_items.clone();
        m_items.extend(machine_calls.iter().filter_map(|f| fn_item(*f)));
        put("app/machines.ts", machines_text, m_items);
    }
    for (m, machine) in spec.machines.iter().enumerate() {
        let mut items = BTreeSet::new();
        items.insert(item_id(ItemKind::Machine, &machine.name));
        for s in &spec.services {
            for op in &s.ops {
                if op.fires.as_ref().is_some_and(|f| f.machine.index() == m) {
                    items.insert(op_id(&s.name, &op.name));
                }
            }
        }
        put(&format!("app/routes/machines/{}.tsx", machine.name), routes::machine_tsx(spec, m), items);
    }

    // Tests.
    // A test file without a suite fails vitest, so each is generated only when it has one.
    if tests::has_validator_tests(spec) {
        put("tests/validators.test.ts", tests::validators_test(spec).0, types.clone());
    }
    let mut client_items = service_items;
    for (s, service) in spec.services.iter().enumerate() {
        for o in 0..service.ops.len() {
            client_items.extend(op_items(spec, s, o));
        }
    }
    if !spec.services.is_empty() {
        put("tests/client.test.ts", tests::client_test(spec).0, or_spec(client_items));
    }
    if !spec.machines.is_empty() {
        put("tests/machines.test.ts", tests::machines_test(spec), machine_items);
    }
    put("correspondence/type-correspondence.ts", tests::correspondence_ts(spec), types);
    files
}

/// The types without a valid example and the operations the client test skips, for the
/// generator's own tests.
pub fn untested(spec: &Spec) -> (Vec<String>, Vec<String>) {
    (tests::validators_test(spec).1, tests::client_test(spec).1)
}

fn readme(spec: &Spec) -> String {
    let name = spec.name.as_deref().unwrap_or("app");
    let mut out = format!(
        "# {name} frontend\n\nGenerated by leanos-prove from the spec; do not edit. A React Router v7 (framework mode) app.\n\n\
         This folder is part of a certified build: `leanos-prove verify` refuses the output when it holds any\n\
         file the build did not write (LP8006), such as `node_modules`, `build` or `.react-router`. So install,\n\
         test and run a copy, as the generated CI workflow does. From this folder:\n\n\
         ```sh\nspecs=\"$(cd ../../../specifications/v{} && pwd)\"\nwork=\"$(mktemp -d)\"\ncp -R . \"$work/app\"\ncd \"$work/app\"\n\
         npm ci --no-audit --no-fund\nnpm run typecheck   # react-router typegen && tsc --noEmit\nnpm test            # vitest: validators, client, machines\n\
         OPENAPI_DOCUMENT=\"$specs/api.openapi.json\" npm run correspondence\nnpm run build && npm start   # listens on port 3000\n```\n\nEnvironment: ",
        spec.version.map(|v| v.to_string()).unwrap_or_else(|| "0.0.0".into())
    );
    let vars: Vec<String> = spec.services.iter().map(|s| format!("`{}`", client::url_variable(&s.name))).collect();
    out.push_str(&vars.join(", "));
    out.push_str(" (each service's base URL), `LEANOS_API_TOKEN` (optional bearer token), `PORT` (default 3000).\n");
    out
}
