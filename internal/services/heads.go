package services

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// HeadsProtocol is the stream protocol id of head tracking
// (doc/protocol/services.md §6).
const HeadsProtocol = "/kith/heads/1"

// LimitLogs is the limit key of the logs one heads request may name
// (doc/protocol/services.md §4).
const LimitLogs uint64 = 5

// Bounds of head tracking (doc/protocol/services.md §6).
const (
	MaxHeadsLogs     = 1024  // logs in one request
	MaxHeadsRequest  = 73728 // bytes of a request body (72 KiB)
	MaxHeadsResponse = 49152 // bytes of a response body (48 KiB)
	MaxReason        = 256   // bytes of a refusal's reason
)

// The refusal codes of a heads response.
const (
	RefuseNotServed uint64 = 1 // the hub does not serve the asker's account
	RefuseTooMany   uint64 = 2 // more logs than the hub's limit
	RefuseBusy      uint64 = 3 // the hub cannot answer now; ask later
)

// Key32 is a 32-byte key or id: an author's key, a log id, an entry id.
// It reads and writes as hexadecimal in JSON (the vectors).
type Key32 [32]byte

// MarshalText writes k as lowercase hexadecimal.
func (k Key32) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(k[:])), nil }

// UnmarshalText reads 64 hexadecimal digits.
func (k *Key32) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(k) {
		return fmt.Errorf("services: want %d hexadecimal digits, got %d", 2*len(k), len(b))
	}
	_, err := hex.Decode(k[:], b)
	return err
}

// HeadsLog names one log: its author (a device key) and its log id.
type HeadsLog struct {
	Author Key32 `json:"author"`
	LogID  Key32 `json:"log"`
}

func (l HeadsLog) key() []byte { return append(l.Author[:], l.LogID[:]...) }

// HeadsRequest is the list of logs whose heads a node asks a hub for,
// 1 to MaxHeadsLogs of them, strictly ascending by author then log id.
type HeadsRequest struct {
	Logs []HeadsLog `json:"logs"`
}

// LogHead is what a hub holds of one log: Seq 0 when it holds nothing of
// it (then ID, Forked and Ended are zero).
type LogHead struct {
	Seq    uint64 `json:"seq"`
	ID     Key32  `json:"id"`
	Forked bool   `json:"forked,omitempty"`
	Ended  bool   `json:"ended,omitempty"`
}

// HeadsResponse is a hub's answer: the heads of the requested logs, in the
// request's order, or a refusal (Code ≠ 0) with a reason.
type HeadsResponse struct {
	Heads  []LogHead `json:"heads,omitempty"`
	Code   uint64    `json:"code,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

const (
	headForked = 1
	headEnded  = 2
)

// ErrMalformedHeads is wrapped by every error of DecodeHeadsRequest and
// DecodeHeadsResponse but ErrVersion.
var ErrMalformedHeads = errors.New("malformed heads message")

// Encode returns the canonical encoding of q, or an error if it names no
// log, more than MaxHeadsLogs, or logs out of order or repeated.
func (q HeadsRequest) Encode() ([]byte, error) {
	if len(q.Logs) < 1 || len(q.Logs) > MaxHeadsLogs {
		return nil, fmt.Errorf("services: a heads request names %d logs, want 1…%d", len(q.Logs), MaxHeadsLogs)
	}
	out := cborwire.AppendArray(nil, 2)
	out = cborwire.AppendUint(out, Version)
	out = cborwire.AppendArray(out, len(q.Logs))
	for i, l := range q.Logs {
		if i > 0 && bytes.Compare(q.Logs[i-1].key(), l.key()) >= 0 {
			return nil, fmt.Errorf("services: heads request: log %d is not after log %d: logs must be ascending, without repeats", i+1, i)
		}
		out = cborwire.AppendArray(out, 2)
		out = cborwire.AppendBytes(out, l.Author[:])
		out = cborwire.AppendBytes(out, l.LogID[:])
	}
	return out, nil
}

// DecodeHeadsRequest reads a request from its canonical encoding.
func DecodeHeadsRequest(body []byte) (HeadsRequest, error) {
	if len(body) > MaxHeadsRequest {
		return HeadsRequest{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedHeads, len(body), MaxHeadsRequest)
	}
	r := cborwire.NewReader(body, nil)
	if _, err := r.Array("heads request", 2, 2); err != nil {
		return HeadsRequest{}, malformedHeads(err)
	}
	if err := readVersion(r); err != nil {
		return HeadsRequest{}, err
	}
	n, err := r.Array("logs", 1, MaxHeadsLogs)
	if err != nil {
		return HeadsRequest{}, malformedHeads(err)
	}
	q := HeadsRequest{Logs: make([]HeadsLog, 0, n)}
	for i := 0; i < n; i++ {
		at := r.Offset()
		var l HeadsLog
		if _, err := r.Array("log", 2, 2); err != nil {
			return HeadsRequest{}, malformedHeads(err)
		}
		if err := r.Fixed("author", l.Author[:]); err != nil {
			return HeadsRequest{}, malformedHeads(err)
		}
		if err := r.Fixed("log id", l.LogID[:]); err != nil {
			return HeadsRequest{}, malformedHeads(err)
		}
		if i > 0 && bytes.Compare(q.Logs[i-1].key(), l.key()) >= 0 {
			return HeadsRequest{}, fmt.Errorf("%w: byte %d: log %d is not after log %d: logs must be ascending, without repeats", ErrMalformedHeads, at, i+1, i)
		}
		q.Logs = append(q.Logs, l)
	}
	if err := r.End(); err != nil {
		return HeadsRequest{}, malformedHeads(err)
	}
	return q, nil
}

// Encode returns the canonical encoding of p.
func (p HeadsResponse) Encode() ([]byte, error) {
	out := cborwire.AppendArray(nil, 3)
	out = cborwire.AppendUint(out, Version)
	if p.Code != 0 {
		if len(p.Reason) > MaxReason {
			return nil, fmt.Errorf("services: a heads refusal's reason is %d bytes, more than %d", len(p.Reason), MaxReason)
		}
		out = cborwire.AppendUint(out, p.Code)
		return cborwire.AppendText(out, p.Reason), nil
	}
	if len(p.Heads) < 1 || len(p.Heads) > MaxHeadsLogs {
		return nil, fmt.Errorf("services: a heads answer has %d heads, want 1…%d", len(p.Heads), MaxHeadsLogs)
	}
	out = cborwire.AppendUint(out, 0)
	out = cborwire.AppendArray(out, len(p.Heads))
	for i, h := range p.Heads {
		if h.Seq == 0 {
			if h.ID != (Key32{}) || h.Forked || h.Ended {
				return nil, fmt.Errorf("services: heads answer: head %d has seq 0 (not held) but an id or flags", i+1)
			}
			out = append(out, cborwire.Null)
			continue
		}
		var flags uint64
		if h.Forked {
			flags |= headForked
		}
		if h.Ended {
			flags |= headEnded
		}
		out = cborwire.AppendArray(out, 3)
		out = cborwire.AppendUint(out, h.Seq)
		out = cborwire.AppendBytes(out, h.ID[:])
		out = cborwire.AppendUint(out, flags)
	}
	return out, nil
}

// DecodeHeadsResponse reads a response from its canonical encoding. It
// does not know the request: the caller checks that an answer has one
// head per log asked for.
func DecodeHeadsResponse(body []byte) (HeadsResponse, error) {
	if len(body) > MaxHeadsResponse {
		return HeadsResponse{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedHeads, len(body), MaxHeadsResponse)
	}
	r := cborwire.NewReader(body, nil)
	if _, err := r.Array("heads response", 3, 3); err != nil {
		return HeadsResponse{}, malformedHeads(err)
	}
	if err := readVersion(r); err != nil {
		return HeadsResponse{}, err
	}
	code, err := r.Uint("code", ^uint64(0))
	if err != nil {
		return HeadsResponse{}, malformedHeads(err)
	}
	var p HeadsResponse
	if code != 0 {
		p.Code = code
		if p.Reason, err = r.Text("reason", 0, MaxReason); err != nil {
			return HeadsResponse{}, malformedHeads(err)
		}
	} else {
		n, err := r.Array("heads", 1, MaxHeadsLogs)
		if err != nil {
			return HeadsResponse{}, malformedHeads(err)
		}
		p.Heads = make([]LogHead, 0, n)
		for i := 0; i < n; i++ {
			if r.Null() {
				p.Heads = append(p.Heads, LogHead{})
				continue
			}
			var h LogHead
			if _, err := r.Array("head", 3, 3); err != nil {
				return HeadsResponse{}, malformedHeads(err)
			}
			at := r.Offset()
			if h.Seq, err = r.Uint("seq", ^uint64(0)); err != nil {
				return HeadsResponse{}, malformedHeads(err)
			}
			if h.Seq == 0 {
				return HeadsResponse{}, fmt.Errorf("%w: byte %d: head %d has seq 0: a log not held is null", ErrMalformedHeads, at, i+1)
			}
			if err := r.Fixed("head id", h.ID[:]); err != nil {
				return HeadsResponse{}, malformedHeads(err)
			}
			flags, err := r.Uint("flags", headForked|headEnded)
			if err != nil {
				return HeadsResponse{}, malformedHeads(err)
			}
			h.Forked, h.Ended = flags&headForked != 0, flags&headEnded != 0
			p.Heads = append(p.Heads, h)
		}
	}
	if err := r.End(); err != nil {
		return HeadsResponse{}, malformedHeads(err)
	}
	return p, nil
}

func malformedHeads(err error) error { return fmt.Errorf("%w: %v", ErrMalformedHeads, err) }

// readVersion reads a heads message's version: another than Version is an
// error wrapping ErrVersion.
func readVersion(r *cborwire.Reader) error {
	v, err := r.Uint("version", ^uint64(0))
	if err != nil {
		return malformedHeads(err)
	}
	if v != Version {
		return fmt.Errorf("%w: heads message of version %d, this node reads %d", ErrVersion, v, Version)
	}
	return nil
}
