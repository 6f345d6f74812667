// A URL given as an option or environment variable (--harbor, HARBOR_URL), checked: the problem names the option
// and shows an example, where `new URL` says only "Invalid URL". Pure, no imports.

export const URL_EXAMPLE = "https://10.10.1.5:30003";

/** Why value is not an http(s) URL, worded for people; undefined when it is one. */
export function urlOptionProblem(option: string, value: string, example = URL_EXAMPLE): string | undefined {
  let u: URL | undefined;
  try {
    u = new URL(value);
  } catch {
    u = undefined;
  }
  if (u && (u.protocol === "https:" || u.protocol === "http:") && u.hostname) return undefined;
  // 127.0.0.1:1 and harbor.local:30003 lack the scheme (the second even parses, as a URL of scheme harbor.local:)
  const noScheme = !/^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  const shown = JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
  return `${option}: expected an http:// or https:// URL, e.g. ${option.startsWith("-") ? `${option} ` : `${option}=`}${example}; given ${shown}${noScheme ? " (no scheme: add https://)" : ""}`;
}
