//! The Kubernetes manifests: per service a ConfigMap (its environment), a Deployment (replicas
//! and resources from the spec's `deploy` block, probes on `/healthz` and `/readyz`, a
//! non-root security context), a Service, and a NetworkPolicy derived from the dependency
//! graph; the same for the frontend; and one default-deny ingress policy over the system.

use super::docker::FRONTEND_USER;
use super::topology::{
    APP_PORT, FRONTEND_PORT, FrontendTopo, KUBERNETES_DIR, LIVENESS_PATH, READINESS_PATH, RUN_AS_USER, ServiceTopo,
    Topology, api_env, dep_env,
};
use lp_yaml::Node;

/// The port of the frontend's Kubernetes Service.
pub const FRONTEND_SERVICE_PORT: i64 = 80;

/// The label that names a workload, and that NetworkPolicies select peers by.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";
/// The label that names the system a workload belongs to.
pub const PART_OF_LABEL: &str = "app.kubernetes.io/part-of";

/// The file of a manifest: `configs/kubernetes/{folder}/{kind}.yaml`.
pub fn manifest_path(folder: &str, kind: &str) -> String {
    format!("{KUBERNETES_DIR}/{folder}/{kind}.yaml")
}

/// The system-wide default-deny ingress policy's file.
pub fn default_deny_path() -> String {
    format!("{KUBERNETES_DIR}/default-deny-ingress.yaml")
}

/// The name of a service's ConfigMap.
pub fn configmap_name(dns: &str) -> String {
    format!("{dns}-env")
}

/// The URL a pod reaches a service at through its Kubernetes Service.
pub fn service_url(s: &ServiceTopo) -> String {
    format!("http://{}:{}", s.dns, s.service_port)
}

fn selector(t: &Topology, dns: &str) -> Node {
    Node::map().with(NAME_LABEL, dns).with(PART_OF_LABEL, t.spec_dns.as_str())
}

fn labels(t: &Topology, dns: &str, component: &str) -> Node {
    Node::map()
        .with(NAME_LABEL, dns)
        .with(PART_OF_LABEL, t.spec_dns.as_str())
        .with("app.kubernetes.io/version", t.version.as_str())
        .with("app.kubernetes.io/component", component)
        .with("app.kubernetes.io/managed-by", "leanos-prove")
}

fn metadata(t: &Topology, name: &str, dns: &str, component: &str) -> Node {
    Node::map().with("name", name).with("labels", labels(t, dns, component))
}

fn render(path: &str, t: &Topology, doc: &Node) -> String {
    lp_yaml::render(path, Some(&t.spec), Some(&t.version), doc)
}

fn tcp_port(port: i64) -> Node {
    Node::map().with("port", Node::Int(port)).with("protocol", "TCP")
}

fn probe(path: &str, initial: i64, period: i64) -> Node {
    Node::map()
        .with("httpGet", Node::map().with("path", path).with("port", "http"))
        .with("initialDelaySeconds", Node::Int(initial))
        .with("periodSeconds", Node::Int(period))
        .with("timeoutSeconds", Node::Int(3))
        .with("failureThreshold", Node::Int(3))
}

fn secret_env(name: &str, secret: &str, key: &str) -> Node {
    Node::map().with("name", name).with(
        "valueFrom",
        Node::map().with("secretKeyRef", Node::map().with("name", secret).with("key", key).with("optional", true)),
    )
}

/// A workload's Deployment.
struct Workload<'a> {
    dns: &'a str,
    component: &'a str,
    image: &'a str,
    replicas: i64,
    cpu: &'a str,
    memory: &'a str,
    port: i64,
    user: i64,
    liveness: &'a str,
    readiness: &'a str,
    env: Vec<Node>,
    mounts: Vec<(&'a str, &'a str)>,
}

fn deployment(t: &Topology, w: &Workload) -> Node {
    let resources = Node::map().with("cpu", w.cpu).with("memory", w.memory);
    let mut container = Node::map()
        .with("name", w.dns)
        .with("image", w.image)
        .with("imagePullPolicy", "IfNotPresent")
        .with(
            "ports",
            vec![Node::map().with("name", "http").with("containerPort", Node::Int(w.port)).with("protocol", "TCP")],
        )
        .with("envFrom", vec![Node::map().with("configMapRef", Node::map().with("name", configmap_name(w.dns)))]);
    if !w.env.is_empty() {
        container.push("env", Node::Seq(w.env.clone()));
    }
    container.push("resources", Node::map().with("requests", resources.clone()).with("limits", resources));
    container.push("livenessProbe", probe(w.liveness, 5, 10));
    container.push("readinessProbe", probe(w.readiness, 2, 5));
    container.push(
        "securityContext",
        Node::map()
            .with("allowPrivilegeEscalation", false)
            .with("readOnlyRootFilesystem", true)
            .with("runAsNonRoot", true)
            .with("capabilities", Node::map().with("drop", Node::strs(&["ALL"]))),
    );
    container.push(
        "volumeMounts",
        Node::Seq(
            w.mounts.iter().map(|(name, path)| Node::map().with("name", *name).with("mountPath", *path)).collect(),
        ),
    );
    let volumes =
        w.mounts.iter().map(|(name, _)| Node::map().with("name", *name).with("emptyDir", Node::map())).collect();
    let pod = Node::map()
        .with("automountServiceAccountToken", false)
        .with(
            "securityContext",
            Node::map()
                .with("runAsNonRoot", true)
                .with("runAsUser", Node::Int(w.user))
                .with("runAsGroup", Node::Int(w.user))
                .with("fsGroup", Node::Int(w.user))
                .with("seccompProfile", Node::map().with("type", "RuntimeDefault")),
        )
        .with("containers", vec![container])
        .with("volumes", Node::Seq(volumes));
    Node::map()
        .with("apiVersion", "apps/v1")
        .with("kind", "Deployment")
        .with("metadata", metadata(t, w.dns, w.dns, w.component))
        .with(
            "spec",
            Node::map()
                .with("replicas", Node::Int(w.replicas))
                .with("selector", Node::map().with("matchLabels", selector(t, w.dns)))
                .with(
                    "template",
                    Node::map()
                        .with("metadata", Node::map().with("labels", labels(t, w.dns, w.component)))
                        .with("spec", pod),
                ),
        )
}

fn configmap(t: &Topology, dns: &str, component: &str, data: Node) -> Node {
    Node::map()
        .with("apiVersion", "v1")
        .with("kind", "ConfigMap")
        .with("metadata", metadata(t, &configmap_name(dns), dns, component))
        .with("data", data)
}

fn service(t: &Topology, dns: &str, component: &str, port: i64) -> Node {
    Node::map()
        .with("apiVersion", "v1")
        .with("kind", "Service")
        .with("metadata", metadata(t, dns, dns, component))
        .with(
            "spec",
            Node::map().with("type", "ClusterIP").with("selector", selector(t, dns)).with(
                "ports",
                vec![
                    Node::map()
                        .with("name", "http")
                        .with("port", Node::Int(port))
                        .with("targetPort", "http")
                        .with("protocol", "TCP"),
                ],
            ),
        )
}

/// A NetworkPolicy admitting `peers` (DNS names of this system's workloads) on `port`;
/// `None` admits every source, `Some(empty)` none.
fn network_policy(t: &Topology, dns: &str, component: &str, peers: Option<Vec<&str>>, port: i64) -> Node {
    let ingress = match peers {
        None => vec![Node::map().with("ports", vec![tcp_port(port)])],
        Some(peers) if peers.is_empty() => Vec::new(),
        Some(peers) => {
            let from = peers
                .iter()
                .map(|p| Node::map().with("podSelector", Node::map().with("matchLabels", selector(t, p))))
                .collect::<Vec<_>>();
            vec![Node::map().with("from", from).with("ports", vec![tcp_port(port)])]
        }
    };
    Node::map()
        .with("apiVersion", "networking.k8s.io/v1")
        .with("kind", "NetworkPolicy")
        .with("metadata", metadata(t, &format!("{dns}-ingress"), dns, component))
        .with(
            "spec",
            Node::map()
                .with("podSelector", Node::map().with("matchLabels", selector(t, dns)))
                .with("policyTypes", Node::strs(&["Ingress"]))
                .with("ingress", Node::Seq(ingress)),
        )
}

/// Every manifest, as (path, text).
pub fn manifests(t: &Topology) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let deny_path = default_deny_path();
    let deny = Node::map()
        .with("apiVersion", "networking.k8s.io/v1")
        .with("kind", "NetworkPolicy")
        .with(
            "metadata",
            Node::map().with("name", format!("{}-default-deny-ingress", t.spec_dns)).with(
                "labels",
                Node::map()
                    .with(PART_OF_LABEL, t.spec_dns.as_str())
                    .with("app.kubernetes.io/managed-by", "leanos-prove"),
            ),
        )
        .with(
            "spec",
            Node::map()
                .with(
                    "podSelector",
                    Node::map().with("matchLabels", Node::map().with(PART_OF_LABEL, t.spec_dns.as_str())),
                )
                .with("policyTypes", Node::strs(&["Ingress"]))
                .with("ingress", Node::Seq(Vec::new())),
        );
    out.push((deny_path.clone(), render(&deny_path, t, &deny)));
    for s in &t.services {
        out.extend(service_manifests(t, s));
    }
    if let Some(f) = &t.frontend {
        out.extend(frontend_manifests(t, f));
    }
    out
}

fn service_manifests(t: &Topology, s: &ServiceTopo) -> Vec<(String, String)> {
    let mut data = Node::map();
    for d in &s.depends {
        if let Some(dep) = t.service(d) {
            data.push(&dep_env(d), service_url(dep));
        }
    }
    for (k, v) in &s.env {
        data.push(k, v.as_str());
    }
    let mut env = vec![secret_env("DATABASE_URL", &format!("{}-database", t.spec_dns), &s.name)];
    if t.auth {
        env.push(secret_env("LEANOS_AUTH_TOKENS", &format!("{}-auth", t.spec_dns), "tokens"));
    }
    let workload = Workload {
        dns: &s.dns,
        component: "backend",
        image: &s.image,
        replicas: s.replicas,
        cpu: &s.cpu,
        memory: &s.memory,
        port: APP_PORT,
        user: RUN_AS_USER,
        liveness: LIVENESS_PATH,
        readiness: READINESS_PATH,
        env,
        mounts: vec![("data", "/app/data"), ("tmp", "/tmp")],
    };
    let peers = if t.entry_point(&s.name) {
        None
    } else {
        let mut peers: Vec<&str> = t.dependents(&s.name).iter().map(|d| d.dns.as_str()).collect();
        if let Some(f) = &t.frontend {
            peers.push(&f.dns);
        }
        Some(peers)
    };
    let docs = [
        ("configmap", configmap(t, &s.dns, "backend", data)),
        ("deployment", deployment(t, &workload)),
        ("service", service(t, &s.dns, "backend", s.service_port)),
        ("networkpolicy", network_policy(t, &s.dns, "backend", peers, APP_PORT)),
    ];
    docs.into_iter()
        .map(|(kind, doc)| {
            let path = manifest_path(&s.name, kind);
            let text = render(&path, t, &doc);
            (path, text)
        })
        .collect()
}

fn frontend_manifests(t: &Topology, f: &FrontendTopo) -> Vec<(String, String)> {
    let mut data = Node::map().with("npm_config_cache", "/tmp/.npm");
    for s in &t.services {
        data.push(&api_env(&s.name), service_url(s));
    }
    let workload = Workload {
        dns: &f.dns,
        component: "frontend",
        image: &f.image,
        replicas: 1,
        cpu: super::topology::DEFAULT_CPU,
        memory: "256Mi",
        port: FRONTEND_PORT,
        user: FRONTEND_USER,
        liveness: "/",
        readiness: "/",
        env: if t.auth {
            vec![secret_env("LEANOS_API_TOKEN", &format!("{}-frontend", t.spec_dns), "api-token")]
        } else {
            Vec::new()
        },
        mounts: vec![("tmp", "/tmp")],
    };
    let docs = [
        ("configmap", configmap(t, &f.dns, "frontend", data)),
        ("deployment", deployment(t, &workload)),
        ("service", service(t, &f.dns, "frontend", FRONTEND_SERVICE_PORT)),
        ("networkpolicy", network_policy(t, &f.dns, "frontend", None, FRONTEND_PORT)),
    ];
    docs.into_iter()
        .map(|(kind, doc)| {
            let path = manifest_path(&f.dns, kind);
            let text = render(&path, t, &doc);
            (path, text)
        })
        .collect()
}
