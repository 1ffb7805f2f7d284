import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import Fastify from 'fastify';
import { request } from 'undici';
import { errorCatalog } from '../src/errors.js';
import { installErrorHandling } from '../src/http/errors.js';
import { isDescribed, routesOf } from '../src/http/openapi.js';
import { checkResponsesAgainstSchemas } from '../src/http/response-check.js';
import type { Store } from '../src/store/database.js';
import { apiCall } from './helpers/api-call.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { startTestParley, type TestParley } from './helpers/parley.js';
import { chromiumMissing, launchChromium } from './helpers/chromium.js';
import { forEachStore } from './helpers/stores.js';

// The API's description: every route the document covers has its schemas, the document is valid
// OpenAPI 3.1, every error answer is the one Error shape, /docs is served from this origin under
// its own CSP, and the lists page with cursors across ties in their sort key.

type Json = Record<string, any>;

describe('OpenAPI document', () => {
  let provider: FakeProvider;
  let parley: TestParley;
  let store: Store;
  let document: Json;

  before(async () => {
    provider = await new FakeProvider().start();
    const { openStore } = await import('../src/store/database.js');
    store = await openStore(':memory:');
    parley = await startTestParley(store, provider.url, {}, { work: false });
    const res = await request(`${parley.base}/openapi.json`);
    assert.equal(res.statusCode, 200);
    document = (await res.body.json()) as Json;
  });
  after(async () => {
    await parley.close();
    await store.close();
    await provider.stop();
  });

  it('gives every described route its schemas: path parameters, and a response for success', () => {
    const routes = routesOf(parley.app).filter((r) => isDescribed(r.url) && r.method !== 'HEAD');
    assert.ok(routes.length > 40, `${routes.length} routes seen`);
    const missing: string[] = [];
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const response = route.schema?.response as Json | undefined;
      if (!response || !Object.keys(response).some((status) => status.startsWith('2'))) missing.push(`${name}: no success response`);
      if (route.url.includes(':') && !route.schema?.params) missing.push(`${name}: no params`);
      if (route.schema?.body && route.rawBody) missing.push(`${name}: a raw body route must not be parsed by a body schema`);
    }
    assert.deepEqual(missing, []);
  });

  it('is valid OpenAPI 3.1', async () => {
    assert.equal(document.openapi, '3.1.0');
    const result = await new Validator().validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
  });

  it('describes every /v1 route and the webhook routes, none of the console', () => {
    const paths = Object.keys(document.paths as Json);
    for (const path of ['/v1/messages', '/v1/conversations', '/v1/opt-outs', '/hooks/{channel}/inbound', '/hooks/triggers/{name}']) {
      assert.ok(paths.includes(path), path);
    }
    assert.ok(!paths.some((p) => p.startsWith('/console') || p.startsWith('/docs')));
    const send = document.paths['/v1/messages'].post;
    assert.deepEqual(send.security, [{ apiKey: [] }]);
    assert.equal(send.responses['202'].content['application/json'].schema.$ref, '#/components/schemas/Message');
    // Webhooks are described, but their body is read raw (signatures cover the bytes).
    assert.ok(document.paths['/hooks/{channel}/inbound'].post.requestBody.content['application/json']);
  });

  it('answers every error with the one Error shape, whose codes are the catalog', () => {
    const error = document.components.schemas.Error as Json;
    assert.deepEqual(error.properties.error.properties.code.enum, Object.keys(errorCatalog));
    const offenders: string[] = [];
    for (const [path, operations] of Object.entries(document.paths as Json)) {
      for (const [method, operation] of Object.entries(operations as Json)) {
        for (const [status, answer] of Object.entries((operation as Json).responses as Json)) {
          // /readyz answers 503 with its readiness, for load balancers: a status, not an error.
          if (Number(status) < 400 || path === '/readyz') continue;
          const schema = (answer as Json).content?.['application/json']?.schema as Json | undefined;
          const refs = [schema?.$ref, ...((schema?.allOf as Json[] | undefined) ?? []).map((s) => s.$ref)];
          if (!refs.includes('#/components/schemas/Error')) offenders.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('serves /docs from this origin under a CSP that allows only this origin', async () => {
    const page = await request(`${parley.base}/docs`);
    const html = await page.body.text();
    assert.equal(page.statusCode, 200);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /https?:|unsafe-inline|unsafe-eval|\*/);
    for (const [, src] of html.matchAll(/src="([^"]+)"/g)) {
      assert.ok(!/^https?:/.test(src!), `${src} is not served by Parley`);
      const asset = await request(new URL(src!, `${parley.base}/docs`));
      await asset.body.dump();
      assert.equal(asset.statusCode, 200, src);
    }
  });

  it(
    'renders the reference in a real browser with nothing refused by its CSP and nothing fetched elsewhere',
    { skip: chromiumMissing },
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(message.text());
        });
        page.on('request', (sent) => {
          if (!sent.url().startsWith(parley.base) && !sent.url().startsWith('data:')) problems.push(`fetched ${sent.url()}`);
        });
        await page.goto(`${parley.base}/docs`);
        // Operations appear once the page has read /docs/json: the document rendered.
        await page.locator('.opblock-summary-path', { hasText: '/v1/messages' }).first().waitFor({ timeout: 30_000 });
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
    },
  );
});

describe('the response check', () => {
  it('fails an answer its response schema would alter, and lets a faithful one through', async () => {
    const app = Fastify();
    installErrorHandling(app);
    checkResponsesAgainstSchemas(app);
    const schema = { response: { 200: { type: 'object', properties: { id: { type: 'string' }, count: { type: 'integer' } } } } };
    app.get('/faithful', { schema }, async () => ({ id: 'a', count: 1 }));
    app.get('/dropped', { schema }, async () => ({ id: 'a', count: 1, extra: true }));
    app.get('/coerced', { schema }, async () => ({ id: 7, count: 1 }));
    app.get('/undescribed', async () => ({ id: 'a' }));
    const stderr = process.stderr.write.bind(process.stderr);
    process.stderr.write = () => true;
    try {
      assert.equal((await app.inject('/faithful')).statusCode, 200);
      for (const url of ['/dropped', '/coerced', '/undescribed']) {
        const answer = await app.inject(url);
        assert.equal(answer.statusCode, 500, url);
        assert.equal(answer.json().error.code, 'internal');
      }
    } finally {
      process.stderr.write = stderr;
      await app.close();
    }
  });
});

forEachStore('cursor paging', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  before(async () => {
    provider = await new FakeProvider().start();
    store = await stores.open();
    parley = await startTestParley(store, provider.url, { webhooks: { allow_private_destinations: true } }, { work: false });
  });
  after(async () => {
    await parley.close();
    await store.close();
    await provider.stop();
  });
  const api = (...args: Parameters<typeof apiCall> extends [string, ...infer Rest] ? Rest : never) => apiCall(parley.base, ...args);

  /** Every row of a list, read `limit` at a time. */
  async function readAll(path: string, limit: number): Promise<{ rows: Json[]; pages: number }> {
    const rows: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const res = await api('GET', `${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      rows.push(...(res.body.data as Json[]));
      cursor = res.body.next_cursor as string | null;
      pages++;
    } while (cursor !== null && pages < 100);
    return { rows, pages };
  }

  it('reads opt-outs that share their time across pages, each once', async () => {
    // One request's opt-outs are written at one instant: the time alone cannot order them.
    const phones = Array.from({ length: 7 }, (_, i) => `+1555010${String(i).padStart(4, '0')}`);
    assert.equal((await api('POST', '/v1/opt-outs', { phones })).status, 200);
    const { rows, pages } = await readAll('/v1/opt-outs', 2);
    assert.equal(pages, 4);
    assert.deepEqual(rows.map((r) => r.phone).sort(), phones);
    assert.equal(new Set(rows.map((r) => r.since)).size, 1, 'all at one time');
  });

  it('pages endpoints, jobs and sessions-free lists alike, and refuses a cursor of another list', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal((await api('POST', '/v1/endpoints', { url: `http://127.0.0.1:9/${i}` })).status, 201);
    }
    const endpoints = await readAll('/v1/endpoints', 2);
    assert.equal(endpoints.rows.length, 5);
    assert.equal(new Set(endpoints.rows.map((r) => r.id)).size, 5);
    assert.deepEqual(
      endpoints.rows.map((r) => r.url),
      [0, 1, 2, 3, 4].map((i) => `http://127.0.0.1:9/${i}`),
      'in the order registered',
    );

    for (let i = 0; i < 5; i++) assert.equal((await api('POST', '/v1/messages', { to: '+15550109999', body: `m${i}` })).status, 202);
    const jobs = await readAll('/v1/jobs', 2);
    assert.equal(jobs.rows.length, 5, 'the worker is off: every send job waits');
    assert.deepEqual(
      jobs.rows.map((r) => r.id),
      jobs.rows.map((r) => r.id as number).sort((a, b) => a - b),
    );

    const first = await api('GET', '/v1/endpoints?limit=1');
    const wrong = await api('GET', `/v1/opt-outs?cursor=${first.body.next_cursor}`);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.code, 'invalid_cursor');
    assert.equal((await api('GET', '/v1/jobs?cursor=not-a-cursor')).body.error.code, 'invalid_cursor');
  });

  it('gives every list next_cursor, null on its last page', async () => {
    for (const path of ['/v1/conversations', '/v1/sessions', '/v1/unreadable-webhooks', '/v1/messages', '/v1/contacts']) {
      const res = await api('GET', `${path}?limit=500`);
      assert.equal(res.status, 200, path);
      assert.equal(res.body.next_cursor, null, path);
    }
  });
});
