// mapLimit (io/pool.ts): the bounded pool the node check (images) and the fleet view (clusters) share.
import { describe, it, expect } from "vitest";
import { mapLimit } from "../../generator/src/io/pool.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("mapLimit", () => {
  it("runs at most limit at a time, every item once, results in the items' order", async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const r = await mapLimit(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (x) => {
        seen.push(x);
        most = Math.max(most, ++running);
        await sleep((x * 7) % 5);
        running--;
        return x * 2;
      },
    );
    expect(most).toBe(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(r).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it("onResult: each result once, in order, as soon as every one before it is in (a slow first item holds back the rest, not the other way round)", async () => {
    const events: string[] = [];
    await mapLimit(
      ["slow", "a", "b"],
      3,
      async (x) => {
        await sleep(x === "slow" ? 30 : 1);
        events.push(`done ${x}`);
        return x;
      },
      (r, i) => events.push(`emit ${i} ${r}`),
    );
    expect(events).toEqual(["done a", "done b", "done slow", "emit 0 slow", "emit 1 a", "emit 2 b"]);
  });

  it("no items: no call; a limit below 1 or fractional still makes progress", async () => {
    expect(
      await mapLimit([], 4, async () => {
        throw new Error("called");
      }),
    ).toEqual([]);
    expect(await mapLimit([1, 2], 0, async (x) => x + 1)).toEqual([2, 3]);
    expect(await mapLimit([1, 2], 0.5, async (x) => x + 1)).toEqual([2, 3]);
  });
});
