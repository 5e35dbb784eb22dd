package api

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Entries returns a page of the entries of an account (the logs it wrote
// and those of every device it certified) or of one device: log by log in
// the store's order of logs, each in seq order. That is what 'kith log'
// prints.
func (s *Service) Entries(ctx context.Context, q wire.EntriesQuery) (wire.EntryPage, error) {
	limit := q.Limit
	switch {
	case limit == 0:
		limit = wire.DefaultEntriesLimit
	case limit < 0 || limit > wire.MaxEntriesLimit:
		return wire.EntryPage{}, apiError(wire.CodeBadRequest, "limit %d is not between 1 and %d", q.Limit, wire.MaxEntriesLimit)
	}
	who, isDevice, whoText, err := s.resolveWho(q.Author)
	if err != nil {
		return wire.EntryPage{}, err
	}
	var from cursor
	if q.Cursor != "" {
		if from, err = parseCursor(q.Cursor); err != nil {
			return wire.EntryPage{}, err
		}
	}
	logs, err := s.logsOf(ctx, who, isDevice)
	if err != nil {
		return wire.EntryPage{}, err
	}
	if len(logs) == 0 {
		return wire.EntryPage{}, apiError(wire.CodeNotFound, "no entries of %s are held here", whoText)
	}
	if q.Cursor != "" {
		i := 0
		for i < len(logs) && compareLogs(logs[i].Log, from.log) < 0 {
			i++
		}
		if i == len(logs) || logs[i].Log != from.log {
			return wire.EntryPage{}, apiError(wire.CodeBadRequest, "cursor %q does not continue a listing of %s", shortText(q.Cursor), whoText)
		}
		logs = logs[i:]
	}
	account := who
	if d, err := s.n.Store().AccountOf(ctx, who); err == nil {
		account = d.Account
	}
	page := wire.EntryPage{Entries: []wire.Entry{}}
	for i, h := range logs {
		seq := uint64(1)
		if i == 0 && q.Cursor != "" {
			seq = from.seq
		}
		for seq <= h.Seq {
			if len(page.Entries) == limit {
				page.NextCursor = cursor{log: h.Log, seq: seq}.String()
				return page, nil
			}
			es, err := s.n.Store().Log(ctx, h.Log, seq, limit-len(page.Entries))
			if err != nil {
				return wire.EntryPage{}, err
			}
			if len(es) == 0 {
				break
			}
			for _, e := range es {
				page.Entries = append(page.Entries, entryOf(e, account))
			}
			seq = es[len(es)-1].Header.Seq + 1
		}
	}
	return page, nil
}

// resolveWho parses an account or device id; "" means this node's account.
// It returns the key, whether it is a device, and the id's text.
func (s *Service) resolveWho(arg string) (who identity.PublicKey, device bool, text string, err error) {
	if arg == "" {
		return s.n.Account().Key(), false, s.n.Account().String(), nil
	}
	kind, b, err := identity.ParseAny(arg, identity.KindAccount, identity.KindDevice)
	if err != nil {
		return identity.PublicKey{}, false, "", withCode(wire.CodeBadRequest, err)
	}
	return identity.PublicKey(b), kind == identity.KindDevice, identity.Encode(kind, b), nil
}

// logsOf returns the heads of the logs of an account or a device, in the
// store's order.
func (s *Service) logsOf(ctx context.Context, who identity.PublicKey, isDevice bool) ([]store.Head, error) {
	if !isDevice {
		return s.n.LogsOf(ctx, who)
	}
	all, err := s.n.Store().Heads(ctx)
	if err != nil {
		return nil, err
	}
	var logs []store.Head
	for _, h := range all {
		if h.Log.Author == who {
			logs = append(logs, h)
		}
	}
	return logs, nil
}

// parseEntryID parses an entry id from a request.
func parseEntryID(s string) (entry.ID, error) {
	id, err := entry.ParseID(s)
	if err != nil {
		return entry.ID{}, withCode(wire.CodeBadRequest, err)
	}
	return id, nil
}

// get returns a held entry, or a not_found error naming it.
func (s *Service) get(ctx context.Context, id entry.ID) (*store.Stored, error) {
	e, err := s.n.Store().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiError(wire.CodeNotFound, "entry %s is not held here", id)
	}
	return e, err
}

// Entry returns one entry.
func (s *Service) Entry(ctx context.Context, idText string) (wire.Entry, error) {
	id, err := parseEntryID(idText)
	if err != nil {
		return wire.Entry{}, err
	}
	e, err := s.get(ctx, id)
	if err != nil {
		return wire.Entry{}, err
	}
	// An author that certified devices is an account (e.g. of a
	// device.add), whichever account this node belongs to.
	account := s.n.Account().Key()
	if ds, err := s.n.Store().Devices(ctx, e.Header.Author); err == nil && len(ds) > 0 {
		account = e.Header.Author
	}
	return entryOf(e, account), nil
}

// RawEntry returns the exact bytes of one entry.
func (s *Service) RawEntry(ctx context.Context, idText string) (wire.RawEntry, error) {
	id, err := parseEntryID(idText)
	if err != nil {
		return wire.RawEntry{}, err
	}
	e, err := s.get(ctx, id)
	if err != nil {
		return wire.RawEntry{}, err
	}
	raw := wire.RawEntry{ID: id.String(), HeaderHex: hexOf(e.Raw)}
	if e.Payload != nil {
		p := hexOf(e.Payload)
		raw.PayloadHex = &p
	}
	return raw, nil
}

// DeleteEntry publishes a delete of one of this device's entries.
func (s *Service) DeleteEntry(ctx context.Context, idText string) (wire.Deleted, error) {
	target, err := parseEntryID(idText)
	if err != nil {
		return wire.Deleted{}, err
	}
	t, err := s.get(ctx, target)
	if err != nil {
		return wire.Deleted{}, err
	}
	e, err := s.n.Delete(ctx, target)
	if err != nil {
		if t.Header.Author != s.n.Device().Key() {
			return wire.Deleted{}, withCode(wire.CodeConflict, err)
		}
		return wire.Deleted{}, err
	}
	return wire.Deleted{ID: e.ID.String(), Deleted: target.String()}, nil
}
