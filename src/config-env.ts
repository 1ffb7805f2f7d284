import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { isSecretFieldName } from './logger.js';

// `${NAME}` in parley.yaml and flow files: the environment's value put in its place, and then read
// as the type the setting wants. The environment only holds text, so `port: ${PORT}` arrives as
// "3000"; a setting that wants a number or a boolean reads it as one, and says which variable it
// came from when it cannot. Durations need nothing more: "30s" is already what they read.

/** The values that were one whole `${NAME}`, by their path in the file: the variable's name. */
export type Substitutions = Map<string, string>;

const reference = /\$\{([A-Z_][A-Z0-9_]*)\}/g;
const wholeReference = /^\$\{([A-Z_][A-Z0-9_]*)\}$/;

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

const pathKey = (path: ReadonlyArray<PropertyKey>) => JSON.stringify(path.map((p) => (typeof p === 'number' ? p : String(p))));

/**
 * Replaces `${NAME}` in string values with the environment variable; a missing one is an error
 * naming the key. Values that were a whole `${NAME}` are noted in `substitutions`, so the
 * validation can read them as numbers or booleans (`parseWithEnvironment`).
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  file: string,
  path: PropertyKey[] = [],
  substitutions?: Substitutions,
): unknown {
  if (typeof value === 'string') {
    const whole = wholeReference.exec(value)?.[1];
    if (whole !== undefined) substitutions?.set(pathKey(path), whole);
    return value.replace(reference, (_, name: string) => {
      const found = env[name];
      if (found === undefined) throw new ConfigError(`${file}: ${formatPath(path)}: environment variable ${name} is not set`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, file, [...path, i], substitutions));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, file, [...path, k], substitutions)]));
  }
  return value;
}

interface Expectation {
  path: PropertyKey[];
  expected: 'number' | 'boolean';
}

/** Where the schema wanted a number or a boolean, also inside the branches of a union. */
function expectations(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): Expectation[] {
  return issues.flatMap((issue): Expectation[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'boolean')) {
      return [{ path, expected: issue.expected as Expectation['expected'] }];
    }
    if (issue.code === 'invalid_union') return issue.errors.flatMap((branch) => expectations(branch, path));
    return [];
  });
}

const numberText = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*$/i;

function coerce(text: string, expected: Expectation['expected']): number | boolean | undefined {
  if (expected === 'number') return numberText.test(text) ? Number(text) : undefined;
  const word = text.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : undefined;
}

function setAt(root: unknown, path: PropertyKey[], value: unknown): void {
  let node = root as Record<PropertyKey, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<PropertyKey, unknown>;
  node[path[path.length - 1]!] = value;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/**
 * Validates `raw` (interpolated, with its `substitutions`) against `schema`. Where the schema
 * wants a number or a boolean and finds the text of a whole `${NAME}`, the text is read as one
 * ("3000", "true") and the whole is validated again. Text that is neither is a ConfigError naming
 * the key and the variable, with the value only when the key is not a secret's. Issues that remain
 * at substituted keys say which variable their value came from.
 */
export function parseWithEnvironment<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  substitutions: Substitutions,
  where: string,
): z.ZodSafeParseResult<z.output<T>> {
  const value = structuredClone(raw);
  // Each round reads at least one more value; a union may reveal a further one only once a first is read.
  for (let round = 0; ; round++) {
    const result = schema.safeParse(value);
    if (result.success || round > substitutions.size) return withVariables(result, substitutions);
    let changed = false;
    for (const { path, expected } of expectations(result.error.issues)) {
      const name = substitutions.get(pathKey(path));
      const text = valueAt(value, path);
      if (name === undefined || typeof text !== 'string') continue;
      const read = coerce(text, expected);
      if (read === undefined) {
        const key = String(path[path.length - 1] ?? '');
        const shown = isSecretFieldName(key) ? '' : ` ("${text.slice(0, 64)}")`;
        throw new ConfigError(`${where}: ${formatPath(path)}: environment variable ${name}${shown} is not a ${expected}`);
      }
      setAt(value, path, read);
      changed = true;
    }
    if (!changed) return withVariables(result, substitutions);
  }
}

function withVariables<R extends z.ZodSafeParseResult<unknown>>(result: R, substitutions: Substitutions): R {
  if (result.success) return result;
  for (const issue of result.error.issues) {
    const name = substitutions.get(pathKey(issue.path));
    // Issues are plain objects; their message is read-only only in zod's types.
    if (name !== undefined) (issue as { message: string }).message = `${issue.message} (from \${${name}})`;
  }
  return result;
}
