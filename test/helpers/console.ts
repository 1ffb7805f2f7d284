import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, afterEach, before, beforeEach } from 'node:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { addUser } from '../../src/console/users.js';
import type { Store } from '../../src/store/database.js';
import { ConsoleClient } from './console-client.js';
import { FakeEndpoint } from './fake-endpoint.js';
import { FakeProvider } from './fake-provider.js';
import { inbound, startTestParley, type TestParley } from './parley.js';
import type { TestStore } from './stores.js';

// What every console test starts from: a real Parley on a fresh database with a provider stand-in,
// an admin and an agent, and ways in (an HTTP client or a browser page, logged in).

export const consolePassword = 'correct horse battery';

export interface ConsoleRigOptions {
  /** Parley's settings over startTestParley's. */
  config?: Record<string, unknown>;
  /** `each`: a fresh Parley and database for every test (the default); `all`: one for the suite. */
  per?: 'each' | 'all';
  /** The admin's email as added (the agent is agent@example.com). */
  adminEmail?: string;
  /** Also start an event endpoint stand-in (`rig.endpoint`). */
  endpoint?: boolean;
}

export interface ConsoleRig {
  readonly store: Store;
  readonly parley: TestParley;
  readonly provider: FakeProvider;
  /** The event endpoint stand-in, with `endpoint: true`. */
  readonly endpoint: FakeEndpoint;
  readonly adminId: string;
  /** An HTTP client logged in as `email` (with the rig's password). */
  loggedIn(email: string): Promise<ConsoleClient>;
  /** A texter's unrecognized message: waits until their conversation is in the human queue. */
  needsHuman(from: string, body: string): Promise<{ id: string; contactId: string }>;
  /** Stops Parley and starts it again on the same database with `config` (the provider stays). */
  restart(config: Record<string, unknown>): Promise<void>;
}

/** Registers the hooks that start and stop a console rig around the suite's tests. */
export function consoleRig(stores: TestStore, options: ConsoleRigOptions = {}): ConsoleRig {
  let store: Store | undefined;
  let parley: TestParley | undefined;
  let provider: FakeProvider | undefined;
  let endpoint: FakeEndpoint | undefined;
  let adminId = '';
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the console rig is used outside a test');
    return value;
  };

  const start = async () => {
    provider = await new FakeProvider().start();
    if (options.endpoint) endpoint = await new FakeEndpoint().start();
    store = await stores.open();
    parley = await startTestParley(store, provider.url, options.config);
    adminId = (await addUser(store, options.adminEmail ?? 'admin@example.com', 'admin', consolePassword)).id;
    await addUser(store, 'agent@example.com', 'agent', consolePassword);
  };
  const stop = async () => {
    await parley?.close();
    await store?.close();
    await provider?.stop();
    await endpoint?.stop();
    parley = store = provider = endpoint = undefined;
  };
  if (options.per === 'all') {
    before(start);
    after(stop);
  } else {
    beforeEach(start);
    afterEach(stop);
  }

  const rig: ConsoleRig = {
    get store() {
      return started(store);
    },
    get parley() {
      return started(parley);
    },
    get provider() {
      return started(provider);
    },
    get endpoint() {
      return started(endpoint);
    },
    get adminId() {
      return adminId;
    },
    async loggedIn(email) {
      const client = new ConsoleClient(rig.parley.base);
      const answer = await client.login(email, consolePassword);
      assert.equal(answer.status, 303, answer.text);
      return client;
    },
    async needsHuman(from, body) {
      assert.equal((await rig.parley.webhook('inbound', inbound(from, body))).status, 200);
      return rig.parley.until(() =>
        rig.store.db
          .selectFrom('conversations')
          .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
          .select(['conversations.id', 'conversations.contact_id as contactId'])
          .where('contacts.phone', '=', from)
          .where('conversations.status', '=', 'needs_human')
          .executeTakeFirst(),
      );
    },
    async restart(config) {
      await rig.parley.close();
      parley = await startTestParley(rig.store, rig.provider.url, config);
    },
  };
  return rig;
}

export const desktop = { width: 1280, height: 800 };
export const phone = { width: 390, height: 844 };
/** The sizes screenshots are taken at, by the name their files carry. */
export const viewports = [
  ['desktop', desktop],
  ['phone', phone],
] as const;

/** A page in a fresh browser context (its own cookies); any dialog (an alert) fails the test. */
export async function newConsolePage(browser: Browser, viewport = desktop, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    throw new Error(`a dialog opened: ${dialog.message()}`);
  });
  return page;
}

/** Logs `page` in through the login form; it lands on the inbox. */
export async function logInPage(page: Page, base: string, email: string): Promise<Page> {
  await page.goto(`${base}/console/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(consolePassword);
  await Promise.all([page.waitForURL(`${base}/console`), page.click('button[type=submit]')]);
  return page;
}

/** A fresh browser context logged in as `email`. */
export async function loggedInPage(
  browser: Browser,
  base: string,
  email: string,
  viewport = desktop,
  options: BrowserContextOptions = {},
): Promise<Page> {
  return logInPage(await newConsolePage(browser, viewport, options), base, email);
}

/**
 * Where screenshots go: docs/console/ with PARLEY_SCREENSHOTS=1 (to refresh the documentation's),
 * otherwise a temporary folder (taking them still proves the pages render at both sizes).
 */
export function screenshotPath(name: string): string {
  screenshots ??= process.env.PARLEY_SCREENSHOTS
    ? new URL('../../docs/console/', import.meta.url)
    : pathToFileURL(`${mkdtempSync(join(tmpdir(), 'parley-screens-'))}/`);
  mkdirSync(screenshots, { recursive: true });
  return new URL(name, screenshots).pathname;
}
let screenshots: URL | undefined;
