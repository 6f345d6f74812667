// Text from the cluster (a ConfigMap, an Event, an image name) printed to a terminal: control characters, terminal
// escapes (ESC, 8-bit CSI) and bidirectional overrides shown as \xNN / \u{NNNN}, never acted on. Pure.

/** C0 and C1 controls, DEL, and the Unicode bidi and line/paragraph separators a terminal or a log viewer obeys. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** s with every control character replaced by a visible escape (a newline too: one value stays on one line). */
export function printable(s: unknown): string {
  return String(s ?? "").replace(UNPRINTABLE, (c) => {
    const n = c.codePointAt(0)!;
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
  });
}
