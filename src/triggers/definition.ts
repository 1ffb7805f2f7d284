import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { interpolateEnv } from '../config-env.js';
import { duration } from '../config-fields.js';
import { readYaml, type Config } from '../config.js';
import { ConfigError } from '../errors.js';

// Triggers turn a business's events (an appointment booked, a payment failed) into texts. Each is
// declared in parley.yaml (`triggers:`) or in a file of triggers/ beside it, and has a URL,
// POST /hooks/triggers/:name. Its actions read the event's JSON by field paths
// (`appointment.starts_at`); docs/triggers.md describes the format.

/** A field path into the event's JSON: names and array indexes separated by dots. */
const path = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a field path such as appointment.starts_at');
const paths = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), path);
const secret = z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'a Standard Webhooks secret: "whsec_" and base64');

/** Acts only when the event's field at `field` equals one of the values (e.g. type: appointment.cancelled). */
const when = z.strictObject({
  field: path,
  equals: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)]),
});

const send = z.strictObject({ template: z.string().min(1).max(64), vars: paths.default({}) });

const action = z.union([
  /** Send a template now. */
  z.strictObject({ when: when.optional(), send }),
  /** Send a template at a time of the event, shifted: `before: 24h` of `at: appointment.starts_at`. */
  z.strictObject({
    when: when.optional(),
    schedule: send.extend({
      at: path,
      before: duration.optional(),
      after: duration.optional(),
      /** What the text is about (appointment.id): a later schedule under the same key replaces it, a cancel removes it. */
      key: path.optional(),
    }),
  }),
  /** Cancel the texts scheduled under this key that are still waiting. */
  z.strictObject({ when: when.optional(), cancel: z.strictObject({ key: path }) }),
  /** Set the recipient's contact fields (from the event) and tags. */
  z.strictObject({
    when: when.optional(),
    set_contact: z
      .strictObject({
        fields: paths.default({}),
        add_tags: z.array(z.string().min(1).max(64)).max(100).default([]),
        remove_tags: z.array(z.string().min(1).max(64)).max(100).default([]),
      })
      .refine((c) => Object.keys(c.fields).length + c.add_tags.length + c.remove_tags.length > 0, 'set_contact: set fields or tags'),
  }),
  /** Start a flow for the recipient, with vars from the event. */
  z.strictObject({ when: when.optional(), start_flow: z.strictObject({ flow: z.string().min(1).max(64), vars: paths.default({}) }) }),
]);

const trigger = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "_" and "-"'),
  description: z.string().max(500).optional(),
  /** Verifies Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature); without it only the API key is accepted. */
  secret: secret.optional(),
  /** The recipient's phone number in the event. */
  to: path,
  /** The channel to send through; the default channel when absent. */
  channel: z.string().min(1).max(64).optional(),
  actions: z.array(action).min(1).max(20),
});

export type Trigger = z.output<typeof trigger>;
export type TriggerAction = z.output<typeof action>;

/**
 * The triggers of parley.yaml and of the triggers/ folder beside it, checked; errors name file and
 * trigger. `${NAME}` in a triggers/ file is read from the environment, as in parley.yaml, so a
 * trigger's secret need not be written in the file.
 */
export function loadTriggers(config: Config, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Map<string, Trigger> {
  const found: Array<{ where: string; value: unknown }> = config.triggers.map((value, i) => ({
    where: `${config.source ?? '(config)'}: triggers[${i}]`,
    value,
  }));
  const folder = resolve(config.source ? dirname(config.source) : cwd, 'triggers');
  if (existsSync(folder)) {
    for (const entry of readdirSync(folder)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()) {
      const file = join(folder, entry);
      found.push({ where: file, value: interpolateEnv(readYaml(file, readFileSync(file, 'utf8')), env, file) });
    }
  }
  const triggers = new Map<string, Trigger>();
  for (const { where, value } of found) {
    const parsed = trigger.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`${where}: ${issue.path.join('.') || '(trigger)'}: ${issue.message}`);
    }
    if (triggers.has(parsed.data.name)) throw new ConfigError(`${where}: name: "${parsed.data.name}" is the name of another trigger`);
    triggers.set(parsed.data.name, parsed.data);
  }
  return triggers;
}

/** The value at `path` in the event; undefined when a step is missing (or null). */
export function readPath(event: unknown, path: string): unknown {
  let value = event;
  for (const step of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value ?? undefined;
}
