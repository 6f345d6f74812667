// The http port: upstream nginx answers http with `301 https://$host$request_uri` (no port), so a client
// lands on port 443 of the address it used. Every http entry point the Service opens must therefore have
// an https entry point on port 443 of the same address; else http is not exposed at all. The redirect is
// read from upstream's rendered nginx ConfigMap, so a change of upstream's redirect shows here.
import { describe, it, expect } from "vitest";
import { HELMS, UPSTREAM, announceUpstream, render, find, valuesFileForRaw } from "../helpers/chart.js";
import { NAMES } from "../../generator/src/common/names.js";

announceUpstream();

type Entry = { via: "service" | "node"; port: number; target: number };

/** Where a client can reach the Service: its service port (cluster IP, load-balancer address) and, unless ClusterIP, its node port. */
function entries(svc: any): Entry[] {
  const out: Entry[] = [];
  for (const p of svc.spec.ports) {
    out.push({ via: "service", port: p.port, target: p.targetPort });
    // Kubernetes opens a node port for every port of a NodePort or LoadBalancer Service, given or not
    if (svc.spec.type !== "ClusterIP") out.push({ via: "node", port: p.nodePort ?? -1, target: p.targetPort });
  }
  return out;
}

describe.skipIf(!UPSTREAM).each(HELMS)("helm $version", (helm) => {
  it.each([
    ["NodePort", {}],
    ["LoadBalancer", { cluster: { vip: "10.1.2.3" } }],
    ["ClusterIP", {}],
    ["ClusterIP", { service: { harbor: { https: { port: 8443 } } } }],
  ])("%s %j: every http entry point redirects to an https entry point", (type, extra: any) => {
    const raw = { ...extra, service: { ...(extra.service ?? {}), serviceType: type } };
    const r = render({ helm, full: true, valuesFiles: [valuesFileForRaw(raw)] });
    expect(r.stderr).toBe("");
    const conf: string = find(r.objects, "ConfigMap", "harbor-nginx")!.data["nginx.conf"];
    const http = /listen 8080;[\s\S]*?return 301 https:\/\/\$host(:\d+)?\$request_uri;/.exec(conf);
    expect(http, "upstream's http server block").not.toBeNull();
    const redirectPort = http![1] ? Number(http![1].slice(1)) : 443;
    const all = entries(find(r.objects, "Service", NAMES.service)!);
    const httpsAt = all.filter((e) => e.target === 8443);
    for (const e of all.filter((x) => x.target === 8080)) {
      expect(
        httpsAt.some((h) => h.via === e.via && h.port === redirectPort),
        `http on ${e.via} port ${e.port} redirects to port ${redirectPort}`,
      ).toBe(true);
    }
    expect(httpsAt.length).toBeGreaterThan(0);
  });

  it("a ClusterIP Service on https port 443 keeps http (its redirect lands on Harbor)", () => {
    const r = render({ helm, set: ["harbor-config.service.serviceType=ClusterIP", "harbor.externalURL=https://spectro.registry.local"] });
    const svc = find(r.objects, "Service", NAMES.service)!;
    expect(svc.spec.ports.map((p: any) => p.name).sort()).toEqual(["http", "https"]);
  });
});
