// seed's progress in bytes: one redrawn line on a terminal's stderr, nothing in a pipe or a log.
import { describe, it, expect, vi } from "vitest";
import { progressLine, terminalProgress } from "../../generator/src/seed/progress.js";

const fakeStream = (isTTY: boolean) => {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream, writes };
};

describe("seed progress", () => {
  it("says the phase, the bytes done of the total with a percentage, and the rate", () => {
    expect(progressLine("uploading", 3 * 1048576, 12 * 1048576, 0, 2000)).toBe("uploading: 3.0 MiB of 12.0 MiB (25%) 1.5 MiB/s");
    expect(progressLine("unpacking bundle.tar.gz", 1048576)).toBe("unpacking bundle.tar.gz: 1.0 MiB");
  });

  it("on a terminal: one line redrawn in place, at most ten times a second, cleared before other output", () => {
    vi.useFakeTimers();
    try {
      const { stream, writes } = fakeStream(true);
      const p = terminalProgress(stream);
      p.update("checking the bundle", 1048576, 4 * 1048576);
      p.update("checking the bundle", 2 * 1048576, 4 * 1048576); // within 100 ms: not drawn
      vi.advanceTimersByTime(150);
      p.update("checking the bundle", 3 * 1048576, 4 * 1048576);
      expect(writes).toHaveLength(2);
      for (const w of writes) expect(w.startsWith("\r\x1b[K")).toBe(true);
      expect(writes[1]).toContain("3.0 MiB of 4.0 MiB (75%)");
      p.clear();
      expect(writes.at(-1)).toBe("\r\x1b[K");
    } finally {
      vi.useRealTimers();
    }
  });

  it("in a pipe or a log: nothing", () => {
    const { stream, writes } = fakeStream(false);
    const p = terminalProgress(stream);
    p.update("uploading", 1, 2);
    p.clear();
    expect(writes).toEqual([]);
  });
});
