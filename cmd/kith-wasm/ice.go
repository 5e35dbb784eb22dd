//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/kithnet/kith/internal/ice"
)

// readICE(stream) reads the node's answer on /kith/ice/1
// (doc/protocol/ice.md) from a page's stream object and resolves to
// {status, port, ttl, username, password, reason}; an answer that does
// not decode rejects, naming what is wrong.
func readICE(_ js.Value, args []js.Value) any {
	if len(args) != 1 {
		return fail(errFewArgs("readICE(stream)"))
	}
	return promise(func() (any, error) {
		s := newJSStream(args[0])
		defer s.Close()
		a, err := ice.Read(s)
		if err != nil {
			return nil, err
		}
		return map[string]any{"status": int(a.Status), "port": int(a.Port), "ttl": int(a.TTL),
			"username": a.Username, "password": a.Password, "reason": a.Reason()}, nil
	})
}
