// tests/k8s/validate.mjs: checks deploy/k8s against the Kubernetes API schemas
// (the npm package kubernetes-models, generated from the Kubernetes OpenAPI
// spec) and against the house rules for insatskatalog.
//
// Run through ./validate.sh, which installs the pinned packages first.
// Prints one line per check ("ok - ..." or "not ok - ...: why") and ends with
// "N passed, N failed"; exits 1 if any check failed.
//
// Checks:
//   - every document of every *.yaml / *.yml in deploy/k8s parses and
//     validates against its kind's schema (Model#validate());
//   - no field the schema does not know (a typo such as "readinesProbe" is
//     valid to the schema, which allows extra fields, but `kubectl apply`
//     with strict field validation refuses it, and the setting it was meant
//     to be would silently be missing);
//   - kustomization.yaml lists exactly the manifests (secret.example.yaml
//     deliberately not) and, where kubectl is installed, `kubectl kustomize`
//     renders them into valid objects (a "# skip" line otherwise);
//   - the house rules (probes, security context, resources, the Secret for
//     DATABASE_URL, the migration Job, and that the objects refer to each
//     other consistently);
//   - the day-one rules of operations.mjs (image name, fresh-cluster order,
//     a replaceable migration Job, PDB, requests, NetworkPolicy, LOG_FORMAT,
//     the two database roles, compose.yaml);
//   - self-checks: deliberately broken manifests are rejected, so a pass
//     means something.

import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";
import * as ops from "./operations.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const k8sDir = process.env.K8S_DIR || join(here, "..", "..", "deploy", "k8s");
const NAMESPACE = "insatskatalog";
const SECRET_EXAMPLE = "secret.example.yaml";
const KUSTOMIZATION = "kustomization.yaml";
// PostgreSQL's default; override with PG_MAX_CONNECTIONS for a bigger server.
const PG_MAX_CONNECTIONS = Number(process.env.PG_MAX_CONNECTIONS || 100);
const PG_RESERVED_CONNECTIONS = 3; // superuser_reserved_connections default

let passed = 0;
let failed = 0;

function check(name, problems) {
  const list = Array.isArray(problems) ? problems : problems ? [String(problems)] : [];
  if (list.length === 0) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}: ${list.join("; ")}`);
  }
}

// ---- schema validation ------------------------------------------------------

const modelCache = new Map();

// "apps/v1" + "Deployment" -> kubernetes-models/apps/v1/Deployment;
// "v1" + "Service" -> kubernetes-models/v1/Service.
async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind))
    throw new Error(`apiVersion/kind missing or malformed (${apiVersion}/${kind})`);
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    let mod;
    try {
      mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
    } catch (e) {
      throw new Error(`no Kubernetes model for ${key}`);
    }
    const ctor = mod[kind];
    if (typeof ctor !== "function" || ctor.apiVersion !== apiVersion || ctor.kind !== kind)
      throw new Error(`no Kubernetes model for ${key}`);
    modelCache.set(key, ctor);
  }
  return modelCache.get(key);
}

function errorText(e) {
  if (e && Array.isArray(e.details) && e.details.length)
    return e.details.map((d) => `${d.instancePath || "/"} ${d.message}`).join(", ");
  return e && e.message ? e.message : String(e);
}

// Runs the schema's validator on the model with every object wrapped in a
// Proxy that records which properties the validator looked up. The validator
// (ajv, compiled from the OpenAPI schema) reads each property the schema
// declares and enumerates only maps (labels, data, ...); so a key of a
// non-enumerated object that was never read is one the schema does not know.
function validateTracked(model) {
  const seen = new Map(); // target -> { read: Set, enumerated: bool, path }
  const wrap = (value, path) => {
    if (value === null || typeof value !== "object") return value;
    const info = { read: new Set(), enumerated: false, path };
    seen.set(value, info);
    const children = new Map();
    return new Proxy(value, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof prop !== "string" || !Object.prototype.hasOwnProperty.call(target, prop)) return v;
        info.read.add(prop);
        if (v === null || typeof v !== "object") return v;
        if (!children.has(prop)) children.set(prop, wrap(v, `${path}/${prop}`));
        return children.get(prop);
      },
      ownKeys(target) {
        info.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
  };
  model.validate.call(wrap(model, ""));
  const unknown = [];
  const walk = (value) => {
    if (value === null || typeof value !== "object") return;
    const info = seen.get(value);
    for (const key of Object.keys(value)) {
      if (info && !Array.isArray(value) && !info.enumerated && !info.read.has(key))
        unknown.push(`${info.path}/${key}`);
      else walk(value[key]);
    }
  };
  walk(model);
  return unknown;
}

// Returns { schema: [problems], fields: [problems] } for one document.
async function schemaProblems(doc) {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    return { schema: ["not a mapping"], fields: [] };
  let Ctor;
  try {
    Ctor = await modelFor(doc.apiVersion, doc.kind);
  } catch (e) {
    return { schema: [e.message], fields: [] };
  }
  const model = new Ctor(doc);
  try {
    model.validate();
  } catch (e) {
    return { schema: [errorText(e)], fields: [] };
  }
  const unknown = validateTracked(new Ctor(doc));
  return { schema: [], fields: unknown.map((p) => `unknown field ${p}`) };
}

// ---- house rules --------------------------------------------------------------

const get = (obj, path) => path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);

function podRules(kindName, podSpec, { server }) {
  const p = [];
  if (!podSpec) return [`${kindName}: no pod template spec`];
  const psc = podSpec.securityContext || {};
  if (psc.runAsNonRoot !== true) p.push("pod securityContext.runAsNonRoot is not true");
  if (psc.runAsUser !== 10001) p.push(`pod securityContext.runAsUser is ${psc.runAsUser}, not 10001 (the image's user)`);
  if (psc.fsGroup === undefined) p.push("pod securityContext.fsGroup not set");
  if (get(psc, "seccompProfile.type") !== "RuntimeDefault") p.push("pod seccompProfile is not RuntimeDefault");
  const containers = podSpec.containers || [];
  if (containers.length === 0) p.push("no containers");
  for (const c of containers) {
    const n = `container ${c.name}`;
    const csc = c.securityContext || {};
    if (csc.readOnlyRootFilesystem !== true) p.push(`${n}: readOnlyRootFilesystem is not true`);
    if (csc.allowPrivilegeEscalation !== false) p.push(`${n}: allowPrivilegeEscalation is not false`);
    if (csc.runAsNonRoot === false) p.push(`${n}: runAsNonRoot is false`);
    if (csc.privileged === true) p.push(`${n}: privileged`);
    const drop = get(csc, "capabilities.drop") || [];
    if (!drop.includes("ALL")) p.push(`${n}: capabilities.drop does not contain ALL`);
    for (const part of ["requests", "limits"])
      for (const r of ["cpu", "memory"])
        if (get(c, `resources.${part}.${r}`) === undefined) p.push(`${n}: resources.${part}.${r} not set`);
    const dbUrl = (c.env || []).find((e) => e.name === "DATABASE_URL");
    if (!dbUrl) p.push(`${n}: no DATABASE_URL`);
    else if (dbUrl.value !== undefined || !get(dbUrl, "valueFrom.secretKeyRef.name"))
      p.push(`${n}: DATABASE_URL is not from a secretKeyRef`);
    else if (get(dbUrl, "valueFrom.secretKeyRef.optional") === true) p.push(`${n}: DATABASE_URL secretKeyRef is optional`);
    for (const e of c.env || [])
      if (/PASSWORD|SECRET|DATABASE.*URL/i.test(e.name) && e.value !== undefined)
        p.push(`${n}: ${e.name} has a literal value (use a secretKeyRef)`);
    if (!c.image) p.push(`${n}: no image`);
    if (server) {
      const ports = (c.ports || []).map((x) => x.name);
      if (get(c, "readinessProbe.httpGet.path") !== "/readyz") p.push(`${n}: readinessProbe is not httpGet /readyz`);
      if (get(c, "livenessProbe.httpGet.path") !== "/healthz") p.push(`${n}: livenessProbe is not httpGet /healthz`);
      if (!c.startupProbe) p.push(`${n}: no startupProbe`);
      for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"]) {
        const port = get(c, `${probe}.httpGet.port`);
        if (port !== undefined && typeof port === "string" && !ports.includes(port))
          p.push(`${n}: ${probe} port ${port} is not a named container port`);
      }
      const http = (c.ports || []).find((x) => x.name === "http");
      if (!http || http.containerPort !== 8080) p.push(`${n}: no container port 8080 named http`);
      const preStop = get(c, "lifecycle.preStop");
      if (!preStop) p.push(`${n}: no preStop hook (endpoints must go before SIGTERM)`);
      const grace = podSpec.terminationGracePeriodSeconds ?? 30;
      const sleepFor = Number(get(preStop, "sleep.seconds") ?? (get(preStop, "exec.command") || []).slice(-1)[0]);
      // The server drains for at most 10 s after SIGTERM.
      if (Number.isFinite(sleepFor) && sleepFor + 10 > grace)
        p.push(`${n}: preStop ${sleepFor}s + 10s drain exceeds terminationGracePeriodSeconds ${grace}`);
    }
  }
  return p;
}

function deploymentRules(d) {
  const p = [];
  const replicas = get(d, "spec.replicas");
  if (!(Number.isInteger(replicas) && replicas >= 2)) p.push(`replicas is ${JSON.stringify(replicas)}, want >= 2`);
  if (get(d, "spec.strategy.rollingUpdate.maxUnavailable") !== 0) p.push("rollingUpdate.maxUnavailable is not 0");
  const podSpec = get(d, "spec.template.spec");
  p.push(...podRules("Deployment", podSpec, { server: true }));
  if (podSpec && !(podSpec.topologySpreadConstraints || get(podSpec, "affinity.podAntiAffinity")))
    p.push("no topologySpreadConstraints or podAntiAffinity");
  return p;
}

function jobRules(j) {
  const p = [];
  const podSpec = get(j, "spec.template.spec");
  p.push(...podRules("Job", podSpec, { server: false }));
  const c = (get(podSpec || {}, "containers") || [])[0] || {};
  const argv = [...(c.command || []), ...(c.args || [])];
  if (!argv.length || basename(String(argv[0])) !== "insatskatalog-admin")
    p.push(`runs ${JSON.stringify(argv)}, not insatskatalog-admin`);
  if (!argv.includes("setup")) p.push("does not run `setup`");
  if (get(j, "spec.backoffLimit") === undefined) p.push("no backoffLimit");
  if (get(j, "spec.ttlSecondsAfterFinished") === undefined) p.push("no ttlSecondsAfterFinished");
  if (!["Never", "OnFailure"].includes(get(podSpec || {}, "restartPolicy"))) p.push("restartPolicy is not Never/OnFailure");
  return p;
}

const labelsMatch = (selector, labels) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => (labels || {})[k] === v);

// ---- loading ---------------------------------------------------------------------

function loadManifests() {
  const files = readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const docs = [];
  for (const file of files) {
    let parsed;
    try {
      parsed = yaml.loadAll(readFileSync(join(k8sDir, file), "utf8"));
    } catch (e) {
      check(`parse ${file}`, e.message.split("\n")[0]);
      continue;
    }
    const real = parsed.filter((d) => d !== null && d !== undefined);
    check(`parse ${file} (${real.length} document${real.length === 1 ? "" : "s"})`, real.length ? [] : ["no documents"]);
    real.forEach((doc, i) => docs.push({ file, index: i, doc }));
  }
  return { files, docs };
}

const label = ({ file, index, doc }) =>
  `${file}${index ? `#${index}` : ""} ${doc && doc.kind}/${get(doc, "metadata.name")}`;

// ---- main -----------------------------------------------------------------------

async function main() {
  if (!existsSync(k8sDir)) {
    check(`manifest directory ${k8sDir}`, "missing");
    return;
  }
  const { files, docs } = loadManifests();
  const manifests = docs.filter((d) => d.file !== KUSTOMIZATION);

  // Schemas and unknown fields.
  for (const entry of manifests) {
    const { schema, fields } = await schemaProblems(entry.doc);
    check(`schema ${label(entry)} (${get(entry.doc, "apiVersion")})`, schema);
    if (schema.length === 0) check(`known fields ${label(entry)}`, fields);
  }

  // kustomization.yaml lists exactly the manifests.
  const kust = docs.find((d) => d.file === KUSTOMIZATION);
  if (!kust) check("kustomization.yaml present", "missing");
  else {
    const k = kust.doc;
    const p = [];
    if (k.kind !== "Kustomization") p.push(`kind is ${k.kind}`);
    const listed = k.resources || [];
    const expected = files.filter((f) => f !== KUSTOMIZATION && f !== SECRET_EXAMPLE);
    for (const f of expected) if (!listed.includes(f)) p.push(`${f} not listed`);
    for (const f of listed) if (!expected.includes(f)) p.push(`${f} listed but ${f === SECRET_EXAMPLE ? "is the example Secret" : "not a manifest here"}`);
    if (new Set(listed).size !== listed.length) p.push("a file is listed twice");
    if (k.namespace !== undefined && k.namespace !== NAMESPACE) p.push(`namespace is ${k.namespace}`);
    check(`kustomization.yaml lists exactly the ${expected.length} manifests (not ${SECRET_EXAMPLE})`, p);
  }

  // When kubectl is installed: `kubectl kustomize` renders the set, and what
  // it renders validates too (not counted, only noted, without kubectl).
  if (kust) {
    const r = spawnSync("kubectl", ["kustomize", k8sDir], { encoding: "utf8" });
    if (r.error && r.error.code === "ENOENT") console.log("# skip: kubectl not installed, `kubectl kustomize` not tried");
    else if (r.status !== 0) check("kubectl kustomize renders deploy/k8s", (r.stderr || String(r.error)).trim().split("\n")[0]);
    else {
      const rendered = yaml.loadAll(r.stdout).filter(Boolean);
      const p = [];
      const want = (kust.doc.resources || []).length;
      if (rendered.length !== want) p.push(`${rendered.length} objects, want ${want}`);
      for (const doc of rendered) {
        const { schema, fields } = await schemaProblems(doc);
        p.push(...[...schema, ...fields].map((x) => `${doc.kind}/${get(doc, "metadata.name")}: ${x}`));
      }
      check(`kubectl kustomize renders ${rendered.length} valid objects`, p);
    }
  }

  const byKind = (kind) => manifests.filter((d) => get(d.doc, "kind") === kind);
  const one = (kind) => {
    const list = byKind(kind);
    check(`exactly one ${kind}`, list.length === 1 ? [] : [`found ${list.length}`]);
    return list.length === 1 ? list[0].doc : null;
  };
  const dep = one("Deployment");
  const svc = one("Service");
  const hpa = one("HorizontalPodAutoscaler");
  const pdb = one("PodDisruptionBudget");
  const job = one("Job");
  const cm = one("ConfigMap");
  const ns = one("Namespace");
  const secrets = byKind("Secret").map((d) => d.doc);
  check("the example Secrets are insatskatalog-database and insatskatalog-migration",
    JSON.stringify(secrets.map((x) => get(x, "metadata.name")).sort()) === '["insatskatalog-database","insatskatalog-migration"]'
      ? [] : [`found ${secrets.map((x) => get(x, "metadata.name")).join(", ")}`]);

  // Files: one kind per file.
  for (const f of files.filter((f) => f !== KUSTOMIZATION)) {
    const kinds = new Set(manifests.filter((d) => d.file === f).map((d) => get(d.doc, "kind")));
    check(`${f} holds one kind`, kinds.size <= 1 ? [] : [`kinds ${[...kinds].join(", ")}`]);
  }

  // Namespaces.
  check(
    `namespaced objects are in namespace ${NAMESPACE}`,
    manifests
      .filter((d) => get(d.doc, "kind") !== "Namespace")
      .filter((d) => get(d.doc, "metadata.namespace") !== NAMESPACE)
      .map((d) => `${label(d)} in ${get(d.doc, "metadata.namespace")}`)
  );
  if (ns) check(`Namespace is named ${NAMESPACE}`, get(ns, "metadata.name") === NAMESPACE ? [] : [get(ns, "metadata.name")]);

  if (dep) check("Deployment house rules (replicas, probes, security context, resources, DATABASE_URL secret)", deploymentRules(dep));
  if (job) check("migration Job house rules (insatskatalog-admin setup, security context, DATABASE_URL secret)", jobRules(job));

  const podLabels = get(dep || {}, "spec.template.metadata.labels");
  if (dep) {
    check(
      "Deployment selector matches its pod template",
      labelsMatch(get(dep, "spec.selector.matchLabels"), podLabels) ? [] : ["selector does not match template labels"]
    );
  }
  if (dep && job) {
    const di = get(dep, "spec.template.spec.containers.0.image");
    const ji = get(job, "spec.template.spec.containers.0.image");
    check("migration Job uses the Deployment's image", di === ji ? [] : [`${ji} vs ${di}`]);
    check(
      "migration Job pods are not selected by the Deployment/Service",
      labelsMatch(get(dep, "spec.selector.matchLabels"), get(job, "spec.template.metadata.labels")) ? ["they are"] : []
    );
  }
  if (svc && dep) {
    const p = [];
    if (get(svc, "spec.type") !== undefined && get(svc, "spec.type") !== "ClusterIP") p.push(`type ${get(svc, "spec.type")}`);
    if (!labelsMatch(get(svc, "spec.selector"), podLabels)) p.push("selector does not match the Deployment's pods");
    const port80 = (get(svc, "spec.ports") || []).find((x) => x.port === 80);
    if (!port80) p.push("no port 80");
    else if (port80.targetPort !== "http") p.push(`port 80 targets ${port80.targetPort}, not http`);
    check("Service: ClusterIP, port 80 -> http, selects the Deployment's pods", p);
  }
  if (pdb && dep) {
    const p = [];
    if (!labelsMatch(get(pdb, "spec.selector.matchLabels"), podLabels)) p.push("selector does not match the Deployment's pods");
    const minAv = get(pdb, "spec.minAvailable");
    const minReplicas = Math.min(get(dep, "spec.replicas") ?? 1, get(hpa || {}, "spec.minReplicas") ?? Infinity);
    if (typeof minAv === "number" && minAv >= minReplicas) p.push(`minAvailable ${minAv} >= ${minReplicas} replicas would block every drain`);
    if (minAv === undefined && get(pdb, "spec.maxUnavailable") === undefined) p.push("neither minAvailable nor maxUnavailable");
    check("PodDisruptionBudget selects the Deployment's pods and allows an eviction", p);
  }
  if (hpa && dep) {
    const p = [];
    const ref = get(hpa, "spec.scaleTargetRef") || {};
    if (ref.kind !== "Deployment" || ref.name !== get(dep, "metadata.name") || ref.apiVersion !== "apps/v1")
      p.push(`scaleTargetRef ${ref.apiVersion}/${ref.kind}/${ref.name}`);
    const min = get(hpa, "spec.minReplicas");
    const max = get(hpa, "spec.maxReplicas");
    if (!(min >= 2)) p.push(`minReplicas ${min} < 2`);
    if (!(max >= min)) p.push(`maxReplicas ${max} < minReplicas ${min}`);
    const cpu = (get(hpa, "spec.metrics") || []).find((m) => get(m, "resource.name") === "cpu");
    if (!cpu) p.push("no CPU metric");
    if (!get(dep, "spec.template.spec.containers.0.resources.requests.cpu")) p.push("Deployment has no CPU request to measure against");
    check("HorizontalPodAutoscaler targets the Deployment, min >= 2, CPU metric", p);
  }
  if (cm && dep) {
    const p = [];
    const data = get(cm, "data") || {};
    const c = get(dep, "spec.template.spec.containers.0") || {};
    const refs = (c.envFrom || []).map((e) => get(e, "configMapRef.name"));
    if (!refs.includes(get(cm, "metadata.name"))) p.push("Deployment does not take env from the ConfigMap");
    for (const key of ["PORT", "LOG_LEVEL", "DB_POOL_SIZE", "CACHE_MIB"]) if (!(key in data)) p.push(`${key} missing`);
    const inRange = (k, lo, hi) => {
      if (!(k in data)) return;
      const n = Number(data[k]);
      if (!/^[0-9]+$/.test(String(data[k])) || n < lo || n > hi) p.push(`${k}=${data[k]} not in ${lo}..${hi}`);
    };
    inRange("PORT", 1, 65535);
    inRange("DB_POOL_SIZE", 1, 64);
    inRange("CACHE_MIB", 0, 4096);
    inRange("HTTP_THREADS", 0, 256);
    if ("LOG_LEVEL" in data && !["error", "warning", "info", "debug"].includes(data.LOG_LEVEL)) p.push(`LOG_LEVEL=${data.LOG_LEVEL}`);
    const http = (c.ports || []).find((x) => x.name === "http");
    if (http && Number(data.PORT) !== http.containerPort) p.push(`PORT ${data.PORT} is not the container port ${http.containerPort}`);
    if ("DATABASE_URL" in data) p.push("DATABASE_URL belongs in the Secret");
    check("ConfigMap: PORT/LOG_LEVEL/DB_POOL_SIZE/CACHE_MIB valid, used by the Deployment", p);

    // Connections: each replica opens DB_POOL_SIZE + 1 (the LISTEN connection)
    // + 1 (the /readyz session).
    const max = get(hpa || {}, "spec.maxReplicas") ?? get(dep, "spec.replicas");
    const surge = Number(get(dep, "spec.strategy.rollingUpdate.maxSurge") ?? 1) || 0;
    const pool = Number(data.DB_POOL_SIZE ?? 8);
    const listener = Number(data.CACHE_MIB ?? 64) > 0 ? 1 : 0;
    const total = (max + surge) * (pool + listener + 1) + 1; // + the migration Job
    const budget = PG_MAX_CONNECTIONS - PG_RESERVED_CONNECTIONS;
    check(
      `database connections: (${max} replicas + ${surge} surge) × (${pool} pool + ${listener} listener + 1 readiness) + 1 job = ${total} <= ${budget}`,
      total <= budget ? [] : [`exceeds PostgreSQL max_connections ${PG_MAX_CONNECTIONS} - ${PG_RESERVED_CONNECTIONS} reserved`]
    );
  }
  if (secrets.length) {
    const p = [];
    const keysOf = new Map(
      secrets.map((x) => [get(x, "metadata.name"), Object.keys({ ...(get(x, "data") || {}), ...(get(x, "stringData") || {}) })])
    );
    for (const d of [dep, job].filter(Boolean))
      for (const c of get(d, "spec.template.spec.containers") || [])
        for (const e of c.env || []) {
          const ref = get(e, "valueFrom.secretKeyRef");
          if (!ref) continue;
          if (!keysOf.has(ref.name)) p.push(`${get(d, "kind")} refers to Secret ${ref.name}, not in the example`);
          else if (!keysOf.get(ref.name).includes(ref.key) && ref.optional !== true)
            p.push(`${get(d, "kind")} needs key ${ref.key} of ${ref.name}, not in the example`);
        }
    const files = manifests.filter((d) => get(d.doc, "kind") === "Secret").map((d) => d.file);
    if (!files.every((f) => f === SECRET_EXAMPLE)) p.push(`a Secret outside ${SECRET_EXAMPLE}: ${files.join(", ")}`);
    check(`${SECRET_EXAMPLE} matches the secretKeyRefs (name, keys)`, p);
  }

  // ---- day-one rules (operations.mjs) -----------------------------------------------
  const composePath = join(k8sDir, "..", "compose.yaml");
  const imageScript = join(k8sDir, "..", "image.sh");
  const composeDoc = existsSync(composePath) ? yaml.load(readFileSync(composePath, "utf8")) : {};
  const imageScriptDefault = existsSync(imageScript)
    ? (/^IMAGE=\$\{IMAGE:-([^}]+)\}/m.exec(readFileSync(imageScript, "utf8")) || [])[1]
    : undefined;
  const kdoc = kust ? kust.doc : {};
  const policies = byKind("NetworkPolicy").map((d) => d.doc);
  const day = { dep, job, kust: kdoc, composeDoc, imageScriptDefault, secrets };
  check(`one image name everywhere (${ops.IMAGE_REPOSITORY}: make image, compose, k8s, kustomize)`, ops.imageRules(day));
  check("a fresh cluster: namespace.yaml first, the migration Job needs no ConfigMap", ops.freshClusterRules(day));
  check("-l app.kubernetes.io/component=migrate picks the migration Job alone",
    ops.migrateSelectorRules(manifests.map((d) => d.doc)));
  const jobNames = ops.jobNameRules((tag) => ops.renderedJobNames(k8sDir, tag));
  if (jobNames === null) console.log("# skip: kubectl not installed, the migration Job's name per release not rendered");
  else check("the migration Job's name follows the image tag (a new release creates a new Job)", jobNames);
  if (pdb) check("PodDisruptionBudget: maxUnavailable 1", ops.pdbRules(pdb));
  if (dep && cm) check("requests hold the cache (memory >= CACHE_MIB + 64Mi) and a real CPU share", ops.resourceRules(dep, cm));
  if (dep && job) check("a NetworkPolicy: ingress 8080 only; egress DNS and PostgreSQL only", ops.networkPolicyRules(policies, dep, job));
  if (dep && cm) check("LOG_FORMAT=json; readiness timeout above the server's check; the replica optional", ops.configRules(cm, dep));
  if (dep && job) check("two roles: the Deployment the application role only, the Job the owner's Secret", ops.roleRules(day));
  check("compose.yaml: no default password, the owner migrates, the application role serves", ops.composeRules(composeDoc));

  // ---- self-checks: the validator can fail ----------------------------------------
  const base = dep
    ? JSON.parse(JSON.stringify(dep))
    : {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "x" },
        spec: { replicas: 3, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } },
      };
  const mutate = (fn) => {
    const d = JSON.parse(JSON.stringify(base));
    fn(d);
    return d;
  };
  {
    const r = await schemaProblems(mutate((d) => (d.spec.replicas = "two")));
    check('self-check: schema rejects a Deployment with replicas: "two"', r.schema.length ? [] : ["accepted"]);
  }
  {
    const r = await schemaProblems(mutate((d) => delete d.spec.template.spec.containers[0].name));
    check("self-check: schema rejects a container without a name", r.schema.length ? [] : ["accepted"]);
  }
  {
    const r = await schemaProblems({ apiVersion: "apps/v1", kind: "Deploymnet", metadata: { name: "x" } });
    check("self-check: an unknown kind is rejected", r.schema.length ? [] : ["accepted"]);
  }
  {
    const r = await schemaProblems(
      mutate((d) => {
        const c = d.spec.template.spec.containers[0];
        c.readinesProbe = c.readinessProbe || { httpGet: { path: "/readyz", port: 8080 } };
        delete c.readinessProbe;
      })
    );
    check("self-check: unknown field (readinesProbe) is rejected", r.schema.length === 0 && r.fields.some((f) => f.includes("readinesProbe")) ? [] : [`got ${JSON.stringify(r)}`]);
  }
  {
    const r = await schemaProblems(mutate((d) => (d.metadata.labels = { ...(d.metadata.labels || {}), "example.org/anything": "x" })));
    check("self-check: arbitrary label keys are not taken for unknown fields", [...r.schema, ...r.fields]);
  }
  {
    const p = deploymentRules(mutate((d) => (d.spec.template.spec.containers[0].readinessProbe.httpGet.path = "/healthz")));
    check("self-check: house rules reject readinessProbe /healthz", p.some((x) => x.includes("/readyz")) ? [] : ["accepted"]);
  }
  {
    const p = deploymentRules(
      mutate((d) => {
        d.spec.replicas = 1;
        d.spec.template.spec.containers[0].env = [{ name: "DATABASE_URL", value: "postgresql://u:p@h/db" }];
        d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
      })
    );
    const want = ["replicas", "secretKeyRef", "readOnlyRootFilesystem"];
    check(
      "self-check: house rules reject 1 replica, a literal DATABASE_URL, a writable root filesystem",
      want.filter((w) => !p.some((x) => x.includes(w))).map((w) => `${w} not caught`)
    );
  }
  if (dep && job && pdb && cm) dayOneSelfChecks({ dep, job, pdb, cm, day, policies });
}

// Each day-one rule rejects the mistake it is there for.
function dayOneSelfChecks({ dep, job, pdb, cm, day, policies }) {
  const copy = (x) => JSON.parse(JSON.stringify(x));
  const caught = (name, problems) => check(`self-check: ${name}`, problems.length ? [] : ["accepted"]);
  {
    const d = copy(dep);
    d.spec.template.spec.containers[0].image = "insatskatalog:latest";
    caught("an image without localhost/ is rejected", ops.imageRules({ ...day, dep: d }));
  }
  caught("a kustomization without the namespace first is rejected",
    ops.freshClusterRules({ ...day, kust: { resources: ["configmap.yaml", "namespace.yaml"] } }));
  caught("a migration Job whose name ignores the tag is rejected", ops.jobNameRules(() => ["insatskatalog-migrate"]));
  caught("a second object labelled component=migrate is rejected",
    ops.migrateSelectorRules([job, { kind: "ConfigMap", metadata: { name: "x", labels: { "app.kubernetes.io/component": "migrate" } } }]));
  caught("a PodDisruptionBudget with minAvailable 2 is rejected",
    ops.pdbRules({ ...copy(pdb), spec: { minAvailable: 2, selector: pdb.spec.selector } }));
  {
    const d = copy(dep);
    d.spec.template.spec.containers[0].resources.requests = { cpu: "50m", memory: "64Mi" };
    const p = ops.resourceRules(d, cm);
    check("self-check: requests of 50m and 64Mi are rejected (both)",
      p.length === 2 ? [] : [`got ${JSON.stringify(p)}`]);
  }
  caught("no NetworkPolicy is rejected", ops.networkPolicyRules([], dep, job));
  {
    const np = copy(policies[0] || {});
    if (np.spec) np.spec.egress = [{}];
    caught("a NetworkPolicy that lets everything out is rejected", ops.networkPolicyRules([np], dep, job));
  }
  caught("LOG_FORMAT text is rejected", ops.configRules({ ...copy(cm), data: { ...cm.data, LOG_FORMAT: "text" } }, dep));
  {
    const d = copy(dep);
    d.spec.template.spec.containers[0].env.push({
      name: "MIGRATION_DATABASE_URL",
      valueFrom: { secretKeyRef: { name: "insatskatalog-migration", key: "MIGRATION_DATABASE_URL" } },
    });
    caught("a Deployment with the owner's URL is rejected", ops.roleRules({ ...day, dep: d }));
  }
  {
    const c = copy(day.composeDoc);
    if (c.services && c.services.db) c.services.db.environment.POSTGRES_PASSWORD = "${POSTGRES_PASSWORD:-insatskatalog}";
    caught("compose with a default superuser password is rejected", ops.composeRules(c));
  }
}

try {
  await main();
} catch (e) {
  check("validator ran to the end", e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : String(e));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
