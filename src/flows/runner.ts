import type { Intent } from '../core/intent/classify.js';
import { normalizeReply } from '../core/intent/normalize.js';
import { renderTemplate, renderUrlTemplate, UnsafeUrl } from '../core/template.js';
import type { Flow, FlowAction, FlowBranch, FlowStep } from './definition.js';

// What a flow does on one turn — started, answered, or its wait ran out — as a list of effects for
// the caller to commit in one transaction. The only outside call is `io.call` (the business's own
// HTTP endpoints); everything else here is decided from the flow and the session's state.

export interface SessionState {
  step: string;
  vars: Record<string, unknown>;
  /** Unclear replies so far at this step. */
  retries: number;
}

export type TurnInput = { kind: 'start' } | { kind: 'reply'; text: string; intent: Intent } | { kind: 'timeout' };

export type FlowEffect =
  | { kind: 'say'; text: string }
  | { kind: 'set_fields'; fields: Record<string, unknown> }
  | { kind: 'event'; name: string }
  | { kind: 'entered'; step: string }
  | { kind: 'wait'; step: string; after: number };

export type TurnOutcome = 'waiting' | 'completed' | 'handed_off';

export interface TurnResult {
  state: SessionState;
  effects: FlowEffect[];
  outcome: TurnOutcome;
}

export interface CallRequest {
  method: string;
  url: string;
  body: unknown;
  timeout: number;
  /** The same on a retried turn, so the business can ignore a repeat. */
  idempotencyKey: string;
}

export type CallResult = { ok: true; json: unknown } | { ok: false; error: string };

export interface FlowIO {
  call(request: CallRequest): Promise<CallResult>;
  /** Template values besides `vars`: the business, the contact, the message being answered. */
  values: Record<string, unknown>;
  /** Unique to this turn (the inbound message or timer), for idempotency keys. */
  turnId: string;
  onCallFailed?(step: string, url: string, error: string): void;
}

/** A flow that loops through steps without waiting for anyone is a mistake; stop it rather than spin. */
const maxStepsPerTurn = 20;

export async function runTurn(flow: Flow, state: SessionState, input: TurnInput, io: FlowIO): Promise<TurnResult> {
  const turn = new Turn(flow, { ...state, vars: { ...state.vars } }, io);
  return turn.run(input);
}

/** Whether a branch answers this reply. */
export function branchMatches(branch: FlowBranch, text: string, intent: Intent): boolean {
  if (branch.intent !== undefined) return branch.intent === intent;
  if (branch.choice !== undefined) {
    const said = normalizeReply(text);
    return [branch.choice].flat().some((c) => normalizeReply(c) === said);
  }
  return new RegExp(branch.pattern!, 'iu').test(text.trim());
}

class Turn {
  private readonly effects: FlowEffect[] = [];
  private hops = 0;
  private actionCount = 0;

  constructor(
    private readonly flow: Flow,
    private readonly state: SessionState,
    private readonly io: FlowIO,
  ) {}

  async run(input: TurnInput): Promise<TurnResult> {
    if (input.kind === 'start') return this.goTo(this.flow.start);
    const step = this.step(this.state.step);
    if (input.kind === 'timeout') return this.goTo(step.wait?.then ?? 'end');

    this.state.vars.last_reply = input.text;
    const branch = step.replies.find((b) => branchMatches(b, input.text, input.intent));
    if (branch) {
      const redirect = await this.runActions(branch.do);
      return this.goTo(redirect ?? branch.goto);
    }
    const otherwise = step.otherwise ?? { retries: 0, then: 'handoff' as const, say: undefined };
    if (this.state.retries < otherwise.retries) {
      this.state.retries += 1;
      if (otherwise.say) this.say(otherwise.say);
      return this.finish('waiting');
    }
    return this.goTo(otherwise.then);
  }

  private step(name: string): FlowStep {
    const step = this.flow.steps[name];
    if (!step) throw new Error(`flow ${this.flow.name} has no step "${name}"`);
    return step;
  }

  private async goTo(target: string): Promise<TurnResult> {
    let next: string | undefined = target;
    while (next !== undefined) {
      if (next === 'handoff') return this.finish('handed_off');
      if (next === 'end') return this.finish('completed');
      if (++this.hops > maxStepsPerTurn) return this.finish('handed_off');
      const step = this.step(next);
      this.state.step = next;
      this.state.retries = 0;
      this.effects.push({ kind: 'entered', step: next });
      const redirect = await this.runActions(step.do);
      if (redirect !== undefined) {
        next = redirect;
        continue;
      }
      const chosen = step.when.find((condition) => this.render(condition.if).trim() !== '');
      if (chosen) {
        next = chosen.goto;
        continue;
      }
      if (step.say) this.say(step.say);
      if (step.end) return this.finish('completed');
      if (step.goto) {
        next = step.goto;
        continue;
      }
      if (step.wait) this.effects.push({ kind: 'wait', step: next, after: step.wait.after });
      return this.finish('waiting');
    }
    return this.finish('waiting');
  }

  /** Runs actions in order; a failed call returns where to go instead (its on_error, else handoff). */
  private async runActions(actions: FlowAction[]): Promise<string | undefined> {
    for (const action of actions) {
      const index = this.actionCount++;
      if ('set' in action) Object.assign(this.state.vars, this.renderValue(action.set) as Record<string, unknown>);
      else if ('set_fields' in action)
        this.effects.push({ kind: 'set_fields', fields: this.renderValue(action.set_fields) as Record<string, unknown> });
      else if ('event' in action) this.effects.push({ kind: 'event', name: action.event });
      else {
        let url: string;
        try {
          url = renderUrlTemplate(action.call.url, this.values());
        } catch (error) {
          // A value that would reshape the URL fails the call, as an unreachable endpoint would.
          if (!(error instanceof UnsafeUrl)) throw error;
          this.io.onCallFailed?.(this.state.step, action.call.url, error.message);
          return action.call.on_error ?? 'handoff';
        }
        const result = await this.io.call({
          method: action.call.method,
          url,
          body: action.call.body === undefined ? undefined : this.renderValue(action.call.body),
          timeout: action.call.timeout,
          idempotencyKey: `${this.io.turnId}:${this.state.step}:${index}`,
        });
        if (!result.ok) {
          this.io.onCallFailed?.(this.state.step, url, result.error);
          return action.call.on_error ?? 'handoff';
        }
        if (action.call.save_as) this.state.vars[action.call.save_as] = result.json;
      }
    }
    return undefined;
  }

  private values(): Record<string, unknown> {
    return { ...this.io.values, vars: this.state.vars };
  }

  private render(template: string): string {
    return renderTemplate(template, this.values());
  }

  /** Templates inside JSON: every string value is rendered, other values kept. */
  private renderValue(value: unknown): unknown {
    if (typeof value === 'string') return this.render(value);
    if (Array.isArray(value)) return value.map((v) => this.renderValue(v));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.renderValue(v)]));
    return value;
  }

  private say(template: string): void {
    const text = this.render(template).trim();
    if (text) this.effects.push({ kind: 'say', text });
  }

  private finish(outcome: TurnOutcome): TurnResult {
    return { state: this.state, effects: this.effects, outcome };
  }
}
