// The token realm Harbor 2.15.1 sends a client that pulls without credentials (WWW-Authenticate: Bearer
// realm=...), as src/server/middleware/v2auth/auth.go tokenSvcURL() builds it: the internal core URL when the
// request came to it; otherwise the scheme of externalURL (config.ExtEndpoint()) with the Host header of the
// request, and externalURL itself only when the request had no Host. Upstream's nginx passes the client's
// Host header through for /v2/ and /service/ (proxy_set_header Host $http_host), so a node that dialed
// https://10.0.0.5:30003 is sent to https://10.0.0.5:30003/service/token: the address it already reached,
// never externalURL's host name. Pure; for the per-node check and the tests that pin this down.
export function tokenRealm(externalURL: string, requestHost: string, internalCoreURL = "http://harbor-core:80"): string {
  const token = (ep: string) => `${ep.replace(/\/+$/, "")}/service/token`;
  if (sameHost(requestHost, internalCoreURL)) return token(internalCoreURL);
  if (requestHost) {
    const parts = externalURL.split("://");
    return token(parts.length > 1 ? `${parts[0]}://${requestHost}` : requestHost);
  }
  return token(externalURL);
}

/** auth.go match(): the request's host equals the URL's host, default ports ignored. */
function sameHost(requestHost: string, rawURL: string): boolean {
  let u: URL;
  try {
    u = new URL(rawURL);
  } catch {
    return false;
  }
  let host = requestHost;
  if (u.protocol === "http:" && host.endsWith(":80")) host = host.slice(0, -3);
  if (u.protocol === "https:" && host.endsWith(":443")) host = host.slice(0, -4);
  return host === u.host; // URL drops a default port from host, as match() does
}
