// The conversations baseline: a bare node:http server that answers each inbound webhook 200 and
// at once POSTs a reply to the provider URL, the least any auto-responder must do. Parley's
// webhook-to-reply latency is reported next to this one's.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

const sendUrl = process.argv[2]!;
const agent = new Agent({ connections: 64 });
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const inbound = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { from: string; to: string };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
    void request(sendUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'relay', from: inbound.to, to: inbound.from, body: 'Got it' }),
    }).then((r) => r.body.dump());
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
