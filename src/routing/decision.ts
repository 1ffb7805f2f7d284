import type { Classification } from '../core/intent/classify.js';
import type { RuleConfig } from '../config.js';
import type { NeedsHumanReason } from '../events/events.js';

// What the router decided about one inbound message, and why: kept with the message (the
// `routing` column, written in the commit that acts on it) for its trace. Every path of the router
// ends in one of these, so a message that was routed always says how.

/**
 * The path taken, in the router's order: `opt_out` (a repeated STOP is `opt_out_repeat`: already
 * silent, no second confirmation), `opt_in`, `help`, `silent` (an opted-out contact gets no answer),
 * `flow` (the step of a running flow session), `rule`, `handoff` (nothing answered it: acknowledged
 * and handed to the human queue).
 */
export type RoutingPath = 'opt_out' | 'opt_out_repeat' | 'opt_in' | 'help' | 'silent' | 'flow' | 'rule' | 'handoff';

export interface RoutingRecord {
  path: RoutingPath;
  /** The classifier's reading. */
  intent: Classification['intent'];
  confidence: number;
  reason: string;
  /** The words the reading rests on, when it names them. */
  match: string | null;
  /** The confidence below which a reading counts as `unknown` (opt-out ignores it). */
  threshold: number;
  /** Whether the contact had opted out of this number before this message. */
  opted_out_before: boolean;
  /** An opt-out's reach: this business number, or every number of the deployment. */
  scope?: 'number' | 'deployment';
  flow?: { flow: string; session_id: string; step_before: string; step_after: string; outcome: string };
  rule?: { name: string; matched_by: 'keyword' | 'intent'; handoff: boolean; start_flow: string | null; event: string | null };
  /** `handoff` path: whether the "we'll follow up" acknowledgment went out (at most once per period). */
  acknowledged?: boolean;
  /** Set when this message put the conversation in the human queue, with the reason. */
  handoff?: NeedsHumanReason;
  /** Automatic replies held back by loop protection (the contact answers every message). */
  reply_held?: boolean;
}

/** A rule's name as the trace shows it: its own, else its first keyword or its intent. */
export function ruleName(rule: RuleConfig): string {
  return rule.name ?? rule.keywords?.[0] ?? rule.intent ?? 'rule';
}
