// The browser peer's page (doc/browser.md): the device key in WebCrypto,
// entries in IndexedDB, kith's rules in WebAssembly (kith.wasm), the
// network in js-libp2p (net.js).
import * as net from './net.js'
import * as spaces from './space.js'
import { renderVillages } from './village.js'
import * as blobs from './blobs.js'

const $ = (id) => document.getElementById(id)
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

function say (msg) { $('status').textContent = msg }
function problem (msg) {
  const p = $('problem')
  p.textContent = msg
  p.hidden = !msg
}

// ---- IndexedDB: the device key and every entry held, in the order added;
// since version 2 the pictures of posts too (blobs.js).

function openDB () {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('kith-peer', 2)
    req.onupgradeneeded = (ev) => {
      const db = req.result
      if (ev.oldVersion < 1) {
        db.createObjectStore('keys')
        db.createObjectStore('entries', { keyPath: 'n', autoIncrement: true }).createIndex('id', 'id', { unique: true })
      }
      blobs.upgrade(db, ev.oldVersion)
    }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

// txn runs fn in one transaction and settles when it is committed (or
// aborted: then nothing of it was written).
function txn (db, store, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode)
    let result
    t.oncomplete = () => resolve(result)
    t.onabort = t.onerror = () => reject(t.error || new Error('the transaction was aborted'))
    const r = fn(t.objectStore(store))
    if (r) r.onsuccess = () => { result = r.result }
  })
}

// deviceKey returns this browser's device key as {publicRaw, sign,
// privateKey?}. On the first visit it is made as a non-extractable
// WebCrypto Ed25519 key: the page can sign with it, and nothing (not this
// page either) can read it out. A browser without Ed25519 in WebCrypto gets
// a key made in the WebAssembly build instead, kept in IndexedDB only as a
// key file encrypted under a passphrase the person chooses (Argon2id,
// XChaCha20-Poly1305: identity.EncodeKeyFile), and asked for on every
// visit.
async function deviceKey (db) {
  const kept = await txn(db, 'keys', 'readonly', (s) => s.get('device'))
  if (kept && kept.privateKey) return webCryptoSigner(kept)
  if (kept && kept.key_file) {
    return askPassphrase('unlock', async (pass) => {
      const k = await window.kith.openKey(kept.key_file, pass)
      return { publicRaw: kept.publicRaw, sign: k.sign, encrypted: true }
    })
  }
  let pair
  try {
    pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
  } catch (e) {
    state.noWebCrypto = e.message
    return askPassphrase('seal', async (pass) => {
      const k = await window.kith.sealKey(pass)
      const publicRaw = fromHex(k.device)
      await txn(db, 'keys', 'readwrite', (s) => s.put({ key_file: k.key_file, publicRaw }, 'device'))
      return { publicRaw, sign: k.sign, encrypted: true }
    })
  }
  const key = { privateKey: pair.privateKey, publicRaw: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)) }
  await txn(db, 'keys', 'readwrite', (s) => s.put(key, 'device'))
  return webCryptoSigner(key)
}

function webCryptoSigner (key) {
  return { privateKey: key.privateKey, publicRaw: key.publicRaw, sign: async (msg) => new Uint8Array(await crypto.subtle.sign('Ed25519', key.privateKey, msg)) }
}

function fromHex (h) {
  const b = new Uint8Array(h.length / 2)
  for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(2 * i, 2), 16)
  return b
}

// askPassphrase shows the passphrase form ('seal': choose one for a new
// key; 'unlock': the one chosen before) and resolves with open(passphrase)
// once it succeeds; a wrong passphrase is said and asked again.
function askPassphrase (mode, open) {
  $('pass-box').hidden = false
  $('pass-seal').hidden = mode !== 'seal'
  $('pass-unlock').hidden = mode !== 'unlock'
  $('pass-again-box').hidden = mode !== 'seal'
  say(mode === 'seal' ? 'Choose a passphrase for this browser\'s device key.' : 'This browser\'s device key is locked.')
  return new Promise((resolve) => {
    $('pass-form').onsubmit = async (ev) => {
      ev.preventDefault()
      const pass = $('pass-text').value
      if (mode === 'seal' && pass !== $('pass-again').value) {
        problem('The two passphrases differ; type the same one twice.')
        return
      }
      $('pass-button').disabled = true
      say(mode === 'seal' ? 'Encrypting the device key (Argon2id)…' : 'Decrypting the device key (Argon2id)…')
      try {
        const k = await open(pass)
        $('pass-text').value = ''
        $('pass-again').value = ''
        $('pass-box').hidden = true
        problem('')
        resolve(k)
      } catch (err) {
        // Go's errors start in lower case; the page says a sentence.
        problem(err.message.charAt(0).toUpperCase() + err.message.slice(1))
        say(mode === 'seal' ? 'Choose a passphrase for this browser\'s device key.' : 'This browser\'s device key is locked.')
      } finally {
        $('pass-button').disabled = false
      }
    }
  })
}

// ---- WebAssembly: kith's Go.

function loadWasm () {
  return new Promise((resolve, reject) => {
    window.kithReady = resolve
    const go = new window.Go()
    WebAssembly.instantiateStreaming(fetch('kith.wasm'), go.importObject)
      .then((r) => go.run(r.instance))
      .catch(reject)
  })
}

// ---- The page.

const state = { db: null, key: null, peer: null, p2p: null, writes: Promise.resolve(), written: 0, added: 0, failed: null, batches: 0, transactions: 0, timeline: [] }

// keptProblem says why entries could not be kept.
function keptProblem (err, what) {
  if (err && err.name === 'QuotaExceededError') {
    return 'The browser\'s storage for this page is full: ' + what + ' not kept (nothing of it was written). Free some space (other sites\' data) and reload.'
  }
  return what + ' could not be kept in this browser\'s storage: ' + (err && err.message) + '. Nothing of it was written; reload to try again.'
}

// keepOwn keeps one of this device's new entries before the peer makes
// it: if the transaction fails, the post fails and nothing is sent.
function keepOwn (e) {
  const w = state.writes.then(() => {
    if (state.failed) throw new Error('entries from the node could not be kept; reload first')
    return txn(state.db, 'entries', 'readwrite', (s) => s.add(e))
  })
  state.writes = w.then(() => { state.written++ }, () => {})
  return w.catch((err) => {
    problem(keptProblem(err, 'your new entry was'))
    throw err
  })
}

// keep writes entries from peers to IndexedDB, one transaction a batch: a
// batch is kept whole or not at all (a tab closed in the middle, a full
// quota). After a failure nothing more is written, so that what IndexedDB
// holds stays a prefix of each log; a reload syncs the rest again.
// (Several batches a transaction, up to 2,000 entries, was tried: the
// sync then waited on each large transaction and took 2–4× as long,
// BENCHMARKS.md, issue 19, "The first sync, profiled and made faster".)
function keep (ids, nums, bytes) {
  const entries = unpackAdded(ids, nums, bytes)
  state.added += entries.length
  state.batches++
  state.addedAt = performance.now() // verified and held by the peer (the benchmark reads it)
  state.timeline.push(['added', Math.round(state.addedAt - state.firstConnectAt), entries.length])
  state.writes = state.writes.then(() => {
    if (state.failed) return
    return txn(state.db, 'entries', 'readwrite', (s) => {
      for (const e of entries) s.add(e)
    }).then(() => {
      state.written += entries.length
      state.transactions++
      state.writtenAt = performance.now()
      state.timeline.push(['written', Math.round(state.writtenAt - state.firstConnectAt), entries.length])
    }, (err) => {
      state.failed = err
      problem(keptProblem(err, entries.length + ' new entries from the node were') + ' They will come again from the node.')
    })
  })
  scheduleRender()
}

// unpackAdded makes the objects IndexedDB keeps of the entries the
// WebAssembly build hands over packed (packAdded in cmd/kith-wasm/peer.go:
// hex ids, five numbers an entry, and the headers and payloads): one call
// across for a batch instead of ten values an entry. Each header and
// payload is a copy of its own (a view would make IndexedDB keep the
// whole batch's bytes with every entry).
function unpackAdded (ids, nums, bytes) {
  const v = new DataView(nums.buffer, nums.byteOffset, nums.byteLength)
  const out = []
  for (let i = 0; 40 * i < nums.byteLength; i++) {
    const f = (k) => v.getFloat64(8 * (5 * i + k), true)
    const pStart = f(3)
    out.push({
      id: ids.slice(192 * i, 192 * i + 64),
      author: ids.slice(192 * i + 64, 192 * i + 128),
      log_id: ids.slice(192 * i + 128, 192 * i + 192),
      seq: f(0),
      header: bytes.slice(f(1), f(2)),
      payload: pStart < 0 ? null : bytes.slice(pStart, f(4))
    })
  }
  return out
}

let renderTimer = null
let renderAgain = false
function scheduleRender () {
  if (renderTimer) { renderAgain = true; return }
  renderAgain = false
  // While many entries come (a first sync), render at most a fifth of
  // the time: the page shows progress and the sync keeps the rest.
  renderTimer = setTimeout(async () => {
    const t0 = performance.now()
    try { await renderPosts() } finally {
      const took = performance.now() - t0
      renderTimer = setTimeout(() => {
        renderTimer = null
        if (renderAgain) scheduleRender()
      }, Math.min(5000, 4 * took))
    }
  }, 50)
}

// checkRevoked shows, once the page holds its account's revocation of
// this device, why it can no longer post, and stops posting.
async function checkRevoked () {
  if (state.revoked || !state.peer) return
  const msg = await state.peer.revocation()
  if (!msg) return
  state.revoked = msg
  $('revoked').textContent = msg
  $('revoked').hidden = false
  $('post-form').hidden = true
}

async function renderPosts () {
  await checkRevoked()
  if (state.loaded !== undefined && !state.failed) say('Ready: ' + (state.loaded + state.written) + ' entries kept in this browser.')
  // Only the 200 the page shows come out of the WebAssembly build: all of
  // them, 10,000 after a first sync, took a fifth of its time.
  const posts = await state.peer.posts(200)
  const me = state.peer.account()
  showNames(me)
  await showNode()
  await spaces.render(state.peer)
  await renderVillages(state)
  const ul = $('posts')
  // The newest first; the page shows the latest 200 of them.
  ul.replaceChildren(...posts.reverse().map((p) => {
    const li = document.createElement('li')
    li.dataset.testid = 'peer-post-item'
    const who = document.createElement('div')
    who.className = 'who'
    // Names, not ids: the account's profile name and the device's name
    // from its certificate; the id only where no name is held.
    const own = me && p.account_id === me.account_id
    const name = document.createElement('span')
    name.className = 'name'
    name.dataset.testid = 'peer-post-author'
    name.textContent = own && !p.name ? 'You' : (p.name || shortID(p.account_id || p.device_id)) + (own ? ' (you)' : '')
    name.title = p.account_id || p.device_id
    who.append(name, ' · ' + (p.device_name ? 'on ' + p.device_name : 'an unknown device') + ' · #' + p.seq)
    const text = document.createElement('div')
    text.textContent = p.text
    // The pictures between the author and the text (tests read the text
    // as the item's last div).
    li.append(who)
    if (p.images && p.images.length) li.append(blobs.images(state, p.images))
    li.append(text)
    return li
  }))
}

// showNode says which node the page is connected to, by its account's
// name once the page holds its profile; nothing while it is not
// connected (the page says the node went away until it is back).
async function showNode () {
  const node = state.node
  if (!node || !$('net').dataset.account) return
  const name = await state.peer.accountName(node.account)
  if (!$('net').dataset.account) return // it went away meanwhile
  $('net').textContent = 'Connected to the node of ' + (name || shortID(node.account_id)) + '.'
  $('net').title = node.account_id
}

function shortID (id) { return id.slice(0, 12) + '…' }

// showNames shows this account's name and this device's.
function showNames (me) {
  if (!me) return
  $('me-name').textContent = me.name || 'no name yet'
  $('me-name').classList.toggle('unset', !me.name)
  $('me-device-name').textContent = me.device_name || 'this device'
}

function showAccount () {
  const a = state.peer.account()
  $('setup').hidden = !!a
  $('me').hidden = !a
  if (a) {
    $('account').textContent = a.account_id
    $('device').textContent = a.device_id
    showNames(a)
  }
}

// connect dials the node over WebSocket, learns its account from its
// certificate (/kith/cert/1) and follows it, and runs sync sessions with it
// (/kith/sync/1): this side opens one when its key is the smaller, as
// doc/protocol/sync.md says; the node opens it otherwise.
// A redial (again) leaves the page saying the node went away until it is
// back, not "Connecting to …" from the first failed try on.
async function connect (addr, again = false) {
  await spaces.publishKey(state.peer) // before connectAt: the first-sync benchmark times the sync
  state.connectAt = performance.now()
  state.firstConnectAt = state.firstConnectAt || state.connectAt // the benchmark times from the first
  state.connects = (state.connects || 0) + 1
  await startNet()
  state.nodeAddr = addr
  state.nodePeer = net.peerIdOf(addr)
  if (!again) $('net').textContent = 'Connecting to ' + addr + '…'
  const conn = await state.p2p.dial(net.multiaddr(addr))
  const remote = net.remoteKey(conn)
  const cert = await conn.newStream('/kith/cert/1')
  const node = await state.peer.acceptCert(hex(remote), net.byteStream(cert), true)
  state.node = node
  $('net').dataset.account = node.account_id
  state.nodeKey = hex(remote)
  await showNode()
  scheduleRender() // pictures not here yet come from the node now
  if (less(state.key.publicRaw, remote)) {
    runSync(hex(remote), await conn.newStream('/kith/sync/1'), true)
  }
  askICE().finally(introductions) // the node's relay first, for the WebRTC connections introductions make
}

// startNet starts this device's libp2p node once, answering who this
// device is (/kith/cert/1: while a pairing runs, once it brought the
// certificate; the stream is reset if there is none) and sync sessions.
async function startNet () {
  if (state.p2p) return
  state.p2p = await net.start(state.key)
  await state.p2p.handle('/kith/cert/1', async (stream) => {
    const s = net.byteStream(stream)
    try {
      if (!state.peer.account() && state.pairing) await state.pairing
      await s.write(await state.peer.certMessage())
      s.close()
    } catch (err) {
      stream.abort(err)
    }
  })
  // The pictures of this device's posts, for the node (blobs.js).
  await state.p2p.handle('/kith/blob/1', (stream) => {
    blobs.serve(state.db, stream).catch((err) => console.warn('serving pictures: ' + err.message))
  })
  await state.p2p.handle('/kith/sync/1', (stream, conn) => {
    runSync(hex(net.remoteKey(conn)), stream, false)
  })
  watchPeers()
}

// pair makes this browser a device of the account of a pairing code from
// another device ('kith device pair'): it dials that device, runs the
// pairing exchange (/kith/pair/1, kith's own code in the WebAssembly
// build, signed with this browser's key) and then syncs with it.
async function pair (code, name) {
  const info = window.kith.pairCode(code.trim())
  if (info.error) throw new Error('This pairing code cannot be used: ' + info.error)
  await startNet()
  let conn, addr, lastErr
  for (const a of info.addrs) {
    try {
      $('net').textContent = 'Connecting to the pairing device at ' + a + '…'
      // The pairing device becomes this page's node: not a browser peer
      // to meet (watchPeers), which would run a second sync with it.
      state.nodePeer = net.peerIdOf(a)
      conn = await state.p2p.dial(net.multiaddr(a))
      addr = a
      break
    } catch (err) { lastErr = err }
  }
  if (!conn) throw new Error('Could not reach the pairing device (' + info.addrs.join(', ') + '): ' + (lastErr && lastErr.message) + '. Is \'kith serve\' running there, and can this browser reach it?')
  let done
  state.pairing = new Promise((resolve, reject) => { done = { resolve, reject } })
  state.pairing.catch(() => {})
  try {
    const stream = await conn.newStream('/kith/pair/1')
    await state.peer.pair(code.trim(), name, net.byteStream(stream))
    done.resolve()
  } catch (err) {
    done.reject(err)
    throw new Error('The pairing failed: ' + err.message)
  } finally {
    state.pairing = null
  }
  $('node-addr').value = addr
  return addr
}

function less (a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i]
  return false
}

function runSync (remote, stream, initiator) {
  state.peer.sync(remote, net.byteStream(stream), initiator).catch((err) => {
    if (remote === state.nodeKey) problem('The sync with the node stopped: ' + err.message)
  })
}

// ---- Other browser peers (doc/browser.md, "Browser to browser"): the
// node introduces the browser peers of its circle that hold a slot at its
// signalling relay (/kith/introduce/1); this page dials each over WebRTC,
// signalled through the node (the peer with the smaller key dials, so
// that two peers make one connection), and then syncs with it directly, as with a
// node: certificates both ways (each follows the other's account), then
// the smaller key opens the session. The direct connections outlive the
// node. When the node's connection ends, the page dials it again.

const INTRODUCE_EVERY = 5000 // ms between questions to the node
const REDIAL_EVERY = 3000 // ms between tries to reach the node again

// watchPeers meets every direct connection to a peer other than the node,
// and dials the node again when its connection ends.
function watchPeers () {
  state.direct = new Map() // device key (hex) → {conn, label} of the browser peers met
  state.dialing = new Set() // device keys (hex) of the browser peers being dialled
  state.p2p.addEventListener('connection:open', (ev) => {
    const conn = ev.detail
    if (conn.remotePeer.toString() === state.nodePeer || !net.isDirect(conn)) return
    if (!state.direct.has(hex(net.remoteKey(conn)))) meet(conn)
  })
  state.p2p.addEventListener('connection:close', (ev) => {
    const conn = ev.detail
    const remote = hex(net.remoteKey(conn))
    const met = state.direct.get(remote)
    if (met && met.conn === conn) {
      state.direct.delete(remote)
      showPeers()
      const other = state.p2p.getConnections(conn.remotePeer).find((c) => c !== conn && net.isDirect(c))
      if (other) meet(other)
    }
    if (conn.remotePeer.toString() === state.nodePeer && state.p2p.getConnections(conn.remotePeer).length === 0 && !state.redialTimer) {
      $('net').textContent = 'The node went away; trying again…'
      delete $('net').dataset.account
      redial()
    }
  })
}

// meet exchanges certificates with a browser peer on a direct connection
// (each follows the other's account), and opens the sync session when
// this side's key is the smaller.
async function meet (conn) {
  const remote = hex(net.remoteKey(conn))
  const met = { conn, transport: net.transportOf(conn), account: '' }
  state.direct.set(remote, met)
  try {
    // The side that was dialled may ask before the dialler takes its
    // streams (seen through a TURN relay): ask again, twice.
    let cert
    for (let i = 0; ; i++) {
      try {
        cert = await conn.newStream('/kith/cert/1')
        break
      } catch (err) {
        if (i === 2 || conn.status !== 'open') throw err
        console.warn('meeting ' + remote.slice(0, 12) + ', asking again: ' + err.message)
      }
    }
    const peer = await state.peer.acceptCert(remote, net.byteStream(cert), true)
    met.account = peer.account_id
    showPeers()
    if (less(state.key.publicRaw, net.remoteKey(conn))) {
      runSync(remote, await conn.newStream('/kith/sync/1'), true)
    }
  } catch (err) {
    console.warn('meeting ' + remote.slice(0, 12) + ': ' + err.message)
    if (state.direct.get(remote) === met) state.direct.delete(remote)
    showPeers()
  }
}

function showPeers () {
  const ps = [...state.direct.values()].filter((m) => m.account)
  $('net').dataset.direct = ps.length
  $('direct').textContent = ps.length ? 'Directly connected to ' + ps.length + ' browser peer' + (ps.length > 1 ? 's' : '') + ': ' + ps.map((m) => m.transport + ' ' + m.account.slice(0, 16) + '…').join(', ') + '.' : ''
}

// introductions asks the node which browser peers to meet, now and every
// INTRODUCE_EVERY ms while connected to it, and dials the new ones.
async function introductions () {
  clearTimeout(state.introTimer)
  const node = state.nodeKey
  try {
    const conns = state.p2p.getConnections().filter((c) => hex(net.remoteKey(c)) === node)
    if (conns.length === 0) return
    const keys = await window.kith.readIntroduction(net.byteStream(await conns[0].newStream('/kith/introduce/1')))
    for (const k of keys) {
      const raw = new Uint8Array(k.match(/../g).map((b) => parseInt(b, 16)))
      if (state.direct.has(k) || state.dialing.has(k) || !less(state.key.publicRaw, raw)) continue
      // One dial a peer at a time: through a TURN relay a dial takes
      // longer than the 5 s between questions, and two at once race.
      state.dialing.add(k)
      state.p2p.dial(net.webRTCAddr(state.nodeAddr, raw)).catch((err) => console.warn('WebRTC to ' + k.slice(0, 12) + ': ' + err.message)).finally(() => state.dialing.delete(k))
    }
  } catch (err) {
    console.warn('introductions: ' + err.message)
  }
  if (state.nodeKey === node) state.introTimer = setTimeout(introductions, INTRODUCE_EVERY)
}

// askICE asks the node for its STUN/TURN server and credentials
// (/kith/ice/1, doc/protocol/ice.md), so that a browser on another
// network can meet this one through the node's relay; again before they
// expire. '#…&ice=relay' in the address (a test-only switch) makes every
// WebRTC connection use the relay only.
async function askICE () {
  clearTimeout(state.iceTimer)
  const node = state.nodeKey
  const policy = /[#&]ice=relay(&|$)/.test(location.hash) ? 'relay' : 'all'
  let again = 60
  try {
    const conns = state.p2p.getConnections().filter((c) => hex(net.remoteKey(c)) === node)
    if (conns.length === 0) return
    const a = await window.kith.readICE(net.byteStream(await conns[0].newStream('/kith/ice/1')))
    if (a.status === 0) {
      net.setICE([{ urls: net.iceURLs(state.nodeAddr, a.port), username: a.username, credential: a.password }], policy)
      $('ice').textContent = 'Browsers on other networks can meet this one through the node\'s relay (STUN/TURN on UDP port ' + a.port + ').'
      again = Math.max(60, a.ttl - 60)
    } else {
      net.setICE([], policy)
      if (a.status !== 1) again = 10 // refused: the node may follow this account soon
      $('ice').textContent = 'No relay for browsers on other networks: ' + a.reason.replace('acc_…', (state.peer.account() || {}).account_id || 'acc_…') + '. Browsers on this network still meet directly.'
    }
    $('ice').dataset.status = a.status
  } catch (err) {
    console.warn('ICE servers: ' + err.message)
  }
  if (state.nodeKey === node) state.iceTimer = setTimeout(askICE, again * 1000)
}

function redial () {
  state.redialTimer = setTimeout(() => {
    connect(state.nodeAddr, true).then(() => { state.redialTimer = null; problem('') }, () => redial())
  }, REDIAL_EVERY)
}

// servingNode returns the address of the kith node that served this page
// (it answers node.json beside the page: doc/browser.md), '' when none
// did. An https page may not open ws://, so there only wss and
// WebRTC-direct count; an address on the page's own host comes first, then
// WebSocket before WebRTC-direct.
async function servingNode () {
  try {
    const r = await fetch('node.json', { cache: 'no-store' })
    if (!r.ok) return ''
    const secure = location.protocol === 'https:'
    const plainWS = (a) => a.includes('/ws/') && !a.includes('/tls/')
    const addrs = ((await r.json()).addrs || []).filter((a) => !(secure && plainWS(a)))
    const host = location.hostname.replace(/^\[|\]$/g, '')
    const own = (a) => { const h = a.split('/')[2]; return h === host || (host === 'localhost' && (h === '127.0.0.1' || h === '::1')) }
    const rank = (a) => (own(a) ? 0 : 2) + (a.includes('/webrtc-direct/') ? 1 : 0)
    return addrs.sort((a, b) => rank(a) - rank(b))[0] || ''
  } catch (err) {
    console.warn('node.json: ' + err.message)
    return ''
  }
}

async function main () {
  try {
    const [db] = await Promise.all([openDB(), loadWasm()])
    state.db = db
    state.key = await deviceKey(db)
    state.peer = window.kith.newPeer({
      device: hex(state.key.publicRaw),
      sign: state.key.sign,
      onAdded: keep,
      keep: keepOwn,
      // Spaces: a WebCrypto X25519 key; a key held in the WebAssembly build derives its own.
      sealKey: state.key.encrypted ? null : await spaces.sealKey(db)
    })
    const kept = await txn(db, 'entries', 'readonly', (s) => s.getAll())
    await state.peer.load(kept)
    state.loaded = kept.length
    showAccount()
    await renderPosts()
    say('Ready: ' + kept.length + ' entries kept in this browser.')
    const m = location.hash.match(/node=([^&]+)/)
    if (m) $('node-addr').value = decodeURIComponent(m[1])
    else if (!$('node-addr').value) $('node-addr').value = await servingNode()
    if (state.peer.account() && $('node-addr').value) await connect($('node-addr').value)
  } catch (err) {
    problem(err.message)
    say('Stopped.')
  }
}

$('setup-form').addEventListener('submit', async (ev) => {
  ev.preventDefault()
  try {
    const r = await state.peer.createAccount($('device-name').value)
    $('phrase').replaceChildren(...r.phrase.split(' ').map((w) => { const li = document.createElement('li'); li.textContent = w; return li }))
    $('setup').hidden = true
    $('phrase-box').hidden = false
  } catch (err) { problem(err.message) }
})

// Restoring: this browser becomes a new device of the phrase's account,
// with its own key; the phrase is not kept.
$('restore-button').addEventListener('click', async () => {
  try {
    await state.peer.createAccount($('device-name').value, $('restore-phrase').value)
    $('restore-phrase').value = ''
    problem('')
    showAccount()
    if ($('node-addr').value) await connect($('node-addr').value).catch((err) => problem('Could not reach the node: ' + err.message))
  } catch (err) { problem(err.message) }
})

$('pair-button').addEventListener('click', async () => {
  $('pair-button').disabled = true
  try {
    problem('')
    const addr = await pair($('pair-code').value, $('device-name').value)
    $('pair-code').value = ''
    showAccount()
    await connect(addr).catch((err) => problem('Could not reach the node: ' + err.message))
  } catch (err) {
    problem(err.message)
    $('net').textContent = 'Not connected.'
  } finally {
    $('pair-button').disabled = false
  }
})

$('phrase-done').addEventListener('click', async () => {
  $('phrase').replaceChildren()
  $('phrase-box').hidden = true
  showAccount()
  if ($('node-addr').value) await connect($('node-addr').value).catch((err) => problem('Could not reach the node: ' + err.message))
})

$('name-form').addEventListener('submit', async (ev) => {
  ev.preventDefault()
  try {
    await state.peer.setName($('name-text').value.trim())
    $('name-text').value = ''
    problem('')
    showNames(state.peer.account())
    scheduleRender()
  } catch (err) { if (!state.revoked) problem('The name was not set: ' + err.message) }
})

$('node-form').addEventListener('submit', (ev) => {
  ev.preventDefault()
  connect($('node-addr').value).catch((err) => problem('Could not reach the node: ' + err.message))
})

$('post-form').addEventListener('submit', async (ev) => {
  ev.preventDefault()
  const text = $('post-text').value
  const file = $('post-image').files[0]
  try {
    const images = []
    if (file) {
      const pic = window.kith.prepareImage(new Uint8Array(await file.arrayBuffer()))
      if (pic.error) throw new Error('the picture cannot be posted: ' + pic.error)
      await blobs.keepOwn(state.db, pic.id, pic.bytes)
      images.push(pic.id)
    }
    await state.peer.post(text, images)
    $('post-text').value = ''
    $('post-image').value = ''
    problem('')
    scheduleRender()
  } catch (err) {
    await checkRevoked()
    if (!state.revoked && !$('problem').textContent) problem('The post was not made: ' + err.message)
  }
})

// For tests and for the curious: the peer and how far IndexedDB got.
window.kithPeer = state

main()
