import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAllowed, localMinuteOfDay, nextAllowed, parseWindow, type QuietHoursWindow } from './quiet-hours.js';
import { inferTimeZone, recipientTimeZone } from './phone-timezone.js';

const zones = [
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'UTC',
  'America/St_Johns',
];
// Around the daylight-saving changes of 2026 in the US (8 March, 1 November) and Europe (29 March, 25 October).
const dstDays = [Date.UTC(2026, 2, 8), Date.UTC(2026, 10, 1), Date.UTC(2026, 2, 29), Date.UTC(2026, 9, 25), Date.UTC(2026, 3, 5)];

const windowArb = fc
  .record({ start: fc.integer({ min: 0, max: 1439 }), end: fc.integer({ min: 0, max: 1439 }) })
  .map((w): QuietHoursWindow => w);
const instantArb = fc.oneof(
  fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
  fc.tuple(fc.constantFrom(...dstDays), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 })).map(([d, o]) => d + o),
);

describe('quiet hours', () => {
  it('reads windows, and refuses what is not one', () => {
    assert.deepEqual(parseWindow('08:00-21:00'), { start: 480, end: 1260 });
    assert.deepEqual(parseWindow('22:00-06:30'), { start: 1320, end: 390 });
    assert.deepEqual(parseWindow('00:00-24:00'), { start: 0, end: 0 });
    for (const bad of ['8-21', '08:00', '25:00-21:00', '08:60-09:00', '08:00-24:01', '']) assert.equal(parseWindow(bad), null, bad);
  });

  it('the next allowed instant is allowed, not before, and no allowed minute lies between', () => {
    fc.assert(
      fc.property(instantArb, windowArb, fc.constantFrom(...zones), (instant, window, zone) => {
        const next = nextAllowed(instant, window, zone);
        assert.ok(next >= instant);
        assert.ok(isAllowed(next, window, zone));
        if (next === instant) return;
        assert.equal(next % 60_000, 0);
        assert.ok(next - instant <= 26 * 3_600_000, `waits ${next - instant} ms`);
        for (let t = next - 60_000; t > instant; t -= 60_000)
          assert.ok(!isAllowed(t, window, zone), `open earlier at ${new Date(t).toISOString()}`);
      }),
      { numRuns: 150 },
    );
  });

  it('opens at the window start on days the clocks change', () => {
    const window = parseWindow('08:00-21:00')!;
    // 02:00 local on the spring-forward day in New York, then the fall-back day.
    for (const day of [Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6)]) {
      const next = nextAllowed(day, window, 'America/New_York');
      assert.equal(localMinuteOfDay(next, 'America/New_York'), 480);
      assert.ok(next - day < 8 * 3_600_000);
    }
    // A window opening inside the skipped hour opens at the first minute after it.
    const skipped = nextAllowed(Date.UTC(2026, 2, 8, 5), parseWindow('02:30-21:00')!, 'America/New_York');
    assert.equal(localMinuteOfDay(skipped, 'America/New_York'), 180);
  });

  it('defers a Pacific number three hours after an Eastern one', () => {
    const window = parseWindow('08:00-21:00')!;
    const at = Date.UTC(2026, 5, 10, 9); // 05:00 in New York, 02:00 in Los Angeles
    const east = nextAllowed(at, window, recipientTimeZone('+12125550123', null, 'UTC'));
    const west = nextAllowed(at, window, recipientTimeZone('+14155550123', null, 'UTC'));
    assert.equal(east, Date.UTC(2026, 5, 10, 12));
    assert.equal(west, Date.UTC(2026, 5, 10, 15));
  });

  it('reads the zone from the contact, else the area code or country, else the default', () => {
    assert.equal(inferTimeZone('+14155550123'), 'America/Los_Angeles');
    assert.equal(inferTimeZone('+13125550123'), 'America/Chicago');
    assert.equal(inferTimeZone('+447911123456'), 'Europe/London');
    assert.equal(inferTimeZone('+5511987654321'), null); // Brazil spans several zones
    assert.equal(recipientTimeZone('+14155550123', 'Europe/Paris', 'UTC'), 'Europe/Paris');
    assert.equal(recipientTimeZone('+5511987654321', null, 'America/Sao_Paulo'), 'America/Sao_Paulo');
  });
});
