/**
 * The app's own list of its routes, as registered: what the OpenAPI document
 * must cover. Registered before any route so that it sees all of them.
 */
import type { FastifyInstance, HTTPMethods } from 'fastify';
import fp from 'fastify-plugin';

export interface RouteEntry {
  method: HTTPMethods;
  url: string;
  /** Left out of the OpenAPI document on purpose (schema.hide). */
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: readonly RouteEntry[];
  }
}

async function routeTable(app: FastifyInstance): Promise<void> {
  const routes: RouteEntry[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const hidden = Boolean((route.schema as { hide?: boolean } | undefined)?.hide);
    for (const method of methods) routes.push({ method: method as HTTPMethods, url: route.url, hidden });
  });
}

export default fp(routeTable, { name: 'turnout-route-table', fastify: '5.x' });
