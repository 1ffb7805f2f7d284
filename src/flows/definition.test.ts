import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { loadFlows, parseFlow } from './definition.js';

const good = `
start: ask
steps:
  ask:
    say: "Reply 1 or 2"
    replies:
      - { choice: "1", goto: one }
      - { pattern: "^2$", goto: end }
    otherwise: { say: "Sorry, 1 or 2", retries: 2, then: handoff }
  one:
    do: [{ call: { url: "https://example.com/x", save_as: x, on_error: handoff } }]
    say: "One it is"
    end: true
`;

describe('flow files', () => {
  it('reads a flow, naming it after its file', () => {
    const flow = parseFlow('/srv/flows/pick.yaml', good);
    assert.equal(flow.name, 'pick');
    assert.equal(flow.expires_after, 3 * 86_400_000);
    assert.equal(flow.steps.ask!.otherwise!.retries, 2);
    assert.equal(flow.steps.one!.do[0] && 'call' in flow.steps.one!.do[0] ? flow.steps.one!.do[0].call.method : null, 'POST');
  });

  const broken: Array<[string, string, RegExp]> = [
    [
      'a goto to a step that does not exist',
      good.replace('goto: one', 'goto: two'),
      /pick\.yaml: steps\.ask\.replies\[0\]\.goto: "two" is not a step of this flow/,
    ],
    ['a start that is not a step', good.replace('start: ask', 'start: nope'), /pick\.yaml: start: "nope" is not a step/],
    [
      'a branch with two matchers',
      good.replace('{ choice: "1", goto: one }', '{ choice: "1", intent: confirm, goto: one }'),
      /steps\.ask\.replies\[0\]: give exactly one of intent, choice or pattern/,
    ],
    ['a bad regular expression', good.replace('"^2$"', '"(2"'), /steps\.ask\.replies\[1\]\.pattern: not a valid regular expression/],
    ['an unknown field', good.replace('say: "One it is"', 'sya: "One it is"'), /steps\.one: Unrecognized key: "sya"/],
    [
      'a step that neither waits, goes on, nor ends',
      good.replace('    end: true\n', ''),
      /steps\.one: give it replies, a wait, a goto, or end: true/,
    ],
    ['a bad duration', good.replace('start: ask', 'start: ask\nexpires_after: soon'), /expires_after: "soon" is not a duration/],
    ['a duration without its unit', good.replace('start: ask', 'start: ask\nexpires_after: 3'), /expires_after: 3 has no unit: write "3s"/],
    [
      'an on_error to nowhere',
      good.replace('on_error: handoff', 'on_error: lost'),
      /steps\.one\.do\[0\]\.call\.on_error: "lost" is not a step/,
    ],
    ['YAML that is not YAML', 'steps: [', /pick\.yaml:1:\d+: not valid YAML, at key "steps"/],
  ];
  const based = good
    .replace('start: ask', 'start: ask\nvars: { booking_url: "https://booking.example.com" }\nparams: { id: { required: true } }')
    .replace('https://example.com/x', '{{vars.booking_url}}/x/{{vars.id}}');
  broken.push(
    ['a param that is one of its own vars', based.replace('params: { id:', 'params: { booking_url:'), /params\.booking_url: .* own vars/],
    [
      'a call URL whose base a caller sets',
      based.replace('{{vars.booking_url}}/x/{{vars.id}}', '{{vars.id}}/x'),
      /steps\.one\.do\[0\]\.call\.url: \{\{vars\.id\}\} at the start must be one of the flow's own vars/,
    ],
    [
      'a call URL whose base a reply sets',
      based.replace('{ choice: "1", goto: one }', '{ choice: "1", do: [{ set: { booking_url: "{{vars.last_reply}}" } }], goto: one }'),
      /\{\{vars\.booking_url\}\} holds the base URL, so it cannot also be set by steps\.ask\.replies\[0\]\.do\[0\]\.set/,
    ],
    [
      'a call URL whose base a call answer sets',
      based.replace('save_as: x', 'save_as: booking_url'),
      /cannot also be set by steps\.one\.do\[0\]\.call\.save_as/,
    ],
    [
      'a placeholder in the host',
      good.replace('https://example.com/x', 'https://{{vars.tenant}}.example.com/x'),
      /part of the scheme or host/,
    ],
    ['a call URL that is not http(s)', good.replace('https://example.com/x', 'ftp://example.com/x'), /starts with http:\/\/ or https:\/\//],
  );
  it('reads params, and a base URL that only the flow sets', () => {
    assert.deepEqual(parseFlow('/srv/flows/pick.yaml', based).params, { id: { required: true } });
  });
  for (const [name, text, message] of broken) {
    it(`refuses ${name}, naming the file, step and field`, () => {
      assert.throws(
        () => parseFlow('/srv/flows/pick.yaml', text),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  it('reads ${VAR} from the environment, and a missing one is an error', () => {
    const text = good.replace('https://example.com/x', '${BOOKING}/x');
    const flow = parseFlow('/srv/flows/pick.yaml', text, { BOOKING: 'http://booking.internal' });
    const action = flow.steps.one!.do[0]!;
    assert.equal('call' in action && action.call.url, 'http://booking.internal/x');
    assert.throws(() => parseFlow('/srv/flows/pick.yaml', text, {}), /environment variable BOOKING is not set/);
    // A whole ${VAR} is read as the number or duration the field wants.
    const typed = parseFlow(
      '/srv/flows/pick.yaml',
      good.replace('retries: 2', 'retries: "${RETRIES}"').replace('start: ask', 'start: ask\nexpires_after: ${EXPIRY}'),
      {
        RETRIES: '4',
        EXPIRY: '2d',
      },
    );
    assert.deepEqual([typed.steps.ask!.otherwise!.retries, typed.expires_after], [4, 2 * 86_400_000]);
  });

  it('loads the shipped example flow, and a missing folder is no flows', () => {
    assert.deepEqual([...loadFlows('examples/appointments/flows').keys()], ['appointment']);
    assert.equal(loadFlows('/nonexistent/flows').size, 0);
  });
});
