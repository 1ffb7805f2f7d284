import { ParleyError } from '../errors.js';
import type { Flow } from './definition.js';

const maxValueLength = 1024;

const listNames = (names: string[]) =>
  names
    .slice(0, 10)
    .map((n) => `"${n.slice(0, 64)}"`)
    .join(', ') + (names.length > 10 ? ` and ${names.length - 10} more` : '');

/**
 * The vars a start request gives, checked against the flow's `params`: every required one present,
 * none the flow did not declare (its own `vars` are never among them), each a string, number or
 * boolean. Returns the session's starting vars.
 */
export function startingVars(flow: Flow, given: Record<string, unknown> = {}): Record<string, unknown> {
  const undeclared = Object.keys(given).filter((name) => !Object.hasOwn(flow.params, name));
  if (undeclared.length > 0) {
    throw new ParleyError(
      'vars_not_declared',
      `vars: ${listNames(undeclared)} ${undeclared.length === 1 ? 'is' : 'are'} not among the params of the "${flow.name}" flow.`,
    );
  }
  const missing = Object.entries(flow.params)
    .filter(([name, param]) => param.required && (given[name] === undefined || given[name] === null || given[name] === ''))
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new ParleyError('vars_missing', `vars: the "${flow.name}" flow needs ${listNames(missing)}.`);
  }
  for (const [name, value] of Object.entries(given)) {
    const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    if (!scalar || String(value).length > maxValueLength) {
      throw new ParleyError('invalid_payload', `vars.${name}: a string, number or boolean of at most ${maxValueLength} characters.`);
    }
  }
  // The flow's own vars last: a caller can never replace one, even if a check above were loosened.
  return { ...given, ...flow.vars };
}
