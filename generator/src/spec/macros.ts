// Palette macros such as {{.spectro.system.cluster.uid}} are resolved by Palette when the pack is deployed.
// validate accepts them where a value is expected and the generator passes them through untouched.

const MACRO = /\{\{\s*\.spectro\.[^{}]*\}\}/;

export function isMacro(value: unknown): boolean {
  return typeof value === "string" && MACRO.test(value);
}

/** JSON pointers of every string in the tree that carries a Palette macro. */
export function macroPointers(value: unknown, pointer = ""): string[] {
  if (isMacro(value)) return [pointer];
  if (Array.isArray(value)) return value.flatMap((v, i) => macroPointers(v, `${pointer}/${i}`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => macroPointers(v, `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`));
  }
  return [];
}

/**
 * A copy of the tree without the values that carry a Palette macro, for rendering where Palette has not
 * resolved them (the image list does not depend on them). Validating the copy fills in the defaults.
 */
export function withoutMacros<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => !isMacro(v)).map(withoutMacros) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => !isMacro(v))
        .map(([k, v]) => [k, withoutMacros(v)]),
    ) as T;
  }
  return value;
}
