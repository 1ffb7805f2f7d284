import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/database.js';
import type { ConsoleContext } from './request.js';

// Open console pages learn that a conversation changed through one server-sent-events stream per
// tab. The changes are read from the database, not from this process's memory, so a webhook taken
// by another instance sharing PostgreSQL shows up too: one loop per process, running only while a
// stream is open, polls five times a second (three indexed reads of the last few seconds) for
// conversations touched (new message, status, assignment, note) and for events about contacts
// (delivery receipts, opt-outs), and tells every open stream. The poll's period is most of the
// time an agent waits to see a new message (npm run bench: console live updates).

const pollMs = 200;
// Rows are read back this far, and remembered, so a transaction that committed late (or an
// instance whose clock is a little behind) is not missed.
const overlapMs = 5_000;
const heartbeatMs = 25_000;

export interface Change {
  conversations: string[];
  contacts: string[];
}

export class ChangeWatcher {
  private readonly listeners = new Set<(change: Change) => void>();
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly store: Store,
    private readonly onError: (error: unknown) => void,
  ) {}

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.tick(), pollMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const change = await this.poll();
      if (change.conversations.length > 0 || change.contacts.length > 0) for (const listener of this.listeners) listener(change);
    } catch (error) {
      this.onError(error);
    } finally {
      this.polling = false;
      if (this.timer && this.listeners.size > 0) this.schedule();
    }
  }

  /** What changed since the last look (the first look reports the last few seconds: at worst a page refreshes once more). */
  async poll(now = Date.now()): Promise<Change> {
    const since = now - overlapMs;
    const db = this.store.db;
    const [touched, active, events] = await Promise.all([
      db.selectFrom('conversations').select(['id', 'updated_at as at']).where('updated_at', '>', since).execute(),
      db.selectFrom('conversations').select(['id', 'last_message_at as at']).where('last_message_at', '>', since).execute(),
      // Receipts' message.status events name the message, not the contact: its conversation is looked up.
      db
        .selectFrom('events')
        .leftJoin('messages', 'messages.id', 'events.message_id')
        .select(['events.id', 'events.contact_id', 'messages.conversation_id'])
        .where('events.occurred_at', '>', since)
        .execute(),
    ]);
    const conversations = new Set<string>();
    const contacts = new Set<string>();
    for (const row of [...touched, ...active]) {
      const key = `c:${row.id}:${row.at}`;
      if (!this.seen.has(key)) conversations.add(row.id);
      this.seen.set(key, now);
    }
    for (const row of events) {
      const key = `e:${row.id}`;
      if (!this.seen.has(key)) {
        if (row.contact_id) contacts.add(row.contact_id);
        if (row.conversation_id) conversations.add(row.conversation_id);
      }
      this.seen.set(key, now);
    }
    for (const [key, at] of this.seen) if (at < now - 2 * overlapMs) this.seen.delete(key);
    return { conversations: [...conversations], contacts: [...contacts] };
  }
}

export function registerStream(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx } = consoleContext;
  const watcher = new ChangeWatcher(ctx.store, (error) => ctx.log.warn({ err: error }, 'console: could not read changes'));
  const open = new Set<ServerResponse>();

  // Streams never go idle: end them before the server waits for its connections to close.
  app.addHook('preClose', async () => {
    watcher.stop();
    for (const response of open) response.end();
  });

  app.get('/console/stream', { preHandler: consoleContext.requireSession }, async (request, reply) => {
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Proxies such as nginx would otherwise hold events back in their buffer.
      'x-accel-buffering': 'no',
    });
    response.write('retry: 3000\n\n');
    open.add(response);
    const unsubscribe = watcher.subscribe((change) => response.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`));
    const heartbeat = setInterval(() => response.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(response);
    });
  });
}
