import { ParleyError } from '../errors.js';

// Times in the API are RFC 3339 (`format: 'date-time'` in the route schemas), which allows a leap
// second: "2016-12-31T23:59:60Z". JavaScript's clock has no leap seconds and `Date.parse` reads
// one as nothing at all, so it is read here as the last millisecond before the next minute
// (23:59:59.999), the nearest time the clock has. Anything else the schema let through and that
// still cannot be read is the client's mistake, answered as such.

const leapSecond = /^(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:)60(?:\.\d+)?/;

/** Milliseconds since the epoch for an RFC 3339 time; a ParleyError (400) naming `field` if it is not one. */
export function readTime(value: string, field: string): number {
  const leap = leapSecond.exec(value);
  const ms = Date.parse(leap ? `${leap[1]}59.999${value.slice(leap[0].length)}` : value);
  if (Number.isNaN(ms)) throw new ParleyError('invalid_payload', `${field}: "${value.slice(0, 40)}" is not an RFC 3339 time`);
  return ms;
}
