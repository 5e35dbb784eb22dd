// pages/invite.js: make an invite code (with its QR code) for someone, or
// join someone with theirs.
import { h, replace, displayName, statusLine, errorText, copyText } from '../dom.js';
import { api } from '../api.js';
import { nameOf } from '../names.js';

const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

// qrImage makes an <img> of the invite answer's qr_svg, or null when it
// is not the plain drawing expected: an <svg> of rect and path elements
// only. Shown as an image (a data: URL), the SVG could not run anything
// anyway; the check keeps out whatever is not a QR code.
export function qrImage(svgText) {
  if (typeof svgText !== 'string' || !svgText) return null;
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root || root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) return null;
  for (const el of root.querySelectorAll('*')) {
    if (el.localName !== 'rect' && el.localName !== 'path') return null;
  }
  for (const el of [root, ...root.querySelectorAll('*')]) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name) || /href$/i.test(a.name)) return null;
    }
  }
  const text = new XMLSerializer().serializeToString(root);
  return h('img', {
    class: 'qr',
    src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text),
    alt: 'The invite code as a QR code',
    dataset: { testid: 'invite-qr' },
  });
}

export default async function invite(main, ctx) {
  ctx.title('Invite & join');

  // Invite.
  const ttl = h('select', { id: 'invite-ttl', dataset: { testid: 'invite-ttl' } },
    h('option', { value: 3600, text: '1 hour' }),
    h('option', { value: 86400, selected: true, text: '1 day' }),
    h('option', { value: 7 * 86400, text: '7 days' }),
    h('option', { value: 30 * 86400, text: '30 days' }));
  const create = h('button', { type: 'submit', dataset: { testid: 'invite-create' }, text: 'Create invite' });
  const inviteStatus = statusLine('invite-status');
  const result = h('div', { class: 'invite-result', dataset: { testid: 'invite-result' }, hidden: true });
  const inviteForm = h('form', { class: 'inline-form' },
    h('label', { for: 'invite-ttl', text: 'Valid for' }),
    h('div', { class: 'row' }, ttl, create),
    inviteStatus);

  inviteForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    create.disabled = true;
    inviteStatus.set('Creating…');
    try {
      const inv = await api.invite(Number(ttl.value));
      const code = h('textarea', { id: 'invite-code', readonly: true, rows: 4, spellcheck: 'false', dataset: { testid: 'invite-code' }, value: inv.code });
      const copyStatus = statusLine('invite-copy-status');
      const qr = qrImage(inv.qr_svg);
      replace(result,
        h('label', { for: 'invite-code', text: 'Invite code' }),
        code,
        h('div', { class: 'row' },
          h('button', {
            type: 'button', dataset: { testid: 'invite-copy' }, text: 'Copy code',
            onclick: async () => copyStatus.set(await copyText(inv.code, code) ? 'Code copied. Send it to the person you invite.' : 'Copying failed: select the code and copy it.', 'ok'),
          })),
        copyStatus,
        h('p', {}, 'It works once, until ', h('strong', { text: dtf.format(new Date(inv.expires)) }), '. The other person opens “Invite & join” in their kith and pastes it under “Join with a code” (or runs ', h('code', { text: 'kith join CODE' }), ').'),
        qr ? h('figure', { class: 'qr-box' }, qr, h('figcaption', { text: 'The same code as a QR code, to scan from this screen.' })) : null);
      result.hidden = false;
      inviteStatus.set('Invite created.', 'ok');
      code.focus();
      code.select();
    } catch (err) {
      inviteStatus.set(errorText(err), 'error');
    } finally {
      create.disabled = false;
    }
  });

  // Join.
  const joinIn = h('textarea', { id: 'join-code', rows: 3, spellcheck: 'false', autocomplete: 'off', dataset: { testid: 'join-code' } });
  const joinBtn = h('button', { type: 'submit', dataset: { testid: 'join-submit' }, text: 'Join' });
  const joinStatus = statusLine('join-status');
  const joinResult = h('div', { class: 'join-result', dataset: { testid: 'join-result' }, 'aria-live': 'polite' });
  const joinForm = h('form', { class: 'inline-form' },
    h('label', { for: 'join-code', text: 'Invite code' }), joinIn,
    h('div', { class: 'row' }, joinBtn), joinStatus, joinResult);
  joinForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = joinIn.value.trim();
    if (!code) {
      joinStatus.set('Paste the invite code you were sent first.', 'error');
      joinIn.focus();
      return;
    }
    joinBtn.disabled = true;
    replace(joinResult);
    joinStatus.set('Connecting to the person who invited you… this can take up to a minute.');
    try {
      const r = await api.join(code);
      const name = displayName(await nameOf(r.account), r.account);
      joinStatus.set('');
      joinIn.value = '';
      replace(joinResult,
        h('p', { class: 'status ok' }, 'You now follow ', h('a', { href: '#/account/' + r.account, dataset: { testid: 'joined-account' }, ptext: name }), '. ',
          r.mutual ? 'They follow you back.' : 'They have not followed you back yet.'));
    } catch (err) {
      joinStatus.set(errorText(err), 'error');
    } finally {
      joinBtn.disabled = false;
    }
  });

  main.append(
    h('h1', { tabindex: '-1', text: 'Invite & join' }),
    h('section', { 'aria-labelledby': 'invite-heading' },
      h('h2', { id: 'invite-heading', text: 'Invite someone' }),
      h('p', { text: 'An invite code lets one person connect to you: you follow each other and your posts reach them. Give it only to the person you mean; it works once.' }),
      h('p', {}, 'Adding a device of your own, such as your phone? Use ', h('a', { href: '#/devices/pair', dataset: { testid: 'add-device' }, text: 'Add a device' }), ' instead.'),
      inviteForm,
      result),
    h('section', { 'aria-labelledby': 'join-heading' },
      h('h2', { id: 'join-heading', text: 'Join with a code' }),
      h('p', { text: 'Got an invite code from someone? Paste it here to connect and follow each other.' }),
      joinForm),
  );
}
