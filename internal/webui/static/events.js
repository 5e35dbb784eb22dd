// events.js: the node's live event stream (GET /api/v1/events, Server-Sent
// Events). One stream for the page; pages subscribe with on(name, fn),
// which answers a function that unsubscribes. Names: the stream's own
// (hello, entry, space, message, peers, sync, resync, presence, signal,
// request) and "connection" ({state: "up" |
// "connecting" | "down"}). After the stream was lost and comes back, a
// "resync" is sent too: what happened meanwhile was missed.

const listeners = new Map();
let source = null;
let retryTimer = null;
let wasUp = false;
let lostSinceUp = false;
export let state = 'down';

export function on(name, fn) {
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name).add(fn);
  return () => listeners.get(name).delete(fn);
}

function emit(name, data) {
  for (const fn of [...(listeners.get(name) || [])]) {
    try {
      fn(data);
    } catch (e) {
      console.error('event handler', name, e);
    }
  }
}

function setState(s) {
  if (s === state) return;
  state = s;
  emit('connection', { state: s });
}

// connect opens the stream (once); onClosed is called when the browser
// gave up on it (for example the node answered 401), before a retry.
export function connect(onClosed) {
  if (source) return;
  clearTimeout(retryTimer);
  setState('connecting');
  source = new EventSource('/api/v1/events');
  source.onopen = () => {
    setState('up');
    if (wasUp && lostSinceUp) emit('resync', {});
    wasUp = true;
    lostSinceUp = false;
  };
  source.onerror = () => {
    lostSinceUp = true;
    if (source.readyState === EventSource.CLOSED) {
      source = null;
      setState('down');
      if (onClosed) onClosed();
      retryTimer = setTimeout(() => connect(onClosed), 5000);
    } else {
      setState('connecting');
    }
  };
  for (const name of ['hello', 'entry', 'space', 'message', 'peers', 'sync', 'resync', 'presence', 'signal', 'decision', 'request']) {
    source.addEventListener(name, (ev) => {
      let data = {};
      try {
        data = ev.data ? JSON.parse(ev.data) : {};
      } catch {
        return;
      }
      emit(name, data);
    });
  }
}

export function disconnect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  setState('down');
}
