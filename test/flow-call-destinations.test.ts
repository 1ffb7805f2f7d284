import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Where a flow's calls may go, and who decides it. An internal service on loopback (this stand-in,
// which records every path it is asked for) serves the booking paths and also /admin/keys, which
// must never be reached: not by overriding the flow's booking_url, not by a `../` in a var, and
// not at all while private destinations are off.

const adminKey = 'ADMIN_KEY_0123456789_never_leaks';
const customer = '+15551230077';
const traversal = '../../admin/keys?dump=1#';

class InternalService {
  readonly paths: string[] = [];
  url = '';
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.paths.push(req.url ?? '');
      const path = (req.url ?? '').split('?')[0]!;
      let status = 404;
      let body: unknown = { error: 'not found' };
      if (path === '/admin/keys') [status, body] = [200, { label: 'the admin keys', key: adminKey }];
      else if (/^\/appointments\/apt_\w+$/.test(path)) [status, body] = [200, { label: 'Wednesday at 3 PM', key: '' }];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** The documented pattern; `params` is what the flow lets a caller set (none in the audit's copy). */
const flowYaml = (bookingUrl: string, params: string) => `
start: confirm
${params}
vars:
  booking_url: ${bookingUrl}
steps:
  confirm:
    do:
      - call: { method: GET, url: '{{vars.booking_url}}/appointments/{{vars.appointment_id}}', save_as: appointment, on_error: unavailable }
    say: 'Your appointment is {{vars.appointment.label}}. {{vars.appointment.key}} Reply YES to confirm.'
    replies: [{ intent: confirm, goto: end }]
  unavailable:
    say: 'Sorry, a team member will text you shortly.'
    goto: handoff
`;

forEachStore('flow calls and their destinations', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let internal: InternalService;
  let flows: string;
  let parley: TestParley | undefined;

  beforeEach(async () => {
    store = await stores.open();
    provider = await new FakeProvider().start();
    internal = await new InternalService().start();
    flows = mkdtempSync(join(tmpdir(), 'parley-flow-calls-'));
    writeFileSync(join(flows, 'audited.yaml'), flowYaml(internal.url, ''));
    writeFileSync(join(flows, 'guarded.yaml'), flowYaml(internal.url, 'params: { appointment_id: { required: true } }'));
  });
  afterEach(async () => {
    await parley?.close();
    parley = undefined;
    await store.close();
    await provider.stop();
    await internal.stop();
    rmSync(flows, { recursive: true, force: true });
  });

  const start = async (allowPrivate: boolean) => {
    parley = await startTestParley(store, provider.url, {
      flows: { dir: flows },
      webhooks: { allow_private_destinations: allowPrivate },
    });
    return parley;
  };
  const nothingStored = async () => {
    assert.deepEqual(await store.db.selectFrom('flow_sessions').select('id').execute(), []);
    assert.deepEqual(await store.db.selectFrom('messages').select('id').execute(), []);
  };
  /** Everything the caller, the sessions list and the texter could see. */
  const seen = async (p: TestParley, answer: unknown) => {
    const sessions = await p.api('GET', `/v1/sessions?contact=${encodeURIComponent(customer)}`);
    return JSON.stringify([answer, sessions.body, provider.sends]);
  };

  it("the audit's request: a flow declaring no params refuses the caller's booking_url and appointment_id", async () => {
    const p = await start(true);
    const res = await p.api('POST', '/v1/flows/audited/start', {
      to: customer,
      vars: { booking_url: internal.url, appointment_id: traversal },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'vars_not_declared');
    assert.match(res.body.error.message, /appointment_id/);
    assert.match(res.body.error.message, /booking_url/);
    assert.deepEqual(internal.paths, [], 'the internal service was never called');
    await nothingStored();
    assert.doesNotMatch(await seen(p, res.body), new RegExp(adminKey));
  });

  it("a declared param cannot override the flow's own vars: booking_url stays the flow's", async () => {
    const p = await start(true);
    const res = await p.api('POST', '/v1/flows/guarded/start', {
      to: customer,
      vars: { booking_url: 'http://127.0.0.1:1', appointment_id: 'apt_1' },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'vars_not_declared');
    assert.match(res.body.error.message, /booking_url/);
    assert.deepEqual(internal.paths, []);
    await nothingStored();
  });

  it('a missing required param is a 422 naming it', async () => {
    const p = await start(true);
    const res = await p.api('POST', '/v1/flows/guarded/start', { to: customer });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'vars_missing');
    assert.match(res.body.error.message, /appointment_id/);
    assert.deepEqual(internal.paths, []);
    await nothingStored();
  });

  it('"../../admin/keys?dump=1#" in a declared param stays one encoded path segment', async () => {
    const p = await start(true);
    const res = await p.api('POST', '/v1/flows/guarded/start', { to: customer, vars: { appointment_id: traversal } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(internal.paths, ['/appointments/..%2F..%2Fadmin%2Fkeys%3Fdump%3D1%23']);
    await p.until(async () => provider.sends.length === 1);
    assert.equal(provider.sends[0]!.body, 'Sorry, a team member will text you shortly.');
    assert.equal(res.body.status, 'handed_off');
    assert.doesNotMatch(await seen(p, res.body), new RegExp(adminKey));
    assert.ok(!internal.paths.some((path) => path.startsWith('/admin')));
  });

  it('an ordinary start still calls the booking path and texts its answer', async () => {
    const p = await start(true);
    const res = await p.api('POST', '/v1/flows/guarded/start', { to: customer, vars: { appointment_id: 'apt_1001' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(internal.paths, ['/appointments/apt_1001']);
    await p.until(async () => provider.sends.length === 1);
    assert.equal(provider.sends[0]!.body, 'Your appointment is Wednesday at 3 PM.  Reply YES to confirm.');
  });

  it('with private destinations off, a call to loopback is refused before it connects', async () => {
    const p = await start(false);
    const res = await p.api('POST', '/v1/flows/guarded/start', { to: customer, vars: { appointment_id: 'apt_1001' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.status, 'handed_off', 'the call failed, so the flow went to its on_error step');
    await p.until(async () => provider.sends.length === 1);
    assert.equal(provider.sends[0]!.body, 'Sorry, a team member will text you shortly.');
    assert.deepEqual(internal.paths, [], 'no request reached the loopback service');
  });

  it('a keyword rule cannot start a flow with required params: Parley refuses to start', async () => {
    await assert.rejects(
      startTestParley(store, provider.url, {
        flows: { dir: flows },
        automation: { rules: [{ keywords: ['book'], start_flow: 'guarded' }] },
      }),
      /start_flow: the "guarded" flow requires params \(appointment_id\)/,
    );
  });
});
