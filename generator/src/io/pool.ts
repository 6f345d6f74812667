// A bounded pool: fn over every item, at most `limit` at a time, results in the items' order whatever order they
// finish in. onResult gets each result as soon as it and every one before it are in (lines printed in order
// without waiting for the slowest). fn must not throw (a throw rejects the whole run): callers turn failures
// into results.

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  onResult?: (r: R, index: number) => void,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const done: boolean[] = new Array(items.length).fill(false);
  let next = 0;
  let emitted = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
      done[i] = true;
      for (; emitted < items.length && done[emitted]; emitted++) onResult?.(results[emitted], emitted);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(limit) || 1, items.length)) }, worker));
  return results;
}
