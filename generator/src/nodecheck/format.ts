// A NodeResult as the lines `harbor-edge node-check` prints (and a log may carry): "ok IMAGE via URL",
// "FAIL IMAGE: KIND: detail", a "FAIL node NODE: ..." line first when the whole node fails, and the summary
// "N of M images can be pulled from Harbor on NODE (PLATFORM)". Every value made printable. Pure.
import { printable } from "../io/printable.js";
import type { NodeResult } from "./types.js";

export function nodeResultLines(r: NodeResult): string[] {
  const lines: string[] = [];
  if (r.nodeFailure) lines.push(`FAIL node ${printable(r.node)}: ${r.nodeFailure.kind}: ${printable(r.nodeFailure.detail)}`);
  for (const i of r.images) {
    if (i.ok) lines.push(`ok ${printable(i.image)} via ${printable(i.via)}${i.note ? ` (${printable(i.note)})` : ""}`);
    else lines.push(`FAIL ${printable(i.image)}: ${i.failure?.kind ?? "error"}: ${printable(i.failure?.detail ?? "no detail")}`);
  }
  lines.push(nodeSummary(r));
  return lines;
}

export function nodeSummary(r: NodeResult): string {
  return `${r.images.filter((i) => i.ok).length} of ${r.images.length} images can be pulled from Harbor on ${printable(r.node)} (${printable(r.platform)})`;
}
