// Rules JSON Schema cannot say (or that Helm's RE2-based validator could not run): password policy,
// mutually exclusive fields, distinct ports, what each backend needs, and the given certificate.
import { checkCertificate } from "./certificate.js";
import { nodeMirrorProblems } from "./rules-node-mirror.js";
import { portClashes, replicaProblems } from "./rules-capacity.js";
import { isMacro } from "./macros.js";
import { describeValue, type Problem } from "./problems.js";
import type { HarborConfig } from "./harbor-config.js";

/** Harbor's password policy: 8-128 characters with at least one upper-case letter, one lower-case letter and a digit. */
export function meetsPasswordPolicy(pw: string): boolean {
  return pw.length >= 8 && pw.length <= 128 && /[A-Z]/.test(pw) && /[a-z]/.test(pw) && /[0-9]/.test(pw);
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Runs on a spec with defaults applied. Fields that carry a Palette macro are left to Palette. */
export function semanticProblems(spec: HarborConfig, root: string, now: Date = new Date()): Problem[] {
  const out: Problem[] = [];
  const err = (path: string, expected: string, given: string) => out.push({ path: `${root}.${path}`, expected, given, severity: "error" });
  const warn = (path: string, expected: string, given: string) =>
    out.push({ path: `${root}.${path}`, expected, given, severity: "warning" });

  const auth = spec.auth ?? {};
  const pw = str(auth.password);
  if (pw && !isMacro(pw) && !meetsPasswordPolicy(pw)) {
    err(
      "auth.password",
      "8-128 characters with at least one upper-case letter, one lower-case letter and one digit (Harbor's password policy), or empty to generate one",
      `a password of ${pw.length} characters that does not meet it (not shown)`,
    );
  }
  if (pw && str(auth.existingSecret))
    err("auth.existingSecret", "empty when auth.password is set (give the password one way)", describeValue(auth.existingSecret));

  const certs = auth.certs ?? {};
  const cluster = spec.cluster ?? {};
  const certFields = [certs.crt, certs.key, certs.ca, cluster.hostname, cluster.vip];
  if (!certFields.some(isMacro)) {
    out.push(
      ...checkCertificate(
        { crt: str(certs.crt), key: str(certs.key), ca: str(certs.ca), hostname: str(cluster.hostname), vip: str(cluster.vip) },
        `${root}.auth.certs`,
        now,
      ),
    );
  }

  const service = spec.service ?? {};
  out.push(...portClashes(spec, root), ...replicaProblems(spec, root));
  if (service.serviceType === "LoadBalancer" && !str(cluster.vip)) {
    warn(
      "cluster.vip",
      "the address the LoadBalancer Service should take (service.serviceType is LoadBalancer)",
      "nothing: the load balancer picks one",
    );
  }

  const storage = spec.storage ?? {};
  const backend = storage.backend ?? {};
  if (backend.type === "s3") {
    const s3 = backend.s3 ?? {};
    if (!str(s3.bucket)) err("storage.backend.s3.bucket", "a bucket name (storage.backend.type is s3)", "nothing");
    if (!str(s3.existingSecret))
      warn(
        "storage.backend.s3.existingSecret",
        "a Secret with REGISTRY_STORAGE_S3_ACCESSKEY and REGISTRY_STORAGE_S3_SECRETKEY, unless the node's IAM role grants access",
        "nothing",
      );
  }

  const db = spec.database ?? {};
  if (db.type === "external") {
    const ext = db.external ?? {};
    if (!str(ext.host)) err("database.external.host", "the PostgreSQL host (database.type is external)", "nothing");
    if (!str(ext.username)) err("database.external.username", "the PostgreSQL user (database.type is external)", "nothing");
    if (!str(ext.existingSecret))
      err(
        "database.external.existingSecret",
        "a Secret whose key password holds the database password (database.type is external)",
        "nothing",
      );
  }
  const redis = spec.redis ?? {};
  if (redis.type === "external" && !str(redis.external?.addr))
    err("redis.external.addr", "host:port of the Redis server (redis.type is external)", "nothing");
  if (redis.type === "external" && str(redis.external?.username)) {
    // upstream 1.19.1 reads the user only from the Secret (harbor.redis.usernamefromsecret) when existingSecret is
    // set, and without a Secret there is no password, with which alone its URLs carry a user
    const where = str(redis.external?.existingSecret)
      ? `the key REDIS_USERNAME of the Secret ${str(redis.external?.existingSecret)} (redis.external.existingSecret)`
      : "the key REDIS_USERNAME of the Secret named by redis.external.existingSecret, next to REDIS_PASSWORD";
    err(
      "redis.external.username",
      `empty, with the ACL user name in ${where}: the upstream chart ignores redis.external.username`,
      describeValue(redis.external?.username),
    );
  }

  if (spec.registryInfo?.enabled && !str(cluster.uid)) {
    warn(
      "cluster.uid",
      "the Palette cluster UID (or the macro {{.spectro.system.cluster.uid}}) so the registry-info Secret can be written; or registryInfo.enabled: false outside Palette",
      "nothing: registry-info is skipped",
    );
  }

  const projects = Array.isArray(spec.projects) ? spec.projects : [];
  const seen = new Map<string, number>();
  projects.forEach((p, i) => {
    const name = p && typeof p === "object" ? str(p.name) : "";
    if (!name) return;
    if (seen.has(name)) err(`projects[${i}].name`, `a name not used by projects[${seen.get(name)}]`, describeValue(name));
    else seen.set(name, i);
  });
  const proxy = spec.proxyCache;
  if (proxy?.enabled && Array.isArray(proxy.registries)) {
    projects.forEach((p, i) => {
      if (p && proxy.registries!.includes(str(p.name) as never))
        err(
          `projects[${i}].name`,
          `a name other than the proxy-cache project ${str(p.name)} (proxyCache.registries)`,
          describeValue(p.name),
        );
    });
  }
  out.push(...nodeMirrorProblems(spec, root));
  return out;
}
