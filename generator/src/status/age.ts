// How old a report may be before `harbor-edge status` (one cluster or the fleet view) calls it stale: a report
// that stopped running (a failed CronJob, a suspended one, a namespace without quota left) keeps its last
// "42 of 42 held" forever, and an operator deciding whether a site survives an outage must not read that as
// today's. --max-age DURATION (default 3h: three missed runs of the default hourly schedule; 0 turns it off).
// Pure: the clock is an argument.

import { FUTURE_SKEW_MS } from "../common/clock.js";

export const DEFAULT_MAX_AGE = "3h";
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_MS = 366 * UNIT_MS.d;

/** A --max-age as given and in milliseconds. */
export interface MaxAge {
  text: string;
  ms: number;
}

/** "90m", "3h", "2d", "45s" → milliseconds; "0" → 0 (no limit). Throws with the accepted forms on anything else. */
export function parseMaxAge(value: string): number {
  const v = value.trim();
  if (v === "0") return 0;
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(v);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (!(ms > 0) || ms > MAX_MS) throw new Error("expected a duration such as 90m, 3h or 2d (at most 366d), or 0 for no limit");
  return ms;
}

/** 45s, 12m, 5h 10m, 2d 3h: the two largest units. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  if (m) return `${m}m`;
  return `${s}s`;
}

/**
 * Why a report written at `updated` (ISO 8601, the report's key `updated`) is stale at `now`, or undefined when it
 * is fresh or maxAgeMs is 0. A time that does not parse, or lies further in the future than FUTURE_SKEW_MS, is
 * stale too: neither says when the report last ran.
 */
export function staleness(updated: string, now: number, maxAgeMs: number, maxAgeText = formatAge(maxAgeMs)): string | undefined {
  if (!maxAgeMs) return undefined;
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(updated) ? Date.parse(updated) : Number.NaN;
  if (!Number.isFinite(at)) return "the report's time is unknown: is the report CronJob running?";
  if (at - now > FUTURE_SKEW_MS) return `the report is dated ${formatAge(at - now)} ahead of this machine's clock`;
  const age = now - at;
  return age > maxAgeMs
    ? `the report is ${formatAge(age)} old (more than --max-age ${maxAgeText}): is the report CronJob running?`
    : undefined;
}
