/**
 * The rule for every URL Turnout stores and later puts in front of a person
 * or calls (an interview's join link, a webhook endpoint): an absolute
 * https: URL without credentials; plain http: only to a loopback address,
 * and only outside production (local development and tests).
 */

/** A schema pattern for the same rule, minus the production switch: the OpenAPI document states it. */
export const OUTBOUND_URL_PATTERN = '^(https://|http://(localhost|127\\.[0-9]+\\.[0-9]+\\.[0-9]+|\\[::1\\])([:/?#]|$))';

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
