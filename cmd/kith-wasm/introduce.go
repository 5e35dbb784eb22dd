//go:build js && wasm

package main

import (
	"encoding/hex"
	"syscall/js"

	"github.com/kithnet/kith/internal/introduce"
)

// readIntroduction(stream) reads the node's answer on /kith/introduce/1
// (doc/protocol/introduce.md) from a page's stream object and resolves to
// the device keys it names, in hex; an answer that does not decode
// rejects, naming what is wrong.
func readIntroduction(_ js.Value, args []js.Value) any {
	if len(args) != 1 {
		return fail(errFewArgs("readIntroduction(stream)"))
	}
	return promise(func() (any, error) {
		s := newJSStream(args[0])
		defer s.Close()
		keys, err := introduce.Read(s)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = hex.EncodeToString(k[:])
		}
		return out, nil
	})
}

type errFewArgs string

func (e errFewArgs) Error() string { return "expected " + string(e) }
