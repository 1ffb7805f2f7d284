import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInReply {
  status: number;
  body: unknown;
  /** Never answer: a provider that hangs. */
  hang?: boolean;
}

export interface StandInRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real local HTTP server standing in for a provider's send API in the adapter tests: it records
 * each request and answers with `next` (JSON).
 */
export class ApiStandIn {
  next: StandInReply = { status: 200, body: {} };
  readonly received: StandInRequest[] = [];
  url = '';
  private server: Server | undefined;

  /** `answer`, when given, replaces `next`: e.g. a provider test kit's `answerSend`. */
  constructor(private readonly answer?: (request: StandInRequest) => { status: number; contentType: string; body: string }) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(request);
        if (this.answer) {
          const answer = this.answer(request);
          res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
          return;
        }
        if (this.next.hang) return;
        res.writeHead(this.next.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.next.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The last request. */
  last(): StandInRequest {
    const request = this.received.at(-1);
    if (!request) throw new Error('the stand-in received no request');
    return request;
  }

  lastJson(): Record<string, unknown> {
    return JSON.parse(this.last().body) as Record<string, unknown>;
  }

  lastForm(): URLSearchParams {
    return new URLSearchParams(this.last().body);
  }
}
