// Projects: each one harbor-config lists exists with the visibility it asks for; a proxy-cache project is a
// proxy cache of its registry endpoint, with proxy_cache_local_on_not_found as asked. Read first, written
// only when different. Names go into paths encoded, looked up as names (X-Is-Resource-Name), never searched.
import { harborMessage, seg } from "../harbor/api.js";
import { Fatal, call, type Run } from "./context.js";
import type { ProjectInput } from "./input.js";
import type { HarborConfig } from "../spec/harbor-config.js";
import { SPECTRO_PROJECT } from "../spec/mirrors.js";

export type ProjectResult = { ok: true; id: number } | { ok: false; error: string };

/** Harbor's metadata flags are strings "true"/"false"; a missing one is false (Harbor's default). */
const flag = (md: Record<string, unknown> | undefined, key: string) => String(md?.[key] ?? "false") === "true";

/** The metadata to change on an existing project (empty: none). Pure. */
export function projectChanges(
  have: Record<string, unknown> | undefined,
  want: { public: boolean; localOnNotFound?: boolean },
): Record<string, string> {
  const set: Record<string, string> = {};
  if (flag(have, "public") !== want.public) set.public = String(want.public);
  if (want.localOnNotFound !== undefined && flag(have, "proxy_cache_local_on_not_found") !== want.localOnNotFound)
    set.proxy_cache_local_on_not_found = String(want.localOnNotFound);
  return set;
}

/** A project present (or created) as asked. registryId: a proxy cache of that endpoint. */
export async function ensureProject(
  run: Run,
  name: string,
  isPublic: boolean,
  registryId?: number,
  retried = false,
): Promise<ProjectResult> {
  const path = `/projects/${seg(name)}`;
  const proxy = registryId !== undefined;
  const got = await call(run, "GET", path, { byName: true });
  if (got.status === 200) {
    const id = Number(got.json?.project_id);
    if (proxy && Number(got.json?.registry_id ?? 0) !== registryId)
      return {
        ok: false,
        error: `a project of that name exists that is not a proxy cache of registry endpoint ${registryId}; rename or delete it`,
      };
    const set = projectChanges(got.json?.metadata, { public: isPublic, ...(proxy ? { localOnNotFound: run.input.localOnNotFound } : {}) });
    if (Object.keys(set).length === 0) {
      run.say(`project ${name}: present, public=${isPublic}`);
    } else {
      const put = await call(run, "PUT", path, { byName: true, body: { metadata: set } });
      if (put.status !== 200)
        throw new Fatal(`could not update project ${name} (${JSON.stringify(set)}): HTTP ${put.status} ${harborMessage(put)}`);
      run.say(
        `project ${name}: set ${Object.entries(set)
          .map(([k, v]) => `${k}:${v}`)
          .join(",")}`,
      );
    }
    run.present.set(name, id);
    return { ok: true, id };
  }
  if (got.status !== 404 && got.status !== 403) throw new Fatal(`GET /projects/${name} answered HTTP ${got.status}`);
  const metadata: Record<string, string> = { public: String(isPublic) };
  if (proxy && run.input.localOnNotFound) metadata.proxy_cache_local_on_not_found = "true";
  const post = await call(run, "POST", "/projects", {
    body: { project_name: name, metadata, ...(proxy ? { registry_id: registryId } : {}) },
  });
  if (post.status === 201) {
    run.say(`project ${name}: created, public=${isPublic}`);
    const fromLocation = /\/(\d+)\s*$/.exec(String(post.headers.location ?? ""));
    let id = fromLocation ? Number(fromLocation[1]) : NaN;
    if (!Number.isInteger(id)) {
      const again = await call(run, "GET", path, { byName: true });
      id = Number(again.json?.project_id);
    }
    if (!Number.isInteger(id)) throw new Fatal(`project ${name}: cannot find its id`);
    run.present.set(name, id);
    return { ok: true, id };
  }
  if (post.status === 409) {
    // created meanwhile, or by a retried request whose answer was lost: look again, once
    if (retried) throw new Fatal(`project ${name}: Harbor says it exists but does not return it`);
    return ensureProject(run, name, isPublic, registryId, true);
  }
  if (post.status === 400 || post.status === 403 || post.status === 412)
    return { ok: false, error: `Harbor refused the project: HTTP ${post.status} ${harborMessage(post)}` };
  throw new Fatal(`could not create project ${name}: HTTP ${post.status} ${harborMessage(post)}`);
}

export async function ensureProjects(run: Run): Promise<void> {
  for (const p of run.input.projects) {
    const r = await ensureProject(run, p.name, p.public);
    if (!r.ok) throw new Fatal(`could not create project ${p.name}: ${r.error}`);
  }
}

/**
 * The projects configure ensures for a spec (the chart's harbor-edge.configure.projects, as HARBOR_PROJECTS):
 * projects as listed, except that with nodeMirror.spectroImages spectro-images is public (and ensured even
 * when not listed). Nodes pull anonymously (containerd sends no credentials to a mirror), so a private
 * spectro-images answers every node 401 and the node quietly moves on to the next host. Pure.
 */
export function configureProjects(spec: Pick<HarborConfig, "projects" | "nodeMirror">): ProjectInput[] {
  const spectro = spec.nodeMirror?.spectroImages === true;
  const out = (spec.projects ?? []).map((p) => ({ name: p.name, public: (spectro && p.name === SPECTRO_PROJECT) || p.public === true }));
  if (spectro && !out.some((p) => p.name === SPECTRO_PROJECT)) out.push({ name: SPECTRO_PROJECT, public: true });
  return out;
}
