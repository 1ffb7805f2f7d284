import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSend {
  id: string;
  from: string;
  to: string;
  body: string;
  media_urls?: string[];
  status_url?: string;
}

export interface ProviderReply {
  status: number;
  body?: unknown;
  delayMs?: number;
  headers?: Record<string, string>;
}

/**
 * A real HTTP server standing in for a generic provider's send API. By default it accepts every
 * message and answers `{"message_id":"prov-N"}`; `script` replaces the next answers in turn.
 */
export class FakeProvider {
  readonly sends: ReceivedSend[] = [];
  /** When each of `sends` was accepted, by this server's clock (for measuring spacing). */
  readonly acceptedAt: number[] = [];
  readonly script: ProviderReply[] = [];
  /** How long every answer not scripted otherwise takes (a slow provider). */
  delayMs = 0;
  private server: Server | undefined;
  private counter = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/send`;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedSend;
    const reply = this.script.shift() ?? { status: 200, delayMs: this.delayMs };
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (reply.status >= 200 && reply.status < 300) {
      this.sends.push(body);
      this.acceptedAt.push(Date.now());
    }
    const payload = reply.body ?? { message_id: `prov-${++this.counter}` };
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(payload));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
