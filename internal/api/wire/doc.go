// Package wire holds the JSON types of kith's local HTTP API (doc/api.md):
// the requests and responses of every endpoint under /api/v1, the error
// body {"error":{"code","message"}} with its stable codes, and the endpoint
// file (api.json) through which clients find a running node. The server
// (internal/api) and the client (internal/api/client) share these types, so
// both sides agree on every field; the package imports nothing of kith and
// carries ids in their text forms ("acc_…", "dev_…", "ent_…", "blob_…").
package wire
