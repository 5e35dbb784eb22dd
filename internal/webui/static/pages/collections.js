// pages/collections.js: shared folders (collection entries, doc/api.md
// "Collections"): the list of those of you and the accounts you follow,
// and one collection's directories, where a file is fetched from peers
// only when asked for.
import { h, replace, displayName, statusLine, errorText, timeEl } from '../dom.js';
import { request, blobURL } from '../api.js';

const enc = encodeURIComponent;

function sizeText(n) {
  if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + ' GiB';
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + ' MiB';
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
  return n + (n === 1 ? ' byte' : ' bytes');
}

// list is #/collections.
export async function collections(main, ctx) {
  ctx.title('Shared folders');
  const status = statusLine('collections-status');
  const list = h('ul', { class: 'collections', dataset: { testid: 'collections' } });
  main.append(h('h1', { tabindex: '-1', text: 'Shared folders' }),
    h('p', { class: 'muted', text: 'Folders you and the people you follow shared. Share one with: kith share DIR' }),
    status, list);
  try {
    const page = await request('GET', '/collections');
    const items = (page.collections || []).map((c) => h('li', { dataset: { testid: 'collection-item', id: c.id } },
      h('a', { href: '#/collection/' + c.id, ptext: c.name }), ' · ',
      h('span', { ptext: displayName(c.author_name, c.account) }), ' · ',
      h('span', { class: 'muted', text: `${c.files} ${c.files === 1 ? 'file' : 'files'}, ${sizeText(c.size)}` }), ' ',
      timeEl(c.timestamp)));
    if (items.length) replace(list, ...items);
    else replace(list, h('li', { class: 'muted', dataset: { testid: 'collections-empty' }, text: 'No shared folders yet.' }));
  } catch (err) {
    status.set(errorText(err), 'error');
  }
}

// collection is #/collection/ENT: one collection, browsed a directory at
// a time.
export async function collection(main, ctx) {
  const id = ctx.params[0];
  ctx.title('Shared folder');
  const heading = h('h1', { tabindex: '-1', text: 'Shared folder' });
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Folder path', dataset: { testid: 'collection-path' } });
  const status = statusLine('collection-status');
  const table = h('ul', { class: 'collection', dataset: { testid: 'collection-entries' } });
  main.append(heading, crumbs, status, table);

  async function fetchFile(e, row) {
    const btn = row.querySelector('button');
    btn.disabled = true;
    btn.textContent = 'Fetching…';
    try {
      await request('POST', '/blobs/' + enc(e.blob) + '/fetch');
      e.held = true;
      replace(row, ...fileRow(e));
      status.set(`${e.name} is here now.`, 'ok');
      row.querySelector('a').focus();
    } catch (err) {
      btn.disabled = false;
      btn.textContent = 'Fetch';
      status.set(errorText(err), 'error');
    }
  }

  function fileRow(e, row) {
    return [
      h('span', { class: 'name', ptext: e.name }),
      h('span', { class: 'size muted', text: sizeText(e.size) }),
      e.held
        ? h('a', { href: blobURL(e.blob), download: e.name, dataset: { testid: 'collection-open' }, text: 'Open' })
        : h('button', { type: 'button', class: 'secondary small', dataset: { testid: 'collection-fetch' }, 'aria-label': 'Fetch ' + e.name, text: 'Fetch', onclick: () => fetchFile(e, row || rows.get(e.name)) }),
    ];
  }
  const rows = new Map();

  async function show(path) {
    status.set('Loading…', 'ok');
    let l;
    try {
      l = await request('GET', '/collections/' + enc(id) + (path ? '?path=' + enc(path) : ''));
    } catch (err) {
      status.set(errorText(err), 'error');
      return;
    }
    status.set('', 'ok');
    ctx.title(l.name);
    replace(heading, h('bdi', { text: l.name }));
    const parts = path ? path.split('/') : [];
    replace(crumbs, h('button', { type: 'button', class: 'link', text: l.name, onclick: () => show('') }),
      ...parts.flatMap((p, i) => [' / ', i === parts.length - 1 ? h('span', { ptext: p }) : h('button', { type: 'button', class: 'link', ptext: p, onclick: () => show(parts.slice(0, i + 1).join('/')) })]));
    rows.clear();
    const items = l.entries.map((e) => {
      const row = h('li', { dataset: { testid: 'collection-entry', kind: e.kind, name: e.name } });
      rows.set(e.name, row);
      if (e.kind === 'dir') {
        row.append(h('button', { type: 'button', class: 'link', dataset: { testid: 'collection-dir' }, onclick: () => show(path ? path + '/' + e.name : e.name) }, h('bdi', { text: e.name }), '/'),
          h('span', { class: 'size muted', text: sizeText(e.size) }));
      } else {
        row.append(...fileRow(e, row));
      }
      return row;
    });
    if (items.length) replace(table, ...items);
    else replace(table, h('li', { class: 'muted', text: 'This folder is empty.' }));
  }
  await show('');
}
