// The images a render pulls: every container and init container of every pod template, read from the
// rendered manifests (never a hand-kept list).
import yaml from "js-yaml";

export function imagesFromManifests(manifests: string): string[] {
  const images = new Set<string>();
  for (const doc of yaml.loadAll(manifests) as any[]) {
    if (!doc || typeof doc !== "object") continue;
    const pod = doc.kind === "Pod" ? doc.spec : (doc.spec?.template?.spec ?? doc.spec?.jobTemplate?.spec?.template?.spec);
    if (!pod) continue;
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) if (c?.image) images.add(String(c.image));
  }
  return [...images].sort();
}
