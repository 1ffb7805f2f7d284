import assert from 'node:assert/strict';
import { it } from 'node:test';
import { summarizeReplies, type ReplyRecord } from './reply-analytics.js';

it('groups replies by the message they answer, with intent shares and the commonest unreadable replies', () => {
  const reminder = 'Your appointment is Wednesday at 3 PM. Reply YES to confirm or NO to reschedule.';
  const records: ReplyRecord[] = [
    ...Array.from({ length: 4 }, () => ({ prompt: reminder, intent: 'confirm', body: 'yes' })),
    { prompt: reminder, intent: 'decline', body: 'no' },
    { prompt: reminder, intent: 'unknown', body: 'What time again?' },
    { prompt: reminder, intent: 'unknown', body: 'what time again' },
    { prompt: reminder, intent: 'unknown', body: 'Where are you?' },
    { prompt: null, intent: 'unknown', body: 'hi' },
  ];
  assert.deepEqual(summarizeReplies(records, 1), [
    {
      prompt: reminder,
      replies: 8,
      intents: [
        { intent: 'confirm', count: 4, share: 0.5 },
        { intent: 'unknown', count: 3, share: 0.375 },
        { intent: 'decline', count: 1, share: 0.125 },
      ],
      top_unrecognized: [{ text: 'What time again?', count: 2, share: 0.25 }],
    },
    {
      prompt: null,
      replies: 1,
      intents: [{ intent: 'unknown', count: 1, share: 1 }],
      top_unrecognized: [{ text: 'hi', count: 1, share: 1 }],
    },
  ]);
});
