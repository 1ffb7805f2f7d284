// The webhook benchmark's baseline, in its own process like Parley: sign and POST events to an
// endpoint with a fixed concurrency, the least any deliverer must do. Prints {"perSecond": …}.
import { Agent, request } from 'undici';
import { newEndpointSecret, signatureHeader } from '../src/core/webhook-signature.js';

const [url, eventsArg, concurrencyArg] = process.argv.slice(2) as [string, string, string];
const events = Number(eventsArg);
const secret = newEndpointSecret();
const dispatcher = new Agent();
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrencyArg) }, async () => {
    while (next < events) {
      const i = next++;
      const body = JSON.stringify({
        type: 'message.received',
        timestamp: new Date().toISOString(),
        data: { message_id: `msg_${i}`, body: 'YES' },
      });
      const id = `evt_${i}`;
      const ts = Math.floor(Date.now() / 1000);
      const res = await request(url, {
        method: 'POST',
        dispatcher,
        body,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signatureHeader([secret], id, ts, body),
        },
      });
      await res.body.dump();
    }
  }),
);
process.stdout.write(`${JSON.stringify({ perSecond: (events / (performance.now() - started)) * 1000 })}\n`);
await dispatcher.close();
