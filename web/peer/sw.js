// The browser peer's service worker (doc/browser.md, "Offline"). It keeps
// the page's files in the Cache Storage, so that the page opens, with its
// keys and logs from IndexedDB, when the host that served it cannot be
// reached. Network first: while the host answers, the page always gets
// its newest files, and the copy kept is refreshed.
const CACHE = 'kith-peer-v1'
const FILES = ['./', 'index.html', 'app.js', 'space.js', 'village.js', 'blobs.js', 'offline.js', 'net.js', 'peer.css', 'wasm_exec.js', 'kith.wasm', 'manifest.json', 'icon.svg']

self.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()))
})

self.addEventListener('activate', (ev) => {
  ev.waitUntil((async () => {
    for (const k of await caches.keys()) {
      if (k !== CACHE) await caches.delete(k)
    }
    await self.clients.claim()
  })())
})

self.addEventListener('fetch', (ev) => {
  const req = ev.request
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return
  ev.respondWith((async () => {
    try {
      const res = await fetch(req)
      if (res.ok) {
        const c = await caches.open(CACHE)
        await c.put(req, res.clone())
      }
      return res
    } catch (err) {
      const kept = await caches.match(req, { ignoreSearch: true })
      if (kept) return kept
      throw err
    }
  })())
})
