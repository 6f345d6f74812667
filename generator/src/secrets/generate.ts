// `harbor-edge secrets`: every credential the chart would otherwise generate at install time, made once,
// so `helm template` / GitOps renders are repeatable. The result is the `secrets:` block of the chart values.
import { randomInt, X509Certificate } from "node:crypto";
import bcrypt from "bcryptjs";
import type { Spec } from "../spec/types.js";
import { NAMES, REGISTRY_USER } from "../common/names.js";
import { generateCA, generateServerCert } from "../certs/generate.js";
import { generatedSans, sansText } from "../spec/sans.js";
import { meetsPasswordPolicy } from "../spec/rules.js";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomString(n: number, alphabet = ALNUM): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** A date as the chart writes and compares it: RFC 3339 in UTC, whole seconds (2027-01-02T03:04:05Z). */
export function rfc3339(date: string | Date): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function generatePassword(): string {
  for (;;) {
    const pw = randomString(24);
    if (meetsPasswordPolicy(pw)) return pw;
  }
}

export interface SecretsOptions {
  namespace: string;
  now?: Date;
}

export function generateSecrets(spec: Spec, opts: SecretsOptions): Record<string, unknown> {
  const now = opts.now ?? new Date();
  const registryPassword = randomString(32);
  const token = generateCA("harbor-token-ca", 3650, now);
  const out: Record<string, unknown> = {};
  if (!spec.auth.password && !spec.auth.existingSecret) out.adminPassword = generatePassword();
  Object.assign(out, {
    coreSecret: randomString(16),
    csrfKey: randomString(32),
    secretKey: randomString(16),
    jobserviceSecret: randomString(16),
    registryHttpSecret: randomString(16),
    registryPassword,
    registryHtpasswd: `${REGISTRY_USER}:${bcrypt.hashSync(registryPassword, 10)}`,
    tokenCert: token.cert,
    tokenKey: token.key,
  });
  if (spec.database.type === "internal") out.databasePassword = randomString(32);
  const certs = spec.auth.certs ?? {};
  if (!certs.crt && !certs.key) {
    const days = certs.validityDays ?? 397;
    const sans = generatedSans(spec, opts.namespace);
    const ca = generateCA(NAMES.caCommonName, certs.caValidityDays ?? 3650, now);
    const server = generateServerCert(spec.cluster.hostname ?? "spectro.registry.local", sans, days, ca, now);
    out.tls = {
      caCrt: ca.cert,
      caKey: ca.key,
      crt: server.cert,
      key: server.key,
      sans: sansText(sans),
      notAfter: rfc3339(new X509Certificate(server.cert).validTo),
    };
  }
  return out;
}
