import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

// A tiny booking service, standing in for a clinic's scheduling system: appointments and free
// slots in a JSON file, and the calls the appointment flow makes. It accepts only requests signed by
// Parley (Standard Webhooks, the flows secret), acts on an appointment only for its own phone
// number, and answers a repeated Idempotency-Key with its first answer, as a booking system must
// when a caller retries.

export interface Slot {
  id: string;
  label: string;
  day: string;
}

export interface Appointment {
  id: string;
  phone: string;
  label: string;
  status: 'scheduled' | 'confirmed' | 'rescheduled';
  slot: string | null;
}

interface Data {
  appointments: Record<string, Appointment>;
  slots: Slot[];
  answered: Record<string, { status: number; body: unknown }>;
}

export const seedData = (): Data => ({
  appointments: {
    apt_1001: { id: 'apt_1001', phone: '+15551234567', label: 'Wednesday at 3 PM', status: 'scheduled', slot: null },
  },
  slots: [
    { id: 'thu-1400', label: 'Thursday at 2 PM', day: 'Thursday' },
    { id: 'fri-1000', label: 'Friday at 10 AM', day: 'Friday' },
  ],
  answered: {},
});

function readBody(raw: string): { slot?: string; phone?: string } {
  try {
    const body = JSON.parse(raw || '{}') as unknown;
    return body !== null && typeof body === 'object' ? body : {};
  } catch {
    return {};
  }
}

/** The service's own small store: one JSON file, replaced atomically on every change. */
class JsonStore {
  constructor(private readonly path: string) {
    if (!existsSync(path)) this.save(seedData());
  }
  load(): Data {
    return JSON.parse(readFileSync(this.path, 'utf8')) as Data;
  }
  save(data: Data): void {
    writeFileSync(`${this.path}.tmp`, JSON.stringify(data, null, 2));
    renameSync(`${this.path}.tmp`, this.path);
  }
}

export interface BookingService {
  url: string;
  server: Server;
  store: { load(): Data; save(data: Data): void };
  close(): Promise<void>;
}

export async function startBookingService(options: { dataFile: string; secret: string; port?: number }): Promise<BookingService> {
  const store = new JsonStore(options.dataFile);
  const verifier = new Webhook(options.secret);

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    try {
      verifier.verify(raw, req.headers as Record<string, string>);
    } catch {
      return answer(res, 401, { error: 'bad signature' });
    }
    const data = store.load();
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string' && data.answered[key]) return answer(res, data.answered[key].status, data.answered[key].body);

    const url = new URL(req.url ?? '/', 'http://booking.local');
    const [, resource, id, action] = url.pathname.split('/');
    let status = 200;
    let body: unknown;
    // A caller acts on an appointment only for the number it belongs to (the query's phone for a
    // read, the body's for a change); any other number is told no such appointment exists.
    const phone = req.method === 'GET' ? url.searchParams.get('phone') : readBody(raw).phone;
    const found = id ? data.appointments[id] : undefined;
    const appointment = found && found.phone === phone ? found : undefined;
    if (req.method === 'GET' && resource === 'slots') {
      body = data.slots;
    } else if (resource === 'appointments' && !appointment) {
      status = 404;
      body = { error: 'no such appointment for this number' };
    } else if (req.method === 'GET' && resource === 'appointments' && !action) {
      body = appointment;
    } else if (req.method === 'POST' && action === 'confirm') {
      appointment!.status = 'confirmed';
      body = appointment;
    } else if (req.method === 'POST' && action === 'reschedule') {
      const wanted = readBody(raw).slot;
      const slot = data.slots.find((s) => s.id === wanted);
      if (!slot) {
        status = 409;
        body = { error: 'that slot is not free' };
      } else {
        Object.assign(appointment!, { status: 'rescheduled', slot: slot.id, label: slot.label });
        data.slots = data.slots.filter((s) => s.id !== slot.id);
        body = appointment;
      }
    } else {
      status = 404;
      body = { error: 'not found' };
    }
    if (typeof key === 'string') data.answered[key] = { status, body };
    store.save(data);
    answer(res, status, body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    store,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
