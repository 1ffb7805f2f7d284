import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { urlTemplateShape } from '../core/template.js';
import { duration } from '../config-fields.js';
import { readYaml } from '../config.js';
import { interpolateEnv, parseWithEnvironment, type Substitutions } from '../config-env.js';
import { ConfigError } from '../errors.js';

// Conversation flows, declared one per YAML file in the flows folder. A flow is a set of named
// steps; a step runs its actions, sends its message, then waits for a reply and branches on it.
// docs/flows.md describes the format; this file validates it, and errors name the file, the step
// and the field.

const stepName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'step names are lowercase letters, digits and "_"');
/** Where a branch goes: a step of this flow, or `handoff` (a human takes over) or `end`. */
const target = z.string().min(1).max(63);
const template = z.string().min(1).max(1600);

const call = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /**
   * A template: `{{vars.booking_url}}/slots/{{vars.slot}}`. It starts with `http(s)://host` or with
   * the placeholder of one of the flow's own vars holding the base URL; other values are encoded.
   */
  url: template,
  /** JSON sent with the request; string values are templates. */
  body: z.record(z.string(), z.unknown()).optional(),
  timeout: duration.default(10_000),
  /** The JSON answer is kept in the session under this name (`{{vars.<name>}}`). */
  save_as: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .optional(),
  /** The step to go to when the call fails (no answer, not 2xx, not JSON); without it, a human takes over. */
  on_error: target.optional(),
});

const action = z.union([
  z.strictObject({ call }),
  /** Session variables; string values are templates. */
  z.strictObject({ set: z.record(z.string(), z.unknown()) }),
  /** Contact fields, kept beyond the session; string values are templates. */
  z.strictObject({ set_fields: z.record(z.string(), z.unknown()) }),
  /** A `flow.event` to the business's endpoints, with this name. */
  z.strictObject({ event: z.string().regex(/^[a-z][a-z0-9_.-]{0,62}$/) }),
]);

const branch = z
  .strictObject({
    /** What the classifier read: confirm ("yes", "yep", "sounds good") or decline ("no", "can't make it"). */
    intent: z.enum(['confirm', 'decline']).optional(),
    /** Exact replies, case and punctuation ignored: "1", "thursday". */
    choice: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** A regular expression, case-insensitive. */
    pattern: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p, 'iu');
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    do: z.array(action).default([]),
    goto: target,
  })
  .refine(
    (b) => [b.intent, b.choice, b.pattern].filter((m) => m !== undefined).length === 1,
    'give exactly one of intent, choice or pattern',
  );

/** A condition checked on entering a step, after its actions: it holds when `if` renders to some text. */
const condition = z.strictObject({ if: template, goto: target });

const step = z.strictObject({
  /** Run on entering the step, in order, before its message. */
  do: z.array(action).default([]),
  /** After the actions: the first condition that holds goes to its step at once, without this step's message. */
  when: z.array(condition).default([]),
  /** The message sent on entering the step (a template). */
  say: template.optional(),
  replies: z.array(branch).default([]),
  /** A reply no branch matches: say this and wait again, up to `retries` times, then go to `then`. */
  otherwise: z
    .strictObject({
      say: template.optional(),
      retries: z.number().int().min(0).max(10).default(1),
      then: target.default('handoff'),
    })
    .optional(),
  /** No reply by `after`: go to `then` (a reminder, or `end`). */
  wait: z.strictObject({ after: duration, then: target }).optional(),
  /** Go straight on to this step after entering (no reply awaited). */
  goto: target.optional(),
  /** The flow is complete once this step has run. */
  end: z.boolean().default(false),
});

const flowFile = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,62}$/)
    .optional(),
  description: z.string().max(500).optional(),
  start: stepName,
  /** A session still open this long after it started expires (flow.expired). */
  expires_after: duration.default(3 * 86_400_000),
  /** Session variables every session starts with; a start request can never change them. */
  vars: z.record(z.string(), z.unknown()).default({}),
  /** The vars a start request (`POST /v1/flows/:name/start`) may set; it may set no others. */
  params: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'param names are lowercase letters, digits and "_"'),
      z.strictObject({ required: z.boolean().default(false), description: z.string().max(500).optional() }),
    )
    .default({}),
  steps: z.record(stepName, step).refine((s) => Object.keys(s).length > 0, 'a flow needs at least one step'),
});

export type FlowAction = z.output<typeof action>;
export type FlowBranch = z.output<typeof branch>;
export type FlowStep = z.output<typeof step>;
export type FlowCondition = z.output<typeof condition>;
export interface Flow extends z.output<typeof flowFile> {
  name: string;
  file: string;
}

export const builtInTargets = new Set(['handoff', 'end']);

/** Every target a flow names must be one of its steps or a built-in one. */
function checkTargets(flow: Flow): void {
  const where = (stepKey: string, field: string) => `${flow.file}: steps.${stepKey}.${field}`;
  const known = (t: string) => builtInTargets.has(t) || t in flow.steps;
  if (!(flow.start in flow.steps)) throw new ConfigError(`${flow.file}: start: "${flow.start}" is not a step of this flow`);
  for (const [key, s] of Object.entries(flow.steps)) {
    const targets: Array<[string, string]> = [];
    s.when.forEach((c, i) => targets.push([`when[${i}].goto`, c.goto]));
    s.replies.forEach((b, i) => targets.push([`replies[${i}].goto`, b.goto]));
    if (s.otherwise) targets.push(['otherwise.then', s.otherwise.then]);
    if (s.wait) targets.push(['wait.then', s.wait.then]);
    if (s.goto) targets.push(['goto', s.goto]);
    const actions: Array<[string, FlowAction]> = [
      ...s.do.map((a, i): [string, FlowAction] => [`do[${i}]`, a]),
      ...s.replies.flatMap((b, i) => b.do.map((a, j): [string, FlowAction] => [`replies[${i}].do[${j}]`, a])),
    ];
    for (const [path, a] of actions) if ('call' in a && a.call.on_error) targets.push([`${path}.call.on_error`, a.call.on_error]);
    for (const [field, t] of targets) {
      if (!known(t)) throw new ConfigError(`${where(key, field)}: "${t}" is not a step of this flow (nor handoff or end)`);
    }
    const waits = s.replies.length > 0 || s.wait !== undefined;
    if (s.end && (waits || s.goto)) throw new ConfigError(`${where(key, 'end')}: an end step cannot also wait for replies or go on`);
    if (s.goto && waits) throw new ConfigError(`${where(key, 'goto')}: a step that goes straight on cannot wait for replies`);
    if (!s.end && !s.goto && !waits) throw new ConfigError(`${flow.file}: steps.${key}: give it replies, a wait, a goto, or end: true`);
  }
}

/**
 * Call URLs: each starts with a literal origin or with the placeholder of one of the flow's own
 * vars. That var must stay the flow's: no start request (params), no reply (`set`), no call answer
 * (`save_as`) may write it, or whoever did would choose where Parley's signed calls go.
 */
function checkCallUrls(flow: Flow): void {
  for (const name of Object.keys(flow.params)) {
    if (name in flow.vars)
      throw new ConfigError(`${flow.file}: params.${name}: "${name}" is one of the flow's own vars, which a caller cannot set`);
  }
  const written = new Map<string, string>([['last_reply', 'every reply']]);
  for (const name of Object.keys(flow.params)) written.set(name, `params.${name}`);
  const actions = Object.entries(flow.steps).flatMap(([key, s]) => [
    ...s.do.map((a, i): [string, FlowAction] => [`steps.${key}.do[${i}]`, a]),
    ...s.replies.flatMap((b, i) => b.do.map((a, j): [string, FlowAction] => [`steps.${key}.replies[${i}].do[${j}]`, a])),
  ]);
  for (const [path, a] of actions) {
    if ('set' in a) for (const name of Object.keys(a.set)) written.set(name, `${path}.set`);
    if ('call' in a && a.call.save_as) written.set(a.call.save_as, `${path}.call.save_as`);
  }
  for (const [path, a] of actions) {
    if (!('call' in a)) continue;
    const where = `${flow.file}: ${path}.call.url`;
    const shape = urlTemplateShape(a.call.url);
    if ('problem' in shape) throw new ConfigError(`${where}: ${shape.problem}`);
    if (shape.base === null) continue;
    const name = /^vars\.(\w+)$/.exec(shape.base)?.[1];
    if (name === undefined || !(name in flow.vars)) {
      throw new ConfigError(`${where}: {{${shape.base}}} at the start must be one of the flow's own vars (vars: in this file)`);
    }
    const writer = written.get(name);
    if (writer) throw new ConfigError(`${where}: {{${shape.base}}} holds the base URL, so it cannot also be set by ${writer}`);
  }
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
  return `${path || '(top level)'}: ${issue.message}`;
}

/**
 * Reads and validates one flow file; throws ConfigError naming the file, the step and the field.
 * `${NAME}` in a value reads the environment, as in parley.yaml.
 */
export function parseFlow(file: string, text: string, env: NodeJS.ProcessEnv = process.env): Flow {
  const substitutions: Substitutions = new Map();
  const raw = interpolateEnv(readYaml(file, text), env, file, [], substitutions);
  const parsed = parseWithEnvironment(flowFile, raw, substitutions, file);
  if (!parsed.success) throw new ConfigError(`${file}: invalid flow\n${parsed.error.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  const flow: Flow = { ...parsed.data, name: parsed.data.name ?? basename(file).replace(/\.ya?ml$/, ''), file };
  checkTargets(flow);
  checkCallUrls(flow);
  return flow;
}

/** Every `*.yaml` flow in `dir`, by name. A missing folder is no flows. */
export function loadFlows(dir: string, env: NodeJS.ProcessEnv = process.env): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  const folder = resolve(dir);
  if (!existsSync(folder)) return flows;
  for (const entry of readdirSync(folder)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const file = join(folder, entry);
    const flow = parseFlow(file, readFileSync(file, 'utf8'), env);
    const other = flows.get(flow.name);
    if (other) throw new ConfigError(`${file}: name: "${flow.name}" is also the name of ${other.file}`);
    flows.set(flow.name, flow);
  }
  return flows;
}
