package dropbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/cborwire"
)

// Protocol is the stream protocol id of the dropbox (services.md §8).
const Protocol = "/kith/dropbox/1"

// Service is the dropbox's name in a services announcement.
const Service = "dropbox"

// LimitLetters is the limit key of the strangers' letters a hub keeps for
// one recipient (services.md §8, key 6).
const LimitLetters uint64 = 8

// Bounds of the exchange (services.md §8.1).
const (
	MaxRequest   = 147456 // bytes of a request body
	MaxResponse  = 540672 // bytes of a response body
	MaxFollows   = 4096   // device keys in a collect
	MaxBatch     = 16     // letters in an answer, ids in done
	MaxReason    = 256    // bytes of a refusal's reason
	MaxCollects  = 64     // requests of one collection
	kindDeposit  = 0
	kindCollect  = 1
	answeredCode = 0
)

// The refusal codes (services.md §8.1).
const (
	RefuseNotServed uint64 = 1
	RefuseLimit     uint64 = 2
	RefuseBusy      uint64 = 3
)

// Request is a deposit (Letter set) or a collect.
type Request struct {
	// A deposit: the recipient's account and the letter's bytes.
	Recipient [32]byte
	Letter    []byte
	// A collect: the device keys of the accounts the recipient follows
	// and the ids of the letters kept since the last request.
	Collect bool
	Follows [][32]byte
	Done    [][32]byte
}

// Response is a hub's answer: letters (a collect) or a refusal (Code ≠ 0).
type Response struct {
	Letters [][]byte
	Code    uint64
	Reason  string
}

// Encode returns q's canonical encoding.
func (q *Request) Encode() ([]byte, error) {
	b := cborwire.AppendArray(nil, 4)
	b = cborwire.AppendUint(b, Version)
	if !q.Collect {
		if len(q.Letter) < 1 || len(q.Letter) > MaxLetter {
			return nil, fmt.Errorf("dropbox: a letter of %d bytes, want 1…%d", len(q.Letter), MaxLetter)
		}
		b = cborwire.AppendUint(b, kindDeposit)
		b = cborwire.AppendBytes(b, q.Recipient[:])
		return cborwire.AppendBytes(b, q.Letter), nil
	}
	b = cborwire.AppendUint(b, kindCollect)
	var err error
	if b, err = appendKeys(b, "follows", q.Follows, MaxFollows); err != nil {
		return nil, err
	}
	return appendKeys(b, "done", q.Done, MaxBatch)
}

func appendKeys(b []byte, what string, keys [][32]byte, max int) ([]byte, error) {
	if len(keys) > max {
		return nil, fmt.Errorf("dropbox: %d %s, at most %d", len(keys), what, max)
	}
	b = cborwire.AppendArray(b, len(keys))
	for i, k := range keys {
		if i > 0 && string(keys[i-1][:]) >= string(k[:]) {
			return nil, fmt.Errorf("dropbox: %s must be ascending, without repeats", what)
		}
		b = cborwire.AppendBytes(b, k[:])
	}
	return b, nil
}

// DecodeRequest reads a request from its canonical encoding. A deposit's
// letter is not checked here (DecodeLetter does).
func DecodeRequest(body []byte) (*Request, error) {
	if len(body) > MaxRequest {
		return nil, fmt.Errorf("%w: a request of %d bytes, at most %d", ErrMalformed, len(body), MaxRequest)
	}
	c := newCursor(body)
	fail := func(err error) (*Request, error) { return nil, fmt.Errorf("%w: request: %v", ErrMalformed, err) }
	if _, err := c.r.Array("request", 4, 4); err != nil {
		return fail(err)
	}
	if err := c.version(); err != nil {
		return nil, err
	}
	kind, err := c.r.Uint("kind", kindCollect)
	if err != nil {
		return fail(err)
	}
	q := &Request{Collect: kind == kindCollect}
	if !q.Collect {
		if err := c.r.Fixed("recipient", q.Recipient[:]); err != nil {
			return fail(err)
		}
		if q.Letter, err = c.r.Bytes("letter", 1, MaxLetter); err != nil {
			return fail(err)
		}
	} else {
		if q.Follows, err = c.key32s("follows", MaxFollows); err != nil {
			return fail(err)
		}
		if q.Done, err = c.key32s("done", MaxBatch); err != nil {
			return fail(err)
		}
	}
	if err := c.r.End(); err != nil {
		return fail(err)
	}
	return q, nil
}

// Encode returns p's canonical encoding.
func (p *Response) Encode() ([]byte, error) {
	b := cborwire.AppendArray(nil, 3)
	b = cborwire.AppendUint(b, Version)
	if p.Code != answeredCode {
		if len(p.Reason) > MaxReason {
			return nil, fmt.Errorf("dropbox: a refusal's reason of %d bytes, at most %d", len(p.Reason), MaxReason)
		}
		b = cborwire.AppendUint(b, p.Code)
		return cborwire.AppendText(b, p.Reason), nil
	}
	if len(p.Letters) > MaxBatch {
		return nil, fmt.Errorf("dropbox: %d letters in an answer, at most %d", len(p.Letters), MaxBatch)
	}
	b = cborwire.AppendUint(b, answeredCode)
	b = cborwire.AppendArray(b, len(p.Letters))
	seen := map[[32]byte]bool{}
	for _, l := range p.Letters {
		if len(l) < 1 || len(l) > MaxLetter || seen[ID(l)] {
			return nil, fmt.Errorf("dropbox: an answer's letter is empty, too large or there twice")
		}
		seen[ID(l)] = true
		b = cborwire.AppendBytes(b, l)
	}
	return b, nil
}

// DecodeResponse reads a response from its canonical encoding.
func DecodeResponse(body []byte) (*Response, error) {
	if len(body) > MaxResponse {
		return nil, fmt.Errorf("%w: a response of %d bytes, at most %d", ErrMalformed, len(body), MaxResponse)
	}
	c := newCursor(body)
	fail := func(err error) (*Response, error) { return nil, fmt.Errorf("%w: response: %v", ErrMalformed, err) }
	if _, err := c.r.Array("response", 3, 3); err != nil {
		return fail(err)
	}
	if err := c.version(); err != nil {
		return nil, err
	}
	code, err := c.r.Uint("code", 1<<32)
	if err != nil {
		return fail(err)
	}
	p := &Response{Code: code}
	if code != answeredCode {
		if p.Reason, err = c.r.Text("reason", 0, MaxReason); err != nil {
			return fail(err)
		}
	} else {
		n, err := c.r.Array("letters", 0, MaxBatch)
		if err != nil {
			return fail(err)
		}
		seen := map[[32]byte]bool{}
		for i := 0; i < n; i++ {
			l, err := c.r.Bytes("letter", 1, MaxLetter)
			if err != nil {
				return fail(err)
			}
			if seen[ID(l)] {
				return fail(fmt.Errorf("letter %d is there twice", i+1))
			}
			seen[ID(l)] = true
			p.Letters = append(p.Letters, l)
		}
	}
	if err := c.r.End(); err != nil {
		return fail(err)
	}
	return p, nil
}

// WriteRequest frames and writes q.
func WriteRequest(w io.Writer, q *Request) error {
	body, err := q.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// WriteResponse frames and writes p.
func WriteResponse(w io.Writer, p *Response) error {
	body, err := p.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// ReadRequest reads one framed request: a length out of bounds or a body
// DecodeRequest refuses wraps ErrMalformed (or ErrVersion), a stream that
// ends early ErrTruncated.
func ReadRequest(r io.Reader) (*Request, error) {
	body, err := readFrame(r, MaxRequest)
	if err != nil {
		return nil, err
	}
	return DecodeRequest(body)
}

// ReadResponse reads one framed response, as ReadRequest.
func ReadResponse(r io.Reader) (*Response, error) {
	body, err := readFrame(r, MaxResponse)
	if err != nil {
		return nil, err
	}
	return DecodeResponse(body)
}

func writeFrame(w io.Writer, body []byte) error {
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	_, err := w.Write(append(frame, body...))
	return err
}

func readFrame(r io.Reader, max uint32) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, readErr(err)
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < 1 || n > max {
		return nil, fmt.Errorf("%w: frame length %d, want 1…%d", ErrMalformed, n, max)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, readErr(err)
	}
	return body, nil
}

func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	return err
}
