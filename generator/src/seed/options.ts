// The options of harbor-edge seed (commands/seed.ts) and the pure parts of reading them: sizes, and where the
// password and the CA come from.

export interface SeedOptions {
  bundle: string;
  harbor: string;
  ca?: string;
  username: string;
  passwordEnv?: string;
  secrets?: string;
  project: string;
  chunkSize: string;
  maxBytes: string;
  json?: boolean;
}

/** 1048576, 64K, 512M, 32G (powers of 1024); undefined when not a size. */
export function parseBytes(s: string): number | undefined {
  const m = /^(\d+)([KMGT]i?B?)?$/i.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * 1024 ** (m[2] ? "KMGT".indexOf(m[2][0].toUpperCase()) + 1 : 0);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * The password and the CA, each from the first that gives it: the password from --password-env, else the
 * secrets file's adminPassword; the CA from --ca, else the secrets file's tls.caCrt, else the system's. The two
 * options combine (a spec with auth.password has no adminPassword in its secrets file, but its CA is there).
 */
export async function seedCredentials(
  o: Pick<SeedOptions, "passwordEnv" | "secrets" | "ca">,
  env: NodeJS.ProcessEnv,
  read: (file: string) => string,
): Promise<{ password: string; ca?: string }> {
  let password: string | undefined;
  let ca: string | undefined;
  if (o.passwordEnv) {
    password = env[o.passwordEnv];
    if (!password) throw new Error(`--password-env ${o.passwordEnv}: that environment variable is not set`);
  }
  if (o.secrets) {
    const { readSecretsFile } = await import("../secrets/read.js");
    const { secrets } = readSecretsFile(o.secrets);
    password ??= secrets.adminPassword || undefined;
    ca = secrets.tls?.caCrt || undefined;
    if (password === undefined)
      throw new Error(
        `--secrets ${o.secrets}: no secrets.adminPassword (the spec sets auth.password or auth.existingSecret, so Harbor's password is not in this file): add --password-env VAR, the CA still comes from the file`,
      );
  }
  if (o.ca) ca = read(o.ca);
  if (password === undefined)
    throw new Error(
      "no password: pass --password-env VAR (the variable holding it) or --secrets FILE (the file harbor-edge secrets wrote), or both",
    );
  return { password, ...(ca ? { ca } : {}) };
}
