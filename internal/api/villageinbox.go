package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// The inbox of a village (doc/api.md, "Villages"): the strangers' requests
// held, in pages, with what the node dropped of unlisted strangers, and
// the files of requests fetched when a local opens them.

func (s *Server) villageRequests(w http.ResponseWriter, r *http.Request, q url.Values) error {
	iq := wire.VillageInboxQuery{After: q.Get("after")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > wire.MaxInboxLimit {
			return apiError(wire.CodeBadRequest, "limit=%q is not a number from 1 to %d", shortText(l), wire.MaxInboxLimit)
		}
		iq.Limit = n
	}
	v, err := s.svc.VillageRequests(r.Context(), r.PathValue("id"), iq)
	return respond(w, v, err)
}

func (s *Server) villageRequestFile(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var none struct{}
	if err := decodeOptionalBody(w, r, &none); err != nil {
		return err
	}
	v, err := s.svc.RequestFile(r.Context(), r.PathValue("id"), r.PathValue("entry"))
	return respond(w, v, err)
}

// inboxCursor is where a page of the inbox goes on: the stranger id and
// the index of the next request among its requests. Its text form is
// base64url (no padding) of the 64-byte stranger id ‖ index (4 bytes, big
// endian).
type inboxCursor struct {
	stranger village.StrangerID
	index    uint32
}

const inboxCursorBytes = 64 + 4

func (c inboxCursor) String() string {
	b := append(c.stranger[:], binary.BigEndian.AppendUint32(nil, c.index)...)
	return cursorEncoding.EncodeToString(b)
}

func parseInboxCursor(s string) (inboxCursor, error) {
	b, err := cursorEncoding.DecodeString(s)
	if err != nil || len(b) != inboxCursorBytes || base64.RawURLEncoding.EncodeToString(b) != s {
		return inboxCursor{}, apiError(wire.CodeBadRequest, "after=%q is not a next this API returned", shortText(s))
	}
	var c inboxCursor
	copy(c.stranger[:], b[:64])
	c.index = binary.BigEndian.Uint32(b[64:])
	return c, nil
}

// VillageRequests returns one page of the requests strangers sent to the
// village, as held (the pending strangers' are the locals' inbox), and
// what the node dropped of unlisted strangers.
func (s *Service) VillageRequests(ctx context.Context, idText string, q wire.VillageInboxQuery) (wire.VillageInbox, error) {
	id, err := parseVillageID(idText)
	if err != nil {
		return wire.VillageInbox{}, err
	}
	var after *inboxCursor
	if q.After != "" {
		c, err := parseInboxCursor(q.After)
		if err != nil {
			return wire.VillageInbox{}, err
		}
		after = &c
	}
	limit := q.Limit
	if limit <= 0 {
		limit = wire.DefaultInboxLimit
	}
	limit = min(limit, wire.MaxInboxLimit)
	st, err := s.n.Village(ctx, id)
	if err != nil {
		return wire.VillageInbox{}, villageErr(err)
	}
	out := wire.VillageInbox{Village: id.String(), Requests: []wire.VillageInboxRequest{}}
	if out.Dropped, err = s.villageDropped(id); err != nil {
		return wire.VillageInbox{}, err
	}
	// st.Strangers is sorted by stranger id.
	for _, sg := range st.Strangers {
		from := 0
		if after != nil {
			switch c := bytes.Compare(sg.ID[:], after.stranger[:]); {
			case c < 0:
				continue
			case c == 0:
				from = int(after.index)
			}
		}
		for i, r := range requestsOf(sg.Requests) {
			if i < from {
				continue
			}
			if len(out.Requests) == limit {
				out.Next = inboxCursor{stranger: sg.ID, index: uint32(i)}.String()
				return out, nil
			}
			out.Requests = append(out.Requests, wire.VillageInboxRequest{Stranger: sg.ID.Hex(),
				Account: strangerAccount(sg.ID), Standing: sg.Standing.String(), Pending: sg.Pending(), VillageRequest: r})
		}
	}
	return out, nil
}

// villageDropped is what the node dropped of the village's unlisted
// strangers.
func (s *Service) villageDropped(id entry.ID) (wire.VillageDropped, error) {
	d, err := s.n.VillageDropped(id)
	if err != nil {
		return wire.VillageDropped{}, err
	}
	out := wire.VillageDropped{Requests: d.Requests, Strangers: d.Strangers}
	if d.Requests > 0 {
		out.Message = droppedMessage(d.Requests)
	}
	return out, nil
}

// droppedMessage is what the inbox says of dropped requests.
func droppedMessage(n int) string {
	if n == 1 {
		return "1 older request from unlisted strangers was dropped"
	}
	return fmt.Sprintf("%d older requests from unlisted strangers were dropped", n)
}

// RequestFile fetches, if it is not held, the file a stranger's request
// names (a local opening it): an unlisted stranger's only within the
// village's budget for such files.
func (s *Service) RequestFile(ctx context.Context, idText, entryText string) (wire.VillageRequestFile, error) {
	id, err := parseVillageID(idText)
	if err != nil {
		return wire.VillageRequestFile{}, err
	}
	req, err := entry.ParseID(entryText)
	if err != nil {
		return wire.VillageRequestFile{}, apiError(wire.CodeBadRequest, "request: %v", err)
	}
	b, size, err := s.n.RequestFile(ctx, id, req)
	if errors.Is(err, node.ErrFileBudget) {
		return wire.VillageRequestFile{}, withCode(wire.CodeConflict, err)
	}
	if err != nil {
		return wire.VillageRequestFile{}, villageErr(err)
	}
	return wire.VillageRequestFile{Blob: blob.ID(b).String(), Size: size}, nil
}
