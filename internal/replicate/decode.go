package replicate

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// DecodeMessage decodes one message body (without its length prefix). It
// accepts exactly the encoding AppendFrame produces for a message within
// the protocol's limits: canonical CBOR, the exact shape of the kind, no
// trailing bytes. It never panics. The error is a *ProtocolError whose Code
// says what kind of violation it is and whose text says where.
//
// Entries of an ENTRIES are parsed (entry.Parse): their headers are decoded
// and checked, their payloads checked against the headers; their
// signatures are not verified. The entries alias body.
func DecodeMessage(body []byte) (Message, error) {
	d := &decoder{Reader: cborwire.NewReader(body, cborWording), size: len(body)}
	m, err := d.message()
	if err != nil {
		return nil, d.protocolError(err)
	}
	if err := d.End(); err != nil {
		return nil, &ProtocolError{Code: CodeMalformed, Err: d.wrap(err)}
	}
	return m, nil
}

type decoder struct {
	*cborwire.Reader
	size  int // of the body
	kind  Kind
	known bool // kind was read
	// A decoder of a window of the body (streamReconcile): base is the
	// window's offset in the body, beyond the body's bytes after it. The
	// Reader's Wording adds base to its offsets too.
	base, beyond int
	// items, if it has room, holds the items of the next list or reply
	// range (streamReconcile) instead of a new slice.
	items []Item
}

func (d *decoder) fail(at int, format string, args ...any) error {
	return &readError{off: d.base + at, msg: fmt.Sprintf(format, args...)}
}

// protocolError is the *ProtocolError of a decoding failure.
func (d *decoder) protocolError(err error) *ProtocolError {
	code := CodeMalformed
	var ce *codedError
	if errors.As(err, &ce) {
		code = ce.code
	}
	return &ProtocolError{Code: code, Err: d.wrap(err)}
}

// array reads an array head of minLen..maxLen elements. The count is also
// bounded by the bytes left (every element takes at least one), so a
// caller may allocate it.
func (d *decoder) array(what string, minLen, maxLen int) (int, error) {
	at := d.Offset()
	n, err := d.Array(what, minLen, maxLen)
	if err != nil {
		return 0, err
	}
	if left := d.Remaining() + d.beyond; n > left {
		return 0, d.fail(at, "%s: array of %d elements in %d remaining bytes", what, n, left)
	}
	return n, nil
}

// wrap prefixes err with the message kind.
func (d *decoder) wrap(err error) error {
	if d.known {
		return fmt.Errorf("%s: %w", d.kind, err)
	}
	return err
}

// codedError is a decoding failure that is not CodeMalformed.
type codedError struct {
	code Code
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// limit returns a CodeLimit error for a count over its limit.
func (d *decoder) limit(at int, what string, n, max int) error {
	return &codedError{CodeLimit, d.fail(at, "%s: %d exceeds the limit of %d", what, n, max)}
}

// count reads an array head of minLen..maxLen elements; more than maxLen is
// a limit violation, fewer than minLen malformed.
func (d *decoder) count(what string, minLen, maxLen int) (int, error) {
	at := d.Offset()
	n, err := d.array(what, 0, d.size)
	if err != nil {
		return 0, err
	}
	if n > maxLen {
		return 0, d.limit(at, what, n, maxLen)
	}
	if n < minLen {
		return 0, d.fail(at, "%s: %d elements, want at least %d", what, n, minLen)
	}
	return n, nil
}

// messageArity is the number of elements of each kind's array.
var messageArity = [...]int{KindHello: 3, KindReconcile: 2, KindWant: 2, KindEntries: 2, KindCredit: 3,
	KindCaughtUp: 1, KindHave: 2, KindUnwant: 2, KindBye: 3, KindWantsDone: 1}

func (d *decoder) message() (Message, error) {
	at := d.Offset()
	n, err := d.array("message", 1, 3)
	if err != nil {
		return nil, err
	}
	k, err := d.Uint("kind", 255)
	if err != nil {
		return nil, err
	}
	d.kind, d.known = Kind(k), true
	if k >= uint64(len(messageArity)) {
		return nil, d.fail(at, "unknown message kind %d", k)
	}
	if size := messageArity[k]; n != size {
		return nil, d.fail(at, "array of %d elements, want %d", n, messageArity[k])
	}
	switch d.kind {
	case KindHello:
		return d.hello()
	case KindReconcile:
		return d.reconcile()
	case KindWant:
		return d.want()
	case KindEntries:
		return d.entries()
	case KindCredit:
		var m Credit
		if m.Entries, err = d.Uint("credit entries", 1<<63-1); err != nil {
			return nil, err
		}
		if m.Bytes, err = d.Uint("credit bytes", 1<<63-1); err != nil {
			return nil, err
		}
		return &m, nil
	case KindCaughtUp:
		return &CaughtUp{}, nil
	case KindHave:
		return d.have()
	case KindUnwant:
		return d.unwant()
	case KindBye:
		var m Bye
		c, err := d.Uint("code", 255)
		if err != nil {
			return nil, err
		}
		m.Code = Code(c)
		if m.Text, err = d.Text("text", 0, MaxByeText); err != nil {
			return nil, err
		}
		return &m, nil
	default: // KindWantsDone
		return &WantsDone{}, nil
	}
}

func (d *decoder) hello() (Message, error) {
	var m Hello
	var err error
	if m.Version, err = d.Uint("version", 1<<32-1); err != nil {
		return nil, err
	}
	n, err := d.count("features", 0, MaxFeatures)
	if err != nil {
		return nil, err
	}
	m.Features = make([]string, n)
	for i := range m.Features {
		if m.Features[i], err = d.Text("feature", 1, MaxFeatureLen); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

func (d *decoder) reconcile() (Message, error) {
	n, err := d.count("ranges", 0, d.size)
	if err != nil {
		return nil, err
	}
	m := &Reconcile{Ranges: make([]Range, n)}
	var lower []byte // nil: the start of the key space
	for i := range m.Ranges {
		r := &m.Ranges[i]
		at := d.Offset()
		if err := d.rng(r, lower); err != nil {
			return nil, fmt.Errorf("range %d: %w", i, err)
		}
		if r.Upper == nil && i != n-1 {
			return nil, fmt.Errorf("range %d: %w", i, d.fail(at, "only the last range may end at the end of the key space"))
		}
		lower = r.Upper
	}
	return m, nil
}

// rng reads one range whose lower bound is lower (nil: the start).
func (d *decoder) rng(r *Range, lower []byte) error {
	if _, err := d.array("range", 3, 3); err != nil {
		return err
	}
	at := d.Offset()
	if !d.Null() {
		up, err := d.Bytes("upper bound", 1, KeySize)
		if err != nil {
			return err
		}
		if lower != nil && bytes.Compare(up, lower) <= 0 {
			return d.fail(at, "upper bound %x is not above the lower bound %x", up, lower)
		}
		r.Upper = up
	}
	mode, err := d.Uint("mode", uint64(ModeReply))
	if err != nil {
		return err
	}
	r.Mode = Mode(mode)
	switch r.Mode {
	case ModeSkip:
		if !d.Null() {
			return d.fail(d.Offset(), "a skip range carries null")
		}
	case ModeFingerprint:
		return d.Fixed("fingerprint", r.Fingerprint[:])
	default:
		n, err := d.count("items", 0, MaxListItems)
		if err != nil {
			return err
		}
		if d.items != nil && n <= len(d.items) {
			r.Items, d.items = d.items[:n:n], d.items[n:]
		} else {
			r.Items = make([]Item, n)
		}
		var prev []byte
		for i := range r.Items {
			at := d.Offset()
			key, err := d.item(&r.Items[i])
			if err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
			switch {
			case prev != nil && bytes.Compare(key, prev) <= 0:
				return fmt.Errorf("item %d: %w", i, d.fail(at, "items are not in strictly increasing key order"))
			case lower != nil && bytes.Compare(key, lower) < 0:
				return fmt.Errorf("item %d: %w", i, d.fail(at, "key is below the range's lower bound"))
			case r.Upper != nil && bytes.Compare(key, r.Upper) >= 0:
				return fmt.Errorf("item %d: %w", i, d.fail(at, "key is not below the range's upper bound"))
			}
			prev = key
		}
	}
	return nil
}

// item reads [key, seq, head] and returns the key bytes.
func (d *decoder) item(it *Item) ([]byte, error) {
	if _, err := d.array("item", 3, 3); err != nil {
		return nil, err
	}
	key, err := d.Bytes("key", KeySize, KeySize)
	if err != nil {
		return nil, err
	}
	it.Log = logOf(key)
	if it.Seq, err = d.Uint("seq", entry.MaxSeq); err != nil {
		return nil, err
	}
	if it.Seq == 0 {
		return nil, d.fail(d.Offset()-1, "seq: a head has seq 1 or more")
	}
	return key, d.Fixed("head id", it.Head[:])
}

func (d *decoder) want() (Message, error) {
	n, err := d.count("wants", 1, MaxLogsPerMessage)
	if err != nil {
		return nil, err
	}
	m := &Want{Logs: make([]WantLog, n)}
	for i := range m.Logs {
		w := &m.Logs[i]
		if _, err := d.array("want", 2, 2); err != nil {
			return nil, fmt.Errorf("want %d: %w", i, err)
		}
		key, err := d.Bytes("key", KeySize, KeySize)
		if err != nil {
			return nil, fmt.Errorf("want %d: %w", i, err)
		}
		w.Log = logOf(key)
		at := d.Offset()
		if w.From, err = d.Uint("from_seq", entry.MaxSeq); err != nil {
			return nil, fmt.Errorf("want %d: %w", i, err)
		}
		if w.From == 0 {
			return nil, fmt.Errorf("want %d: %w", i, d.fail(at, "from_seq: seqs start at 1"))
		}
	}
	return m, nil
}

func (d *decoder) entries() (Message, error) {
	n, err := d.count("entries", 1, MaxEntriesPerMessage)
	if err != nil {
		return nil, err
	}
	m := &Entries{Entries: make([]*entry.Entry, n)}
	for i := range m.Entries {
		if _, err := d.array("entry", 2, 2); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		at := d.Offset()
		raw, err := d.Bytes("header", 1, entry.MaxHeaderSize)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		var payload []byte
		if !d.Null() {
			if payload, err = d.Bytes("payload", 0, entry.MaxPayloadSize); err != nil {
				return nil, fmt.Errorf("entry %d: %w", i, err)
			}
		}
		e, err := entry.Parse(raw, payload)
		if err != nil {
			return nil, &codedError{CodeInvalidEntry, fmt.Errorf("entry %d (byte %d): %w", i, at, err)}
		}
		m.Entries[i] = e
	}
	return m, nil
}

func (d *decoder) have() (Message, error) {
	n, err := d.count("heads", 1, MaxLogsPerMessage)
	if err != nil {
		return nil, err
	}
	m := &Have{Heads: make([]Item, n)}
	for i := range m.Heads {
		if _, err := d.item(&m.Heads[i]); err != nil {
			return nil, fmt.Errorf("head %d: %w", i, err)
		}
	}
	return m, nil
}

func (d *decoder) unwant() (Message, error) {
	n, err := d.count("logs", 1, MaxLogsPerMessage)
	if err != nil {
		return nil, err
	}
	m := &Unwant{Logs: make([]store.LogKey, n)}
	for i := range m.Logs {
		key, err := d.Bytes("key", KeySize, KeySize)
		if err != nil {
			return nil, fmt.Errorf("log %d: %w", i, err)
		}
		m.Logs[i] = logOf(key)
	}
	return m, nil
}
