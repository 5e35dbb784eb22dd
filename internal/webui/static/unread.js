// unread.js: which conversations have a message you have not seen. The
// API does not keep it; this browser does, as the ids (ent_…, public
// entry ids, no text and no conversation id) of the last message of each
// conversation you have seen, in localStorage. So "new" is per browser,
// and a browser that never opened a conversation shows it new.

const key = 'kith.messages.seen';
const max = 1000;
const listeners = new Set();

function load() {
  try {
    const v = JSON.parse(localStorage.getItem(key) || '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

// isUnread: the conversation's last readable message is someone else's
// and was not seen here.
export function isUnread(c) {
  return !!(c && c.last && !c.last.mine && !load().includes(c.last.id));
}

// unreadCount counts the conversations of a list that are unread.
export function unreadCount(cs) {
  const seen = new Set(load());
  return (cs || []).filter((c) => c.last && !c.last.mine && !seen.has(c.last.id)).length;
}

// markSeen records that a message was seen (the last of a conversation
// shown), and tells the listeners.
export function markSeen(id) {
  if (!id) return;
  const ids = load();
  if (ids.includes(id)) return;
  ids.push(id);
  try {
    localStorage.setItem(key, JSON.stringify(ids.slice(-max)));
  } catch {
    // A browser without storage shows conversations as new.
  }
  for (const fn of listeners) fn();
}

// onSeen calls fn after each markSeen; answers a function that stops it.
export function onSeen(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
