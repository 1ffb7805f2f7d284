import { createHmac } from 'node:crypto';
import { request, type Agent } from 'undici';

// Texters writing in at a fixed rate (signed generic inbound webhooks to channel `main`), for the
// benchmarks that time how long their answer takes.

export interface TextIn {
  count: number;
  perSecond: number;
  secret: string;
  /** The texter's number, by index. */
  from: (i: number) => string;
  body: string;
  /** Makes each provider message id unique to the run. */
  idPrefix: string;
}

/** Sends `count` inbound texts at `perSecond`; returns when each texter wrote. */
export async function textIn(url: string, agent: Agent, spec: TextIn): Promise<Map<string, number>> {
  const sentAt = new Map<string, number>();
  const started = performance.now();
  const pending: Array<Promise<unknown>> = [];
  for (let next = 0; next < spec.count;) {
    const due = Math.min(spec.count, Math.floor(((performance.now() - started) / 1000) * spec.perSecond) + 1);
    for (; next < due; next++) {
      const from = spec.from(next);
      const body = JSON.stringify({ from, to: '+18005550100', body: spec.body, message_id: `${spec.idPrefix}-${process.pid}-${next}` });
      sentAt.set(from, performance.now());
      pending.push(
        request(`${url}/hooks/main/inbound`, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', spec.secret).update(body).digest('hex') },
          body,
        }).then((r) => r.body.dump()),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  return sentAt;
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
