// idtext.js: a message from the node (a village's problems, say) as
// people read it: the API names people there ("Bea (acc_…)"); each account
// id in it becomes a link to the account's page showing its short id, the
// full id as the link's title.
import { h, shortId } from './dom.js';

const accountId = /acc_[a-z0-9]+/g;

// linkIds answers text as a list of strings and links.
export function linkIds(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(accountId)) {
    out.push(text.slice(last, m.index));
    out.push(h('a', { href: '#/account/' + m[0], title: m[0], class: 'id', dataset: { testid: 'problem-account', account: m[0] }, text: shortId(m[0]) }));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out.filter((p) => p !== '');
}
