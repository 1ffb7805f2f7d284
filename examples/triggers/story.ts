import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import { parse as parseYaml } from 'yaml';

// What the example's two business systems send, in order: a patient books, the clinic's system
// retries the same event (it did not see the answer), the appointment moves, then it is cancelled;
// a card payment fails and is paid before the next attempt. Each event is signed as the business's
// system would sign it, with the trigger's secret.

export interface StoryEvent {
  /** What happens, for the person running the example. */
  says: string;
  trigger: 'appointments' | 'payments';
  /** The event's id (webhook-id): the same id twice is the business retrying. */
  id: string;
  event: Record<string, unknown>;
}

const hour = 3_600_000;
const day = 24 * hour;
/** A time `ms` from `now`, on the hour (appointments start on the hour). */
const at = (now: number, ms: number) => new Date(Math.ceil((now + ms) / hour) * hour).toISOString();

export const patient = '+15557650101';
export const customer = '+15557650102';

export function storyEvents(now = Date.now()): StoryEvent[] {
  const appointment = (type: string, startsIn: number) => ({
    type,
    appointment: { id: 'apt_2001', starts_at: at(now, startsIn), provider_name: 'Dr. Okafor' },
    patient: { phone: patient, first_name: 'Maya' },
  });
  const invoice = { id: 'inv_77', amount: '$42.00', update_url: 'https://pay.example.com/u/77', next_attempt_at: at(now, 3 * day) };
  return [
    {
      says: 'A patient books for three days from now',
      trigger: 'appointments',
      id: 'evt_a1',
      event: appointment('appointment.booked', 3 * day),
    },
    {
      says: 'The scheduling system retries the same event',
      trigger: 'appointments',
      id: 'evt_a1',
      event: appointment('appointment.booked', 3 * day),
    },
    {
      says: 'The appointment moves two days later',
      trigger: 'appointments',
      id: 'evt_a2',
      event: appointment('appointment.rescheduled', 5 * day),
    },
    { says: 'The appointment is cancelled', trigger: 'appointments', id: 'evt_a3', event: appointment('appointment.cancelled', 5 * day) },
    {
      says: 'A card payment fails; the next attempt is in three days',
      trigger: 'payments',
      id: 'evt_p1',
      event: { type: 'payment.failed', invoice, customer: { phone: customer } },
    },
    {
      says: 'The customer pays before the next attempt',
      trigger: 'payments',
      id: 'evt_p2',
      event: { type: 'payment.succeeded', invoice, customer: { phone: customer } },
    },
  ];
}

/** What Parley did for one action (hooks/triggers.ts). */
export interface ActionOutcome {
  action: 'send' | 'schedule' | 'cancel' | 'set_contact' | 'start_flow' | 'skipped';
  message_id?: string;
  send_at?: string;
  skipped?: string;
  replaced?: number;
  canceled?: number;
  contact_id?: string;
  session_id?: string | null;
}

export interface TriggerAnswer {
  status: number;
  body: { duplicate?: boolean; actions?: ActionOutcome[]; error?: { code: string; message: string } };
}

/** Posts one event as the business's system does: the exact bytes, signed (Standard Webhooks). */
export async function postEvent(base: string, secret: string, step: StoryEvent): Promise<TriggerAnswer> {
  const body = JSON.stringify(step.event);
  const timestamp = new Date();
  const res = await request(`${base}/hooks/triggers/${step.trigger}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': step.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(step.id, timestamp, body),
    },
    body,
  });
  return { status: res.statusCode, body: (await res.body.json()) as TriggerAnswer['body'] };
}

/** Saves the example's templates (templates.yaml) through the API; saving again changes nothing. */
export async function saveTemplates(base: string, apiKey: string, file = new URL('./templates.yaml', import.meta.url)): Promise<string[]> {
  const templates = parseYaml(readFileSync(file, 'utf8')) as Record<string, { body: string; variants?: Record<string, string> }>;
  for (const [name, template] of Object.entries(templates)) {
    const res = await request(`${base}/v1/templates/${name}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(template),
    });
    const answer = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`template ${name}: ${res.statusCode} ${answer}`);
  }
  return Object.keys(templates);
}

/** One line per action Parley took, as the example prints them. */
export function describeAnswer(answer: TriggerAnswer): string[] {
  if (answer.status !== 200) return [`${answer.status} ${answer.body.error?.code ?? ''}: ${answer.body.error?.message ?? ''}`];
  if (answer.body.duplicate) return ['duplicate: this event id was acted on before, nothing done again'];
  return (answer.body.actions ?? []).flatMap((a): string[] => {
    switch (a.action) {
      case 'skipped':
        return [];
      case 'send':
        return [`sent now: ${a.message_id}`];
      case 'schedule':
        return a.skipped
          ? [`not scheduled (${a.skipped}: ${a.send_at})`]
          : [`scheduled for ${a.send_at}: ${a.message_id}${a.replaced ? ` (replaced ${a.replaced} waiting)` : ''}`];
      case 'cancel':
        return [`cancelled ${a.canceled} waiting text(s)`];
      case 'set_contact':
        return [`contact updated: ${a.contact_id}`];
      case 'start_flow':
        return [a.session_id ? `flow started: ${a.session_id}` : 'flow not started (opted out)'];
    }
  });
}
