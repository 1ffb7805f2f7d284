import { pathToFileURL } from 'node:url';
import { classify } from '../src/core/intent/classify.js';
import { corpus } from '../src/core/intent/corpus.js';
import { normalizeReply } from '../src/core/intent/normalize.js';

// The classifier runs on every inbound message, in the contact's turn, so it must never be what
// limits throughput. Measured over the reply corpus on one core, next to the cheapest work any
// reading of a reply has to do (normalizing it), timed the same way in the same process.

export interface ClassifierFigures {
  messagesPerSecond: number;
  baselinePerSecond: number;
  /** classify ÷ normalize: the share of normalizing speed the whole classifier keeps. */
  ratio: number;
}

/** Messages per second through `work`, looping `texts` for about `ms` milliseconds. */
function rate(work: (text: string, optedOut: boolean) => unknown, ms: number): number {
  let messages = 0;
  let kept = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (const line of corpus) {
      // Keeping something of each result stops the engine from dropping the call as dead code.
      if (work(line.text, line.optedOut === true) !== undefined) kept++;
    }
    messages += corpus.length;
    elapsed = performance.now() - start;
  }
  if (kept !== messages) throw new Error('bench: a call returned nothing');
  return (messages / elapsed) * 1000;
}

export async function benchClassify(ms = 2_000): Promise<ClassifierFigures> {
  const classifyOne = (text: string, optedOut: boolean) => classify(text, { optedOut });
  const normalizeOne = (text: string) => normalizeReply(text);
  // Both get the optimizing compiler's attention before either is timed.
  rate(classifyOne, 300);
  rate(normalizeOne, 300);
  const messagesPerSecond = rate(classifyOne, ms);
  const baselinePerSecond = rate(normalizeOne, ms);
  return { messagesPerSecond, baselinePerSecond, ratio: messagesPerSecond / baselinePerSecond };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { messagesPerSecond, baselinePerSecond, ratio } = await benchClassify();
  const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')} messages/s`;
  console.log(`Reply classifier over ${corpus.length} corpus replies, one core`);
  console.log(`  classify:             ${perSecond(messagesPerSecond)}`);
  console.log(`  baseline (normalize): ${perSecond(baselinePerSecond)}`);
  console.log(`  ratio:                ${ratio.toFixed(2)}`);
}
