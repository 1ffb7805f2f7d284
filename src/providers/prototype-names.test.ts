import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isOutboundStatus } from '../core/message-status.js';
import { ParleyError } from '../errors.js';
import { channelSchema, type ChannelConfig } from './channel-schema.js';
import type { WebhookEvent, WebhookPath, WebhookRequest } from './contract.js';
import { adapterFor } from './registry.js';
import type { ProviderTestKit, SignedRequest } from './test-kit-contract.js';

// A provider's words are looked up in tables (statuses, event types). Names an object inherits —
// `__proto__`, `constructor`, `toString` — must read as the unknown words they are: every adapter,
// fed them in every field of every webhook it knows (its fixtures and its test kit's webhooks),
// either reads the webhook into Parley's model or throws a ParleyError, which the webhook route
// answers with a 4xx and keeps as unreadable. Never a TypeError, never a status outside Parley's set.

const prototypeNames = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'] as const;
const paths: WebhookPath[] = ['inbound', 'status', 'events'];
const number = '+18005550100';
const publicUrl = 'https://sms.example.com';

type Body = { format: 'json'; value: unknown } | { format: 'form' | 'query'; params: Array<[string, string]> };

interface Sample {
  provider: string;
  source: string;
  channel: ChannelConfig;
  method: string;
  /** Path and query, without the body's own parameters for `query` samples. */
  url: string;
  headers: Record<string, string>;
  body: Body;
}

/** Where a prototype name can go: a value (or a whole object) at a JSON path, a key renamed, a form parameter's value or name. */
type Site = { kind: 'value' | 'key'; at: Array<string | number> } | { kind: 'param-value' | 'param-name'; index: number };

const providersDir = new URL('./', import.meta.url);

async function loadSamples(): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const entry of readdirSync(providersDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !existsSync(new URL(`${entry.name}/adapter.ts`, providersDir)) || entry.name === 'sim') continue;
    const folder = new URL(`${entry.name}/`, providersDir);
    const kitFile = new URL('test-kit.ts', folder);
    const kit = existsSync(kitFile) ? ((await import(kitFile.href)) as { kit: ProviderTestKit }).kit : undefined;
    const block = kit
      ? kit.channel('p', number, 'http://127.0.0.1:9', publicUrl)
      : { name: 'p', provider: entry.name, numbers: [number], secret: 'generic-secret-0123456789', send_url: 'http://127.0.0.1:9/send' };
    const channel = channelSchema.parse(block);

    if (kit) {
      const inboundUrl = `${publicUrl}/hooks/p/${kit.inboundPath}`;
      const statusUrl = `${publicUrl}/hooks/p/${kit.statusPath}`;
      await kit.prepare?.([inboundUrl, statusUrl]);
      const signed: Array<[string, SignedRequest]> = [
        ['kit inbound', kit.inbound({ from: '+15551234567', to: number, body: 'Hello', id: 'in-1' }, inboundUrl)],
        ['kit delivered', kit.status({ providerMessageId: 'out-1', from: number, to: '+15551234567', delivered: true }, statusUrl)],
        ['kit failed', kit.status({ providerMessageId: 'out-1', from: number, to: '+15551234567', delivered: false }, statusUrl)],
      ];
      for (const [source, request] of signed) samples.push(fromSigned(entry.name, source, channel, request));
    }

    const fixtures = new URL('fixtures/', folder);
    if (!existsSync(fixtures)) continue;
    for (const file of readdirSync(fixtures)) {
      // Send answers and reference tokens are not webhooks.
      if (file.startsWith('send-') || file.includes('reference') || file.endsWith('.md')) continue;
      const text = readFileSync(new URL(file, fixtures), 'utf8').trim();
      const source = `fixtures/${file}`;
      const base = { provider: entry.name, source, channel };
      if (file.endsWith('.json'))
        samples.push({ ...base, method: 'POST', url: '/hooks/p/events', headers: {}, body: { format: 'json', value: JSON.parse(text) } });
      else if (file.endsWith('.form'))
        samples.push({
          ...base,
          method: 'POST',
          url: '/hooks/p/events',
          headers: {},
          body: { format: 'form', params: [...new URLSearchParams(text)] },
        });
      else if (file.endsWith('.query'))
        samples.push({
          ...base,
          method: 'GET',
          url: '/hooks/p/events',
          headers: {},
          body: { format: 'query', params: [...new URLSearchParams(text)] },
        });
    }
  }
  return samples;
}

function fromSigned(provider: string, source: string, channel: ChannelConfig, request: SignedRequest): Sample {
  const url = new URL(request.url);
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const contentType = headers['content-type'] ?? '';
  let body: Body;
  let path = url.pathname + url.search;
  if (request.method === 'GET' || request.body === '') {
    body = { format: 'query', params: [...url.searchParams] };
    path = url.pathname;
  } else if (contentType.includes('json')) body = { format: 'json', value: JSON.parse(request.body) };
  else body = { format: 'form', params: [...new URLSearchParams(request.body)] };
  return { provider, source, channel, method: request.method, url: path, headers, body };
}

function sitesOf(body: Body): Site[] {
  if (body.format !== 'json')
    return body.params.flatMap((_, index): Site[] => [
      { kind: 'param-value', index },
      { kind: 'param-name', index },
    ]);
  const sites: Site[] = [];
  const walk = (value: unknown, at: Array<string | number>) => {
    if (at.length > 0) sites.push({ kind: 'value', at });
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...at, i]));
    else if (typeof value === 'object' && value !== null)
      for (const [key, v] of Object.entries(value)) {
        sites.push({ kind: 'key', at: [...at, key] });
        walk(v, [...at, key]);
      }
  };
  walk(body.value, []);
  return sites;
}

/** The body with a prototype name put at each site; a site a previous one moved away is skipped. */
function mutate(body: Body, changes: Array<[Site, string]>): Body {
  if (body.format !== 'json') {
    const params = body.params.map(([n, v]): [string, string] => [n, v]);
    for (const [site, name] of changes) {
      const param = 'index' in site ? params[site.index] : undefined;
      if (param) param[site.kind === 'param-name' ? 0 : 1] = name;
    }
    return { format: body.format, params };
  }
  const value: unknown = structuredClone(body.value);
  for (const [site, name] of changes) {
    if (!('at' in site)) continue;
    let parent: unknown = value;
    for (const step of site.at.slice(0, -1)) parent = isHolder(parent) && Object.hasOwn(parent, step) ? parent[step] : undefined;
    const last = site.at.at(-1)!;
    if (!isHolder(parent) || !Object.hasOwn(parent, last)) continue;
    const holder = parent;
    if (site.kind === 'value') holder[last] = name;
    else {
      // As JSON.parse would: an own property of that name, never the prototype.
      Object.defineProperty(holder, name, { value: holder[last], enumerable: true, writable: true, configurable: true });
      delete holder[last];
    }
  }
  return { format: 'json', value };
}

function isHolder(value: unknown): value is Record<string | number, unknown> {
  return typeof value === 'object' && value !== null;
}

function requestOf(sample: Sample, body: Body): WebhookRequest {
  let url = sample.url;
  let rawBody = Buffer.alloc(0);
  let contentType: string | null = sample.headers['content-type'] ?? null;
  if (body.format === 'json') {
    rawBody = Buffer.from(JSON.stringify(body.value));
    contentType = 'application/json';
  } else if (body.format === 'form') {
    rawBody = Buffer.from(new URLSearchParams(body.params).toString());
    contentType = 'application/x-www-form-urlencoded';
  } else {
    const query = new URLSearchParams(body.params).toString();
    url = `${url}${url.includes('?') ? '&' : '?'}${query}`;
  }
  return {
    method: sample.method,
    url,
    publicUrl: publicUrl + url,
    headers: { ...sample.headers, ...(contentType ? { 'content-type': contentType } : {}) },
    rawBody,
    contentType,
    receivedAt: Date.now(),
  };
}

/** Parses on every path; a problem is described, or null when the adapter read or refused it properly. */
function problemWith(sample: Sample, body: Body): string | null {
  const adapter = adapterFor(sample.channel);
  for (const path of paths) {
    let event: WebhookEvent;
    try {
      event = adapter.parse(requestOf(sample, body), sample.channel, path);
    } catch (error) {
      if (error instanceof ParleyError) continue;
      return `${path}: threw ${String(error)}`;
    }
    const wrong = wrongIn(event);
    if (wrong) return `${path}: ${wrong}`;
  }
  return null;
}

function wrongIn(event: WebhookEvent): string | null {
  if (event.kind === 'ignored') return typeof event.reason === 'string' ? null : 'an ignored event without a reason';
  if (event.kind === 'inbound') {
    const m = event.message;
    const texts = [m.from, m.to, m.body, m.providerMessageId, ...m.mediaUrls];
    return texts.every((t) => typeof t === 'string') ? null : 'an inbound message with a field that is not text';
  }
  const r = event.receipt;
  if (!isOutboundStatus(r.status)) return `a receipt with status ${String(r.status)}`;
  if (typeof r.providerMessageId !== 'string' || typeof r.providerStatus !== 'string') return 'a receipt with a field that is not text';
  return null;
}

const samples = await loadSamples();

describe('provider adapters: names an object inherits are unknown words', () => {
  it('has webhooks of every adapter to feed', () => {
    const providers = new Set(samples.map((s) => s.provider));
    for (const provider of ['twilio', 'plivo', 'textbee', 'httpsms', 'generic', 'vonage', 'telnyx', 'sinch', 'bird', 'smsmode'])
      assert.ok(providers.has(provider), `no webhook of ${provider}`);
    assert.ok(providers.has('android-sms-gateway'));
  });

  it('every field of every webhook, one at a time, with each name', () => {
    const problems: string[] = [];
    for (const sample of samples) {
      for (const site of sitesOf(sample.body)) {
        for (const name of prototypeNames) {
          const problem = problemWith(sample, mutate(sample.body, [[site, name]]));
          if (problem) problems.push(`${sample.provider} ${sample.source} ${JSON.stringify(site)}=${name}: ${problem}`);
        }
      }
    }
    assert.deepEqual(problems.slice(0, 20), []);
  });

  it('any fields together (property)', () => {
    const sampleWithChanges = fc
      .constantFrom(...samples)
      .chain((sample) =>
        fc.tuple(
          fc.constant(sample),
          fc.array(fc.tuple(fc.constantFrom(...sitesOf(sample.body)), fc.constantFrom(...prototypeNames)), { minLength: 1, maxLength: 8 }),
        ),
      );
    fc.assert(
      fc.property(sampleWithChanges, ([sample, changes]) => {
        const problem = problemWith(sample, mutate(sample.body, changes));
        assert.equal(problem, null, `${sample.provider} ${sample.source}`);
      }),
      { numRuns: 1000 },
    );
  });
});
