// Package node is kith's composition root: it lays out a home directory
// (keys, the SQLite store, blob files), holds the device key, and offers the
// operations people use — publish, read logs, add blobs, export and import
// bundles. The CLI (and later the HTTP API) are its clients; nothing below it
// imports it.
package node
