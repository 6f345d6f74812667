// spec -> the upstream `harbor:` block. Pure.
//
// Helm cannot compute a subchart's values at install time, so the chart's own templates render every object
// that must follow harbor-config (Secrets, Service, PVCs) and upstream is pointed at them by fixed names.
// What upstream can only learn through its values (externalURL, trivy, metrics, the storage backend,
// external database/redis, replicas, IPv6) is written here, and chart/templates/guard.yaml fails the
// render when harbor-config and this block disagree (see guardedPairs below).
import { createHash } from "node:crypto";
import type { HarborConfig } from "../spec/harbor-config.js";
import type { Spec } from "../spec/types.js";
import { NAMES, KEYS, REGISTRY_USER } from "../common/names.js";
import { RESOURCES } from "./resources.js";

import { HARBOR_VERSION, UPSTREAM_CHART_VERSION } from "../common/upstream.js";
export { HARBOR_VERSION, UPSTREAM_CHART_VERSION };

/**
 * The URL clients use: always https (Harbor builds the docker token realm from its scheme). NodePort and
 * LoadBalancer Services both open the https node port on every node (and on the VIP a node holds), so the
 * URL names the node port for both; only a ClusterIP Service is reached on the service port.
 */
export function externalURL(spec: HarborConfig): string {
  const host = spec.cluster?.hostname ?? "spectro.registry.local";
  const https = spec.service?.harbor?.https ?? {};
  const port = spec.service?.serviceType === "ClusterIP" ? (https.port ?? 443) : (https.nodePort ?? 30003);
  return port === 443 ? `https://${host}` : `https://${host}:${port}`;
}

/**
 * Pod-template annotation that restarts the pods mounting harbor-tls (nginx serves it, core offers its CA
 * for download) when a new certificate is due, and only then.
 *
 * Upstream checksums only its own ConfigMaps and Secrets, and Helm cannot hand the subchart a value computed
 * at install time, so the checksum travels in the harbor: block like every other derived value, and
 * chart/templates/_helpers.tpl computes the same one for the guard. The generator never sees a generated
 * certificate (the chart makes it at install time and keeps it), so what it hashes are the inputs that decide
 * what harbor-tls holds: a given certificate, key and CA, and the names a generated one is made for (host
 * name, VIP, extra SANs; the namespace cannot change for a release). New SANs or a new given certificate
 * change the checksum and restart nginx and core onto the new certificate; an unchanged upgrade keeps
 * harbor-tls and the checksum as they are and restarts nothing. Not covered, because no spec input changes:
 * a renewal within 30 days of expiry and a changed secrets file; nginx serves those after its next restart
 * (the configuration step can compare harbor-tls's harbor-edge.io/not-after with what nginx serves).
 */
export const TLS_CHECKSUM_ANNOTATION = "checksum/harbor-tls";

export function tlsChecksum(spec: Spec): string {
  const certs = spec.auth.certs ?? {};
  const inputs = [
    certs.crt ?? "",
    certs.key ?? "",
    certs.ca ?? "",
    spec.cluster.hostname ?? "",
    spec.cluster.vip ?? "",
    (certs.extraSANs ?? []).join(","),
  ];
  return createHash("sha256").update(inputs.join("\n")).digest("hex");
}

const DB_IMAGE = `docker.io/goharbor/harbor-db:v${HARBOR_VERSION}`;
const REDIS_IMAGE = `docker.io/goharbor/redis-photon:v${HARBOR_VERSION}`;
// each component's own image (upstream's default repositories), so the fix pulls no extra image
const REGISTRY_IMAGE = `docker.io/goharbor/registry-photon:v${HARBOR_VERSION}`;
const JOBSERVICE_IMAGE = `docker.io/goharbor/harbor-jobservice:v${HARBOR_VERSION}`;
const TRIVY_IMAGE = `docker.io/goharbor/trivy-adapter-photon:v${HARBOR_VERSION}`;
/** uid upstream runs the registry, registryctl, jobservice and Trivy as (pod securityContext runAsUser). */
const HARBOR_UID = 10000;

/**
 * Init container that gives a data directory to the uid the main container runs as, before it starts.
 * The upstream chart only chmods pgdata as uid 999, which fails when the CSI driver ignores fsGroup and the
 * volume root belongs to root (goharbor/harbor-helm#1676: harbor-database in CrashLoopBackOff). Running as
 * root with only CHOWN, FOWNER and DAC_OVERRIDE stays within Pod Security "baseline".
 */
export function ownershipInitContainer(name: string, image: string, volume: string, mountPath: string, dataDir: string, uid: number) {
  // only sh, mkdir, chown and chmod: present in every goharbor image (the redis one has no findutils)
  return initContainer(
    name,
    image,
    volume,
    mountPath,
    `set -e; mkdir -p ${dataDir}; chown ${uid}:${uid} ${mountPath}; chown -R ${uid}:${uid} ${dataDir}; chmod 0700 ${dataDir}`,
  );
}

/**
 * The same fix for the registry, jobservice and Trivy (uid 10000, which rely on fsGroup alone upstream):
 * only the volume's root is given to the uid, not recursively, because everything below it is written by
 * that uid anyway and a recursive chown of a 200 GB image store would delay every start.
 */
export function rootOwnershipInitContainer(name: string, image: string, volume: string, mountPath: string, uid: number) {
  return initContainer(name, image, volume, mountPath, `set -e; chown ${uid}:${uid} ${mountPath}; chmod u+rwx ${mountPath}`);
}

/** The ownership init container, unless storage.fixOwnership is false (the storage honours fsGroup). */
function owned<T>(spec: HarborConfig, container: T): T[] {
  return spec.storage?.fixOwnership === false ? [] : [container];
}

function initContainer(name: string, image: string, volume: string, mountPath: string, script: string) {
  return {
    name,
    image,
    imagePullPolicy: "IfNotPresent",
    command: ["/bin/sh", "-c"],
    args: [script],
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"], add: ["CHOWN", "FOWNER", "DAC_OVERRIDE"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    resources: RESOURCES.init,
    volumeMounts: [{ name: volume, mountPath }],
  };
}

function imageChartStorage(spec: Spec) {
  const backend = spec.storage.backend ?? {};
  if (backend.type === "s3") {
    const s3 = backend.s3 ?? {};
    return {
      type: "s3",
      disableredirect: s3.disableRedirect ?? false,
      s3: {
        region: s3.region ?? "us-east-1",
        bucket: s3.bucket ?? "",
        existingSecret: s3.existingSecret ?? "",
        // upstream's registry ConfigMap writes each of these only when set (truthy)
        regionendpoint: s3.endpoint ?? "",
        secure: s3Secure(spec),
        rootdirectory: s3.rootDirectory ?? "",
      },
    };
  }
  return { type: "filesystem", disableredirect: false };
}

/** TLS to the S3 endpoint: off only for an http:// endpoint (AWS itself is https). */
function s3Secure(spec: Spec): boolean {
  const endpoint = spec.storage.backend?.s3?.endpoint ?? "";
  return !endpoint.startsWith("http://");
}

/**
 * S3 settings upstream's registry ConfigMap cannot express go to the registry (and to registryctl, which runs
 * garbage collection with the same configuration) as the distribution's documented REGISTRY_STORAGE_S3_*
 * environment overrides. Upstream 1.19.1 writes regionendpoint, secure and rootdirectory from
 * persistence.imageChartStorage.s3 (set above), but has no forcepathstyle, and writes secure only when true,
 * so secure=false for an http:// endpoint needs the override too.
 *
 * The table: each variable, in order, with the storage.backend.s3 field it follows and the rule that makes its
 * value. npm run generate writes it into chart/files/s3-env.json, which harbor-edge.s3Env (_helpers.tpl) ranges
 * over applying the same two rules; the guard and test/chart/s3.test.ts keep the rules equal.
 *   falseForHttp  "false" when the field is an http:// URL, else no variable
 *   text          the field as text (ifAbsent when the field is absent)
 */
export const S3_ENV: ReadonlyArray<{
  name: string;
  field: "endpoint" | "forcePathStyle";
  rule: "falseForHttp" | "text";
  ifAbsent?: boolean;
}> = [
  { name: "REGISTRY_STORAGE_S3_SECURE", field: "endpoint", rule: "falseForHttp" },
  { name: "REGISTRY_STORAGE_S3_FORCEPATHSTYLE", field: "forcePathStyle", rule: "text", ifAbsent: true },
];

export function s3EnvVars(spec: Spec): Array<{ name: string; value: string }> {
  const backend = spec.storage.backend ?? {};
  if (backend.type !== "s3") return [];
  const s3 = backend.s3 ?? {};
  const env: Array<{ name: string; value: string }> = [];
  for (const v of S3_ENV) {
    const field = s3[v.field];
    if (v.rule === "falseForHttp") {
      if (String(field ?? "").startsWith("http://")) env.push({ name: v.name, value: "false" });
    } else env.push({ name: v.name, value: String(field ?? v.ifAbsent) });
  }
  return env;
}

function database(spec: Spec) {
  const internal = {
    // Upstream renders this into its own harbor-database Secret; the real password comes from our
    // harbor-edge-database Secret through the env below (env wins over envFrom), never "changeit".
    password: "",
    resources: RESOURCES.database,
    extraEnvVars: [{ name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: NAMES.databaseSecret, key: KEYS.databasePassword } } }],
    extrInitContainers: owned(
      spec,
      ownershipInitContainer(
        "data-ownership",
        DB_IMAGE,
        "database-data",
        "/var/lib/postgresql/data",
        "/var/lib/postgresql/data/pgdata",
        999,
      ),
    ),
    initContainer: { migrator: { resources: RESOURCES.init }, permissions: { resources: RESOURCES.init } },
  };
  if (spec.database.type === "external") {
    const ext = spec.database.external ?? {};
    return {
      type: "external",
      internal,
      external: {
        host: ext.host ?? "",
        port: String(ext.port ?? 5432),
        username: ext.username ?? "",
        password: "",
        coreDatabase: ext.database ?? "registry",
        existingSecret: ext.existingSecret ?? "",
        sslmode: ext.sslmode ?? "require",
      },
    };
  }
  // Internal: core and the exporter read POSTGRESQL_PASSWORD from database.external.existingSecret whatever
  // the type, which lets them use our Secret too.
  return { type: "internal", internal, external: { password: "", existingSecret: NAMES.databaseSecret } };
}

function redis(spec: Spec) {
  const internal = {
    resources: RESOURCES.redis,
    initContainers: owned(spec, ownershipInitContainer("data-ownership", REDIS_IMAGE, "data", "/var/lib/redis", "/var/lib/redis", 999)),
  };
  if (spec.redis.type === "external") {
    const ext = spec.redis.external ?? {};
    return {
      type: "external",
      internal,
      external: {
        addr: ext.addr ?? "",
        sentinelMasterSet: ext.sentinelMasterSet ?? "",
        username: ext.username ?? "",
        password: "",
        existingSecret: ext.existingSecret ?? "",
        tlsOptions: { enable: ext.tls ?? false },
      },
    };
  }
  return { type: "internal", internal };
}

/** The upstream harbor chart values for a spec (defaults already applied). */
export function deriveHarborValues(spec: Spec): Record<string, unknown> {
  const auth = spec.auth;
  const trivy = spec.trivy;
  const replicas = spec.replicas;
  return {
    fullnameOverride: NAMES.upstreamFullname,
    expose: {
      type: "clusterIP",
      tls: { enabled: true, certSource: "secret", secret: { secretName: NAMES.tlsSecret } },
      clusterIP: { name: NAMES.upstreamNginxService, ports: { httpPort: 80, httpsPort: 443 } },
    },
    externalURL: externalURL(spec),
    caSecretName: NAMES.tlsSecret,
    harborAdminPassword: "",
    existingSecretAdminPassword: auth.existingSecret || NAMES.adminSecret,
    existingSecretAdminPasswordKey: auth.existingSecret ? (auth.existingSecretKey ?? KEYS.adminPassword) : KEYS.adminPassword,
    secretKey: "",
    existingSecretSecretKey: NAMES.coreSecret,
    updateStrategy: { type: "Recreate" },
    ipFamily: { ipv6: { enabled: spec.network.ipv6 ?? false }, ipv4: { enabled: true } },
    persistence: {
      enabled: true,
      persistentVolumeClaim: {
        registry: { existingClaim: NAMES.pvc.registry },
        jobservice: { jobLog: { existingClaim: NAMES.pvc.jobservice } },
        database: { existingClaim: NAMES.pvc.database },
        redis: { existingClaim: NAMES.pvc.redis },
        trivy: { existingClaim: NAMES.pvc.trivy },
      },
      imageChartStorage: imageChartStorage(spec),
    },
    metrics: { enabled: spec.service.metrics?.enabled ?? false },
    nginx: { replicas: replicas.nginx ?? 1, resources: RESOURCES.nginx, podAnnotations: { [TLS_CHECKSUM_ANNOTATION]: tlsChecksum(spec) } },
    portal: { replicas: replicas.portal ?? 1, resources: RESOURCES.portal },
    core: {
      // pinned here too: the configuration Job runs in this image, and the parent chart cannot read the
      // subchart's defaults when it renders without it
      image: { repository: "docker.io/goharbor/harbor-core", tag: `v${HARBOR_VERSION}` },
      replicas: replicas.core ?? 1,
      resources: RESOURCES.core,
      podAnnotations: { [TLS_CHECKSUM_ANNOTATION]: tlsChecksum(spec) },
      secret: "",
      xsrfKey: "",
      existingSecret: NAMES.coreSecret,
      existingXsrfSecret: NAMES.coreSecret,
      existingXsrfSecretKey: KEYS.csrfKey,
      secretName: NAMES.coreSecret,
    },
    jobservice: {
      replicas: replicas.jobservice ?? 1,
      initContainers: owned(spec, rootOwnershipInitContainer("data-ownership", JOBSERVICE_IMAGE, "job-logs", "/var/log/jobs", HARBOR_UID)),
      resources: RESOURCES.jobservice,
      secret: "",
      existingSecret: NAMES.jobserviceSecret,
      existingSecretKey: KEYS.jobserviceSecret,
    },
    registry: {
      replicas: replicas.registry ?? 1,
      // upstream mounts registry-data at persistence.imageChartStorage.filesystem.rootdirectory (/storage)
      initContainers: owned(spec, rootOwnershipInitContainer("data-ownership", REGISTRY_IMAGE, "registry-data", "/storage", HARBOR_UID)),
      registry: { resources: RESOURCES.registry, extraEnvVars: s3EnvVars(spec) },
      controller: { resources: RESOURCES.registryctl, extraEnvVars: s3EnvVars(spec) },
      secret: "",
      existingSecret: NAMES.registrySecret,
      existingSecretKey: KEYS.registryHttpSecret,
      credentials: { username: REGISTRY_USER, password: "", existingSecret: NAMES.registrySecret },
    },
    trivy: {
      enabled: trivy.enabled ?? true,
      resources: RESOURCES.trivy,
      initContainers: owned(spec, rootOwnershipInitContainer("data-ownership", TRIVY_IMAGE, "data", "/home/scanner/.cache", HARBOR_UID)),
      skipUpdate: trivy.skipUpdate ?? false,
      skipJavaDBUpdate: trivy.skipUpdate ?? false,
      offlineScan: trivy.offlineScan ?? true,
    },
    database: database(spec),
    redis: redis(spec),
    exporter: { resources: RESOURCES.exporter },
  };
}

/**
 * How the chart's guard computes a guarded value from harbor-config at render time: a copy of the harbor-config
 * field at a dotted path (default: what an absent, null or empty one gives), a constant, or a named computation
 * (the define harbor-edge.guardValue.<name> in chart/templates/_helpers.tpl, written in both languages and kept
 * equal by the guard itself: every render of the derived values passes it). TypeScript reads the value from
 * deriveHarborValues instead.
 */
export type GuardSource =
  | { from: string; default?: string }
  | { value: string }
  | {
      compute:
        "externalURL" | "adminSecretKey" | "storageType" | "s3DisableRedirect" | "s3Env" | "tlsChecksum" | "s3Secure" | "databasePort";
      default?: string;
    };

export type GuardPair = GuardSource & {
  /** the harbor-config key(s) the value follows, as the guard's message names them */
  spec: string;
  /** the value's dotted path in the harbor: block */
  harbor: string;
  /** only when the harbor-config field at path is (or is not) this value */
  when?: { path: string; is: string } | { path: string; isNot: string };
};

const S3: GuardPair["when"] = { path: "storage.backend.type", is: "s3" };
const EXTERNAL_DB: GuardPair["when"] = { path: "database.type", is: "external" };
const EXTERNAL_REDIS: GuardPair["when"] = { path: "redis.type", is: "external" };

/**
 * Every harbor: key derived from harbor-config that Helm cannot change at install time, with the harbor-config
 * key it follows, in the order the guard names them. npm run generate writes it into chart/files/guard-pairs.json,
 * which harbor-edge.guardPairs (_helpers.tpl) ranges over; chart/templates/guard.yaml fails the render when a
 * harbor: value differs from the one harbor-config implies.
 */
export const GUARD_PAIRS: readonly GuardPair[] = [
  { spec: "cluster.hostname, service.serviceType, service.harbor.https", harbor: "externalURL", compute: "externalURL" },
  { spec: "auth.existingSecret", harbor: "existingSecretAdminPassword", from: "auth.existingSecret", default: NAMES.adminSecret },
  { spec: "auth.existingSecretKey", harbor: "existingSecretAdminPasswordKey", compute: "adminSecretKey", default: KEYS.adminPassword },
  { spec: "network.ipv6", harbor: "ipFamily.ipv6.enabled", from: "network.ipv6" },
  { spec: "service.metrics.enabled", harbor: "metrics.enabled", from: "service.metrics.enabled" },
  { spec: "trivy.enabled", harbor: "trivy.enabled", from: "trivy.enabled" },
  { spec: "trivy.skipUpdate", harbor: "trivy.skipUpdate", from: "trivy.skipUpdate" },
  { spec: "trivy.offlineScan", harbor: "trivy.offlineScan", from: "trivy.offlineScan" },
  { spec: "storage.backend.type", harbor: "persistence.imageChartStorage.type", compute: "storageType" },
  { spec: "storage.backend.s3.disableRedirect", harbor: "persistence.imageChartStorage.disableredirect", compute: "s3DisableRedirect" },
  { spec: "database.type", harbor: "database.type", from: "database.type" },
  { spec: "redis.type", harbor: "redis.type", from: "redis.type" },
  { spec: "storage.backend.s3", harbor: "registry.registry.extraEnvVars", compute: "s3Env" },
  { spec: "storage.backend.s3", harbor: "registry.controller.extraEnvVars", compute: "s3Env" },
  { spec: "auth.certs, cluster.hostname, cluster.vip", harbor: `nginx.podAnnotations.${TLS_CHECKSUM_ANNOTATION}`, compute: "tlsChecksum" },
  { spec: "auth.certs, cluster.hostname, cluster.vip", harbor: `core.podAnnotations.${TLS_CHECKSUM_ANNOTATION}`, compute: "tlsChecksum" },
  ...(["core", "portal", "nginx", "registry", "jobservice"] as const).map((k) => ({
    spec: `replicas.${k}`,
    harbor: `${k}.replicas`,
    from: `replicas.${k}`,
  })),
  { spec: "storage.backend.s3.bucket", harbor: "persistence.imageChartStorage.s3.bucket", from: "storage.backend.s3.bucket", when: S3 },
  { spec: "storage.backend.s3.region", harbor: "persistence.imageChartStorage.s3.region", from: "storage.backend.s3.region", when: S3 },
  {
    spec: "storage.backend.s3.existingSecret",
    harbor: "persistence.imageChartStorage.s3.existingSecret",
    from: "storage.backend.s3.existingSecret",
    when: S3,
  },
  {
    spec: "storage.backend.s3.endpoint",
    harbor: "persistence.imageChartStorage.s3.regionendpoint",
    from: "storage.backend.s3.endpoint",
    default: "",
    when: S3,
  },
  { spec: "storage.backend.s3.endpoint", harbor: "persistence.imageChartStorage.s3.secure", compute: "s3Secure", when: S3 },
  {
    spec: "storage.backend.s3.rootDirectory",
    harbor: "persistence.imageChartStorage.s3.rootdirectory",
    from: "storage.backend.s3.rootDirectory",
    default: "",
    when: S3,
  },
  { spec: "database.external.host", harbor: "database.external.host", from: "database.external.host", when: EXTERNAL_DB },
  { spec: "database.external.port", harbor: "database.external.port", compute: "databasePort", when: EXTERNAL_DB },
  { spec: "database.external.username", harbor: "database.external.username", from: "database.external.username", when: EXTERNAL_DB },
  { spec: "database.external.database", harbor: "database.external.coreDatabase", from: "database.external.database", when: EXTERNAL_DB },
  {
    spec: "database.external.existingSecret",
    harbor: "database.external.existingSecret",
    from: "database.external.existingSecret",
    when: EXTERNAL_DB,
  },
  { spec: "database.external.sslmode", harbor: "database.external.sslmode", from: "database.external.sslmode", when: EXTERNAL_DB },
  {
    spec: "database.type",
    harbor: "database.external.existingSecret",
    value: NAMES.databaseSecret,
    when: { path: "database.type", isNot: "external" },
  },
  { spec: "redis.external.addr", harbor: "redis.external.addr", from: "redis.external.addr", when: EXTERNAL_REDIS },
  {
    spec: "redis.external.sentinelMasterSet",
    harbor: "redis.external.sentinelMasterSet",
    from: "redis.external.sentinelMasterSet",
    when: EXTERNAL_REDIS,
  },
  { spec: "redis.external.username", harbor: "redis.external.username", from: "redis.external.username", when: EXTERNAL_REDIS },
  {
    spec: "redis.external.existingSecret",
    harbor: "redis.external.existingSecret",
    from: "redis.external.existingSecret",
    when: EXTERNAL_REDIS,
  },
  { spec: "redis.external.tls", harbor: "redis.external.tlsOptions.enable", from: "redis.external.tls", when: EXTERNAL_REDIS },
];

/** The value at a dotted path of a plain object; undefined where a segment is missing. Pure. */
export function valueAt(root: unknown, dotted: string): unknown {
  let node = root;
  for (const seg of dotted.split(".")) node = node && typeof node === "object" ? (node as Record<string, unknown>)[seg] : undefined;
  return node;
}

/** Whether a guard pair applies to a spec (its when). Pure. */
export function guardApplies(pair: GuardPair, spec: Spec): boolean {
  const w = pair.when;
  if (!w) return true;
  const v = valueAt(spec, w.path);
  return "is" in w ? v === w.is : v !== w.isNot;
}

/** The guarded pairs of a spec, each with the value deriveHarborValues gives it (the chart computes the same from harbor-config). */
export function guardedPairs(spec: Spec): Array<{ spec: string; harbor: string; value: unknown }> {
  const h = deriveHarborValues(spec);
  return GUARD_PAIRS.filter((p) => guardApplies(p, spec)).map((p) => ({ spec: p.spec, harbor: p.harbor, value: valueAt(h, p.harbor) }));
}
