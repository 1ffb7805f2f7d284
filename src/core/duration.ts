const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Reads "250ms", "30s", "5m", "24h", "7d" as milliseconds; anything else, a number without its unit included, is null. */
export function parseDuration(value: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (!match) return null;
  return Math.round(Number(match[1]) * units[match[2]!]!);
}

/**
 * A number written without a unit (5, "5"), which a duration setting refuses rather than guess:
 * `window: 5` meant seconds or minutes far more often than the milliseconds it once silently was.
 */
export function unitlessNumber(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return /^\s*[+-]?\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : null;
}
