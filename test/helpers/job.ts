// Running the configuration Job's script as the Job would: the script from the rendered ConfigMap, the
// command from the rendered Job, and its environment resolved from the rendered Job and Secrets. Only
// HARBOR_URL is pointed at the test Harbor (the rendered one is a cluster-internal name).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { find, decode, type K8sObject } from "./chart.js";

export interface JobRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The Job's environment, secretKeyRefs resolved against the rendered Secrets (and Secrets that exist outside the chart). */
export function jobEnv(objects: K8sObject[], external: K8sObject[] = []): Record<string, string> {
  const job = find(objects, "Job", "harbor-edge-configure");
  if (!job) throw new Error("no Job harbor-edge-configure in the render");
  const env: Record<string, string> = {};
  for (const e of job.spec.template.spec.containers[0].env) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const secret = find([...objects, ...external], "Secret", ref.name);
      const data = secret?.data?.[ref.key];
      if (data === undefined) {
        if (ref.optional) continue;
        throw new Error(`Job env ${e.name}: Secret ${ref.name} key ${ref.key} does not exist`);
      }
      env[e.name] = decode(data);
    } else throw new Error(`Job env ${e.name}: unsupported source`);
  }
  return env;
}

export async function runJob(objects: K8sObject[], harborUrl: string, o: { external?: K8sObject[]; env?: Record<string, string> } = {}): Promise<JobRun> {
  const job = find(objects, "Job", "harbor-edge-configure")!;
  const container = job.spec.template.spec.containers[0];
  const cm = find(objects, "ConfigMap", "harbor-edge-configure")!;
  const mount = container.volumeMounts.find((v: any) => v.name === "script").mountPath as string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "configure-job-"));
  const script = path.join(dir, "configure-harbor.sh");
  fs.writeFileSync(script, cm.data["configure-harbor.sh"], { mode: 0o555 });
  const [shell, scriptPath] = container.command as string[];
  if (scriptPath !== `${mount}/configure-harbor.sh`) throw new Error(`the Job runs ${scriptPath}, not the mounted script`);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...jobEnv(objects, o.external), HARBOR_URL: harborUrl, TMPDIR: dir, ...o.env };
  const started = Date.now();
  const child = spawn(shell, [script], { env, cwd: dir });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code: number = await new Promise((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  fs.rmSync(dir, { recursive: true, force: true });
  return { code, stdout, stderr, ms: Date.now() - started };
}
