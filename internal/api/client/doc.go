// Package client talks to a running node's local HTTP API (doc/api.md). It
// finds the node through the endpoint file in its home (FromHome), checks
// that it answers, and offers one method per endpoint, with the request and
// response types of package wire. The methods that the command line shares
// with a node opened directly have the same signatures as those of
// api.Service. Errors the API reports come back as *wire.Error, carrying
// the code and the message.
package client
