// Certificates made with openssl for the drills' fronts: the certificate without the address a node dials (the
// badSan defect: test/cluster/drill.test.ts step 1, test/e2e/drill.e2e.ts step 6), signed by the chart's CA. That
// CA is ECDSA P-256 (chart/templates/_helpers-tls.tpl, genCAWithKey with genPrivateKey "ecdsa"), which node-forge
// (generator/src/certs/generate.ts) cannot sign with: it reads RSA keys only ("Cannot read public key. OID is not
// RSA"). test/project/e2e-front.test.ts uses the same functions with a CA made as the chart makes it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";

export interface Pem {
  cert: string;
  key: string;
}

function openssl(args: string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8", timeout: 30_000 });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.error?.message ?? r.stderr.trim()}`);
}

/** Runs fn in a private temporary directory (mode 0700), removed afterwards: the keys never stay on disk. */
function inTemp<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "he-e2e-certs-"));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A CA as the chart makes one (sprig's genCAWithKey with genPrivateKey "ecdsa"): a P-256 key as "EC PRIVATE KEY", CA:TRUE, keyCertSign. */
export function ecdsaCA(commonName: string, days: number): Pem {
  return inTemp((dir) => {
    const key = path.join(dir, "ca.key");
    const cert = path.join(dir, "ca.crt");
    const conf = path.join(dir, "ca.cnf");
    fs.writeFileSync(
      conf,
      `[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3\n[dn]\nCN = ${commonName}\n[v3]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,digitalSignature,keyEncipherment\nsubjectKeyIdentifier = hash\n`,
    );
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
    openssl(["req", "-x509", "-new", "-key", key, "-config", conf, "-days", String(days), "-out", cert]);
    return { cert: fs.readFileSync(cert, "utf8"), key: fs.readFileSync(key, "utf8") };
  });
}

/**
 * A server certificate signed by `ca` (any key type openssl reads: the chart's ECDSA CA included) for exactly
 * these names, with a new P-256 key as "EC PRIVATE KEY" (as the chart's harbor-tls, which the front also serves).
 */
export function signedCert(ca: Pem, commonName: string, sans: { dns: string[]; ips: string[] }, days: number): Pem {
  const names = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((i) => `IP:${i}`)];
  if (!names.length) throw new Error("signedCert: at least one DNS name or IP address");
  for (const n of names) if (!/^(DNS|IP):[A-Za-z0-9.:*-]+$/.test(n)) throw new Error(`signedCert: refusing the name ${JSON.stringify(n)}`);
  if (!/^[A-Za-z0-9. -]+$/.test(commonName)) throw new Error(`signedCert: refusing the common name ${JSON.stringify(commonName)}`);
  return inTemp((dir) => {
    const f = (n: string) => path.join(dir, n);
    fs.writeFileSync(f("ca.crt"), ca.cert);
    fs.writeFileSync(f("ca.key"), ca.key, { mode: 0o600 });
    fs.writeFileSync(
      f("ext.cnf"),
      `subjectAltName = ${names.join(",")}\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\n`,
    );
    openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f("tls.key")]);
    openssl(["req", "-new", "-key", f("tls.key"), "-out", f("tls.csr"), "-subj", `/CN=${commonName}`]);
    openssl([
      "x509",
      "-req",
      "-in",
      f("tls.csr"),
      "-CA",
      f("ca.crt"),
      "-CAkey",
      f("ca.key"),
      "-set_serial",
      `0x${crypto.randomBytes(16).toString("hex")}`,
      "-days",
      String(days),
      "-extfile",
      f("ext.cnf"),
      "-out",
      f("tls.crt"),
    ]);
    return { cert: fs.readFileSync(f("tls.crt"), "utf8"), key: fs.readFileSync(f("tls.key"), "utf8") };
  });
}
