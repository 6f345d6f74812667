// The certificate Harbor actually serves, read by a TLS handshake with its https address inside the cluster,
// compared with the one harbor-tls holds. nginx reads tls.crt only when it starts, and a renewal (or new
// node-address SANs) changes harbor-tls without restarting it: then nginx keeps serving the old certificate,
// the expiry warning must follow what is served, and nginx is restarted onto the new one (a pod-template
// annotation naming the new certificate, as `kubectl rollout restart` does). Nothing is trusted here: the
// handshake only reads the peer certificate.
import tls from "node:tls";
import fs from "node:fs";
import { X509Certificate } from "node:crypto";
import { kubeRequest, KubeError } from "../kube/client.js";
import { pemBlocks } from "../certs/pem.js";
import { warn, type Run } from "./context.js";

/** The pod-template annotation that restarts nginx onto harbor-tls's certificate (its SHA-256 fingerprint). */
export const SERVED_ANNOTATION = "harbor-edge.io/tls-certificate";

/** host:port -> [host, port]; [v6]:port too. */
export function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (m) return { host: m[1], port: Number(m[2]) };
  return { host: address.replace(/^\[|\]$/g, ""), port: 443 };
}

/** The leaf certificate the server at address presents, or the reason it could not be read. */
export function servedCertificate(
  address: string,
  o: { servername?: string; timeoutMs?: number } = {},
): Promise<X509Certificate | { error: string }> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: X509Certificate | { error: string }) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(v);
    };
    const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(o.servername ? { servername: o.servername } : {}) }, () => {
      const peer = socket.getPeerX509Certificate();
      finish(peer ?? { error: "no certificate presented" });
    });
    socket.setTimeout(o.timeoutMs ?? 10_000, () => finish({ error: `no TLS handshake within ${o.timeoutMs ?? 10_000} ms` }));
    socket.on("error", (e) => finish({ error: e.message }));
  });
}

/** RFC 3339, UTC, whole seconds: how the chart records notAfter. */
export const rfc3339 = (validTo: string) => new Date(validTo).toISOString().replace(/\.\d+Z$/, "Z");

export interface TlsVerdict {
  /** the expiry to warn about: what is served; harbor-tls's when nothing could be read */
  notAfter: string;
  /** where notAfter came from, for messages */
  from: "served" | "TLS_NOT_AFTER" | "harbor-tls";
  /** nginx serves another certificate than harbor-tls holds */
  stale: boolean;
}

/** What to warn about and whether nginx must restart, from what was served and what harbor-tls holds. Pure. */
export function tlsVerdict(served: X509Certificate | undefined, secretCrt: X509Certificate | undefined, tlsNotAfter: string): TlsVerdict {
  if (!served)
    return secretCrt
      ? { notAfter: rfc3339(secretCrt.validTo), from: "harbor-tls", stale: false }
      : { notAfter: tlsNotAfter, from: "TLS_NOT_AFTER", stale: false };
  const stale = secretCrt !== undefined && served.fingerprint256 !== secretCrt.fingerprint256;
  return { notAfter: rfc3339(served.validTo), from: "served", stale };
}

/** harbor-tls's certificate as mounted into the Job (TLS_CERT_FILE), or undefined. */
export function readCertFile(file: string): X509Certificate | undefined {
  if (!file) return undefined;
  try {
    const block = pemBlocks(fs.readFileSync(file, "utf8"))[0];
    return block ? new X509Certificate(block) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads what Harbor serves (TLS_SERVED_ADDRESS) and compares it with harbor-tls (TLS_CERT_FILE); restarts
 * nginx (NGINX_DEPLOYMENT) when it serves another certificate. Returns the expiry to warn about.
 */
export async function checkServed(run: Run): Promise<TlsVerdict> {
  const { tlsServedAddress, tlsCertFile, tlsNotAfter, nginxDeployment, namespace } = run.input;
  const secretCrt = readCertFile(tlsCertFile);
  let served: X509Certificate | undefined;
  if (tlsServedAddress) {
    const got = await servedCertificate(tlsServedAddress, { timeoutMs: Math.min(10_000, run.input.requestTimeoutSeconds * 1000) });
    if ("error" in got) run.say(`cannot read the certificate served at ${tlsServedAddress} (${got.error}); using the recorded expiry`);
    else served = got;
  }
  const v = tlsVerdict(served, secretCrt, tlsNotAfter);
  if (!v.stale || !secretCrt) return v;
  const old = `nginx serves a certificate that expires on ${v.notAfter}, not harbor-tls's (expires ${rfc3339(secretCrt.validTo)})`;
  if (!run.kube || !nginxDeployment || !namespace) {
    warn(
      run,
      `${old}; restart it: kubectl rollout restart deployment/${nginxDeployment || "harbor-nginx"} --namespace ${namespace || "<namespace>"}`,
    );
    return v;
  }
  try {
    const body = {
      spec: { template: { metadata: { annotations: { [SERVED_ANNOTATION]: secretCrt.fingerprint256.replace(/:/g, "").toLowerCase() } } } },
    };
    await kubeRequest(
      run.kube,
      "PATCH",
      `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(nginxDeployment)}`,
      { body, contentType: "application/strategic-merge-patch+json", timeoutMs: 10_000 },
    );
    run.say(`${old}: restarted deployment/${nginxDeployment} onto it`);
    // nginx serves harbor-tls's certificate once restarted: that is the expiry that counts now
    return { notAfter: rfc3339(secretCrt.validTo), from: "harbor-tls", stale: true };
  } catch (e) {
    if (!(e instanceof KubeError)) throw e;
    warn(
      run,
      `${old}, and it could not be restarted (${e.message}); restart it: kubectl rollout restart deployment/${nginxDeployment} --namespace ${namespace}`,
    );
    return v;
  }
}
