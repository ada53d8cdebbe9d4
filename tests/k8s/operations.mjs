// tests/k8s/operations.mjs: the day-one rules for deploy/ (issue 17), used by
// validate.mjs. Each function takes parsed objects and returns a list of
// problems (empty when the rule holds), so validate.mjs can run it on the
// real manifests and on deliberately broken copies (its self-checks).
//
//   - one image name everywhere: what `make image` (deploy/image.sh) and
//     deploy/compose.yaml build, in the Deployment, the Job and kustomize;
//   - a fresh cluster: namespace.yaml first in kustomization.yaml; the Job
//     reads nothing that is applied after it (no ConfigMap);
//   - the migration Job a new release replaces: its name ends in the image
//     tag (kustomize replacements), checked by rendering with another tag;
//   - PodDisruptionBudget maxUnavailable 1; requests that hold the cache;
//   - a NetworkPolicy for the API pods (ingress 8080; egress DNS, 5432);
//   - LOG_FORMAT=json; readiness probe timeout above the server's 1 s check;
//   - two database roles: the Deployment has only DATABASE_URL (the
//     application role), the Job only the owner's Secret; compose the same,
//     with no default password.

import { mkdtempSync, readdirSync, readFileSync, copyFileSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";

export const IMAGE_REPOSITORY = "localhost/insatskatalog";
export const APP_ROLE = "insatskatalog_app";
export const OWNER_ROLE = "insatskatalog_owner";
// What the server itself needs besides the cache (measured RSS: 12 MiB idle;
// request buffers, pool sessions and thread stacks under load add more).
export const BASELINE_MIB = 64;
// The server's own deadline for the /readyz database check (internal/http/system.c).
export const READYZ_DEADLINE_S = 1;

const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);

// "160Mi" -> 160, "1Gi" -> 1024, "200M" -> ~190.7; NaN when unreadable.
export function mebibytes(q) {
  const m = /^([0-9.]+)(Ki|Mi|Gi|K|M|G)?$/.exec(String(q ?? ""));
  if (!m) return NaN;
  const factor = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 }[m[2]] ?? 1 / 1048576;
  return Number(m[1]) * factor;
}

// "250m" -> 0.25, "1" -> 1.
export function cpus(q) {
  const m = /^([0-9.]+)(m)?$/.exec(String(q ?? ""));
  return m ? Number(m[1]) / (m[2] ? 1000 : 1) : NaN;
}

// The repository part of an image reference (no tag, no digest).
export const repositoryOf = (image) => String(image ?? "").replace(/@.*$/, "").replace(/:[^/:]*$/, "");

export function imageRules({ dep, job, kust, composeDoc, imageScriptDefault }) {
  const p = [];
  const images = [
    ["Deployment", get(dep, "spec.template.spec.containers.0.image")],
    ["migration Job", get(job, "spec.template.spec.containers.0.image")],
    ["compose.yaml", get(composeDoc, "x-image.image")],
    ["deploy/image.sh", imageScriptDefault],
  ];
  for (const [where, image] of images)
    if (repositoryOf(image) !== IMAGE_REPOSITORY) p.push(`${where} uses ${image}, not ${IMAGE_REPOSITORY}:<tag>`);
  const entry = (get(kust, "images") || []).find((i) => i.name === IMAGE_REPOSITORY);
  if (!entry) p.push(`kustomization.yaml has no images entry named ${IMAGE_REPOSITORY}`);
  for (const [name, svc] of Object.entries(get(composeDoc, "services") || {}))
    if (svc.image && svc.image !== get(composeDoc, "x-image.image") && !/postgres/.test(svc.image))
      p.push(`compose service ${name} uses ${svc.image}`);
  return p;
}

export function freshClusterRules({ kust, job }) {
  const p = [];
  const resources = get(kust, "resources") || [];
  if (resources[0] !== "namespace.yaml") p.push(`kustomization.yaml starts with ${resources[0]}, not namespace.yaml`);
  const c = get(job, "spec.template.spec.containers.0") || {};
  for (const e of c.env || [])
    if (get(e, "valueFrom.configMapKeyRef")) p.push(`migration Job reads ${e.name} from a ConfigMap applied with the rollout`);
  if ((c.envFrom || []).some((e) => e.configMapRef)) p.push("migration Job takes envFrom a ConfigMap");
  return p;
}

// Renders dir (a copy, with another image tag) and returns the Job names, or
// null when kubectl is missing.
export function renderedJobNames(k8sDir, tag) {
  const copy = mkdtempSync(join(tmpdir(), "ik-k8s-"));
  try {
    for (const f of readdirSync(k8sDir)) if (/\.ya?ml$/.test(f)) copyFileSync(join(k8sDir, f), join(copy, f));
    const kust = yaml.load(readFileSync(join(copy, "kustomization.yaml")));
    for (const i of kust.images || []) if (i.name === IMAGE_REPOSITORY) i.newTag = tag;
    writeFileSync(join(copy, "kustomization.yaml"), yaml.dump(kust));
    const r = spawnSync("kubectl", ["kustomize", copy], { encoding: "utf8" });
    if (r.error && r.error.code === "ENOENT") return null;
    if (r.status !== 0) return [`(kubectl kustomize failed: ${(r.stderr || "").trim().split("\n")[0]})`];
    return yaml
      .loadAll(r.stdout)
      .filter((d) => d && d.kind === "Job")
      .map((d) => get(d, "metadata.name"));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

export function jobNameRules(namesFor) {
  // namesFor(tag) -> Job names rendered with that image tag
  const p = [];
  const a = namesFor("1.2.3");
  const b = namesFor("1.2.4");
  if (a === null || b === null) return null;
  if (a.length !== 1 || a[0] !== "insatskatalog-migrate-1.2.3") p.push(`with tag 1.2.3 the Jobs are ${JSON.stringify(a)}`);
  if (b.length !== 1 || b[0] !== "insatskatalog-migrate-1.2.4") p.push(`with tag 1.2.4 the Jobs are ${JSON.stringify(b)}`);
  return p;
}

export function pdbRules(pdb) {
  const p = [];
  if (get(pdb, "spec.maxUnavailable") !== 1) p.push(`maxUnavailable is ${JSON.stringify(get(pdb, "spec.maxUnavailable"))}, not 1`);
  if (get(pdb, "spec.minAvailable") !== undefined) p.push("minAvailable is set (lets many go at once when scaled up)");
  return p;
}

export function resourceRules(dep, cm) {
  const p = [];
  const c = get(dep, "spec.template.spec.containers.0") || {};
  const cache = Number(get(cm, "data.CACHE_MIB") ?? 64);
  const req = mebibytes(get(c, "resources.requests.memory"));
  const lim = mebibytes(get(c, "resources.limits.memory"));
  if (!(req >= cache + BASELINE_MIB))
    p.push(`memory request ${get(c, "resources.requests.memory")} < CACHE_MIB ${cache} + ${BASELINE_MIB}Mi`);
  if (!(lim >= req)) p.push(`memory limit ${get(c, "resources.limits.memory")} below the request`);
  const cpu = cpus(get(c, "resources.requests.cpu"));
  if (!(cpu >= 0.1)) p.push(`CPU request ${get(c, "resources.requests.cpu")} < 100m: the HPA would scale on noise`);
  if (!(cpus(get(c, "resources.limits.cpu")) >= cpu)) p.push("CPU limit below the request");
  return p;
}

const podLabelsOf = (dep) => get(dep, "spec.template.metadata.labels") || {};
const selects = (selector, labels) =>
  !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);

export function networkPolicyRules(policies, dep, job) {
  const p = [];
  const mine = policies.filter((np) => selects(get(np, "spec.podSelector.matchLabels"), podLabelsOf(dep)));
  if (mine.length === 0) return ["no NetworkPolicy selects the API pods"];
  const np = mine[0];
  if (!selects(get(np, "spec.podSelector.matchLabels"), get(job, "spec.template.metadata.labels") || {}))
    p.push("the NetworkPolicy does not select the migration Job's pods (their egress to PostgreSQL)");
  const types = get(np, "spec.policyTypes") || [];
  for (const t of ["Ingress", "Egress"]) if (!types.includes(t)) p.push(`policyTypes lacks ${t}`);
  const ports = (rules) => (rules || []).flatMap((r) => (r.ports || []).map((x) => `${x.protocol || "TCP"}/${x.port}`));
  const inPorts = ports(get(np, "spec.ingress"));
  if (!(inPorts.includes("TCP/8080") || inPorts.includes("TCP/http"))) p.push("ingress does not allow TCP 8080");
  if (inPorts.some((x) => x !== "TCP/8080" && x !== "TCP/http")) p.push(`ingress allows more: ${inPorts.join(", ")}`);
  const outPorts = ports(get(np, "spec.egress"));
  for (const want of ["UDP/53", "TCP/5432"]) if (!outPorts.includes(want)) p.push(`egress does not allow ${want}`);
  if ((get(np, "spec.egress") || []).some((r) => !r.ports)) p.push("an egress rule allows every port");
  return p;
}

export function configRules(cm, dep) {
  const p = [];
  if (get(cm, "data.LOG_FORMAT") !== "json") p.push(`LOG_FORMAT is ${JSON.stringify(get(cm, "data.LOG_FORMAT"))}, not json`);
  const probe = get(dep, "spec.template.spec.containers.0.readinessProbe") || {};
  if (!((probe.timeoutSeconds ?? 1) > READYZ_DEADLINE_S))
    p.push(`readinessProbe timeoutSeconds ${probe.timeoutSeconds ?? 1} <= the server's ${READYZ_DEADLINE_S} s check`);
  const env = get(dep, "spec.template.spec.containers.0.env") || [];
  const read = env.find((e) => e.name === "DATABASE_READ_URL");
  if (read && get(read, "valueFrom.secretKeyRef.optional") !== true) p.push("DATABASE_READ_URL is not optional");
  return p;
}

const userOf = (url) => {
  const m = /^postgres(?:ql)?:\/\/([^:@/]+)/.exec(String(url ?? ""));
  return m ? m[1] : undefined;
};

// secrets: the Secret documents of secret.example.yaml.
export function roleRules({ dep, job, secrets }) {
  const p = [];
  const envOf = (d) => get(d, "spec.template.spec.containers.0.env") || [];
  const secretOf = (e) => get(e, "valueFrom.secretKeyRef");
  const value = (ref) => {
    const s = secrets.find((x) => get(x, "metadata.name") === ref.name);
    return s && (get(s, "stringData") || {})[ref.key];
  };
  const depEnv = envOf(dep);
  if (depEnv.some((e) => e.name === "MIGRATION_DATABASE_URL")) p.push("the Deployment has MIGRATION_DATABASE_URL");
  const depSecrets = new Set(depEnv.map(secretOf).filter(Boolean).map((r) => r.name));
  const jobMigration = envOf(job).find((e) => e.name === "MIGRATION_DATABASE_URL");
  if (!jobMigration || !secretOf(jobMigration)) p.push("the migration Job has no MIGRATION_DATABASE_URL from a Secret");
  else {
    if (depSecrets.has(secretOf(jobMigration).name))
      p.push(`the Deployment reads Secret ${secretOf(jobMigration).name}, which holds the owner's URL`);
    if (userOf(value(secretOf(jobMigration))) !== OWNER_ROLE)
      p.push(`MIGRATION_DATABASE_URL in the example connects as ${userOf(value(secretOf(jobMigration)))}, not ${OWNER_ROLE}`);
  }
  const depUrl = depEnv.find((e) => e.name === "DATABASE_URL");
  if (depUrl && secretOf(depUrl) && userOf(value(secretOf(depUrl))) !== APP_ROLE)
    p.push(`the Deployment's DATABASE_URL in the example connects as ${userOf(value(secretOf(depUrl)))}, not ${APP_ROLE}`);
  for (const s of secrets)
    for (const [k, v] of Object.entries(get(s, "stringData") || {}))
      if (/URL/.test(k) && !/sslmode=verify-full/.test(v)) p.push(`${get(s, "metadata.name")} ${k} lacks sslmode=verify-full`);
  return p;
}

export function composeRules(composeDoc) {
  const p = [];
  const s = get(composeDoc, "services") || {};
  const env = (name) => get(s, `${name}.environment`) || {};
  const pw = String(env("db").POSTGRES_PASSWORD ?? "");
  if (!/^\$\{POSTGRES_PASSWORD:\?/.test(pw)) p.push(`db POSTGRES_PASSWORD is ${pw || "unset"}: it must be required (\${POSTGRES_PASSWORD:?...}), with no default`);
  for (const k of Object.keys(env("db"))) {
    const v = String(env("db")[k]);
    if (/PASSWORD/.test(k) && !/^\$\{[A-Z_]+:\?/.test(v)) p.push(`db ${k} has a default or literal value`);
  }
  if (userOf(env("api").DATABASE_URL) !== APP_ROLE) p.push(`api connects as ${userOf(env("api").DATABASE_URL)}, not ${APP_ROLE}`);
  if ("MIGRATION_DATABASE_URL" in env("api")) p.push("api has MIGRATION_DATABASE_URL");
  if (userOf(env("migrate").MIGRATION_DATABASE_URL) !== OWNER_ROLE)
    p.push(`migrate connects as ${userOf(env("migrate").MIGRATION_DATABASE_URL)}, not ${OWNER_ROLE}`);
  if (env("api").LOG_FORMAT !== "json") p.push("api LOG_FORMAT is not json");
  return p;
}

// The install and upgrade order applies the migration Job alone with
// `kubectl apply -k deploy/k8s -l app.kubernetes.io/component=migrate`:
// that label must pick exactly the Job.
export function migrateSelectorRules(docs) {
  const picked = docs.filter((d) => get(d, "metadata.labels")?.["app.kubernetes.io/component"] === "migrate");
  const kinds = picked.map((d) => `${d.kind}/${get(d, "metadata.name")}`);
  return picked.length === 1 && picked[0].kind === "Job" ? [] : [`the label picks ${JSON.stringify(kinds)}`];
}
