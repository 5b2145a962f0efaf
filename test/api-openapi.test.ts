/**
 * GET /docs/json serves the OpenAPI document generated from the route schemas
 * (GET /docs shows it as a reference page): it
 * validates as OpenAPI, and it covers every route the app has (compared with
 * the app's own route table, filled by an onRoute hook before any route).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { startHarness, type Harness } from './support/harness';

let h: Harness;
let doc: { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> };
beforeAll(async () => {
  h = await startHarness({ worker: false });
  const res = await h.app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});
afterAll(async () => {
  await h?.close();
});

/** Fastify's "/v1/interviews/:id" is OpenAPI's "/v1/interviews/{id}". */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

test('the document is valid OpenAPI 3', async () => {
  expect(doc.openapi).toMatch(/^3\./);
  // The validator dereferences in place: give it a copy.
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
});

test('it lists every route of the app, and nothing the app does not serve', () => {
  const table = h.app.routeTable;
  // HEAD routes Fastify adds beside each GET are the GET's; OPTIONS comes from CORS, off here.
  const gets = new Set(table.filter((r) => r.method === 'GET').map((r) => r.url));
  for (const r of table.filter((r) => r.method === 'HEAD' && !r.hidden)) expect(gets.has(r.url)).toBe(true);
  // Only the reference page's own routes (its HTML, scripts, the document itself) are left out of the document.
  expect(table.filter((r) => r.hidden && r.url !== '/docs' && !r.url.startsWith('/docs/'))).toEqual([]);
  const served = table.filter((r) => r.method !== 'HEAD' && !r.hidden);

  const fromApp = served.map((r) => `${r.method} ${openApiPath(r.url)}`).sort();
  const fromDoc = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).filter((m) => HTTP_METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  expect(fromDoc).toEqual(fromApp);
  // The contract's calls are all there (a sample that must never drop out).
  for (const op of ['POST /v1/events', 'GET /v1/interviews/{id}', 'POST /v1/interviews/{id}/annotations', 'POST /v1/self-service/{token}/cancel', 'GET /healthz', 'GET /readyz', 'GET /metrics']) {
    expect(fromDoc).toContain(op);
  }
});

test('write routes document their body and the limits they may answer with', () => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!HTTP_METHODS.includes(method)) continue;
      // Probes, metrics, this document and the console's static files are never rate limited; everything else says it may be.
      if (!['/healthz', '/readyz', '/metrics', '/console', '/console/interviews/{id}', '/console/reports', '/console/alerts', '/console/policy', '/console/policy/history', '/console/disputes', '/console/candidates', '/console/assets/{file}'].includes(path)) {
        expect([path, method, Object.keys(op.responses)]).toEqual([path, method, expect.arrayContaining(['429'])]);
      }
      if (op.requestBody) {
        expect([path, method, Object.keys(op.responses)]).toEqual([path, method, expect.arrayContaining(['413', '415'])]);
      }
    }
  }
  const annotate = doc.paths['/v1/interviews/{id}/annotations']!.post!;
  expect(JSON.stringify(annotate.requestBody)).toContain('classification');
});

test('HR routes take the bearer token or the console session cookie; writes through the cookie name x-csrf-token', () => {
  const full = doc as unknown as {
    components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> };
    paths: Record<string, Record<string, { security?: unknown; parameters?: Array<{ in: string; name: string }> }>>;
  };
  expect(full.components.securitySchemes.consoleSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'turnout_console' });
  const list = full.paths['/v1/interviews']!.get!;
  expect(list.security).toEqual([{ hrBearer: [] }, { consoleSession: [] }]);
  expect(full.paths['/v1/session']!.get!.security).toEqual([{ consoleSession: [] }]);
  const annotate = full.paths['/v1/interviews/{id}/annotations']!.post!;
  expect(annotate.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'x-csrf-token' })]));
  expect((list.parameters ?? []).some((p) => p.name === 'x-csrf-token')).toBe(false);
  for (const op of ['GET /console/auth/link/{code}', 'POST /console/auth/logout']) {
    const [method, path] = op.split(' ') as [string, string];
    expect(full.paths[path]?.[method.toLowerCase()]).toBeDefined();
  }
});
