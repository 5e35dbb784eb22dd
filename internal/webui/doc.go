// Package webui is kith's web interface: static files (HTML, CSS and
// JavaScript modules, no build step) embedded in the binary and served by
// the local API server. The page is a client of /api/v1 like any other.
package webui
