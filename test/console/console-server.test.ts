import assert from 'node:assert/strict';
import { it } from 'node:test';
import { addUser } from '../../src/console/users.js';
import { ConsoleClient } from '../helpers/console-client.js';
import { messageRow } from '../helpers/message-row.js';
import { businessNumber, inbound } from '../helpers/parley.js';
import { consolePassword as password, consoleRig } from '../helpers/console.js';
import { forEachStore } from '../helpers/stores.js';

const xss = '<img src=x onerror=alert(1)></script><script>window.owned=1</script>';

forEachStore('console', (stores) => {
  const rig = consoleRig(stores, { config: { console: { login_attempts: 4 } }, adminEmail: 'Admin@Example.com' });
  const needsHuman = async (from: string, body: string) => (await rig.needsHuman(from, body)).id;

  it('serves a login form with labelled email and password fields, under a strict CSP', async () => {
    const page = await new ConsoleClient(rig.parley.base).get('/console/login');
    assert.equal(page.status, 200);
    assert.match(page.text, /<label for="email">Email<\/label>\s*<input id="email" name="email" type="email" autocomplete="username"/);
    assert.match(
      page.text,
      /<label for="password">Password<\/label>\s*<input id="password" name="password" type="password" autocomplete="current-password"/,
    );
    assert.equal(
      page.headers['content-security-policy'],
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'same-origin');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.doesNotMatch(page.text, /style=|<script>/);
  });

  it('refuses a wrong email and a wrong password with the same answer, and logs in with the right one', async () => {
    const wrongPassword = await new ConsoleClient(rig.parley.base).login('admin@example.com', 'not the password');
    const wrongEmail = await new ConsoleClient(rig.parley.base).login('nobody@example.com', password);
    assert.equal(wrongPassword.status, 401);
    assert.equal(wrongEmail.status, 401);
    const message = (text: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(text)?.[1];
    assert.equal(message(wrongPassword.text), 'Email or password is incorrect.');
    assert.equal(message(wrongEmail.text), message(wrongPassword.text));

    const client = new ConsoleClient(rig.parley.base);
    const ok = await client.login('ADMIN@example.com ', password);
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, '/console');
    const cookie = [ok.headers['set-cookie']].flat().find((c) => c!.startsWith('parley_session='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\/console/);
    assert.doesNotMatch(cookie, /Secure/, 'plain http: no Secure flag');
    const token = client.cookie('parley_session')!;
    const rows = await rig.store.db.selectFrom('console_sessions').select('token_hash').execute();
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0]!.token_hash, token, 'only the hash is stored');
    assert.equal((await client.get('/console')).status, 200);
  });

  it('marks the cookie Secure when the request came over https through a trusted proxy', async () => {
    await rig.restart({ server: { port: 0, host: '127.0.0.1', trust_proxy: true } });
    const client = new ConsoleClient(rig.parley.base);
    const page = await client.get('/console/login', { 'x-forwarded-proto': 'https' });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const ok = await client.post('/console/login', { csrf, email: 'agent@example.com', password }, { 'x-forwarded-proto': 'https' });
    assert.equal(ok.status, 303);
    assert.match(
      [ok.headers['set-cookie']].flat().find((c) => c!.startsWith('parley_session='))!,
      /; Secure/,
    );
  });

  it('refuses a login without its form token', async () => {
    const client = new ConsoleClient(rig.parley.base);
    const answer = await client.post('/console/login', { email: 'admin@example.com', password });
    assert.equal(answer.status, 403);
    assert.equal(client.cookie('parley_session'), undefined);
  });

  it('rate-limits failed logins per email, also for the right password afterwards', async () => {
    for (let i = 0; i < 4; i++)
      assert.equal((await new ConsoleClient(rig.parley.base).login('agent@example.com', 'wrong guess')).status, 401);
    const blocked = await new ConsoleClient(rig.parley.base).login('agent@example.com', password);
    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /Too many failed attempts/);
    assert.equal(await rig.store.db.selectFrom('console_sessions').select('token_hash').executeTakeFirst(), undefined);
  });

  it('rate-limits failed logins per address, whichever emails they try', async () => {
    for (let i = 0; i < 4; i++)
      assert.equal((await new ConsoleClient(rig.parley.base).login(`guess${i}@example.com`, 'wrong guess')).status, 401);
    assert.equal((await new ConsoleClient(rig.parley.base).login('admin@example.com', password)).status, 429);
  });

  it('lets a user added while Parley runs log in at once', async () => {
    await addUser(rig.store, 'late@example.com', 'agent', password);
    await rig.loggedIn('late@example.com');
  });

  it('sends anyone without a session to the login page', async () => {
    const answer = await new ConsoleClient(rig.parley.base).get('/console');
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.location, '/console/login');
  });

  it('lists a needs-human conversation with its last message, escaped', async () => {
    const id = await needsHuman('+15557770001', xss);
    const agent = await rig.loggedIn('agent@example.com');
    const inbox = await agent.get('/console');
    assert.equal(inbox.status, 200);
    assert.ok(inbox.text.includes(`/console/conversations/${id}`));
    assert.ok(inbox.text.includes('+15557770001'));
    assert.ok(!inbox.text.includes('<img src=x'), 'the body is not markup');
    assert.ok(!inbox.text.includes('<script>window.owned'), 'the body is not markup');
    const thread = await agent.get(`/console/conversations/${id}`);
    assert.ok(thread.text.includes('&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;window.owned=1&lt;/script&gt;'));
    assert.ok(!thread.text.includes('<img src=x'));
  });

  it("sends an agent's reply once, through the provider, however often the form is submitted", async () => {
    const id = await needsHuman('+15557770002', 'Actually can we do 4pm?');
    const agent = await rig.loggedIn('agent@example.com');
    const page = await agent.get(`/console/conversations/${id}`);
    assert.match(page.text, /<textarea id="body" name="body"/);
    assert.match(page.text, /<button type="submit">Send<\/button>/);
    const form = {
      csrf: /name="csrf" value="([^"]+)"/.exec(page.text)![1]!,
      submission: /name="submission" value="([^"]+)"/.exec(page.text)![1]!,
      body: 'Sure, 4pm works.',
    };
    const answers = await Promise.all([0, 1, 2].map(() => agent.post(`/console/conversations/${id}/reply`, form)));
    for (const answer of answers) assert.equal(answer.status, 303, answer.text);
    await rig.parley.until(async () => rig.provider.sends.some((s) => s.body === 'Sure, 4pm works.'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rig.provider.sends.filter((s) => s.body === 'Sure, 4pm works.').length, 1);
    const rows = await rig.store.db.selectFrom('messages').select(['origin', 'status']).where('body', '=', 'Sure, 4pm works.').execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.origin, 'agent');
    const audit = await rig.store.db.selectFrom('console_audit').select(['action', 'subject']).where('action', '=', 'replied').execute();
    assert.deepEqual(audit, [{ action: 'replied', subject: id }]);
  });

  it('refuses a POST without the CSRF token, or with a wrong one, and changes nothing', async () => {
    const id = await needsHuman('+15557770003', 'hello?');
    const agent = await rig.loggedIn('agent@example.com');
    for (const csrf of [undefined, 'forged-token']) {
      const form: Record<string, string> = { note: 'should not be stored' };
      if (csrf) form.csrf = csrf;
      const refused = await agent.post(`/console/conversations/${id}/note`, form);
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.location, undefined, 'not a redirect');
      const closed = await agent.post(`/console/conversations/${id}/close`, form);
      assert.equal(closed.status, 403);
    }
    assert.equal((await rig.store.db.selectFrom('conversation_notes').selectAll().execute()).length, 0);
    const row = await rig.store.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'needs_human');
    const json = await agent.post(`/console/conversations/${id}/close`, {}, { 'x-csrf-token': 'nope' });
    assert.equal(json.status, 403);
    assert.equal(JSON.parse(json.text).error.code, 'invalid_csrf_token');
  });

  it('keeps notes, assigns, closes and reopens, each in the audit trail', async () => {
    const id = await needsHuman('+15557770004', 'hi');
    const agent = await rig.loggedIn('agent@example.com');
    const path = `/console/conversations/${id}`;
    assert.equal((await agent.submit(path, `${path}/note`, { note: 'Called them <b>back</b>' })).status, 303);
    assert.equal((await agent.submit(path, `${path}/assign`)).status, 303);
    const mine = await agent.get('/console?filter=mine');
    assert.ok(mine.text.includes(path));
    assert.equal((await agent.submit(path, `${path}/close`)).status, 303);
    assert.equal(
      (await rig.store.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status,
      'closed',
    );
    assert.ok(!(await agent.get('/console')).text.includes(path), 'gone from the human queue');
    assert.ok((await agent.get('/console?filter=closed')).text.includes(path));
    assert.equal((await agent.submit(path, `${path}/reopen`)).status, 303);
    const page = await agent.get(path);
    assert.ok(page.text.includes('Called them &lt;b&gt;back&lt;/b&gt;'));
    assert.equal(rig.provider.sends.filter((s) => s.body.includes('Called them')).length, 0, 'a note is never sent');
    const actions = (await rig.store.db.selectFrom('console_audit').select('action').where('subject', '=', id).orderBy('id').execute()).map(
      (r) => r.action,
    );
    assert.deepEqual(actions, ['noted', 'assigned', 'closed', 'reopened']);
  });

  it('opens a long thread on its latest messages, with the earlier ones a link away', async () => {
    const id = await needsHuman('+15557770009', 'the first of many');
    const first = await rig.store.db
      .selectFrom('messages')
      .select(['created_at'])
      .where('conversation_id', '=', id)
      .executeTakeFirstOrThrow();
    // 250 more messages after it, and a note among the earliest.
    await rig.store.write(async (trx) => {
      await trx
        .insertInto('messages')
        .values(
          Array.from({ length: 250 }, (_, i) =>
            messageRow({
              id: `msg_page${String(i).padStart(4, '0')}`,
              conversation_id: id,
              direction: 'inbound',
              channel: 'main',
              from_number: '+15557770009',
              to_number: businessNumber,
              body: `numbered ${i}.`,
              provider_message_id: `page-${i}`,
              status: 'received',
              processed_at: first.created_at,
              created_at: first.created_at + 1_000 + i,
              updated_at: first.created_at,
            }),
          ),
        )
        .execute();
    });
    const agent = await rig.loggedIn('agent@example.com');
    const path = `/console/conversations/${id}`;
    assert.equal((await agent.submit(path, `${path}/note`, { note: 'a note from the start' })).status, 303);
    await rig.store.db
      .updateTable('conversation_notes')
      .set({ created_at: first.created_at + 10 })
      .where('conversation_id', '=', id)
      .execute();

    const latest = await agent.get(path);
    const shown = (text: string) => [...text.matchAll(/numbered (\d+)\./g)].map((m) => Number(m[1]));
    assert.deepEqual(
      shown(latest.text),
      Array.from({ length: 200 }, (_, i) => 50 + i),
      'the latest 200, oldest first',
    );
    assert.ok(!latest.text.includes('a note from the start'), 'a note before the page is on the earlier page');
    assert.match(latest.text, /data-live="conversation /);
    const link = /href="([^"]+\?before=[^"]+)">Earlier messages</.exec(latest.text)?.[1];
    assert.ok(link, 'a link to the earlier messages');

    const earlier = await agent.get(link.replaceAll('&amp;', '&'));
    assert.deepEqual(
      shown(earlier.text),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.ok(earlier.text.includes('the first of many'));
    assert.ok(earlier.text.includes('a note from the start'));
    assert.ok(!earlier.text.includes('Earlier messages'), 'nothing before the first page');
    assert.match(earlier.text, />Latest messages</);
    assert.doesNotMatch(earlier.text, /data-live=/, 'an earlier page is not swapped for the latest one');
  });

  it("disables an opted-out contact's reply box and says why", async () => {
    const id = await needsHuman('+15557770005', 'what is this');
    assert.equal((await rig.parley.webhook('inbound', inbound('+15557770005', 'STOP'))).status, 200);
    await rig.parley.until(async () =>
      rig.store.db.selectFrom('suppressions').select('phone').where('phone', '=', '+15557770005').executeTakeFirst(),
    );
    const page = await (await rig.loggedIn('agent@example.com')).get(`/console/conversations/${id}`);
    assert.match(page.text, /<textarea id="body" name="body" rows="3" disabled/);
    assert.match(page.text, /opted out of messages from/);
    assert.match(page.text, /Opted out \(/, 'the consent history');
  });

  it('keeps agents out of the admin pages, and admins in', async () => {
    const agent = await rig.loggedIn('agent@example.com');
    assert.equal((await agent.get('/console/users')).status, 403);
    assert.equal((await agent.get('/console/audit')).status, 403);
    const page = await agent.get('/console');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const add = await agent.post('/console/users', { csrf, email: 'sneaky@example.com', role: 'admin', password });
    assert.equal(add.status, 403);
    assert.equal(
      await rig.store.db.selectFrom('console_users').select('id').where('email', '=', 'sneaky@example.com').executeTakeFirst(),
      undefined,
    );
    const admin = await rig.loggedIn('admin@example.com');
    assert.equal((await admin.get('/console/users')).status, 200);
    assert.equal((await admin.get('/console/audit')).status, 200);
  });

  it('lets an admin add and disable users, never the last admin', async () => {
    const admin = await rig.loggedIn('admin@example.com');
    assert.equal(
      (await admin.submit('/console/users', '/console/users', { email: 'new@example.com', role: 'agent', password })).status,
      303,
    );
    await rig.loggedIn('new@example.com');
    const me = await rig.store.db
      .selectFrom('console_users')
      .select('id')
      .where('email', '=', 'admin@example.com')
      .executeTakeFirstOrThrow();
    const refused = await admin.submit('/console/users', `/console/users/${me.id}/remove`);
    assert.equal(refused.status, 403);
    assert.match(refused.text, /last admin/);
    const agentRow = await rig.store.db
      .selectFrom('console_users')
      .select('id')
      .where('email', '=', 'agent@example.com')
      .executeTakeFirstOrThrow();
    const agent = await rig.loggedIn('agent@example.com');
    assert.equal((await admin.submit('/console/users', `/console/users/${agentRow.id}/disable`)).status, 303);
    assert.equal((await agent.get('/console')).status, 303, 'a disabled user is logged out at once');
    assert.equal((await new ConsoleClient(rig.parley.base).login('agent@example.com', password)).status, 401);
  });

  it('ends sessions on logout, when idle too long and past their absolute end', async () => {
    const agent = await rig.loggedIn('agent@example.com');
    await agent.submit('/console', '/console/logout');
    assert.equal((await agent.get('/console')).status, 303);

    const idle = await rig.loggedIn('agent@example.com');
    await rig.store.db
      .updateTable('console_sessions')
      .set({ last_seen_at: Date.now() - 13 * 3_600_000 })
      .where('revoked_at', 'is', null)
      .execute();
    assert.equal((await idle.get('/console')).status, 303);

    const old = await rig.loggedIn('agent@example.com');
    assert.equal((await old.get('/console')).status, 200);
    await rig.store.db
      .updateTable('console_sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('revoked_at', 'is', null)
      .execute();
    assert.equal((await old.get('/console')).status, 303);
  });

  it('clears ended sessions at the next login, and reply keys a day old', async () => {
    const first = await rig.loggedIn('agent@example.com');
    await rig.loggedIn('agent@example.com');
    await first.submit('/console', '/console/logout');
    const countSessions = async () => (await rig.store.db.selectFrom('console_sessions').select('token_hash').execute()).length;
    assert.equal(await countSessions(), 2, 'the revoked one is still there');
    await rig.loggedIn('agent@example.com');
    assert.equal(await countSessions(), 2, 'the revoked one went; two live ones stay');

    await rig.store.db
      .insertInto('console_submissions')
      .values({ key: 'old:key', message_id: null, created_at: Date.now() - 2 * 86_400_000 })
      .execute();
    const id = await needsHuman('+15557770006', 'hi');
    const agent = await rig.loggedIn('agent@example.com');
    const path = `/console/conversations/${id}`;
    assert.equal((await agent.submit(path, `${path}/reply`, { body: 'hello' })).status, 303);
    const keys = (await rig.store.db.selectFrom('console_submissions').select('key').execute()).map((r) => r.key);
    assert.equal(keys.length, 1);
    assert.ok(keys[0]!.startsWith(`${id}:`));
  });

  it('pages the inbox by last activity without repeating or skipping a conversation', async () => {
    const now = Date.now();
    await rig.store.write(async (trx) => {
      for (let i = 0; i < 120; i++) {
        const contact = `ct_page${String(i).padStart(4, '0')}`;
        await trx
          .insertInto('contacts')
          .values({ id: contact, phone: `+1555880${String(i).padStart(4, '0')}`, created_at: now, updated_at: now })
          .execute();
        await trx
          .insertInto('conversations')
          .values({
            id: `conv_page${String(i).padStart(4, '0')}`,
            contact_id: contact,
            channel: 'main',
            local_number: '+18005550100',
            status: 'needs_human',
            // Pairs share a time: the id breaks the tie.
            last_message_at: now - Math.floor(i / 2) * 1000,
            created_at: now,
            updated_at: now,
          })
          .execute();
      }
    });
    const agent = await rig.loggedIn('agent@example.com');
    const seen: string[] = [];
    let path = '/console';
    for (;;) {
      const page = await agent.get(path);
      seen.push(...[...page.text.matchAll(/\/console\/conversations\/(conv_page\d+)/g)].map((m) => m[1]!));
      const next = /<a href="(\/console\?[^"]*after=[^"]+)">Older/.exec(page.text)?.[1];
      if (!next) break;
      path = next.replaceAll('&amp;', '&');
    }
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120);
    const search = await agent.get('/console?q=5558800042');
    assert.deepEqual(
      [...search.text.matchAll(/\/console\/conversations\/(conv_page\d+)/g)].map((m) => m[1]),
      ['conv_page0042'],
    );
  });

  it('serves its stylesheet with a long cache lifetime', async () => {
    const page = await (await rig.loggedIn('agent@example.com')).get('/console');
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page.text)![1]!;
    const css = await new ConsoleClient(rig.parley.base).get(href);
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
    assert.match(String(css.headers['cache-control']), /max-age=31536000/);
    assert.match(css.text, /@media \(max-width: 700px\)/);
  });
});
