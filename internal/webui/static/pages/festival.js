// pages/festival.js: one festival (doc/api.md "Festivals"): its programme
// as a schedule per day and per location, the requests waiting for your
// answer (Grant, Deny), the conflicts in words, its resources with their
// bookings, a map of its locations drawn relative to each other, the
// programme as iCalendar, and the forms adding a resource and an event.
// Times are the schedule's stated times, in UTC.
import { h, replace, statusLine, errorText } from '../dom.js';
import { request } from '../api.js';
import { locationMap } from '../festivalmap.js';

// day and clock of an RFC 3339 time in UTC: "2026-07-04", "20:00".
const day = (t) => String(t).slice(0, 10);
const clock = (t) => String(t).slice(11, 16);

// spanText: "2026-07-04 20:00–22:00", or with both days when it ends on another.
export function spanText(s) {
  return day(s.start) === day(s.end) ? `${day(s.start)} ${clock(s.start)}–${clock(s.end)}` : `${day(s.start)} ${clock(s.start)}–${day(s.end)} ${clock(s.end)}`;
}

// dayTitle: "Saturday 4 July 2026".
function dayTitle(d) {
  const t = new Date(d + 'T00:00:00Z');
  if (isNaN(t)) return d;
  return t.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

// rfc3339 reads "2026-07-04 20:00" (UTC) as "2026-07-04T20:00:00Z"; null when it is not that.
function rfc3339(v) {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/.exec(v.trim());
  return m ? `${m[1]}T${m[2]}:00Z` : null;
}

const statusWords = { pending: 'waiting for its owner', granted: 'granted', denied: 'denied', withdrawn: 'withdrawn' };

export default async function festival(main, ctx) {
  const id = ctx.params[0];
  const path = '/festivals/' + encodeURIComponent(id);
  ctx.title('Festival');
  const status = statusLine('festival-status');
  const title = h('h1', { tabindex: '-1', dataset: { testid: 'festival-title' }, text: 'Festival' });
  const about = h('p', { class: 'muted', dataset: { testid: 'festival-about' } });
  const ics = h('a', { href: '/api/v1' + path + '/programme.ics', download: 'programme.ics', dataset: { testid: 'festival-ics' }, text: 'Download the programme (.ics)' });
  const waiting = h('ul', { class: 'festival-waiting', dataset: { testid: 'festival-waiting' } });
  const waitingBox = h('section', { class: 'card', 'aria-labelledby': 'festival-waiting-heading', hidden: true },
    h('h2', { id: 'festival-waiting-heading', text: 'Waiting for your answer' }), waiting);
  const conflicts = h('ul', { class: 'festival-conflicts', dataset: { testid: 'festival-conflicts' } });
  const conflictsBox = h('section', { class: 'card conflicts', 'aria-labelledby': 'festival-conflicts-heading', hidden: true },
    h('h2', { id: 'festival-conflicts-heading', text: 'Conflicts' }), conflicts);
  const programme = h('div', { class: 'festival-programme', dataset: { testid: 'festival-programme' } });
  const resources = h('ul', { class: 'festival-resources', dataset: { testid: 'festival-resources' } });
  const mapBox = h('div', { class: 'festival-map', dataset: { testid: 'festival-map' } });
  const nested = h('ul', { class: 'festival-nested', dataset: { testid: 'festival-nested' } });
  const nestedBox = h('section', { 'aria-labelledby': 'festival-nested-heading', hidden: true },
    h('h2', { id: 'festival-nested-heading', text: 'Festivals inside it' }), nested);

  // The resource form.
  const rKind = h('select', { id: 'resource-kind', dataset: { testid: 'resource-kind' } },
    ...[['location', 'A place (stage, field, address, online room)'], ['room', 'A room'], ['stage', 'A stage'], ['equipment', 'Equipment'], ['skill', 'A skill']]
      .map(([v, t]) => h('option', { value: v, text: t })));
  const rName = h('input', { id: 'resource-name', type: 'text', maxlength: 200, required: true, autocomplete: 'off', dataset: { testid: 'resource-name' } });
  const rText = h('input', { id: 'resource-text', type: 'text', maxlength: 2000, autocomplete: 'off', dataset: { testid: 'resource-text' } });
  const rPolicy = h('select', { id: 'resource-policy', dataset: { testid: 'resource-policy' } },
    h('option', { value: 'first-come', text: 'First come, first served (my node answers)' }),
    h('option', { value: 'manual', text: 'I confirm each request myself' }));
  const rLat = h('input', { id: 'resource-lat', type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '52.52', dataset: { testid: 'resource-lat' } });
  const rLon = h('input', { id: 'resource-lon', type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '13.405', dataset: { testid: 'resource-lon' } });
  const rAddress = h('input', { id: 'resource-address', type: 'text', maxlength: 500, autocomplete: 'off', dataset: { testid: 'resource-address' } });
  const rStatus = statusLine('resource-status');
  const rSubmit = h('button', { type: 'submit', dataset: { testid: 'resource-submit' }, text: 'Add the resource' });
  const rForm = h('form', { class: 'card festival-form', dataset: { testid: 'resource-form' }, 'aria-labelledby': 'resource-form-heading' },
    h('h2', { id: 'resource-form-heading', text: 'Add a resource you own' }),
    h('label', { for: 'resource-kind', text: 'Kind' }), rKind,
    h('label', { for: 'resource-name', text: 'Name' }), rName,
    h('label', { for: 'resource-text', text: 'Description (optional)' }), rText,
    h('label', { for: 'resource-policy', text: 'Who gets it' }), rPolicy,
    h('div', { class: 'coords' },
      h('div', {}, h('label', { for: 'resource-lat', text: 'Latitude (optional)' }), rLat),
      h('div', {}, h('label', { for: 'resource-lon', text: 'Longitude' }), rLon)),
    h('label', { for: 'resource-address', text: 'Address (optional)' }), rAddress,
    h('div', { class: 'row' }, rSubmit), rStatus);

  // The event form.
  const eName = h('input', { id: 'event-name', type: 'text', maxlength: 200, required: true, autocomplete: 'off', dataset: { testid: 'event-name' } });
  const eText = h('input', { id: 'event-text', type: 'text', maxlength: 2000, autocomplete: 'off', dataset: { testid: 'event-text' } });
  const eStart = h('input', { id: 'event-start', type: 'text', required: true, autocomplete: 'off', placeholder: '2026-07-04 20:00', dataset: { testid: 'event-start' } });
  const eEnd = h('input', { id: 'event-end', type: 'text', required: true, autocomplete: 'off', placeholder: '2026-07-04 22:00', dataset: { testid: 'event-end' } });
  const eNeeds = h('fieldset', { class: 'needs', dataset: { testid: 'event-needs' } }, h('legend', { text: 'What it needs' }));
  const eStatus = statusLine('event-status');
  const eSubmit = h('button', { type: 'submit', dataset: { testid: 'event-submit' }, text: 'Add the event' });
  const eForm = h('form', { class: 'card festival-form', dataset: { testid: 'event-form' }, 'aria-labelledby': 'event-form-heading' },
    h('h2', { id: 'event-form-heading', text: 'Add an event' }),
    h('label', { for: 'event-name', text: 'Name' }), eName,
    h('label', { for: 'event-text', text: 'Description (optional)' }), eText,
    h('div', { class: 'coords' },
      h('div', {}, h('label', { for: 'event-start', text: 'Starts (UTC, YYYY-MM-DD HH:MM)' }), eStart),
      h('div', {}, h('label', { for: 'event-end', text: 'Ends (UTC)' }), eEnd)),
    eNeeds,
    h('div', { class: 'row' }, eSubmit), eStatus);

  main.append(h('div', { class: 'festival-page' },
    h('p', {}, h('a', { href: '#/festivals', text: '← Festivals' })),
    title, about, status,
    h('p', {}, ics),
    waitingBox, conflictsBox,
    h('section', { 'aria-labelledby': 'festival-programme-heading' }, h('h2', { id: 'festival-programme-heading', text: 'Programme' }), programme),
    h('section', { 'aria-labelledby': 'festival-map-heading' }, h('h2', { id: 'festival-map-heading', text: 'Map of the places' }), mapBox),
    h('section', { 'aria-labelledby': 'festival-resources-heading' }, h('h2', { id: 'festival-resources-heading', text: 'Resources and their bookings' }), resources),
    nestedBox, eForm, rForm));

  let f = null;
  let shown = null;
  async function load() {
    try {
      const got = await request('GET', path);
      if (!ctx.alive()) return;
      const text = JSON.stringify(got);
      if (text === shown) return;
      shown = text;
      f = got;
      draw();
    } catch (err) {
      if (ctx.alive()) status.set(errorText(err), 'error');
    }
  }

  function draw() {
    ctx.title(f.name);
    title.textContent = f.name;
    title.dir = 'auto';
    replace(about, f.text ? h('span', { class: 'festival-text', ptext: f.text }) : null, 'Created by ', h('bdi', { text: f.creator.name }),
      f.parent ? [' inside ', h('a', { href: '#/festival/' + f.parent, ptext: f.parent_name || f.parent })] : null,
      f.cancelled ? '. Withdrawn by its founder.' : '.',
      f.ref ? [' Others open it with ', h('code', { class: 'ref', dataset: { testid: 'festival-ref-shown' }, text: f.ref })] : null);
    drawWaiting();
    drawConflicts();
    drawProgramme();
    drawResources();
    replace(mapBox, locationMap(f.resources));
    nestedBox.hidden = !f.nested.length;
    replace(nested, ...f.nested.map((n) => h('li', {}, h('a', { href: '#/festival/' + n.id, ptext: n.name }))));
    const keep = new Set([...eNeeds.querySelectorAll('input:checked')].map((c) => c.value));
    replace(eNeeds, h('legend', { text: 'What it needs' }),
      ...f.resources.filter((r) => !r.withdrawn).map((r) => h('label', { class: 'need' },
        h('input', { type: 'checkbox', value: r.id, checked: keep.has(r.id), dataset: { testid: 'event-need', name: r.name } }), ' ', h('span', { ptext: r.name }))),
      f.resources.length ? null : h('p', { class: 'muted', text: 'No resource yet: add one below first, or add the event without.' }));
  }

  function drawWaiting() {
    waitingBox.hidden = !f.waiting.length;
    replace(waiting, ...f.waiting.map((q) => {
      const st = statusLine();
      const answer = async (decision, btns) => {
        btns.forEach((b) => { b.disabled = true; });
        try {
          await request('POST', path + '/authorize', { request: q.id, resource: q.resource, decision });
          ctx.announce(decision === 'grant' ? 'Granted.' : 'Denied.');
          await load();
        } catch (err) {
          st.set(errorText(err), 'error');
        } finally {
          btns.forEach((b) => { b.disabled = false; });
        }
      };
      const grant = h('button', { type: 'button', dataset: { testid: 'festival-grant' }, text: 'Grant' });
      const deny = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'festival-deny' }, text: 'Deny' });
      grant.addEventListener('click', () => answer('grant', [grant, deny]));
      deny.addEventListener('click', () => answer('deny', [grant, deny]));
      return h('li', { dataset: { testid: 'festival-waiting-item', id: q.id } },
        h('p', { dataset: { testid: 'festival-waiting-text' } },
          h('bdi', { text: q.requester.name }), ' asks for ', h('bdi', { text: q.resource_name }), ' for ', h('bdi', { text: q.event_name }), ', ', spanText(q.span), '.'),
        q.reason && !q.reason.startsWith('waiting for the owner') ? h('p', { class: 'muted', text: q.reason }) : null,
        q.reason && q.reason.startsWith('waiting for the owner') && q.reason.includes(';') ? h('p', { class: 'muted', text: q.reason.slice(q.reason.indexOf(';') + 2) }) : null,
        h('div', { class: 'row' }, grant, deny), st);
    }));
  }

  // conflictList: the API's conflicts (requests that ran into a booking)
  // and the requests denied because the owner confirmed a concurrent one
  // first (festival.md §3, "Authorizations"), which the API leaves out.
  function conflictList() {
    const seen = new Set(f.conflicts.map((q) => q.id + ' ' + q.resource));
    const more = f.programme.flatMap((e) => e.requests)
      .filter((q) => q.status === 'denied' && q.reason.startsWith('the owner confirmed ') && !seen.has(q.id + ' ' + q.resource));
    return [...f.conflicts, ...more];
  }

  function drawConflicts() {
    const cs = conflictList();
    conflictsBox.hidden = !cs.length;
    replace(conflicts, ...cs.map((q) => h('li', { dataset: { testid: 'festival-conflict', id: q.id } },
      h('bdi', { text: q.event_name }), ` (${q.requester.name}, ${spanText(q.span)}): `,
      q.status === 'denied' ? 'denied: ' : 'waiting: ', h('span', { ptext: q.reason }))));
  }

  function drawProgramme() {
    if (!f.programme.length) {
      replace(programme, h('p', { class: 'empty', text: 'No event yet. Add one below.' }));
      return;
    }
    const days = new Map();
    for (const e of f.programme) {
      const d = day(e.span.start);
      if (!days.has(d)) days.set(d, new Map());
      const places = e.places.length ? e.places : [''];
      for (const p of places) {
        const byPlace = days.get(d);
        if (!byPlace.has(p)) byPlace.set(p, []);
        byPlace.get(p).push(e);
      }
    }
    const sections = [];
    for (const [d, byPlace] of days) {
      const keys = [...byPlace.keys()].sort((a, b) => (a === '') - (b === '') || a.localeCompare(b));
      sections.push(h('section', { class: 'festival-day', dataset: { testid: 'festival-day', day: d } },
        h('h3', { text: dayTitle(d) }),
        h('div', { class: 'festival-places' }, ...keys.map((p) => h('div', { class: 'festival-place card', dataset: { testid: 'festival-place', place: p } },
          h('h4', p ? { ptext: p } : { text: 'No place yet' }),
          h('ol', { class: 'festival-events' }, ...byPlace.get(p).map(eventItem)))))));
    }
    replace(programme, ...sections);
  }

  function eventItem(e) {
    const holds = e.requests.filter((q) => q.status === 'granted').map((q) => q.resource_name);
    const others = e.requests.filter((q) => q.status !== 'granted');
    return h('li', { class: 'festival-event' + (e.cancelled ? ' cancelled' : ''), dataset: { testid: 'festival-event', id: e.id } },
      h('span', { class: 'when', dataset: { testid: 'festival-event-time' }, text: `${clock(e.span.start)}–${day(e.span.end) === day(e.span.start) ? '' : day(e.span.end) + ' '}${clock(e.span.end)}` }), ' ',
      h('strong', { ptext: e.name, dataset: { testid: 'festival-event-name' } }),
      e.cancelled ? ' (cancelled)' : null,
      h('span', { class: 'muted' }, ' by ', h('bdi', { text: e.author.name })),
      e.text ? h('p', { class: 'muted', ptext: e.text }) : null,
      holds.length ? h('p', { class: 'holds', dataset: { testid: 'festival-event-holds' } }, 'Holds ', h('bdi', { text: holds.join(', ') }),
        e.requests.some((q) => q.status === 'granted' && !q.confirmed) ? ' (its owner’s node has not confirmed yet)' : null) : null,
      ...others.map((q) => h('p', { class: 'request ' + q.status, dataset: { testid: 'festival-event-request', status: q.status } },
        h('bdi', { text: q.resource_name }), ': ', statusWords[q.status] || q.status, q.reason && !q.reason.startsWith('waiting for the owner') ? ' — ' + q.reason : null)));
  }

  function drawResources() {
    if (!f.resources.length) {
      replace(resources, h('li', { class: 'empty', text: 'No resource yet. Add one below.' }));
      return;
    }
    replace(resources, ...f.resources.map((r) => h('li', { class: 'card festival-resource' + (r.withdrawn ? ' withdrawn' : ''), dataset: { testid: 'festival-resource', name: r.name } },
      h('h3', {}, h('span', { ptext: r.name }), ' ', h('span', { class: 'badge', text: r.kind })),
      h('p', { class: 'meta' }, 'Owned by ', h('bdi', { text: r.owner.name }), '; ',
        r.policy === 'manual' ? 'the owner confirms each request' : r.policy === 'first-come' ? 'first come, first served' : 'policy ' + r.policy,
        r.unchecked ? ' (this node does not know the policy: treated as confirmed by hand)' : '',
        r.capacity ? `; for ${r.capacity} people` : '', r.withdrawn ? '; withdrawn' : '', '.'),
      r.text ? h('p', { ptext: r.text }) : null,
      r.address ? h('p', { class: 'meta' }, 'Address: ', h('span', { ptext: r.address })) : null,
      r.windows && r.windows.length ? h('p', { class: 'meta', text: 'Available ' + r.windows.map(spanText).join(', ') + ' (UTC).' }) : null,
      r.bookings.length
        ? h('ul', { class: 'bookings', dataset: { testid: 'festival-bookings' } }, ...r.bookings.map((b) => h('li', { dataset: { testid: 'festival-booking' } },
          spanText(b.span), ': ', h('bdi', { text: b.event_name }), ' (', h('bdi', { text: b.holder.name }), ')', b.confirmed ? '' : ', not confirmed yet')))
        : h('p', { class: 'muted', text: 'Not booked.' }))));
  }

  rForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = rName.value.trim();
    if (!name) {
      rStatus.set('Give the resource a name.', 'error');
      rName.focus();
      return;
    }
    const body = { kind: rKind.value, name, text: rText.value.trim(), policy: rPolicy.value, address: rAddress.value.trim() };
    const lat = rLat.value.trim();
    const lon = rLon.value.trim();
    if (lat || lon) {
      const la = Number(lat);
      const lo = Number(lon);
      if (!lat || !lon || !isFinite(la) || !isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) {
        rStatus.set('Give both latitude (−90 to 90) and longitude (−180 to 180) in degrees, like 52.52 and 13.405, or neither.', 'error');
        rLat.focus();
        return;
      }
      body.lat = la;
      body.lon = lo;
    }
    rSubmit.disabled = true;
    try {
      await request('POST', path + '/resources', body);
      rStatus.set(`Added ${name}.`);
      rName.value = rText.value = rLat.value = rLon.value = rAddress.value = '';
      await load();
    } catch (err) {
      rStatus.set(errorText(err), 'error');
    } finally {
      rSubmit.disabled = false;
    }
  });

  eForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = eName.value.trim();
    const start = rfc3339(eStart.value);
    const end = rfc3339(eEnd.value);
    if (!name) {
      eStatus.set('Give the event a name.', 'error');
      eName.focus();
      return;
    }
    if (!start || !end) {
      eStatus.set('Write the times as 2026-07-04 20:00 (UTC).', 'error');
      (start ? eEnd : eStart).focus();
      return;
    }
    const needs = [...eNeeds.querySelectorAll('input:checked')].map((c) => c.value);
    eSubmit.disabled = true;
    try {
      await request('POST', path + '/events', { name, text: eText.value.trim(), start, end, needs });
      eStatus.set(`Added ${name}.`);
      eName.value = eText.value = '';
      eNeeds.querySelectorAll('input:checked').forEach((c) => { c.checked = false; });
      await load();
    } catch (err) {
      eStatus.set(errorText(err), 'error');
    } finally {
      eSubmit.disabled = false;
    }
  });

  ctx.on('entry', (d) => {
    if (d && typeof d.type === 'string' && d.type.startsWith('festival.')) load();
  });
  ctx.on('resync', load);
  await load();
}
