// The real-cluster tier cannot run here (no Docker, no Kubernetes API); its files are checked statically so
// they cannot rot unnoticed: the GitHub workflow (action-validator and pinned actions), chart-testing's config,
// the kind configs, and the values ct installs.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";
import { ROOT, CHART_DIR } from "../../generator/src/paths.js";
import { newAjv } from "../../generator/src/spec/schema.js";
import { chartValuesSchema } from "../../generator/scripts/codegen/values-schema.js";
import { validateSpec } from "../../generator/src/spec/validate.js";
import { scenarioFiles, vitestArgs } from "../e2e/run.js";
import { DRILL_MINUTES, HOOK_MINUTES, INSTALL_MINUTES, HEALTHY_MINUTES, drillTotalMinutes } from "../e2e/budget.js";
import e2eConfig from "../../vitest.e2e.config.js";

const read = (p: string) => fs.readFileSync(path.join(ROOT, p), "utf8");
const workflow = yaml.load(read(".github/workflows/ci.yaml")) as any;

describe(".github/workflows/ci.yaml", () => {
  it("passes action-validator", () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules/@action-validator/cli/cli.mjs"), path.join(ROOT, ".github/workflows/ci.yaml")],
      { encoding: "utf8" },
    );
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("pins every action to a commit", () => {
    const uses = Object.values<any>(workflow.jobs).flatMap((j) => j.steps.map((s: any) => s.uses).filter(Boolean));
    expect(uses.length).toBeGreaterThan(5);
    for (const u of uses) expect(u, u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it("runs the offline suite on Node 20 and 22, ct lint, and a kind job with ct install and the e2e scenarios", () => {
    expect(workflow.jobs.offline.strategy.matrix.node).toEqual(["20", "22"]);
    const runs = (job: string) => workflow.jobs[job].steps.map((s: any) => s.run ?? "").join("\n");
    expect(runs("offline")).toContain("npm test");
    expect(runs("lint")).toMatch(/ct lint --config \.github\/ct\.yaml/);
    expect(runs("kind")).toMatch(/ct install --config \.github\/ct\.yaml/);
    expect(runs("kind")).toContain("npm run test:e2e");
    expect(workflow.jobs.kind.steps.find((s: any) => String(s.uses).startsWith("helm/kind-action")).with.config).toBe(
      "test/e2e/kind-config.yaml",
    );
  });
});

describe(".github/workflows/ci.yaml kind jobs: the one-node scenarios and the outage drill on three nodes", () => {
  const kindAction = (job: string) => workflow.jobs[job].steps.find((s: any) => String(s.uses).startsWith("helm/kind-action"))?.with ?? {};
  /** The FILE arguments of the job's `npm run test:e2e -- FILE...` step, and that step. */
  const e2e = (job: string) => {
    const step = workflow.jobs[job].steps.find((s: any) => /npm run test:e2e/.test(s.run ?? ""));
    const m = /npm run test:e2e(?: -- (.+))?$/m.exec(step?.run ?? "");
    return { step, files: m?.[1] ? m[1].trim().split(/\s+/) : [] };
  };

  it("each job's kind cluster is named as its kind config names it (ensureCluster reuses it by that name)", () => {
    for (const job of ["kind", "kind-drill"]) {
      const w = kindAction(job);
      const config = yaml.load(read(w.config)) as any;
      expect(w.cluster_name, job).toBe(config.name);
      expect(workflow.jobs[job].steps.map((s: any) => s.run ?? "").join("\n"), job).toContain(
        `kind load docker-image harbor-edge:ci --name ${config.name}`,
      );
    }
  });

  it("the drill job makes the three-node cluster and runs the drill only, on it", () => {
    expect(kindAction("kind-drill").config).toBe("test/e2e/kind-config-3nodes.yaml");
    expect((yaml.load(read("test/e2e/kind-config-3nodes.yaml")) as any).nodes).toHaveLength(3);
    const { step, files } = e2e("kind-drill");
    expect(files).toEqual(["test/e2e/drill.e2e.ts"]);
    expect(step.env).toEqual({ HARBOR_EDGE_E2E_REUSE_CLUSTER: "1" });
    expect(workflow.jobs["kind-drill"].needs).toEqual(["offline", "lint"]);
    expect(workflow.jobs["kind-drill"]["timeout-minutes"]).toBeGreaterThanOrEqual(90);
    // what failed is kept: kind's logs and test/e2e/artifacts
    const upload = workflow.jobs["kind-drill"].steps.find((s: any) => String(s.uses).startsWith("actions/upload-artifact"));
    expect(upload.with.path).toContain("test/e2e/artifacts");
    expect(workflow.jobs.release.needs).toContain("kind-drill");
  });

  it("each kind job collects and uploads its logs also when a timeout cut the run short (a step's timeout fails it, the job's cancels it)", () => {
    for (const job of ["kind", "kind-drill"]) {
      const steps = workflow.jobs[job].steps as any[];
      const logs = steps.filter((s) => /kind export logs/.test(s.run ?? "") || String(s.uses).startsWith("actions/upload-artifact"));
      expect(
        logs.map((s) => s.if),
        job,
      ).toEqual(["failure() || cancelled()", "failure() || cancelled()"]);
      // after every step that may time out
      const last = Math.max(...steps.map((s, i) => (s["timeout-minutes"] ? i : -1)));
      expect(steps.indexOf(logs[0]), job).toBeGreaterThan(last);
    }
  });

  it("the drill's bounds fit: its step outlasts the drill's hooks and steps added up (test/e2e/budget.ts), and its job the step with 30 minutes for setup and logs", () => {
    const job = workflow.jobs["kind-drill"];
    const { step } = e2e("kind-drill");
    expect(drillTotalMinutes()).toBe(DRILL_MINUTES.beforeAll + 160 + DRILL_MINUTES.afterAll);
    expect(step["timeout-minutes"]).toBeGreaterThanOrEqual(drillTotalMinutes());
    expect(job["timeout-minutes"] - step["timeout-minutes"]).toBeGreaterThanOrEqual(30);
    expect(job["timeout-minutes"]).toBeLessThanOrEqual(360); // GitHub-hosted runners' limit
    expect(read("docs/testing.md").replace(/\s+/g, " ")).toContain(
      `the drill's steps add up to ${drillTotalMinutes()} minutes, under its CI step's ${step["timeout-minutes"]} and its job's ${job["timeout-minutes"]}`,
    );
    // every step of the drill takes its timeout from there, and its hooks too
    const drill = read("test/e2e/drill.e2e.ts");
    // each step (an it() of the describe) ends with its timeout argument
    const stepTimeouts = drill
      .split(/^ {2}it\(/m)
      .slice(1)
      .map((step) => /^ {4}\},\n {4}([^\n]*),\n {2}\);$/m.exec(step)?.[1]);
    expect(stepTimeouts).toEqual([1, 2, 3, 4, 5, 6].map((n) => `drillStepMs(${n})`));
    expect(drill).toMatch(/^\}, DRILL_MINUTES\.beforeAll \* 60_000\);$/m);
    expect(drill).toMatch(/^\}, DRILL_MINUTES\.afterAll \* 60_000\);$/m);
  });

  it("a hook's timeout (vitest.e2e.config.ts) covers a beforeAll that installs: install() within INSTALL_MINUTES, then waitHealthy within HEALTHY_MINUTES", () => {
    expect(e2eConfig.test?.hookTimeout).toBe(HOOK_MINUTES * 60_000);
    expect(HOOK_MINUTES).toBeGreaterThanOrEqual(INSTALL_MINUTES + HEALTHY_MINUTES + 10);
    // install() ends the configuration Job's wait at its deadline (configJob.timeoutSeconds, 1800 s by default, and slack)
    expect(INSTALL_MINUTES * 60).toBeGreaterThan((validateSpec({}).spec as any).configJob.timeoutSeconds);
    const cluster = read("test/e2e/cluster.ts");
    expect(cluster).toMatch(/const deadline = Date\.now\(\) \+ INSTALL_MINUTES \* 60_000;/);
    expect(cluster).toMatch(/--timeout \$\{`\$\{left\}s`\}/);
    for (const f of ["test/e2e/harbor.e2e.ts", "test/e2e/node-mirror.e2e.ts", "test/e2e/drill.e2e.ts"]) {
      const beforeAll = /^beforeAll\(async \(\) => \{\n([\s\S]*?)^\}/m.exec(read(f))?.[1] ?? "";
      expect(beforeAll, f).toMatch(/await install\(/);
      expect(beforeAll, f).toContain("await waitHealthy(HEALTHY_MINUTES * 60_000);");
    }
  });

  it("the one-node kind job: ct install and the e2e step are bounded, with 25 minutes left for setup and logs", () => {
    const job = workflow.jobs.kind;
    const ct = job.steps.find((s: any) => /ct install/.test(s.run ?? ""));
    const { step } = e2e("kind");
    expect(ct["timeout-minutes"]).toBeGreaterThanOrEqual(20); // .github/ct.yaml's helm --timeout 900s, and ct's waiting
    expect((yaml.load(read(".github/ct.yaml")) as any)["helm-extra-args"]).toBe("--timeout 900s");
    expect(step["timeout-minutes"]).toBeGreaterThanOrEqual(90);
    expect(job["timeout-minutes"] - ct["timeout-minutes"] - step["timeout-minutes"]).toBeGreaterThanOrEqual(25);
  });

  it("the one-node job runs kind v0.26.0 (containerd 1.7), the drill kind v0.31.0 (containerd 2.2) with kubectl of its Kubernetes", () => {
    expect(kindAction("kind").version).toBe("v0.26.0");
    expect(kindAction("kind-drill")).toMatchObject({ version: "v0.31.0", kubectl_version: "v1.35.0" });
    // docs/testing.md says which and why
    const doc = read("docs/testing.md").replace(/\s+/g, " ");
    expect(doc).toContain(
      `The one-node job pins kind ${kindAction("kind").version} (containerd 1.7.24) and the drill job kind ${kindAction("kind-drill").version} (kindest/node v1.35.0, containerd 2.2.0`,
    );
    // both kind configs patch the registry under the version-2 CRI plugin name: containerd 2 migrates it
    for (const f of ["test/e2e/kind-config.yaml", "test/e2e/kind-config-3nodes.yaml"]) {
      expect((yaml.load(read(f)) as any).containerdConfigPatches, f).toEqual([
        '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"',
      ]);
    }
  });

  it("the drill asks for the three-node config itself, and the two jobs together run every scenario file once", () => {
    expect(read("test/e2e/drill.e2e.ts")).toMatch(/await ensureCluster\(THREE_NODE_CONFIG\)/);
    expect(read("test/e2e/cluster.ts")).toContain(
      'export const THREE_NODE_CONFIG = path.join(ROOT, "test", "e2e", "kind-config-3nodes.yaml");',
    );
    const one = e2e("kind").files;
    const drill = e2e("kind-drill").files;
    expect(one).not.toContain("test/e2e/drill.e2e.ts");
    for (const f of [...one, ...drill]) expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
    expect([...one, ...drill].sort()).toEqual(scenarioFiles());
    // and run.ts hands them to vitest as they are
    expect(vitestArgs(drill)).toEqual([
      "node_modules/vitest/vitest.mjs",
      "run",
      "--config",
      "vitest.e2e.config.ts",
      "test/e2e/drill.e2e.ts",
    ]);
  });
});

describe("test/e2e/run.ts arguments", () => {
  const files = ["test/e2e/a.e2e.ts", "test/e2e/drill.e2e.ts"];
  it("none: every scenario; a file or a part of its path: those; a lone -- is ignored", () => {
    expect(vitestArgs([], files).slice(4)).toEqual([]);
    expect(vitestArgs(["--", "drill"], files).slice(4)).toEqual(["drill"]);
    expect(vitestArgs(["./test/e2e/drill.e2e.ts"], files).slice(4)).toEqual(["test/e2e/drill.e2e.ts"]);
  });

  it("refuses an argument that names no scenario file, or an option, naming it", () => {
    expect(() => vitestArgs(["nosuch"], files)).toThrow(
      /"nosuch" names no scenario file; the files are test\/e2e\/a\.e2e\.ts, test\/e2e\/drill\.e2e\.ts/,
    );
    expect(() => vitestArgs(["--reporter=dot"], files)).toThrow(/"--reporter=dot" names no scenario file/);
  });

  it("npm run test:e2e -- nosuch exits 2 before anything runs, saying why", () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "test/e2e/run.ts"), "nosuch"],
      { encoding: "utf8", cwd: ROOT },
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^npm run test:e2e: "nosuch" names no scenario file/);
  });
});

describe(".github/workflows/ci.yaml release job", () => {
  const job = workflow.jobs.release;
  const runs = () => job.steps.map((s: any) => s.run ?? "").join("\n");

  it("the offline suite has docker-registry, so the OCI round trip runs there", () => {
    expect(workflow.jobs.offline.steps.map((s: any) => s.run ?? "").join("\n")).toMatch(/apt-get install [^\n]*docker-registry/);
  });

  it("runs on v* tags only, after the other jobs, allowed to write packages", () => {
    expect(workflow.on.push.tags).toEqual(["v*"]);
    expect(job.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(job.needs).toEqual(expect.arrayContaining(["offline", "lint"]));
    expect(job.permissions).toEqual({ contents: "read", packages: "write" });
  });

  it("checks the tag against package.json's version, packages the chart with the upstream chart from the cache, and builds the pack", () => {
    const steps = runs();
    expect(steps).toContain("helm pull harbor --repo https://helm.goharbor.io --version 1.19.1 -d ~/.cache/harbor-edge/charts");
    expect(steps).toMatch(/require\("\.\/package\.json"\)\.version[\s\S]*"\$GITHUB_REF_NAME" != "v\$version"[\s\S]*exit 1/);
    expect(steps).toContain("npm run chart:package -- dist");
    expect(steps).toContain("npx harbor-edge pack examples/edge-single-node.yaml -o dist/pack");
    expect(JSON.parse(read("package.json")).scripts["chart:package"]).toMatch(/generator\/scripts\/package-chart\.ts/);
  });

  it("pushes the chart, the Artifact Hub metadata and the pack to the OCI registry; the token only through the environment", () => {
    const steps = runs();
    expect(steps).toContain('helm push "dist/harbor-edge-native-config-$VERSION.tgz" "oci://$CHARTS"');
    expect(steps).toMatch(
      /oras push "\$CHARTS\/harbor-edge-native-config:artifacthub\.io" --config \/dev\/null:application\/vnd\.cncf\.artifacthub\.config\.v1\+yaml artifacthub-repo\.yml:application\/vnd\.cncf\.artifacthub\.repository-metadata\.layer\.v1\.yaml/,
    );
    // Palette reads an OCI pack registry at <base>/spectro-packs/archive/<name>:<version>
    expect(steps).toContain('oras push "$PACKS/spectro-packs/archive/harbor-edge-native-config:$VERSION"');
    expect(steps).not.toMatch(/oras push "\$PACKS\/harbor-edge-native-config:/);
    expect(steps).not.toMatch(/\$\{\{\s*secrets\./);
    const login = job.steps.find((s: any) => /registry login/.test(s.run ?? ""));
    expect(login.env.TOKEN).toBe("${{ secrets.GITHUB_TOKEN }}");
    expect(job.steps.find((s: any) => String(s.uses).startsWith("oras-project/setup-oras"))).toBeDefined();
  });

  it("artifacthub-repo.yml is Artifact Hub repository metadata (only its keys)", () => {
    const meta = yaml.load(read("artifacthub-repo.yml")) as Record<string, unknown>;
    expect(meta && typeof meta === "object").toBe(true);
    for (const k of Object.keys(meta)) expect(["repositoryID", "owners", "ignore"]).toContain(k);
    expect(Array.isArray(meta.owners)).toBe(true);
  });
});

describe(".github/ct.yaml", () => {
  const ct = yaml.load(read(".github/ct.yaml")) as Record<string, any>;
  // chart-testing's configuration keys (ct lint --help / ct install --help)
  const KNOWN = [
    "remote",
    "target-branch",
    "since",
    "build-id",
    "lint-conf",
    "chart-yaml-schema",
    "validate-maintainers",
    "validate-chart-schema",
    "validate-yaml",
    "check-version-increment",
    "all",
    "charts",
    "chart-repos",
    "helm-repo-extra-args",
    "helm-dependency-extra-args",
    "helm-extra-args",
    "helm-lint-extra-args",
    "helm-extra-set-args",
    "chart-dirs",
    "excluded-charts",
    "print-logs",
    "namespace",
    "release-label",
    "upgrade",
    "skip-missing-values",
    "skip-clean-up",
    "additional-commands",
    "debug",
    "exclude-deprecated",
    "github-groups",
    "use-helmignore",
    "kubectl-timeout",
  ];

  it("uses only chart-testing's keys", () => {
    expect(Object.keys(ct).filter((k) => !KNOWN.includes(k))).toEqual([]);
  });

  it("points at chart/ and at the repository of its harbor dependency", () => {
    for (const c of ct.charts) expect(fs.existsSync(path.join(ROOT, c, "Chart.yaml")), c).toBe(true);
    const chart = yaml.load(fs.readFileSync(path.join(CHART_DIR, "Chart.yaml"), "utf8")) as any;
    for (const dep of chart.dependencies) expect(ct["chart-repos"]).toContain(`${dep.name}=${dep.repository}`);
  });

  it("installs values that the chart accepts: chart/ci/*-values.yaml", () => {
    const files = fs.readdirSync(path.join(CHART_DIR, "ci")).filter((f) => f.endsWith("-values.yaml"));
    expect(files.length).toBeGreaterThan(0);
    const validate = newAjv().compile(chartValuesSchema());
    for (const f of files) {
      const v = yaml.load(fs.readFileSync(path.join(CHART_DIR, "ci", f), "utf8")) as any;
      expect(validate(v), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(validateSpec(v["harbor-config"]).ok).toBe(true);
      // a bare kind cluster has no load balancer: ct's helm --wait would wait for an address forever
      expect(v["harbor-config"].service.serviceType, f).not.toBe("LoadBalancer");
    }
  });
});

describe("test/e2e/kind-config*.yaml", () => {
  const schema = {
    type: "object",
    required: ["kind", "apiVersion", "nodes"],
    properties: {
      kind: { const: "Cluster" },
      apiVersion: { const: "kind.x-k8s.io/v1alpha4" },
      name: { type: "string", pattern: "^[a-z0-9][-a-z0-9]*$" },
      nodes: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          additionalProperties: false,
          required: ["role"],
          properties: {
            role: { enum: ["control-plane", "worker"] },
            image: { type: "string" },
            extraPortMappings: {
              type: "array",
              items: {
                type: "object",
                additionalProperties: false,
                required: ["containerPort", "hostPort"],
                properties: {
                  containerPort: { type: "integer" },
                  hostPort: { type: "integer" },
                  listenAddress: { type: "string" },
                  protocol: { enum: ["TCP", "UDP", "SCTP"] },
                },
              },
            },
          },
        },
      },
    },
  };
  const validate = newAjv().compile(schema);
  const defaults = validateSpec({}).spec as any;

  for (const [file, nodes] of [
    ["test/e2e/kind-config.yaml", 1],
    ["test/e2e/kind-config-3nodes.yaml", 3],
  ] as const) {
    it(`${file}: a kind Cluster of ${nodes} node(s) mapping Harbor's https node port to the host`, () => {
      const c = yaml.load(read(file)) as any;
      expect(validate(c), JSON.stringify(validate.errors)).toBe(true);
      expect(c.nodes).toHaveLength(nodes);
      expect(c.nodes.filter((n: any) => n.role === "control-plane")).toHaveLength(1);
      const ports = c.nodes.flatMap((n: any) => n.extraPortMappings ?? []);
      expect(ports).toContainEqual(
        expect.objectContaining({
          containerPort: defaults.service.harbor.https.nodePort,
          hostPort: defaults.service.harbor.https.nodePort,
        }),
      );
    });
  }
});

it("npm run test:e2e without Docker or kind says so in one line and runs nothing", () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "no-docker-"));
  fs.symlinkSync(process.execPath, path.join(bin, "node"));
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "test/e2e/run.ts")], {
    encoding: "utf8",
    env: { PATH: bin, HOME: os.homedir() },
    cwd: ROOT,
  });
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split("\n")).toHaveLength(1);
  expect(r.stdout).toMatch(/^e2e \(kind\) tier: NOT RUN — it needs a running Docker engine and kind/);
});
