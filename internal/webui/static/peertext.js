// peertext.js: text that other people wrote (names, posts, requests) is
// shown so that it cannot pass for something else (issue 11, item 14):
//
//  - every element showing it isolates its direction (dir="auto", and
//    unicode-bidi: isolate in style.css), so a right-to-left override in a
//    post cannot turn the text around it;
//  - names lose what would make them look like another name (cleanName:
//    controls, bidi and invisible formatting characters, odd spaces);
//    nodes refuse such names (doc/protocol/payloads.md §4), this is for
//    names that reached a node before;
//  - when two accounts shown in this page's life have names that look
//    alike (nameKey), each shows its fingerprint and how many accounts
//    share the name (alikeBadge).
//
// No imports: dom.js uses it.

// isFormat: the format characters (Unicode 15.0 General Category Cf), as
// content.isFormat in Go.
function isFormat(c) {
  return c === 0x00ad || (c >= 0x0600 && c <= 0x0605) || c === 0x061c || c === 0x06dd || c === 0x070f ||
    c === 0x0890 || c === 0x0891 || c === 0x08e2 || c === 0x180e ||
    (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206f) ||
    c === 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
    c === 0x110bd || c === 0x110cd || (c >= 0x13430 && c <= 0x1343f) ||
    (c >= 0x1bca0 && c <= 0x1bca3) || (c >= 0x1d173 && c <= 0x1d17a) ||
    c === 0xe0001 || (c >= 0xe0020 && c <= 0xe007f);
}
const isControl = (c) => c < 0x20 || (c >= 0x7f && c <= 0x9f);
const isOtherSpace = (c) => (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
const isFiller = (c) => c === 0x115f || c === 0x1160 || c === 0x3164 || c === 0xffa0 || c === 0x2800;
const isVariationSelector = (c) => (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xe0100 && c <= 0xe01ef);
const mark = /^(?:\p{Mn}|\p{Me})$/u;
const zs = /^\p{Zs}$/u;

// Look-alikes folded to Latin, as content.NameKey's tables.
const upperLookalike = {
  I: 'l',
  Α: 'a', Β: 'b', Ε: 'e', Ζ: 'z', Η: 'h', Ι: 'l', Κ: 'k', Μ: 'm', Ν: 'n', Ο: 'o', Ρ: 'p', Τ: 't', Υ: 'y', Χ: 'x',
  А: 'a', В: 'b', Е: 'e', К: 'k', М: 'm', Н: 'h', О: 'o', Р: 'p', С: 'c', Т: 't', Х: 'x', У: 'y', І: 'l', Ј: 'j', Ѕ: 's', Ԛ: 'q', Ԝ: 'w',
};
const lowerLookalike = {
  0: 'o', i: 'l', 1: 'l', '|': 'l', ı: 'l', ɡ: 'g',
  α: 'a', ε: 'e', ι: 'l', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', υ: 'u', χ: 'x',
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'l', ј: 'j', ѕ: 's', ԁ: 'd', һ: 'h', ԛ: 'q', ԝ: 'w', ӏ: 'l',
};

// nameKey is the form in which two names a person could take for one
// another are equal ("Carol", "CAROL", "Сarol" with a Cyrillic Es,
// "CaroI"): content.NameKey in Go, character for character.
export function nameKey(s) {
  let out = '';
  let space = true;
  for (const ch of String(s || '').normalize('NFKD')) {
    const c = ch.codePointAt(0);
    if (isControl(c) || isFormat(c) || isVariationSelector(c) || isFiller(c) || mark.test(ch)) continue;
    if (c === 0x20 || isOtherSpace(c) || zs.test(ch)) {
      if (!space) out += ' ';
      space = true;
      continue;
    }
    space = false;
    let r = upperLookalike[ch] || ch;
    r = r.toLowerCase();
    out += lowerLookalike[r] || r;
  }
  if (out.endsWith(' ')) out = out.slice(0, -1);
  return out.replaceAll('rn', 'm').replaceAll('vv', 'w');
}

// cleanName is a name as shown: without controls, bidi controls and other
// invisible formatting characters (ZWJ and ZWNJ between two visible
// non-ASCII characters stay, for emoji and scripts that need them),
// fillers, variation selectors after letters and spaces, and with one
// plain space for every run of spaces, none at the ends: a name
// content.CheckName accepts.
export function cleanName(s) {
  const chars = [...String(s || '')];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i].codePointAt(0);
    if (c === 0x200c || c === 0x200d) {
      const visible = (x) => x !== undefined && x.codePointAt(0) >= 0x80 && !dropped(x.codePointAt(0));
      if (visible(chars[i - 1]) && visible(chars[i + 1])) out += chars[i];
      continue;
    }
    if (c === 0x20 || isOtherSpace(c)) {
      out += ' ';
      continue;
    }
    if (isVariationSelector(c)) {
      // Kept after an emoji or a digit (keycaps), not after a letter or a space.
      const before = [...out].pop();
      if (before !== undefined && !/^[A-Za-z ]$/.test(before) && !isVariationSelector(before.codePointAt(0))) out += chars[i];
      continue;
    }
    if (!dropped(c)) out += chars[i];
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

function dropped(c) {
  return isControl(c) || isFormat(c) || isFiller(c) || c === 0x20 || isOtherSpace(c);
}

// iso wraps text someone else wrote in FIRST STRONG ISOLATE … POP
// DIRECTIONAL ISOLATE, for a sentence built as a string ("You now follow
// Carol."; aria-labels, <option>s, status lines): the text keeps its own
// direction and whatever it holds cannot turn the sentence around it.
export function iso(text) {
  return '\u2068' + String(text) + '\u2069';
}

// fingerprint is the short form of an account id shown to tell two
// accounts apart: "acc_x7edtoo4".
export function fingerprint(id) {
  return String(id || '').slice(0, 12);
}

// The accounts whose names this page has shown: scope and key → Map(account
// → name). Profile names are in the scope "accounts"; a village's locals'
// names in one of their own.
const seen = new Map();

// The badges drawn, by key, held weakly: a badge is drawn before it is in
// the document (a page builds its list, then shows it), and one dropped
// with its page is forgotten.
const badges = new Map();

// seeName records that account's name was shown; when another account
// already shown has a name that looks alike, every badge of that name is
// updated.
export function seeName(account, name, scope = 'accounts') {
  const nk = nameKey(cleanName(name));
  const k = scope + '\n' + nk;
  if (!account || !nk) return;
  for (const [key, accs] of seen) {
    if (key !== k && key.startsWith(scope + '\n') && accs.delete(account)) refresh(key); // renamed
  }
  let accs = seen.get(k);
  if (!accs) seen.set(k, (accs = new Map()));
  const had = accs.get(account);
  accs.set(account, cleanName(name));
  if (had === undefined) refresh(k);
}

// alikeBadge is a <span> beside an account's name that, as long as no
// other account shown has a name like it, stays hidden; once one has, it
// shows this account's fingerprint and "2 accounts named Carol", and its
// title names the others. It updates itself as accounts are seen.
export function alikeBadge(account, name, scope = 'accounts') {
  const el = document.createElement('span');
  el.className = 'alike';
  el.hidden = true;
  el.dataset.testid = 'name-alike';
  el.dataset.account = account || '';
  el.dataset.key = scope + '\n' + nameKey(cleanName(name));
  el.dataset.noun = scope === 'accounts' ? 'accounts' : 'locals';
  if (!badges.has(el.dataset.key)) badges.set(el.dataset.key, new Set());
  badges.get(el.dataset.key).add(new WeakRef(el));
  seeName(account, name, scope);
  drawBadge(el);
  return el;
}

function refresh(key) {
  const refs = badges.get(key);
  if (!refs) return;
  for (const ref of refs) {
    const el = ref.deref();
    if (el) drawBadge(el);
    else refs.delete(ref);
  }
}

function drawBadge(el) {
  const accs = seen.get(el.dataset.key);
  const me = el.dataset.account;
  if (!accs || accs.size < 2) {
    el.hidden = true;
    el.replaceChildren();
    return;
  }
  const name = accs.get(me) || [...accs.values()][0];
  const others = [...accs.keys()].filter((a) => a !== me);
  const fp = document.createElement('code');
  fp.className = 'fingerprint';
  fp.textContent = fingerprint(me);
  const who = document.createElement('bdi');
  who.textContent = name;
  el.replaceChildren(fp, ` · ${accs.size} ${el.dataset.noun} named “`, who, '”');
  el.title = `Not the same as ${others.map(fingerprint).join(', ')}: ${accs.size} ${el.dataset.noun} you have seen have names that look like ${iso(name)}. This one is ${me}.`;
  el.dataset.count = String(accs.size);
  el.hidden = false;
}
