// The real-cluster tier cannot run here (no Docker, no Kubernetes API); its files are checked statically so
// they cannot rot unnoticed: the GitHub workflow (action-validator and pinned actions), chart-testing's config,
// the kind configs, and the values ct installs.
import { describe, it, expect } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import yaml from "js-yaml";
import { ROOT, CHART_DIR } from "../generator/src/paths.js";
import { newAjv } from "../generator/src/spec/schema.js";
import { chartValuesSchema } from "../generator/src/codegen/values-schema.js";
import { validateSpec } from "../generator/src/spec/validate.js";

const read = (p: string) => fs.readFileSync(path.join(ROOT, p), "utf8");
const workflow = yaml.load(read(".github/workflows/ci.yaml")) as any;

describe(".github/workflows/ci.yaml", () => {
  it("passes action-validator", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/@action-validator/cli/cli.mjs"), path.join(ROOT, ".github/workflows/ci.yaml")], { encoding: "utf8" });
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
    expect(runs("lint")).toMatch(/ct lint --config ci\/ct.yaml/);
    expect(runs("kind")).toMatch(/ct install --config ci\/ct.yaml/);
    expect(runs("kind")).toContain("npm run test:e2e");
    expect(workflow.jobs.kind.steps.find((s: any) => String(s.uses).startsWith("helm/kind-action")).with.config).toBe("ci/kind-config.yaml");
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
    expect(steps).toMatch(/oras push "\$CHARTS\/harbor-edge-native-config:artifacthub\.io" --config \/dev\/null:application\/vnd\.cncf\.artifacthub\.config\.v1\+yaml artifacthub-repo\.yml:application\/vnd\.cncf\.artifacthub\.repository-metadata\.layer\.v1\.yaml/);
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

describe("ci/ct.yaml", () => {
  const ct = yaml.load(read("ci/ct.yaml")) as Record<string, any>;
  // chart-testing's configuration keys (ct lint --help / ct install --help)
  const KNOWN = ["remote", "target-branch", "since", "build-id", "lint-conf", "chart-yaml-schema", "validate-maintainers", "validate-chart-schema", "validate-yaml", "check-version-increment", "all", "charts", "chart-repos", "helm-repo-extra-args", "helm-dependency-extra-args", "helm-extra-args", "helm-lint-extra-args", "helm-extra-set-args", "chart-dirs", "excluded-charts", "print-logs", "namespace", "release-label", "upgrade", "skip-missing-values", "skip-clean-up", "additional-commands", "debug", "exclude-deprecated", "github-groups", "use-helmignore", "kubectl-timeout"];

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

describe("ci/kind-config*.yaml", () => {
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
            extraPortMappings: { type: "array", items: { type: "object", additionalProperties: false, required: ["containerPort", "hostPort"], properties: { containerPort: { type: "integer" }, hostPort: { type: "integer" }, listenAddress: { type: "string" }, protocol: { enum: ["TCP", "UDP", "SCTP"] } } } },
          },
        },
      },
    },
  };
  const validate = newAjv().compile(schema);
  const defaults = validateSpec({}).spec as any;

  for (const [file, nodes] of [["ci/kind-config.yaml", 1], ["ci/kind-config-3nodes.yaml", 3]] as const) {
    it(`${file}: a kind Cluster of ${nodes} node(s) mapping Harbor's https node port to the host`, () => {
      const c = yaml.load(read(file)) as any;
      expect(validate(c), JSON.stringify(validate.errors)).toBe(true);
      expect(c.nodes).toHaveLength(nodes);
      expect(c.nodes.filter((n: any) => n.role === "control-plane")).toHaveLength(1);
      const ports = c.nodes.flatMap((n: any) => n.extraPortMappings ?? []);
      expect(ports).toContainEqual(expect.objectContaining({ containerPort: defaults.service.harbor.https.nodePort, hostPort: defaults.service.harbor.https.nodePort }));
    });
  }
});

it("npm run test:e2e without Docker or kind says so in one line and runs nothing", () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "no-docker-"));
  fs.symlinkSync(process.execPath, path.join(bin, "node"));
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "test/e2e/run.ts")], { encoding: "utf8", env: { PATH: bin, HOME: os.homedir() }, cwd: ROOT });
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split("\n")).toHaveLength(1);
  expect(r.stdout).toMatch(/^e2e \(kind\) tier: NOT RUN — it needs a running Docker engine and kind/);
});
