/**
 * Delay before retry number `attempt` (1 = first retry): exponential from `baseMs`, capped at
 * `maxMs`, with "full jitter" so that jobs failing together (a provider outage) do not all
 * come back in the same instant.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // Never less than half the ceiling, so a retry is not immediate by chance.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
