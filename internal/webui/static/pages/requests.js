// pages/requests.js: letters from people you do not follow, collected from
// your dropboxes (doc/api.md "Requests and dropboxes"): read, answer (a
// private message), accept (follow) or ignore each. The sender learns
// nothing unless you answer. Also names the hubs that keep your dropbox.
import { h, replace, statusLine, errorText, displayName, timeEl, bdi } from '../dom.js';
import { request } from '../api.js';

function sender(r) {
  return displayName(r.from_name, r.from);
}

function requestItem(r, reload, status) {
  const answerIn = h('textarea', { rows: 2, maxlength: 10000, 'aria-label': 'Your answer', placeholder: 'Answer privately: only they will read it', dataset: { testid: 'request-answer-text' } });
  const act = async (what, f) => {
    try {
      await f();
      status.set(what, 'info');
      reload();
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  };
  const answer = h('form', {
    class: 'request-answer',
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!answerIn.value.trim()) return;
      act('Answered: your message is sealed for them and goes out as they sync.', () => request('POST', '/requests/' + encodeURIComponent(r.id) + '/answer', { text: answerIn.value }));
    },
  }, answerIn, h('button', { type: 'submit', dataset: { testid: 'request-answer' }, text: r.answered ? 'Answer again' : 'Answer' }));
  const accept = h('button', {
    type: 'button', dataset: { testid: 'request-accept' }, disabled: r.following, text: r.following ? 'Following' : 'Accept (follow)',
    onclick: () => act('Accepted: you follow ' + sender(r) + ' now, and see what they post.', () => request('POST', '/requests/' + encodeURIComponent(r.id) + '/accept')),
  });
  const ignore = h('button', {
    type: 'button', dataset: { testid: 'request-ignore' }, text: 'Ignore',
    onclick: () => act('Ignored. They are not told.', () => request('DELETE', '/requests/' + encodeURIComponent(r.id))),
  });
  const state = (r.following ? 'you follow them' : 'not followed') + (r.answered ? ', answered' : '');
  const answered = r.answered
    ? h('p', { class: 'muted small' }, h('a', { href: '#/conversation/' + encodeURIComponent(r.answered), dataset: { testid: 'request-conversation' }, text: 'Open the conversation' }))
    : null;
  return h('li', { class: 'card request', dataset: { testid: 'request', id: r.id } },
    h('p', { class: 'request-from' }, bdi(sender(r)), ' ', h('span', { class: 'muted', dataset: { testid: 'request-state' }, text: '(' + state + ')' }), ' · ', timeEl(r.sent_ms)),
    h('p', { class: 'request-text', dir: 'auto', dataset: { testid: 'request-text' }, text: r.text }),
    answer, answered, h('p', {}, accept, ' ', ignore));
}

export default async function requests(main, ctx) {
  ctx.title('Requests');
  const status = statusLine('requests-status');
  const list = h('ul', { class: 'requests', dataset: { testid: 'requests-list' }, 'aria-label': 'Requests' });
  const boxes = h('p', { dataset: { testid: 'requests-dropboxes' } });
  const hubIn = h('input', { type: 'text', spellcheck: 'false', placeholder: '/ip4/…/tcp/7696/p2p/…', 'aria-label': 'Hub address', dataset: { testid: 'requests-dropbox-addr' } });
  const hubForm = h('form', {
    class: 'card',
    onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await request('PUT', '/hubs', { hubs: hubIn.value.trim() ? [{ addr: hubIn.value.trim(), dropbox: true }] : [] });
        hubIn.value = '';
        load();
      } catch (err) {
        status.set(errorText(err), 'error');
      }
    },
  }, h('label', { text: 'Keep my dropbox at the hub ' }), hubIn, h('button', { type: 'submit', dataset: { testid: 'requests-dropbox-set' }, text: 'Save' }));
  main.append(h('h1', { tabindex: '-1', text: 'Requests' }),
    h('p', { class: 'muted', text: 'Letters from people you do not follow, left at your dropbox. They learn nothing unless you answer.' }),
    status, list, h('h2', { text: 'Your dropbox' }), boxes, hubForm);

  async function load() {
    try {
      const [rs, hs] = await Promise.all([request('GET', '/requests'), request('GET', '/hubs')]);
      if (!ctx.alive()) return;
      const items = (rs.requests || []).slice().reverse().map((r) => requestItem(r, load, status));
      replace(list, ...(items.length ? items : [h('li', { class: 'muted', text: 'No requests.' })]));
      const dbs = (hs.hubs || []).filter((x) => x.dropbox);
      replace(boxes, dbs.length ? 'Kept at: ' + dbs.map((x) => x.hub + (x.addr ? ' (' + x.addr + ')' : '')).join(', ')
        : 'You name no dropbox yet: people you do not follow cannot write to you.');
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }
  // Letters arrive when the node collects them (at each connection to the
  // dropbox and every 30 s while connected): the event request says so,
  // and that one was answered, accepted or ignored (here or in another
  // window).
  ctx.on('request', load);
  ctx.on('resync', load);
  await load();
}
