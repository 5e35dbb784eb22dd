// api.js: calls of the node's API (/api/v1, doc/api.md). Every call
// either answers the decoded JSON or throws an ApiError with the answer's
// status, error code and message. The sign-in cookie goes with every
// request (same origin); nothing here holds a token.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

// Hooks app.js sets: what to do when the node says "sign in" (401) or
// "set me up first" (409 not_initialized), whatever page asked.
export const hooks = {
  unauthorized: () => {},
  notInitialized: () => {},
};

// request sends method path with body: a plain object is sent as JSON; a
// Blob or File as its bytes.
export async function request(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
  if (body instanceof Blob) {
    init.body = body;
    init.headers['Content-Type'] = body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, init);
  } catch {
    throw new ApiError(0, 'network', 'The node does not answer. Is "kith serve" still running?');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = data && data.error;
    const err = new ApiError(res.status, e ? e.code : 'failed', e ? e.message : `The node answered ${res.status} ${res.statusText}.`);
    if (res.status === 401) hooks.unauthorized(err);
    if (err.code === 'not_initialized') hooks.notInitialized(err);
    throw err;
  }
  return data;
}

const enc = encodeURIComponent;

// query makes "?a=1&b=2" of the defined values.
function query(params) {
  const q = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return q.length ? '?' + q.map(([k, v]) => `${k}=${enc(v)}`).join('&') : '';
}

export const api = {
  setup: () => request('GET', '/setup'),
  newPhrase: () => request('POST', '/setup/phrase'),
  doSetup: (phrase, passphrase, deviceName) =>
    request('POST', '/setup', { phrase, passphrase: passphrase || '', device_name: deviceName || '' }),
  setupPair: (code, deviceName) => request('POST', '/setup/pair', { code, device_name: deviceName || '' }),
  identity: () => request('GET', '/identity'),
  profile: (acc) => request('GET', '/profile/' + enc(acc)),
  putProfile: (fields) => request('PUT', '/profile', fields),
  timeline: (cursor, limit) => request('GET', '/timeline' + query({ cursor, limit })),
  account: (acc) => request('GET', '/accounts/' + enc(acc)),
  accountPosts: (acc, cursor, limit) => request('GET', '/accounts/' + enc(acc) + '/posts' + query({ cursor, limit })),
  thread: (id) => request('GET', '/threads/' + enc(id)),
  post: (text, images, replyTo) =>
    request('POST', '/posts', { text, ...(images && images.length ? { images } : {}), ...(replyTo ? { reply_to: replyTo } : {}) }),
  uploadImage: (file) => request('POST', '/blobs?publish=true', file),
  follows: () => request('GET', '/follows'),
  online: () => request('GET', '/online'),
  sendSignal: (to, text) => request('POST', '/signals', { to, text }),
  follow: (acc, on) => request(on ? 'PUT' : 'DELETE', '/follows/' + enc(acc)),
  block: (acc, on) => request(on ? 'PUT' : 'DELETE', '/blocks/' + enc(acc)),
  peers: () => request('GET', '/peers'),
  addPeer: (addr) => request('POST', '/peers', { addr }),
  status: () => request('GET', '/status'),
  devices: () => request('GET', '/devices'),
  // revokeDevice: body {reason, phrase?, phrase_passphrase?}; the phrase
  // only on a device without the account key.
  revokeDevice: (dev, body) => request('POST', '/devices/' + enc(dev) + '/revoke', body),
  removeAccountKey: (auth) => request('POST', '/account/key/remove', auth),
  invite: (ttlSeconds) => request('POST', '/invites', { ttl_seconds: ttlSeconds }),
  join: (code) => request('POST', '/join', { code }),
  // Pairing a new device of this account (doc/protocol/pairing.md).
  // auth: {phrase, phrase_passphrase}, only on a device without the
  // account key.
  newPairing: (ttlSeconds, auth) => request('POST', '/pairings', { ...(ttlSeconds ? { ttl_seconds: ttlSeconds } : {}), ...(auth || {}) }),
  pairingStatus: (id, wait) => request('GET', '/pairings/' + enc(id) + query({ wait })),
  cancelPairing: (id) => request('DELETE', '/pairings/' + enc(id)),
  // Villages (doc/api.md "Villages"): ids ent_…, locals dev_…, strangers
  // 128 hex digits, proofs and note files blob_….
  villages: () => request('GET', '/villages'),
  // rules: the charter's admit / exclude fields (admit, admit_params, admit_expr, …).
  foundVillage: (name, rules, cofounders) => request('POST', '/villages', { name, ...rules, cofounders }),
  village: (id) => request('GET', '/villages/' + enc(id)),
  villageAccept: (id) => request('POST', '/villages/' + enc(id) + '/accept', {}),
  villageDecline: (id) => request('POST', '/villages/' + enc(id) + '/decline', {}),
  villageJoin: (id) => request('POST', '/villages/' + enc(id) + '/join', {}),
  villageLeave: (id) => request('POST', '/villages/' + enc(id) + '/leave', {}),
  villageInvite: (id, invitee) => request('POST', '/villages/' + enc(id) + '/invites', { invitee }),
  villageUserspec: (id, mode, name, about) => request('PUT', '/villages/' + enc(id) + '/userspec', { mode, name, about }),
  strangerVote: (id, stranger, vote, proof) =>
    request('PUT', '/villages/' + enc(id) + '/strangers/' + enc(stranger) + '/vote', proof ? { vote, proof } : { vote }),
  strangerNote: (id, stranger, text, blob) =>
    request('POST', '/villages/' + enc(id) + '/strangers/' + enc(stranger) + '/notes', blob ? { text, blob } : { text }),
  proposeExclusion: (id, subject, reason) => request('POST', '/villages/' + enc(id) + '/exclusions', { subject, reason }),
  // target: { invitee: 'acc_…' } or { proposal: 'ent_…' }.
  villagePosition: (id, target, position, reason) =>
    request('PUT', '/villages/' + enc(id) + '/positions', reason ? { ...target, position, reason } : { ...target, position }),
  exclusionVote: (id, proposal, vote) => request('PUT', '/villages/' + enc(id) + '/exclusions/' + enc(proposal) + '/vote', { vote }),
  publishState: (id) => request('POST', '/villages/' + enc(id) + '/state'),
  villageChain: (id, key) => request('GET', '/villages/' + enc(id) + '/locals/' + enc(key) + '/chain'),
  // A stranger's requests: send one through a local's device (dev_… or a
  // multiaddr with /p2p/), and list this device's own.
  sendVillageRequest: (village, to, text, blob) => request('POST', '/village-requests', blob ? { village, to, text, blob } : { village, to, text }),
  sentVillageRequests: (village) => request('GET', '/village-requests' + query({ village })),
  // requestFile has the node fetch a stranger's request's file (an
  // unlisted stranger's only when opened, within the village's budget).
  requestFile: (village, entry) => request('POST', '/villages/' + enc(village) + '/requests/' + enc(entry) + '/file', {}),
  // Spaces (doc/api.md "Spaces"): encrypted groups; ids ent_…, members
  // acc_…. A message's text is opened on the node when asked for.
  spaces: () => request('GET', '/spaces'),
  createSpace: (body) => request('POST', '/spaces', body),
  space: (id) => request('GET', '/spaces/' + enc(id)),
  // spaceMessages and conversation read a page: the latest limit before
  // the cursor before (an answer's older; '' for the latest).
  spaceMessages: (id, limit, before) => request('GET', '/spaces/' + enc(id) + '/messages' + query({ limit, before })),
  spacePost: (id, text, reply) => request('POST', '/spaces/' + enc(id) + '/messages', reply ? { text, reply } : { text }),
  spaceAdd: (id, account, role) => request('POST', '/spaces/' + enc(id) + '/members', { account, role }),
  spaceRemove: (id, account) => request('DELETE', '/spaces/' + enc(id) + '/members/' + enc(account)),
  spaceRole: (id, account, role) => request('PUT', '/spaces/' + enc(id) + '/members/' + enc(account) + '/role', { role }),
  spaceLeave: (id) => request('POST', '/spaces/' + enc(id) + '/leave', {}),
  // Private messages (doc/api.md "Messages"): a conversation id is 64 hex
  // digits, messages ent_…; texts are opened on the node when asked for.
  conversations: () => request('GET', '/conversations'),
  conversation: (id, limit, before) => request('GET', '/conversations/' + enc(id) + query({ limit, before })),
  startConversation: (to, text) => request('POST', '/conversations', { to, text }),
  sendMessage: (id, text, replyTo) => request('POST', '/conversations/' + enc(id) + '/messages', replyTo ? { text, reply_to: replyTo } : { text }),
  // uploadFile stores a file shared with other nodes (a proof, a note's
  // file): JPEG and PNG images lose their location metadata, as with
  // 'kith village vote --proof' (other nodes refuse images that carry one).
  uploadFile: (file) => request('POST', '/blobs?publish=true', file),
};

// blobURL is where the page loads a blob from (an <img src>).
export function blobURL(id) {
  return '/api/v1/blobs/' + enc(id);
}
