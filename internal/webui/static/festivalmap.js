// festivalmap.js: a festival's places with coordinates, drawn relative to
// each other in an inline SVG (no tiles, nothing fetched): north up, an
// equirectangular projection around their middle, which is true enough
// over a festival ground. The page's security policy forbids inline
// styles, so the look is SVG attributes and classes in festivals.css.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 300;
const PAD = 40;

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// distance in metres between two points (haversine).
function metres(a, b) {
  const r = (d) => (d * Math.PI) / 180;
  const dl = r(b.lat - a.lat);
  const dn = r(b.lon - a.lon);
  const x = Math.sin(dl / 2) ** 2 + Math.cos(r(a.lat)) * Math.cos(r(b.lat)) * Math.sin(dn / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(x)));
}

function distanceText(m) {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(m < 10000 ? 1 : 0)} km`;
}

const hasGeo = (r) => typeof r.lat === 'number' && typeof r.lon === 'number';

// otherPlaces lists the places known only by an address or a web
// address, which the map cannot draw.
function otherPlaces(resources) {
  const os = resources.filter((r) => !r.withdrawn && !hasGeo(r) && (r.address || r.url));
  if (!os.length) return null;
  return h('div', { class: 'map-others' },
    h('h3', { text: 'Places without a position' }),
    h('ul', { dataset: { testid: 'festival-places-other' } }, ...os.map((r) => h('li', { dataset: { testid: 'festival-place-other', name: r.name } },
      h('strong', { ptext: r.name }), ': ',
      r.address ? h('span', { ptext: r.address }) : null,
      r.address && r.url ? ', ' : null,
      r.url ? h('a', { href: r.url, rel: 'noopener noreferrer', target: '_blank', ptext: r.url }) : null))));
}

// locationMap draws the resources that have lat and lon (a note when
// none), and lists beside it those known only by address or URL.
export function locationMap(resources) {
  const others = otherPlaces(resources);
  return h('div', { class: 'map-box' + (others ? ' with-others' : '') }, drawMap(resources), others);
}

function drawMap(resources) {
  const ps = resources.filter((r) => !r.withdrawn && hasGeo(r));
  if (!ps.length) return h('p', { class: 'muted', dataset: { testid: 'festival-map-empty' }, text: 'No place with coordinates yet: give a resource a latitude and longitude to see it here.' });
  const mid = ps.reduce((a, r) => a + r.lat, 0) / ps.length;
  const k = Math.cos((mid * Math.PI) / 180);
  const xs = ps.map((r) => r.lon * k);
  const ys = ps.map((r) => r.lat);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(x1 - x0, y1 - y0) || 1;
  const scale = Math.min((W - 2 * PAD) / span, (H - 2 * PAD) / span);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const at = (r) => [W / 2 + (r.lon * k - cx) * scale, H / 2 - (r.lat - cy) * scale];
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'map', role: 'img', 'aria-labelledby': 'festival-map-title' },
    s('title', { id: 'festival-map-title' }, `The places of the festival, north up: ${ps.map((r) => r.name).join(', ')}`),
    s('rect', { x: 0, y: 0, width: W, height: H, class: 'map-ground', rx: 6 }));
  for (const r of ps) {
    const [x, y] = at(r);
    const right = x < W * 0.7;
    svg.appendChild(s('g', { class: 'map-place', 'data-testid': 'festival-map-place', 'data-name': r.name, 'data-x': Math.round(x), 'data-y': Math.round(y) },
      s('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 9, class: 'map-dot' }),
      s('text', { x: (right ? x + 14 : x - 14).toFixed(1), y: (y + 7).toFixed(1), 'text-anchor': right ? 'start' : 'end', class: 'map-label' }, r.name)));
  }
  svg.appendChild(s('text', { x: W - 12, y: 24, 'text-anchor': 'end', class: 'map-north' }, 'N ↑'));
  let scaleNote = null;
  if (ps.length > 1) {
    // The corners of the places' box bound the farthest two (and are
    // cheap for many places); with few, measure every pair.
    let far = 0;
    if (ps.length <= 50) {
      for (const a of ps) for (const b of ps) far = Math.max(far, metres(a, b));
    } else {
      far = metres({ lat: y0, lon: Math.min(...ps.map((r) => r.lon)) }, { lat: y1, lon: Math.max(...ps.map((r) => r.lon)) });
    }
    scaleNote = h('p', { class: 'muted', dataset: { testid: 'festival-map-scale' },
      text: ps.length <= 50 ? `The farthest two places are ${distanceText(far)} apart.` : `The places lie within ${distanceText(far)} of each other.` });
  }
  return h('figure', { class: 'map-figure' }, svg, scaleNote,
    h('figcaption', { class: 'muted' }, 'Drawn from their coordinates, without a base map.'));
}
