// How old a report may be (status --max-age): the pure parts of generator/src/status/age.ts.
import { describe, it, expect } from "vitest";
import { parseMaxAge, formatAge, staleness } from "../../generator/src/status/age.js";
import { FUTURE_SKEW_MS } from "../../generator/src/common/clock.js";

const NOW = Date.parse("2026-12-07T12:00:00Z");
const H = 3_600_000;

describe("status --max-age", () => {
  it.each([
    ["45s", 45_000],
    ["90m", 90 * 60_000],
    ["3h", 3 * H],
    ["2d", 48 * H],
    [" 3h ", 3 * H],
    ["0", 0],
    ["366d", 366 * 24 * H],
  ])("%s is %d ms", (v, ms) => expect(parseMaxAge(v)).toBe(ms));

  it.each(["", "3", "0h", "-1h", "1.5h", "3 hours", "3H", "367d", "9999999h", "1e3s"])("%j is refused with the accepted forms", (v) => {
    expect(() => parseMaxAge(v)).toThrow("expected a duration such as 90m, 3h or 2d (at most 366d), or 0 for no limit");
  });

  it.each([
    [0, "0s"],
    [59_999, "59s"],
    [60_000, "1m"],
    [5 * H + 10 * 60_000, "5h 10m"],
    [5 * H, "5h"],
    [50 * H, "2d 2h"],
    [48 * H + 59 * 60_000, "2d"],
  ])("%d ms reads %s", (ms, text) => expect(formatAge(ms)).toBe(text));

  it("fresh up to the limit, stale past it, saying how old", () => {
    expect(staleness("2026-12-07T09:00:00Z", NOW, 3 * H)).toBeUndefined();
    expect(staleness("2026-12-07T08:59:59Z", NOW, 3 * H)).toBe(
      "the report is 3h old (more than --max-age 3h): is the report CronJob running?",
    );
    expect(staleness("2026-12-05T10:00:00Z", NOW, 3 * H, "3h")).toBe(
      "the report is 2d 2h old (more than --max-age 3h): is the report CronJob running?",
    );
    // offsets and fractions as ISO 8601 writes them
    expect(staleness("2026-12-07T10:00:00.250+01:00", NOW, 3 * H)).toBeUndefined();
  });

  it("no limit: never stale, whatever the time says", () => {
    for (const t of ["", "garbage", "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z"]) expect(staleness(t, NOW, 0)).toBeUndefined();
  });

  it("a time that does not parse, or lies in the future beyond the skew allowed, is stale: it says nothing of when the report ran", () => {
    for (const t of ["", "t", "yesterday", "2026-12-07", "2026-13-45T99:00:00Z", "1733572800"])
      expect(staleness(t, NOW, 3 * H), t).toBe("the report's time is unknown: is the report CronJob running?");
    expect(staleness(new Date(NOW + FUTURE_SKEW_MS).toISOString(), NOW, 3 * H)).toBeUndefined();
    expect(staleness("2026-12-07T13:00:00Z", NOW, 3 * H)).toBe("the report is dated 1h ahead of this machine's clock");
  });
});
