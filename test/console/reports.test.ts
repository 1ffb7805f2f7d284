import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { addUser } from '../../src/console/users.js';
import type { Store } from '../../src/store/database.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { FakeProvider } from '../helpers/fake-provider.js';
import { businessNumber, inbound, startTestParley, type TestParley } from '../helpers/parley.js';
import { forEachStore } from '../helpers/stores.js';

const password = 'correct horse battery';
const xss = '<img src=x onerror=alert(1)></script><script>window.owned=1</script>';
const escapedXss = '&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;window.owned=1&lt;/script&gt;';

forEachStore('console reports', (stores) => {
  let store: Store;
  let parley: TestParley;
  let provider: FakeProvider;

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(async () => {
    await provider.stop();
  });
  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, provider.url);
    await addUser(store, 'admin@example.com', 'admin', password);
    await addUser(store, 'agent@example.com', 'agent', password);
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  async function loggedIn(email: string): Promise<ConsoleClient> {
    const client = new ConsoleClient(parley.base);
    assert.equal((await client.login(email, password)).status, 303);
    return client;
  }

  async function needsHuman(from: string, body: string): Promise<{ id: string; contactId: string }> {
    assert.equal((await parley.webhook('inbound', inbound(from, body))).status, 200);
    return parley.until(async () =>
      store.db
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
        .select(['conversations.id', 'conversations.contact_id as contactId'])
        .where('contacts.phone', '=', from)
        .where('conversations.status', '=', 'needs_human')
        .executeTakeFirst(),
    );
  }

  it('shows the segment count of the reply box, and the running flow session with its vars escaped and secrets hidden', async () => {
    const { id, contactId } = await needsHuman('+15557772001', 'hello');
    const agent = await loggedIn('agent@example.com');
    const before = await agent.get(`/console/conversations/${id}`);
    assert.match(before.text, /id="segment-count" aria-live="polite">0 characters · GSM-7 · 1 segment<\/p>/);
    assert.match(before.text, /No flow running\./);

    const now = Date.now();
    await store.db
      .insertInto('flow_sessions')
      .values({
        id: 'fls_test1',
        flow: 'appointment <b>confirm</b>',
        contact_id: contactId,
        phone: '+15557772001',
        channel: 'main',
        local_number: businessNumber,
        step: 'ask_time',
        vars: JSON.stringify({ name: xss, booking: { id: 42, api_key: 'sk-live-123' }, access_token: 'tok-abc-999' }),
        retries: 1,
        status: 'active',
        version: 1,
        started_at: now - 60_000,
        updated_at: now,
        expires_at: now + 3_600_000,
        ended_at: null,
      })
      .execute();
    const page = await agent.get(`/console/conversations/${id}`);
    assert.ok(page.text.includes('<dd>appointment &lt;b&gt;confirm&lt;/b&gt;</dd>'));
    assert.match(page.text, /<code>ask_time<\/code> \(asked again 1×\)/);
    assert.ok(page.text.includes(`<dd class="var">${escapedXss}</dd>`), 'a var is text');
    assert.ok(page.text.includes('{&quot;id&quot;:42,&quot;api_key&quot;:&quot;[hidden]&quot;}'), 'a nested secret is hidden');
    assert.match(page.text, /<dt class="var">access_token<\/dt>\s*<dd class="var"><em>hidden<\/em><\/dd>/);
    assert.ok(!page.text.includes('sk-live-123') && !page.text.includes('tok-abc-999'));
    assert.ok(!page.text.includes('<script>window.owned'));
  });
});
