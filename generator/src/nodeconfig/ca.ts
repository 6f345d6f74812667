// The CA nodes must trust for Harbor's certificate (ca.crt of the Secret harbor-tls), from one of: the
// cluster (--kubeconfig), the secrets file `harbor-edge secrets` wrote (--secrets), or the spec's own
// auth.certs (the given CA, else the last certificate of the given chain, as the chart does).
import { X509Certificate } from "node:crypto";
import { pemBlocks } from "../certs/pem.js";
import type { Spec } from "../spec/types.js";
import { NAMES } from "../common/names.js";

export class CaError extends Error {}

/** The PEM text, checked: at least one certificate that parses, and the first is a CA. */
export function checkCa(pem: string, from: string): string {
  const blocks = pemBlocks(pem);
  if (blocks.length === 0) throw new CaError(`${from}: expected a PEM CA certificate; given text without one`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]);
  } catch (e) {
    throw new CaError(`${from}: expected a parsable CA certificate; given one that does not parse (${(e as Error).message})`);
  }
  if (!cert.ca)
    throw new CaError(
      `${from}: expected a CA certificate (basicConstraints CA:TRUE); given ${cert.subject.replace(/\n/g, ", ")}, which is not a CA`,
    );
  // PEM with \n line ends (node-forge writes \r\n), one block after another
  return `${blocks.map((b) => b.replace(/\r\n/g, "\n")).join("\n")}\n`;
}

/** secrets.tls.caCrt of a `harbor-edge secrets` file (refused when it is not one, or was made for another namespace). */
export async function caFromSecretsFile(file: string, namespace?: string): Promise<string> {
  const { readSecretsFile, SecretsFileError } = await import("../secrets/read.js");
  let doc;
  try {
    doc = readSecretsFile(file, namespace);
  } catch (e) {
    throw e instanceof SecretsFileError ? new CaError(`--secrets ${e.message}`) : e;
  }
  const ca = doc.secrets.tls?.caCrt;
  if (typeof ca !== "string" || !ca)
    throw new CaError(
      `${file}: secrets.tls.caCrt: expected the CA of the generated certificate (harbor-edge secrets writes it unless auth.certs gives a certificate); given nothing`,
    );
  return checkCa(ca, `${file}: secrets.tls.caCrt`);
}

/** The CA of a certificate given in the spec, as the chart puts it into harbor-tls; undefined when none is given. */
export function caFromSpec(spec: Spec, root: string): string | undefined {
  const certs = spec.auth?.certs ?? {};
  if (!certs.crt) return undefined;
  if (certs.ca) return checkCa(certs.ca, `${root}.auth.certs.ca`);
  const chain = pemBlocks(certs.crt);
  return checkCa(chain.at(-1)!, `${root}.auth.certs.crt (its last certificate, as auth.certs.ca is empty)`);
}

/** ca.crt of the Secret harbor-tls in the release namespace, read through the Kubernetes API. The kubeconfig is
 * kubectl's: --kubeconfig, else $KUBECONFIG, else the pod's ServiceAccount, else ~/.kube/config. */
export async function caFromCluster(kubeconfig: string | undefined, namespace: string | undefined, context?: string): Promise<string> {
  const { resolveAccess, kubeGet, KubeError } = await import("../kube/client.js");
  let access;
  try {
    access = resolveAccess({ kubeconfig, context });
  } catch (e) {
    if (e instanceof KubeError && e.plugin) e.message += ", or pass --secrets FILE (the file harbor-edge secrets wrote)";
    throw e;
  }
  if (!access)
    throw new CaError(
      "the CA nodes must trust: no kubeconfig (no --kubeconfig, KUBECONFIG unset, no ~/.kube/config): pass --kubeconfig FILE, or --secrets FILE (the file harbor-edge secrets wrote)",
    );
  const ns = namespace ?? access.namespace ?? "harbor";
  const secret = await kubeGet(access, `/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${NAMES.tlsSecret}`);
  const b64 = secret?.data?.["ca.crt"];
  if (typeof b64 !== "string" || !b64) throw new CaError(`Secret ${ns}/${NAMES.tlsSecret}: expected key ca.crt; given none`);
  return checkCa(Buffer.from(b64, "base64").toString("utf8"), `Secret ${ns}/${NAMES.tlsSecret} key ca.crt`);
}
