import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { request, type Agent } from 'undici';

// Helpers for tests that run `parley start` as a real process and fire webhooks at it.

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Running {
  child: ChildProcess;
  base: string;
  /** What the process has written to stderr so far (its logs at warn and above, and crashes). */
  stderr(): string;
}

/** `parley start` in its own process, resolved once /readyz answers 200. */
export async function startParleyProcess(env: NodeJS.ProcessEnv, port: number): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await request(`${base}/readyz`);
      await res.body.dump();
      if (res.statusCode === 200) return { child, base, stderr: () => stderr };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`parley start did not come up: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** The i-th of a burst of distinct generic inbound webhooks, signed; each from its own texter unless `from` is given. */
export function signedInbound(
  secret: string,
  business: string,
  i: number,
  text = 'YES',
  from = `+1555${String(3_000_000 + i).padStart(7, '0')}`,
): { body: string; signature: string; id: string } {
  const id = `burst-${i}`;
  const body = JSON.stringify({ from, to: business, body: text, message_id: id });
  return { body, signature: createHmac('sha256', secret).update(body).digest('hex'), id };
}

/** Posts one; the status code, or null when the connection died without an answer. */
export async function postInbound(
  base: string,
  agent: Agent,
  webhook: { body: string; signature: string },
  channel = 'main',
): Promise<number | null> {
  const { body, signature } = webhook;
  try {
    const res = await request(`${base}/hooks/${channel}/inbound`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', 'x-signature': signature },
      body,
    });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return null; // the connection died with the process: no answer
  }
}
