import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { eventCatalog, envelopeSchema } from '../events/catalog.js';
import { eventTypes } from '../events/events.js';
import { addSharedSchemas, type Schema } from './schemas.js';

// The API described from the routes' own schemas (OpenAPI 3.1) at /openapi.json, and the reference
// page at /docs (Swagger UI, its assets served from the swagger-ui-dist package: no CDN).
//
// Webhook routes read their body as raw bytes (signatures cover the exact bytes), so Fastify must
// not parse or validate it: such a route gives its body's description in `config.rawBody`, which
// only the document reads.

/** A raw body's description for the document: its media types and, for JSON, its shape. */
export interface RawBodyDoc {
  description: string;
  content: Record<string, Schema>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    rawBody?: RawBodyDoc;
  }
}

/** What the reference page loads: its own scripts and styles, the document from this origin, nothing else. */
const docsCsp = [
  "default-src 'none'",
  "script-src 'self'",
  // Swagger UI adds one fixed <style> element of its own at run time; its hash allows that one alone
  // (test/openapi.test.ts renders the page in Chromium and fails on any refused style or script).
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The event webhooks Parley sends to the business's endpoints (OpenAPI 3.1 `webhooks`), one per
 * event type, from the catalog: signed with Standard Webhooks headers (docs/webhooks.md).
 */
function eventWebhooks(): Record<string, never> {
  // The catalog's schemas are JSON Schema 2020-12, which OpenAPI 3.1 takes as they are; the
  // package's types for path items are narrower than that, hence the cast.
  return Object.fromEntries(
    eventTypes.map((type) => [
      type,
      {
        post: {
          summary: eventCatalog[type].description,
          requestBody: { required: true, content: { 'application/json': { schema: envelopeSchema(type) } } },
          responses: { '2XX': { description: 'Received; any other answer is retried.' } },
        },
      },
    ]),
  ) as Record<string, never>;
}

/** Which routes the document describes: the API, the webhooks and the probes; not the console or the page itself. */
export function isDescribed(url: string): boolean {
  return !url.startsWith('/console') && !url.startsWith('/docs') && url !== '/openapi.json';
}

/** The version in package.json, two folders above this file both in src/ and in dist/. */
export function parleyVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** A route as added, for the check that every described route has its schemas (test/openapi.test.ts). */
export interface AddedRoute {
  method: string;
  url: string;
  schema: Schema | undefined;
  rawBody: boolean;
}

const addedRoutes = new WeakMap<FastifyInstance, AddedRoute[]>();

/** Every route the app added after registerOpenApi, as Fastify's onRoute saw it. */
export function routesOf(app: FastifyInstance): AddedRoute[] {
  return addedRoutes.get(app) ?? [];
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  addSharedSchemas(app);
  const routes: AddedRoute[] = [];
  addedRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, schema: route.schema as Schema | undefined, rawBody: route.config?.rawBody !== undefined });
    }
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: parleyVersion(),
        description:
          'The `/v1` API (a bearer API key), the provider webhooks (`/hooks/:channel/...`, signed by the provider) and the business-event triggers (`/hooks/triggers/:name`). Errors are `{"error":{"code","message"}}` with the codes of docs/errors.md.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      webhooks: eventWebhooks(),
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'The API key of parley.yaml (`api_key`).' } },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const described = { ...(schema as unknown as Schema) };
      if (!isDescribed(url)) return { schema: { ...described, hide: true }, url };
      if (url.startsWith('/v1/')) described.security = [{ apiKey: [] }];
      const rawBody = route.config?.rawBody;
      if (rawBody) described.body = { description: rawBody.description, content: rawBody.content };
      return { schema: described, url };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: docsCsp,
    uiConfig: { validatorUrl: null, deepLinking: true },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
