// Waiting in tests: poll a check until it gives a value, or fail naming what was awaited (and, when asked,
// what was seen by then).
export interface WaitOptions {
  /** give up after this long (default 30 s) */
  ms?: number;
  /** between checks (default 100 ms) */
  everyMs?: number;
  /** appended to the timeout's message: what the test saw */
  diagnose?: () => string;
}

export async function waitFor<R>(
  what: string,
  check: () => R | undefined | null | false | Promise<R | undefined | null | false>,
  o: WaitOptions = {},
): Promise<R> {
  const end = Date.now() + (o.ms ?? 30_000);
  for (;;) {
    const r = await check();
    if (r) return r;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${o.diagnose ? `\n${o.diagnose()}` : ""}`);
    await new Promise((res) => setTimeout(res, o.everyMs ?? 100));
  }
}
