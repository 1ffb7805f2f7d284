import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was typed: printed as one line, exit code 2. */
export class UsageError extends Error {}

/**
 * Reads a command's options, refusing an unknown option or a missing value with one line that says
 * what was wrong and, for a likely typo, which option was meant. Node's own parser messages (with
 * their advice about `--`) are never shown.
 */
export function readOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    const written = token.rawName;
    if (!spec) {
      const names = Object.keys(options);
      const near = closest(token.name, names);
      throw new UsageError(
        `unknown option ${written}${near ? `; did you mean --${near}?` : `; the options are ${names.map((n) => `--${n}`).join(', ')}`}`,
      );
    }
    if (spec.type === 'string' && token.value === undefined) throw new UsageError(`${written} needs a value, e.g. ${written} VALUE`);
    if (spec.type === 'boolean' && token.inlineValue) throw new UsageError(`${written} takes no value`);
  }
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

/** The known name nearest to `name`, if it is near enough to be a typo (at most two edits, less than half the word). */
export function closest(name: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && distance * 2 < Math.max(name.length, candidate.length) && (!best || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}

/** Levenshtein distance counting an adjacent swap as one edit ("prot" → "port"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Why the server could not listen, as one line naming the way to choose another port, or undefined
 * when the error is not about the address (it is then reported as it is).
 */
export function listenProblem(error: unknown, host: string, port: number, choose = '--port N or PORT=N'): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE')
    return `port ${port} is already in use (${where}: another Parley or another program listens there); choose another with ${choose}`;
  if (code === 'EACCES') return `not allowed to listen on ${where} (ports below 1024 need privileges); choose another with ${choose}`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return `cannot listen on ${where}: this machine has no such address; set server.host in parley.yaml`;
  return undefined;
}
