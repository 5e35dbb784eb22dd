// names.js: accounts' profile names, asked once and kept for the page's
// life (forget(acc) when a new profile of it arrives).
import { api } from './api.js';

const cache = new Map();

// nameOf answers the account's profile name, or '' when none is held.
export function nameOf(acc) {
  if (!acc || !acc.startsWith('acc_')) return Promise.resolve('');
  if (!cache.has(acc)) {
    // /accounts/{acc} answers 200 with profile null when none is held
    // (/profile/{acc} would answer 404, which the browser logs as an error).
    cache.set(acc, api.account(acc).then((a) => (a && a.profile && a.profile.name) || '', () => ''));
  }
  return cache.get(acc);
}

export function forget(acc) {
  cache.delete(acc);
}
