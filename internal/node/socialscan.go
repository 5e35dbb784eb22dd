package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Reactions and tags (payloads.md §11): statements in public logs about a
// target entry, of which one per account (and label) counts.

// MaxSocialScan bounds the reactions (or tags) one count reads, newest
// arrival first: the work a request costs, whatever accounts write.
const MaxSocialScan = 200_000

// socialPage is how many entries one store query of a scan reads.
const socialPage = 1000

// scanSocial calls fn with every held, undeleted payload of type typ in
// the public logs of authors (all authors when nil), newest arrival first,
// at most MaxSocialScan of them. A payload that does not decode is passed
// over.
func (n *Node) scanSocial(ctx context.Context, typ string, authors []identity.PublicKey, fn func(e *store.Stored, p content.Payload) error) error {
	public := entry.PublicLog
	q := store.Query{Type: typ, LogID: &public, Authors: authors, Desc: true, Limit: socialPage}
	for seen := 0; seen < MaxSocialScan; {
		es, err := n.store.Find(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range es {
			seen++
			q.Before = e.Cursor
			if e.Payload == nil || e.Deleted {
				continue
			}
			p, err := content.Decode(e.Payload)
			if err != nil || p.Type() != typ {
				continue
			}
			if err := fn(e, p); err != nil {
				return err
			}
		}
		if len(es) < q.Limit {
			break
		}
	}
	return nil
}

// statementOf is a stored entry as content.Current reads it.
func statementOf(e *store.Stored, replaces []entry.ID) content.Statement {
	return content.Statement{ID: e.ID, Author: e.Header.Author, LogID: e.Header.LogID, Seq: e.Header.Seq, Replaces: replaces}
}

// ErrTargetNotHeld matches the error of reacting to, or tagging, an entry
// this node does not hold; so does store.ErrNotFound.
var ErrTargetNotHeld = errors.New("entry not held")

// notHeldError is the error of requireTarget: its own message, matching
// ErrTargetNotHeld and store.ErrNotFound.
type notHeldError struct{ msg string }

func (e *notHeldError) Error() string   { return e.msg }
func (e *notHeldError) Unwrap() []error { return []error{ErrTargetNotHeld, store.ErrNotFound} }

// requireTarget fails unless entry id is held with its payload.
func (n *Node) requireTarget(ctx context.Context, id entry.ID, what string) error {
	e, err := n.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return &notHeldError{fmt.Sprintf("entry %s is not held by this node, so it cannot be %s; check the id, or follow its author and wait for it to arrive", id, what)}
	}
	if err != nil {
		return err
	}
	if e.Payload == nil || e.Deleted {
		return &notHeldError{fmt.Sprintf("entry %s has no payload here (deleted, or not received yet), so it cannot be %s", id, what)}
	}
	return nil
}

// hiddenKeys returns the keys whose statements this node leaves out: the
// devices of blocked and of muted accounts.
func (n *Node) hiddenKeys(ctx context.Context) (map[identity.PublicKey]bool, error) {
	rel, err := n.feedRelations(ctx)
	if err != nil {
		return nil, err
	}
	return rel.blocked, nil
}
