// Progress in bytes on a terminal: one line on stderr, redrawn at most ten times a second, only when stderr is a
// TTY (never in a pipe, a log or a test); cleared before other output. Pure formatting in progressLine.
export const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export function progressLine(phase: string, done: number, total?: number, startedMs?: number, nowMs = Date.now()): string {
  const rate = startedMs !== undefined && nowMs > startedMs ? ` ${mib((done * 1000) / (nowMs - startedMs))}/s` : "";
  return `${phase}: ${mib(done)}${total ? ` of ${mib(total)} (${Math.floor((100 * done) / total)}%)` : ""}${rate}`;
}

export interface Progress {
  update(phase: string, done: number, total?: number): void;
  clear(): void;
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => undefined, clear: () => undefined };
  let last = 0;
  let shown = false;
  let phase = "";
  let started = Date.now();
  return {
    update(p, done, total) {
      const now = Date.now();
      if (p !== phase) {
        phase = p;
        started = now;
      } else if (now - last < 100) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[K${progressLine(p, done, total, started, now)}`);
    },
    clear() {
      if (shown) stream.write("\r\x1b[K");
      shown = false;
    },
  };
}
