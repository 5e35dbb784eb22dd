// compose.js: the box to write a post or a reply, with images. Images are
// uploaded when the post is sent (POST /api/v1/blobs?publish=true, which
// removes location data), then the post (POST /api/v1/posts).
import { h, statusLine, errorText, plural } from './dom.js';
import { api } from './api.js';

const MAX_IMAGES = 16;
// PICTURES are the image types the node takes for a post (others are
// refused: blob.CheckImage).
export const PICTURES = 'image/jpeg,image/png,image/gif,image/webp';
let serial = 0;

// makeComposer answers {el, focus(), textarea}. opts: label (of the text
// box), button (its text), replyTo() (the id replied to, or null),
// onPosted(answer) after a post was published.
export function makeComposer(opts = {}) {
  const id = 'compose-' + ++serial;
  let files = []; // {file, url}
  const textarea = h('textarea', { id, name: 'text', rows: 3, maxlength: 10000, dataset: { testid: 'compose-text' } });
  const fileInput = h('input', {
    type: 'file', id: id + '-file', accept: PICTURES, multiple: true, class: 'visually-hidden',
    dataset: { testid: 'compose-image' },
  });
  const previews = h('ul', { class: 'previews', dataset: { testid: 'compose-previews' }, 'aria-label': 'Images to post' });
  const submit = h('button', { type: 'submit', dataset: { testid: 'compose-submit' }, text: opts.button || 'Post' });
  const status = statusLine('compose-status');

  function drawPreviews() {
    previews.replaceChildren(...files.map((f, i) =>
      h('li', {},
        h('img', { src: f.url, alt: 'Preview of ' + f.file.name }),
        h('button', {
          type: 'button', class: 'secondary small', 'aria-label': `Remove image ${i + 1} (${f.file.name})`,
          onclick: () => {
            URL.revokeObjectURL(f.url);
            files = files.filter((x) => x !== f);
            drawPreviews();
            fileInput.focus();
          },
          text: 'Remove',
        }))));
    previews.hidden = files.length === 0;
  }

  fileInput.addEventListener('change', () => {
    for (const file of fileInput.files) {
      if (files.length >= MAX_IMAGES) {
        status.set(`A post holds at most ${MAX_IMAGES} images.`, 'error');
        break;
      }
      if (!PICTURES.split(',').includes(file.type)) {
        status.set(`${file.name} is not a picture kith can show: use a JPEG, PNG, GIF or WebP picture.`, 'error');
        continue;
      }
      files.push({ file, url: URL.createObjectURL(file) });
    }
    fileInput.value = '';
    drawPreviews();
  });

  const form = h('form', { class: 'composer', dataset: { testid: 'composer' } },
    h('label', { for: id, text: opts.label || 'Write a post' }),
    textarea,
    previews,
    h('div', { class: 'row' },
      h('label', { for: id + '-file', class: 'file-button button secondary', text: 'Add image' }),
      fileInput,
      submit),
    status);
  drawPreviews();

  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = textarea.value.trim();
    if (!text && files.length === 0) {
      status.set('Write something or add an image first.', 'error');
      textarea.focus();
      return;
    }
    submit.disabled = true;
    try {
      const ids = [];
      let removed = 0;
      for (let i = 0; i < files.length; i++) {
        status.set(files.length > 1 ? `Uploading image ${i + 1} of ${files.length}…` : 'Uploading the image…');
        const blob = await api.uploadImage(files[i].file);
        ids.push(blob.id);
        if (blob.location_removed) removed++;
      }
      status.set('Publishing…');
      const res = await api.post(text, ids, opts.replyTo ? opts.replyTo() : null);
      textarea.value = '';
      for (const f of files) URL.revokeObjectURL(f.url);
      files = [];
      drawPreviews();
      let msg = opts.replyTo && opts.replyTo() ? 'Reply posted.' : 'Posted.';
      if (removed === 1 && ids.length === 1) msg += ' Location data was removed from the photo.';
      else if (removed > 0) msg += ` Location data was removed from ${plural(removed, 'photo')}.`;
      status.set(msg, 'ok');
      if (opts.onPosted) opts.onPosted(res);
    } catch (err) {
      status.set(errorText(err), 'error');
    } finally {
      submit.disabled = false;
    }
  });

  return { el: form, textarea, focus: () => textarea.focus() };
}
