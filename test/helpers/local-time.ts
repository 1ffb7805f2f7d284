/** A minute of the day (any integer, wrapped into the day) as "HH:MM", for quiet-hours windows around the real time. */
export function hhmm(minuteOfDay: number): string {
  const m = ((minuteOfDay % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
