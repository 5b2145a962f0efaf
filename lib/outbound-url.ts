/**
 * The rule for every URL Turnout stores and later puts in front of a person
 * or calls (an interview's join link, a webhook endpoint): an absolute
 * https: URL without credentials; plain http: only to a loopback address,
 * and only outside production (local development and tests).
 */

/**
 * A schema pattern for the same rule, minus the production switch: the OpenAPI
 * document states it. A host is required and credentials cannot appear (the
 * authority is a host and an optional port, nothing else). A host name's last
 * label starts with a letter, because a URL parser reads a host ending in a
 * number as an IPv4 address; IPv4 addresses are written out. No lookarounds,
 * so regex engines without them (Rust's, in OpenAPI tooling) can use it.
 */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const HOST_NAME = `(?:${LABEL}\\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?`;
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const PORT = '(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?';
const REST = '(?:[/?#][^\\s]*)?';
export const OUTBOUND_URL_PATTERN =
  `^(?:https://(?:${HOST_NAME}|${IPV4})|http://(?:localhost|127(?:\\.${OCTET}){3}|\\[::1\\]))${PORT}${REST}$`;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Why `value` may not be stored, or null when it may. */
export function outboundUrlProblem(value: string, opts: { production: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol === 'https:') return url.hostname ? null : 'must name a host';
  if (url.protocol === 'http:' && isLoopback(url.hostname)) {
    return opts.production ? 'must be https:// in production' : null;
  }
  return opts.production ? 'must be https://' : 'must be https:// (http:// only to a loopback address outside production)';
}
