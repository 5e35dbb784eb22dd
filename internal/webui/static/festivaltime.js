// festivaltime.js: the stated times of a festival's schedule (RFC 3339 in
// UTC, doc/api.md "Festivals") as people read them, and what a resource's
// bookings and availability leave free; and people by name.
import { displayName } from './dom.js';

// who is a person of the festival API ({account, name}) as shown: their
// profile name, or a short id when this node holds no profile of theirs
// (the API then gives the account's id as the name).
export const who = (p) => displayName(p.name === p.account ? '' : p.name, p.account);

// day and clock of an RFC 3339 time in UTC: "2026-07-04", "20:00".
export const day = (t) => String(t).slice(0, 10);
export const clock = (t) => String(t).slice(11, 16);

// spanText: "2026-07-04 20:00–22:00", or with both days when it ends on another.
export function spanText(s) {
  return day(s.start) === day(s.end) ? `${day(s.start)} ${clock(s.start)}–${clock(s.end)}` : `${day(s.start)} ${clock(s.start)}–${day(s.end)} ${clock(s.end)}`;
}

// dayTitle: "Saturday 4 July 2026".
export function dayTitle(d) {
  const t = new Date(d + 'T00:00:00Z');
  if (isNaN(t)) return d;
  return t.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

// rfc3339 reads "2026-07-04 20:00" (UTC) as "2026-07-04T20:00:00Z"; null when it is not that.
export function rfc3339(v) {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/.exec(String(v).trim());
  if (!m || isNaN(Date.parse(`${m[1]}T${m[2]}:00Z`))) return null;
  return `${m[1]}T${m[2]}:00Z`;
}

// input is an RFC 3339 time as the forms write it: "2026-07-04 20:00".
export const inputText = (t) => `${day(t)} ${clock(t)}`;

const ms = (t) => Date.parse(t);
const iso = (m) => new Date(m).toISOString().slice(0, 19) + 'Z';

// overlaps: two spans overlap when each starts before the other ends.
export function overlaps(a, b) {
  return ms(a.start) < ms(b.end) && ms(b.start) < ms(a.end);
}

const within = (s, w) => ms(w.start) <= ms(s.start) && ms(s.end) <= ms(w.end);

// dayClock: a window inside day d as "13:00–24:00".
export function dayClock(w, d) {
  return `${clock(w.start)}–${day(w.end) === d ? clock(w.end) : '24:00'}`;
}

// freeWindows: the windows of day d (UTC) when resource r is available
// and not booked, in order.
export function freeWindows(r, d) {
  const d0 = ms(d + 'T00:00:00Z');
  const d1 = d0 + 86400000;
  const avail = (r.windows && r.windows.length ? r.windows.map((w) => [ms(w.start), ms(w.end)]) : [[d0, d1]])
    .map(([a, b]) => [Math.max(a, d0), Math.min(b, d1)]).filter(([a, b]) => a < b);
  const busy = r.bookings.map((b) => [ms(b.span.start), ms(b.span.end)]).filter(([s, e]) => e > d0 && s < d1).sort((x, y) => x[0] - y[0]);
  const out = [];
  for (let [a, b] of avail) {
    for (const [s, e] of busy) {
      if (e <= a || s >= b) continue;
      if (s > a) out.push([a, s]);
      a = Math.max(a, e);
      if (a >= b) break;
    }
    if (a < b) out.push([a, b]);
  }
  return out.map(([a, b]) => ({ start: iso(a), end: iso(b) }));
}

// suggest: a window as long as want inside one of the free windows, the
// nearest to want's start; null when none is long enough.
export function suggest(free, want) {
  const len = ms(want.end) - ms(want.start);
  const at = ms(want.start);
  let best = null;
  for (const w of free) {
    if (ms(w.end) - ms(w.start) < len) continue;
    const s = Math.min(Math.max(at, ms(w.start)), ms(w.end) - len);
    if (best === null || Math.abs(s - at) < Math.abs(best - at)) best = s;
  }
  return best === null ? null : { start: iso(best), end: iso(best + len) };
}

// resourceState says whether resource r can be had for span: null when
// it is free then, else why not in words ("booked 20:00–22:00 by Concert
// (Ann)", "available only 2026-07-04 10:00–23:00").
export function resourceState(r, span) {
  if (r.windows && r.windows.length && !r.windows.some((w) => within(span, w))) {
    return 'available only ' + r.windows.map(spanText).join(', ');
  }
  const b = r.bookings.find((x) => overlaps(x.span, span));
  if (b) return `booked ${day(b.span.start) === day(span.start) ? dayClock(b.span, day(b.span.start)) : spanText(b.span)} by ${b.event_name} (${who(b.holder)})`;
  return null;
}
