/**
 * The 190/463 message formats its dates as the real API does: `Sunday, 25-Dec-16 04:45:57 PST`
 * (PHP `l, d-M-y H:i:s T`, Pacific time).
 */
const fmt = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  weekday: 'long',
  day: '2-digit',
  month: 'short',
  year: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZoneName: 'short',
});

export function pacificTime(ms: number): string {
  const parts: Record<string, string> = {};
  for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return `${parts.weekday}, ${parts.day}-${parts.month}-${parts.year} ${hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}
