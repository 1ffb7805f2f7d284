import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, it } from 'node:test';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// The monitoring that ships (deploy/prometheus/alerts.yml, deploy/grafana/parley.json) names only
// metrics a real Parley serves: a renamed metric would leave an alert that can never fire.

/** Every `parley_…` name in a PromQL expression. */
const metricNames = (expr: string) => [...expr.matchAll(/\bparley_[a-z0-9_]+/g)].map((m) => m[0]);

function alertExpressions(): string[] {
  const rules = parseYaml(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as {
    groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
  };
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync('deploy/grafana/parley.json', 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/** The names a scrape serves, with the series a histogram and a summary add. */
function served(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match;
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name!}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name!}${suffix}`);
  }
  return names;
}

/** Served only where the spool exists: on PostgreSQL. */
const postgresOnly = new Set(['parley_spool_bytes']);

it('the alert rules and the dashboard name some metrics, and alert on what the deployment doc promises', () => {
  const alerts = alertExpressions().flatMap(metricNames);
  for (const name of [
    'parley_queue_oldest_due_seconds',
    'parley_webhook_deliveries_total',
    'parley_sends_total',
    'parley_webhook_signature_failures_total',
    'parley_spool_bytes',
  ])
    assert.ok(alerts.includes(name), `no alert uses ${name}`);
  assert.ok(dashboardExpressions().flatMap(metricNames).length > 10);
});

forEachStore('shipped monitoring', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;
  beforeEach(async () => {
    store = await stores.open();
    provider = await new FakeProvider().start();
    parley = await startTestParley(store, provider.url);
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
    await provider.stop();
  });

  it('every metric the alert rules and the dashboard use is one Parley serves', async () => {
    const res = await request(`${parley.base}/metrics`);
    assert.equal(res.statusCode, 200);
    const names = served(await res.body.text());
    const used = new Set([...alertExpressions(), ...dashboardExpressions()].flatMap(metricNames));
    const missing = [...used].filter((name) => !names.has(name) && !(stores.dialect === 'sqlite' && postgresOnly.has(name)));
    assert.deepEqual(missing, [], `not served by /metrics on ${stores.dialect}`);
  });
});
