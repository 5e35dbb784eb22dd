// names.js: accounts' profile names, asked once and kept for the page's
// life (forget(acc) when a new profile of it arrives).
import { api } from './api.js';

const cache = new Map();

// nameOf answers the account's profile name, or '' when none is held.
export function nameOf(acc) {
  if (!acc || !acc.startsWith('acc_')) return Promise.resolve('');
  if (!cache.has(acc)) {
    cache.set(acc, api.profile(acc).then((p) => (p && p.name) || '', () => ''));
  }
  return cache.get(acc);
}

export function forget(acc) {
  cache.delete(acc);
}
