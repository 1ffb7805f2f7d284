// What a reply can mean, and the fixed confidence scale every reading of the classifier uses.

export type Intent = 'opt_out' | 'opt_in' | 'help' | 'confirm' | 'decline' | 'unknown';

export interface Classification {
  intent: Intent;
  confidence: number;
  /** Why, for people: 'keyword "stop"', 'phrase "can\'t make it"', 'typo of "yes"'. */
  reason: string;
  /** The keyword or phrase that decided, normalized; null when nothing did. */
  match: string | null;
}

export interface ClassifyOptions {
  /** Below this confidence the reply is `unknown` (default 0.7). Opt-outs are never held back by it. */
  threshold?: number;
  /** The contact is currently opted out: a bare YES then means "resubscribe me". */
  optedOut?: boolean;
}

export const defaultThreshold = 0.7;

export const KEYWORD = 1;
export const KEYWORD_WITH_FILLER = 0.95;
export const PHRASE = 0.9;
export const SET_APART = 0.85;
export const TYPO = 0.8;
export const WEAK = 0.75;
export const GUESS = 0.6;

export type Known = Exclude<Intent, 'unknown'>;
