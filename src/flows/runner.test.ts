import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlow } from './definition.js';
import { runTurn, type CallRequest, type FlowIO, type SessionState } from './runner.js';

const flow = parseFlow(
  'slots.yaml',
  `
start: offer
steps:
  offer:
    do: [{ call: { method: GET, url: "https://booking.test/slots?for={{contact.phone}}", save_as: slots, on_error: sorry } }]
    say: "Reply 1 for {{vars.slots.0}} or 2 for {{vars.slots.1}}"
    replies:
      - { choice: "1", do: [{ set: { chosen: "{{vars.slots.0}}" } }], goto: book }
      - { intent: decline, goto: end }
    otherwise: { say: "1 or 2, please", retries: 1, then: handoff }
    wait: { after: 1h, then: nudge }
  nudge:
    say: "Still there?"
    goto: offer
  book:
    do:
      - { call: { url: "https://booking.test/book", body: { slot: "{{vars.chosen}}", n: 1 } } }
      - { set_fields: { slot: "{{vars.chosen}}" } }
      - { event: booked }
    say: "Booked {{vars.chosen}}"
    end: true
  sorry:
    say: "Booking is down"
    goto: handoff
`,
);

function io(answers: Record<string, unknown> = {}): FlowIO & { calls: CallRequest[] } {
  const calls: CallRequest[] = [];
  return {
    calls,
    values: { contact: { phone: '+15551234567' } },
    turnId: 'msg_1',
    call: async (request) => {
      calls.push(request);
      const key = request.url.split('?')[0]!;
      return key in answers ? { ok: true, json: answers[key] } : { ok: false, error: 'answered 503' };
    },
  };
}
const slots = { 'https://booking.test/slots': ['Thu 2pm', 'Fri 10am'], 'https://booking.test/book': { ok: true } };
const at = (step: string, vars: Record<string, unknown> = {}, retries = 0): SessionState => ({ step, vars, retries });

describe('flow turns', () => {
  it('starts: calls, keeps the answer, says the step with it, and waits with a timer', async () => {
    const calls = io(slots);
    const result = await runTurn(flow, at('offer'), { kind: 'start' }, calls);
    // A value in a query is encoded: a bare "+" would read as a space.
    assert.equal(calls.calls[0]!.url, 'https://booking.test/slots?for=%2B15551234567');
    assert.equal(calls.calls[0]!.idempotencyKey, 'msg_1:offer:0');
    assert.deepEqual(result.effects, [
      { kind: 'entered', step: 'offer' },
      { kind: 'say', text: 'Reply 1 for Thu 2pm or 2 for Fri 10am' },
      { kind: 'wait', step: 'offer', after: 3_600_000 },
    ]);
    assert.equal(result.outcome, 'waiting');
  });

  it('a choice runs its actions, renders JSON bodies, sets fields, emits events and ends', async () => {
    const calls = io(slots);
    const result = await runTurn(
      flow,
      at('offer', { slots: ['Thu 2pm', 'Fri 10am'] }),
      { kind: 'reply', text: ' 1. ', intent: 'unknown' },
      calls,
    );
    assert.deepEqual(calls.calls[0]!.body, { slot: 'Thu 2pm', n: 1 });
    assert.deepEqual(
      result.effects.filter((e) => e.kind !== 'entered'),
      [
        { kind: 'set_fields', fields: { slot: 'Thu 2pm' } },
        { kind: 'event', name: 'booked' },
        { kind: 'say', text: 'Booked Thu 2pm' },
      ],
    );
    assert.equal(result.outcome, 'completed');
    assert.equal(result.state.vars.last_reply, ' 1. ');
  });

  it('an unclear reply is asked again up to `retries`, then handed off', async () => {
    const once = await runTurn(flow, at('offer'), { kind: 'reply', text: 'maybe', intent: 'unknown' }, io());
    assert.deepEqual([once.outcome, once.state.retries, once.effects], ['waiting', 1, [{ kind: 'say', text: '1 or 2, please' }]]);
    const twice = await runTurn(flow, once.state, { kind: 'reply', text: 'hmm', intent: 'unknown' }, io());
    assert.deepEqual([twice.outcome, twice.effects], ['handed_off', []]);
  });

  it('an intent branch can end the flow', async () => {
    assert.equal(
      (await runTurn(flow, at('offer'), { kind: 'reply', text: "can't do either", intent: 'decline' }, io())).outcome,
      'completed',
    );
  });

  it('a failed call goes to its on_error step', async () => {
    const result = await runTurn(flow, at('offer'), { kind: 'start' }, io({}));
    assert.deepEqual(
      result.effects.filter((e) => e.kind === 'say'),
      [{ kind: 'say', text: 'Booking is down' }],
    );
    assert.equal(result.outcome, 'handed_off');
  });

  it('a wait that runs out goes on to its then step, which may loop back', async () => {
    const result = await runTurn(flow, at('offer'), { kind: 'timeout' }, io(slots));
    assert.deepEqual(
      result.effects.filter((e) => e.kind === 'say').map((e) => (e as { text: string }).text),
      ['Still there?', 'Reply 1 for Thu 2pm or 2 for Fri 10am'],
    );
    assert.equal(result.state.step, 'offer');
  });

  it('a flow that loops without waiting is stopped and handed to a human', async () => {
    const loop = parseFlow('loop.yaml', 'start: a\nsteps:\n  a: { goto: b }\n  b: { goto: a }\n');
    assert.equal((await runTurn(loop, at('a'), { kind: 'start' }, io())).outcome, 'handed_off');
  });
});

describe('flow conditions (when:)', () => {
  const branching = parseFlow(
    'branching.yaml',
    `
start: offer
steps:
  offer:
    do: [{ call: { method: GET, url: "https://booking.test/slots", save_as: slots } }]
    when:
      - { if: "{{vars.slots.1.id}}", goto: two }
      - { if: "{{vars.slots.0.id}}", goto: one }
    say: "No free times"
    goto: handoff
  two:
    say: "{{vars.slots.0.id}} or {{vars.slots.1.id}}?"
    replies: [{ choice: "1", goto: end }]
  one:
    say: "Only {{vars.slots.0.id}}: take it?"
    replies: [{ intent: confirm, goto: end }]
`,
  );
  const start = async (answer: unknown) => runTurn(branching, at('offer'), { kind: 'start' }, io({ 'https://booking.test/slots': answer }));
  const said = (result: Awaited<ReturnType<typeof start>>) =>
    result.effects.filter((e) => e.kind === 'say').map((e) => (e as { text: string }).text);

  it('takes the first condition that renders to some text, without the step’s own message', async () => {
    const two = await start([{ id: 'thu' }, { id: 'fri' }]);
    assert.deepEqual(said(two), ['thu or fri?']);
    assert.equal(two.state.step, 'two');
    const one = await start([{ id: 'fri' }]);
    assert.deepEqual(said(one), ['Only fri: take it?']);
    assert.equal(one.state.step, 'one');
  });

  it('goes on as written when no condition holds', async () => {
    const none = await start([]);
    assert.deepEqual(said(none), ['No free times']);
    assert.equal(none.outcome, 'handed_off');
  });

  it('names a condition that goes nowhere', () => {
    assert.throws(
      () => parseFlow('bad.yaml', 'start: a\nsteps:\n  a:\n    when: [{ if: "{{vars.x}}", goto: nowhere }]\n    end: true\n'),
      /bad\.yaml: steps\.a\.when\[0\]\.goto: "nowhere" is not a step of this flow/,
    );
  });
});
