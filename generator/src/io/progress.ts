// Progress for long steps: shown on a terminal (stderr), silent otherwise.
export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => {};
  const frames = ["|", "/", "-", "\\"];
  let i = 0;
  const started = Date.now();
  const timer = setInterval(() => stream.write(`\r${frames[i++ % frames.length]} ${label}...`), 120);
  return () => {
    clearInterval(timer);
    stream.write(`\r${label}: done in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  };
}
