// Harbor 2.15.1 builds an anonymous client's token realm from the request's Host header (auth.go
// tokenSvcURL: externalURL only lends the scheme), so a node is sent back to the address it dialed, not to
// externalURL's host name (spectro.registry.local), which it may not resolve. That holds only while
// upstream's nginx passes the client's Host through (with its port) for /v2/ and /service/: this test pins
// the rendered nginx configuration, so an upstream chart that changed it fails here, not during an outage.
import { describe, it, expect } from "vitest";
import { HELMS, render, UPSTREAM } from "../helpers/chart.js";
import { tokenRealm } from "../../generator/src/harbor/realm.js";

describe("tokenRealm (Harbor 2.15.1 tokenSvcURL)", () => {
  it("follows the Host the node dialed, with externalURL's scheme", () => {
    expect(tokenRealm("https://spectro.registry.local:30003", "10.0.0.5:30003")).toBe("https://10.0.0.5:30003/service/token");
    expect(tokenRealm("https://spectro.registry.local", "[fd00::5]:30003")).toBe("https://[fd00::5]:30003/service/token");
  });
  it("externalURL only without a Host; the internal core URL for requests to core", () => {
    expect(tokenRealm("https://spectro.registry.local:30003", "")).toBe("https://spectro.registry.local:30003/service/token");
    expect(tokenRealm("https://x", "harbor-core:80", "http://harbor-core:80")).toBe("http://harbor-core:80/service/token");
  });
});

describe.each(HELMS)("helm $version: upstream's nginx passes the node's Host (with its port) to core", (helm) => {
  it.skipIf(!UPSTREAM)("/v2/ and /service/ set Host $http_host, not $host (which drops the port)", () => {
    const r = render({ helm, full: true });
    expect(r.code, r.stderr).toBe(0);
    const cm = r.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "harbor-nginx")!;
    const conf: string = cm.data["nginx.conf"];
    for (const loc of ["/v2/", "/service/"]) {
      const start = conf.indexOf(`location ${loc} {`);
      expect(start, loc).toBeGreaterThan(0);
      const block = conf.slice(start, conf.indexOf("}", start));
      expect(block, loc).toContain("proxy_set_header Host $http_host;");
    }
  });
});
