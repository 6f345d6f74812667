// A line to standard output (results) or standard error (progress, warnings, problems), newline-terminated.
export function out(s: string) {
  process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);
}
export function err(s: string) {
  process.stderr.write(s.endsWith("\n") ? s : `${s}\n`);
}
