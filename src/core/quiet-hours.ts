// Quiet hours: the part of the day, in the recipient's local time, when texts that start a
// conversation may go. Pure: the caller supplies the instant and the zone.

/** A daily window of local wall-clock minutes, `start` included, `end` excluded; it may wrap past midnight. */
export interface QuietHoursWindow {
  start: number;
  end: number;
}

const windowPattern = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** Reads "08:00-21:00" (the allowed part of the day); null when it is not such a window. */
export function parseWindow(text: string): QuietHoursWindow | null {
  const match = windowPattern.exec(text.trim());
  if (!match) return null;
  const start = Number(match[1]) * 60 + Number(match[2]);
  const end = Number(match[3]) * 60 + Number(match[4]);
  if (end > 24 * 60) return null;
  return { start, end: end === 24 * 60 ? 0 : end };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall-clock minute of the day (0–1439) at `instant` in `timeZone`. */
export function localMinuteOfDay(instant: number, timeZone: string): number {
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return hour * 60 + minute;
}

/** Whether a local minute of the day falls in the window. A window with start = end is the whole day. */
export function minuteAllowed(minute: number, window: QuietHoursWindow): boolean {
  if (window.start === window.end) return true;
  if (window.start < window.end) return minute >= window.start && minute < window.end;
  return minute >= window.start || minute < window.end;
}

export function isAllowed(instant: number, window: QuietHoursWindow, timeZone: string): boolean {
  return minuteAllowed(localMinuteOfDay(instant, timeZone), window);
}

const minuteMs = 60_000;

/**
 * The first instant at or after `instant` when the window is open in `timeZone`: `instant` itself
 * when it is, else the start of the first allowed local minute. Daylight-saving changes are
 * followed: on a day whose clocks jump over the window's start, the window opens at the first
 * minute after the jump that falls in it.
 */
export function nextAllowed(instant: number, window: QuietHoursWindow, timeZone: string): number {
  const local = localMinuteOfDay(instant, timeZone);
  if (minuteAllowed(local, window)) return instant;
  const minuteStart = instant - (instant % minuteMs);
  // A first guess from the wall clock, then corrected for an offset change on the way.
  let candidate = minuteStart + ((window.start - local + 1440) % 1440) * minuteMs;
  for (let i = 0; i < 3; i++) {
    const off = ((((window.start - localMinuteOfDay(candidate, timeZone)) % 1440) + 1440 + 720) % 1440) - 720;
    if (off === 0) break;
    const moved = candidate + off * minuteMs;
    if (moved <= minuteStart) break;
    candidate = moved;
  }
  // Never earlier than allowed and never past an earlier opening: walk back while the minute
  // before is still allowed and after `instant`, and forward while not allowed (a skipped hour).
  while (candidate - minuteMs > minuteStart && isAllowed(candidate - minuteMs, window, timeZone)) candidate -= minuteMs;
  for (let steps = 0; !isAllowed(candidate, window, timeZone) && steps < 3 * 1440; steps++) candidate += minuteMs;
  return candidate;
}
