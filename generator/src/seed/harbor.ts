// Harbor specifics before a push: the project must exist (Harbor creates repositories, not projects, on push),
// and must not be a proxy-cache project (Harbor refuses pushes to those). Read through Harbor's API; a
// registry without Harbor's API (plain distribution) is taken as it is.
import { request } from "../io/http.js";
import type { Registry } from "../registry/distribution.js";

export async function checkProject(reg: Registry, project: string, o: { username: string; password: string; ca?: string }): Promise<void> {
  reg.requests++;
  const r = await request({
    method: "GET",
    url: `${reg.base}/api/v2.0/projects/${encodeURIComponent(project)}`,
    headers: {
      accept: "application/json",
      "x-is-resource-name": "true",
      authorization: `Basic ${Buffer.from(`${o.username}:${o.password}`).toString("base64")}`,
    },
    ca: o.ca,
    timeoutMs: 30_000,
  }).catch((e: Error) => {
    throw new Error(`cannot reach Harbor at ${reg.base}: ${e.message}`);
  });
  let body: any;
  try {
    body = JSON.parse(r.body.toString("utf8"));
  } catch {
    return; // not Harbor's API: a plain registry
  }
  if (r.status === 200) {
    if (Number(body.registry_id ?? 0) > 0)
      throw new Error(`${project} is a proxy-cache project: Harbor refuses pushes to it; seed into spectro-images`);
    return;
  }
  if (r.status === 404)
    throw new Error(
      `Harbor has no project ${project}: the chart's configuration Job creates spectro-images (harbor-config.projects); run it, or create the project`,
    );
  if (r.status === 401) throw new Error(`Harbor refuses the credentials of ${o.username} (HTTP 401)`);
  if (r.status === 403) throw new Error(`${o.username} may not read project ${project} (HTTP 403)`);
  throw new Error(`Harbor answered HTTP ${r.status} for project ${project}`);
}
