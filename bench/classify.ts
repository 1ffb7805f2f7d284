import { pathToFileURL } from 'node:url';
import { classify } from '../src/core/intent/classify.js';
import { corpus } from '../src/core/intent/corpus.js';
import { normalizeReply } from '../src/core/intent/normalize.js';

// The classifier runs on every inbound message: its rate, over the reply corpus, against the
// cheapest work any reading of a reply must do (normalizing it), measured the same way.

function rate(fn: (text: string) => unknown, texts: string[], ms: number): number {
  let count = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (const text of texts) {
      if (fn(text)) sink++;
    }
    count += texts.length;
    elapsed = performance.now() - start;
  }
  if (sink < 0) console.log(sink);
  return (count / elapsed) * 1000;
}

export async function benchClassify(ms = 2_000): Promise<{ messagesPerSecond: number; baselinePerSecond: number; ratio: number }> {
  const texts = corpus.map((l) => l.text);
  rate((t) => classify(t), texts, 300); // warm-up
  const messagesPerSecond = rate((t) => classify(t), texts, ms);
  const baselinePerSecond = rate((t) => normalizeReply(t), texts, ms);
  return { messagesPerSecond, baselinePerSecond, ratio: messagesPerSecond / baselinePerSecond };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await benchClassify();
  console.log(`classify ${Math.round(figures.messagesPerSecond)} msg/s, normalize ${Math.round(figures.baselinePerSecond)} msg/s, ratio ${figures.ratio.toFixed(2)}`);
}
