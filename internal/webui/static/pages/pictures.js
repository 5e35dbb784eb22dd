// pages/pictures.js: pictures and albums (image entries, doc/api.md
// "Images") of you and the accounts you follow, and a form to publish one:
// up to 32 pictures, a caption for each, a title.
import { h, replace, displayName, statusLine, errorText, timeEl } from '../dom.js';
import { api, request, blobURL } from '../api.js';
import { PICTURES } from '../compose.js';
import { reactionBar } from '../reactions.js';

const maxImages = 32;

function albumCard(a) {
  const who = displayName(a.author_name, a.account);
  const title = a.title || (a.images.length === 1 ? 'A picture' : `${a.images.length} pictures`);
  const headingId = 'album-' + a.id;
  return h('article', { class: 'post album' + (a.mine ? ' mine' : ''), 'aria-labelledby': headingId, dataset: { testid: 'album', id: a.id } },
    h('header', { class: 'post-head' },
      h('div', { class: 'who' },
        h('h3', { class: 'author', id: headingId },
          h('bdi', { dataset: { testid: 'album-title' }, text: title }), ' · ',
          a.account.startsWith('acc_') ? h('a', { href: '#/account/' + a.account, ptext: who }) : h('span', { ptext: who }),
          a.mine ? h('span', { class: 'badge', text: 'you' }) : null),
        h('span', { class: 'when' }, timeEl(a.timestamp)))),
    h('div', { class: 'album-grid' }, a.images.map((im, i) =>
      h('figure', { dataset: { testid: 'album-image' } },
        h('a', { href: blobURL(im.blob), target: '_blank', rel: 'noopener' },
          h('img', { src: blobURL(im.blob), loading: 'lazy', alt: im.caption || `Picture ${i + 1} of ${a.images.length}, by ${who}` })),
        im.caption ? h('figcaption', { dataset: { testid: 'album-caption' }, ptext: im.caption }) : null))),
    h('footer', { class: 'post-foot' }, reactionBar(a.id)));
}

export default async function pictures(main, ctx) {
  ctx.title('Pictures');
  const status = statusLine('album-status');
  const list = h('div', { class: 'feed', dataset: { testid: 'albums' } });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, text: 'Load more' });
  let next = '';

  const files = h('input', { id: 'al-files', type: 'file', multiple: true, accept: PICTURES, dataset: { testid: 'album-files' } });
  const title = h('input', { id: 'al-title', type: 'text', maxlength: 200, dataset: { testid: 'album-title-input' } });
  const captions = h('div', { class: 'captions' });
  const submit = h('button', { type: 'submit', dataset: { testid: 'album-submit' }, text: 'Publish' });
  files.addEventListener('change', () => {
    const fs = [...files.files].slice(0, maxImages);
    replace(captions, ...fs.map((f, i) => h('div', { class: 'field' },
      h('label', { for: 'al-cap-' + i, text: `Caption for ${f.name} (optional)` }),
      h('input', { id: 'al-cap-' + i, type: 'text', maxlength: 400, dataset: { testid: 'album-caption-input' } }))));
    if (files.files.length > maxImages) status.set(`An album holds at most ${maxImages} pictures: the first ${maxImages} are taken.`, 'error');
  });
  const form = h('form', { class: 'composer', dataset: { testid: 'album-form' } },
    h('h2', { text: 'Share pictures' }),
    h('div', { class: 'field' }, h('label', { for: 'al-files', text: 'Pictures (JPEG, PNG, GIF or WebP; location data is removed)' }), files),
    captions,
    h('div', { class: 'field' }, h('label', { for: 'al-title', text: 'Title (optional)' }), title),
    h('div', { class: 'row' }, submit), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fs = [...files.files].slice(0, maxImages);
    if (fs.length === 0) {
      status.set('Choose at least one picture first.', 'error');
      files.focus();
      return;
    }
    submit.disabled = true;
    try {
      const images = [];
      for (const f of fs) images.push((await api.uploadImage(f)).id);
      const caps = [...captions.querySelectorAll('input')].map((i) => i.value.trim());
      const body = { title: title.value.trim(), images };
      if (caps.some((c) => c)) body.captions = caps;
      await request('POST', '/images', body);
      form.reset();
      replace(captions);
      status.set(fs.length === 1 ? 'Your picture is published.' : `Your album of ${fs.length} pictures is published.`, 'ok');
      await load(true);
    } catch (err) {
      status.set(errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });

  async function load(fresh) {
    const q = new URLSearchParams();
    if (!fresh && next) q.set('cursor', next);
    const page = await request('GET', '/images' + (q.toString() ? '?' + q : ''));
    const cards = (page.albums || []).map(albumCard);
    if (fresh) replace(list, ...cards);
    else list.append(...cards);
    next = page.next_cursor || '';
    more.hidden = !next;
    if (!list.children.length) {
      replace(list, h('p', { class: 'muted', dataset: { testid: 'albums-empty' }, text: 'No pictures yet. Share some above; the pictures of the people you follow show here too.' }));
    }
  }
  more.addEventListener('click', () => load(false).catch((err) => status.set(errorText(err), 'error')));

  main.append(h('h1', { tabindex: '-1', text: 'Pictures' }),
    h('p', {}, h('a', { href: '#/collections', dataset: { testid: 'nav-collections' }, text: 'Shared folders' }), ': whole folders of photos or documents, fetched a file at a time.'),
    form, h('h2', { class: 'visually-hidden', text: 'Albums' }), list, more);
  ctx.on('entry', (e) => { if (e.type === 'image') load(true).catch(() => {}); });
  await load(true);
}
