/** GET /docs: the OpenAPI document, generated from the same route schemas that validate requests. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const docsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/docs',
    { schema: { tags: ['operations'], summary: 'This OpenAPI document', response: { 200: { type: 'object', additionalProperties: true } } } },
    async () => app.swagger(),
  );
};

export default docsRoutes;
