// Registers the browser peer's service worker (sw.js; doc/browser.md,
// "Offline"), which keeps the page's files so that it opens without the
// host that served it. Without service workers (a page served over plain
// HTTP from another machine, or a browser that has none) the page works as
// before, online only.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').catch((err) => {
    console.warn('kith: this page will not open offline:', err)
  })
}
