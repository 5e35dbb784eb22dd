//go:build js && wasm

package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"syscall/js"

	"github.com/kithnet/kith/internal/browserpeer"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// villageMethods adds to a peer's API the villages its account takes part
// in (doc/browser.md, "Villages"), reduced by internal/village in this
// build, and the entries a local writes there, signed with the device key
// and kept before they are made (browserpeer.Config.Keep), as posts:
//
//	villages(): Promise of a JSON text, an array of browserpeer.VillageView
//	villageJoin(village), villageAccept(village)
//	villagePosition(village, {invitee | proposal, position, reason})
//	villageVote(village, stranger, "veto" | "deferred")
//	villageNote(village, stranger, text)
//
// Ids are hex. Each write resolves to {id} (the entry's id, hex) or
// rejects with a message for the person.
func villageMethods(p *browserpeer.Peer, method func(string, func([]js.Value) (any, error))) {
	ctx := context.Background()
	method("villages", func([]js.Value) (any, error) {
		vs, err := p.Villages(ctx)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(vs)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	})
	written := func(e *entry.Entry, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		return obj{"id": hex.EncodeToString(e.ID[:])}, nil
	}
	method("villageJoin", func(args []js.Value) (any, error) {
		id, err := villageID(args, 0)
		if err != nil {
			return nil, err
		}
		return written(p.VillageJoin(ctx, id))
	})
	method("villageAccept", func(args []js.Value) (any, error) {
		id, err := villageID(args, 0)
		if err != nil {
			return nil, err
		}
		return written(p.VillageAccept(ctx, id))
	})
	method("villagePosition", func(args []js.Value) (any, error) {
		id, err := villageID(args, 0)
		if err != nil {
			return nil, err
		}
		if len(args) < 2 || args[1].Type() != js.TypeObject {
			return nil, errors.New("villagePosition(village, {invitee | proposal, position, reason})")
		}
		o := args[1]
		var invitee identity.PublicKey
		var proposal entry.ID
		if v := o.Get("invitee"); v.Truthy() {
			b, err := hex.DecodeString(v.String())
			if err != nil || len(b) != 32 {
				return nil, errors.New("invitee: the account key, 32 bytes in hex")
			}
			copy(invitee[:], b)
		}
		if v := o.Get("proposal"); v.Truthy() {
			b, err := hex.DecodeString(v.String())
			if err != nil || len(b) != 32 {
				return nil, errors.New("proposal: the entry id, 32 bytes in hex")
			}
			copy(proposal[:], b)
		}
		pos, ok := positions[o.Get("position").String()]
		if !ok {
			return nil, fmt.Errorf("position %q: agree, disagree, abstain or block", o.Get("position").String())
		}
		reason := ""
		if v := o.Get("reason"); v.Type() == js.TypeString {
			reason = v.String()
		}
		return written(p.VillagePosition(ctx, id, invitee, proposal, pos, reason))
	})
	method("villageVote", func(args []js.Value) (any, error) {
		id, err := villageID(args, 0)
		if err != nil {
			return nil, err
		}
		s, err := strangerArg(args, 1)
		if err != nil {
			return nil, err
		}
		var vote village.VoteKind
		switch v := args[2].String(); v {
		case "veto":
			vote = village.VoteVeto
		case "deferred":
			vote = village.VoteDeferred
		case "accept":
			vote = village.VoteAccept
		default:
			return nil, fmt.Errorf("vote %q: veto or deferred", v)
		}
		return written(p.VillageVote(ctx, id, s, vote))
	})
	method("villageNote", func(args []js.Value) (any, error) {
		id, err := villageID(args, 0)
		if err != nil {
			return nil, err
		}
		s, err := strangerArg(args, 1)
		if err != nil {
			return nil, err
		}
		if len(args) < 3 {
			return nil, errors.New("villageNote(village, stranger, text)")
		}
		return written(p.VillageNote(ctx, id, s, args[2].String()))
	})
}

var positions = map[string]uint8{"agree": 0, "disagree": 1, "abstain": 2, "block": 3}

func villageID(args []js.Value, i int) (entry.ID, error) {
	var id entry.ID
	b, err := hexArg(args, i)
	if err != nil || len(b) != 32 {
		return id, errors.New("the village id: 32 bytes in hex")
	}
	copy(id[:], b)
	return id, nil
}

func strangerArg(args []js.Value, i int) (village.StrangerID, error) {
	var s village.StrangerID
	b, err := hexArg(args, i)
	if err != nil || len(b) != len(s) {
		return s, errors.New("the stranger id: 64 bytes in hex")
	}
	copy(s[:], b)
	return s, nil
}
