package replicate

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// sampleMessages are one or more messages of every kind, in shapes that
// reach the corners of the encoding.
func sampleMessages(t testing.TB) []Message {
	c := newChain(t, 1, 9)
	c.add(t, 2)
	headerOnly, err := entry.Parse(c.es[1].Raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := entry.Sign(c.key, entry.Draft{LogID: entry.LogID{8}, Seq: 1, Timestamp: 3, Payload: []byte{}})
	if err != nil {
		t.Fatal(err)
	}
	it1, it2 := testItem(1, 1), testItem(2, 300)
	if k1, k2 := keyOf(it1.Log), keyOf(it2.Log); bytes.Compare(k1[:], k2[:]) > 0 {
		it1, it2 = it2, it1
	}
	k2 := keyOf(it2.Log)
	return []Message{
		&Hello{Version: 1, Features: []string{}},
		&Hello{Version: 1, Features: []string{"x-test", "ünïcode"}},
		&Reconcile{Ranges: []Range{}},
		&Reconcile{Ranges: []Range{{Mode: ModeFingerprint, Fingerprint: Fingerprint{1, 2, 3}}}},
		&Reconcile{Ranges: []Range{{Mode: ModeList, Items: []Item{}}}},
		&Reconcile{Ranges: []Range{
			{Upper: k2[:1], Mode: ModeReply, Items: []Item{it1}},
			{Upper: k2[:2], Mode: ModeSkip},
			{Mode: ModeList, Items: []Item{it2}},
		}},
		&Want{Logs: []WantLog{{Log: it1.Log, From: 1}, {Log: it2.Log, From: 1 << 40}}},
		&Entries{Entries: []*entry.Entry{c.es[0], headerOnly, empty}},
		&Credit{Entries: 65536, Bytes: 32 << 20},
		&Credit{},
		&CaughtUp{},
		&Have{Heads: []Item{it1, it2}},
		&Unwant{Logs: []store.LogKey{it2.Log}},
		&Bye{Code: CodeFlood, Text: "too many messages"},
		&WantsDone{},
	}
}

// equalMessages compares decoded messages; entries by their bytes.
func equalMessages(a, b Message) bool {
	ea, ok1 := a.(*Entries)
	eb, ok2 := b.(*Entries)
	if ok1 || ok2 {
		if !ok1 || !ok2 || len(ea.Entries) != len(eb.Entries) {
			return false
		}
		for i := range ea.Entries {
			x, y := ea.Entries[i], eb.Entries[i]
			if !bytes.Equal(x.Raw, y.Raw) || !bytes.Equal(x.Payload, y.Payload) || (x.Payload == nil) != (y.Payload == nil) || x.ID != y.ID {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func TestMessagesRoundTrip(t *testing.T) {
	for _, m := range sampleMessages(t) {
		frame := AppendFrame(nil, m)
		got, n, err := ReadMessage(bytes.NewReader(frame))
		if err != nil {
			t.Fatalf("%s: %v", m.Kind(), err)
		}
		if n != len(frame) {
			t.Fatalf("%s: ReadMessage took %d bytes of %d", m.Kind(), n, len(frame))
		}
		if !equalMessages(got, m) {
			t.Fatalf("%s: decoded %#v, want %#v", m.Kind(), got, m)
		}
		if again := AppendFrame(nil, got); !bytes.Equal(again, frame) {
			t.Fatalf("%s: re-encoded %x, want %x", m.Kind(), again, frame)
		}
	}
}

// badBody is a message body every implementation must refuse.
type badBody struct {
	name string
	body []byte
	code Code
	msg  string // part of the error text
}

func badBodies(t testing.TB) []badBody {
	c := newChain(t, 1, 9)
	c.add(t, 1)
	e := c.es[0]
	entriesWith := func(header, payload []byte) []byte {
		b := []byte{0x82, 0x03, 0x81, 0x82}
		b = cborwire.AppendBytes(b, header)
		return cborwire.AppendBytesOrNull(b, payload)
	}
	it := testItem(1, 1)
	k := keyOf(it.Log)
	item := appendItem(nil, it)
	return []badBody{
		{"empty array", []byte{0x80}, CodeMalformed, "array of 0 elements"},
		{"not an array", []byte{0x05}, CodeMalformed, "want CBOR array"},
		{"unknown kind", []byte{0x81, 0x0a}, CodeMalformed, "unknown message kind 10"},
		{"kind not shortest", []byte{0x81, 0x18, 0x05}, CodeMalformed, "shortest"},
		{"wrong arity", []byte{0x82, 0x05, 0x00}, CodeMalformed, "array of 2 elements, want 1"},
		{"trailing bytes", []byte{0x81, 0x05, 0x00}, CodeMalformed, "1 trailing bytes"},
		{"indefinite array", []byte{0x9f, 0x05, 0xff}, CodeMalformed, "indefinite"},
		{"truncated", []byte{0x83, 0x04, 0x01}, CodeMalformed, "message: array of 3 elements in 2 remaining bytes (byte 0)"},
		{"credit not shortest", []byte{0x83, 0x04, 0x19, 0x00, 0x10, 0x00}, CodeMalformed, "credit entries: 16 is not in its shortest encoding"},
		{"hello feature empty", []byte{0x83, 0x00, 0x01, 0x81, 0x60}, CodeMalformed, "feature: text of 0 bytes"},
		{"hello feature not utf-8", []byte{0x83, 0x00, 0x01, 0x81, 0x61, 0xff}, CodeMalformed, "not valid UTF-8"},
		{"hello too many features", append([]byte{0x83, 0x00, 0x01, 0x91}, bytes.Repeat([]byte{0x61, 'a'}, 17)...), CodeLimit, "features: 17 exceeds the limit of 16"},
		{"bye text too long", append([]byte{0x83, 0x08, 0x00, 0x79, 0x01, 0x01}, bytes.Repeat([]byte{'a'}, 257)...), CodeMalformed, "text of 257 bytes"},
		{"want from 0", append(append([]byte{0x82, 0x02, 0x81, 0x82}, cborwire.AppendBytes(nil, k[:])...), 0x00), CodeMalformed, "want 0: from_seq: seqs start at 1"},
		{"want empty", []byte{0x82, 0x02, 0x80}, CodeMalformed, "wants: 0 elements"},
		{"want key short", append([]byte{0x82, 0x02, 0x81, 0x82}, cborwire.AppendBytes(nil, k[:63])...), CodeMalformed, "key: byte string of 63 bytes"},
		{"unwant too many", append([]byte{0x82, 0x07, 0x99, 0x04, 0x01}, bytes.Repeat(cborwire.AppendBytes(nil, k[:]), 1025)...), CodeLimit, "logs: 1025 exceeds the limit of 1024"},
		{"have seq 0", append([]byte{0x82, 0x06, 0x81, 0x83}, append(cborwire.AppendBytes(nil, k[:]), append([]byte{0x00}, cborwire.AppendBytes(nil, it.Head[:])...)...)...), CodeMalformed, "head 0: seq: a head has seq 1"},
		{"entries empty", []byte{0x82, 0x03, 0x80}, CodeMalformed, "entries: 0 elements"},
		{"entry header undecodable", entriesWith([]byte{0x01, 0x02}, nil), CodeInvalidEntry, "entry 0 (byte 4): entry header"},
		{"entry header too long", entriesWith(make([]byte, 227), nil), CodeMalformed, "header: byte string of 227 bytes"},
		{"entry payload mismatch", entriesWith(e.Raw, []byte("not the payload")), CodeInvalidEntry, "payload"},
		{"entry payload too long", entriesWith(e.Raw, make([]byte, entry.MaxPayloadSize+1)), CodeMalformed, "payload: byte string of 16385 bytes"},
		{"range skip with payload", []byte{0x82, 0x01, 0x81, 0x83, 0xf6, 0x00, 0x00}, CodeMalformed, "a skip range carries null"},
		{"range unknown mode", []byte{0x82, 0x01, 0x81, 0x83, 0xf6, 0x04, 0xf6}, CodeMalformed, "mode: 4 exceeds the limit 3"},
		{"range fingerprint short", append([]byte{0x82, 0x01, 0x81, 0x83, 0xf6, 0x01}, cborwire.AppendBytes(nil, make([]byte, 15))...), CodeMalformed, "fingerprint: byte string of 15 bytes"},
		{"range empty bound", []byte{0x82, 0x01, 0x81, 0x83, 0x40, 0x00, 0xf6}, CodeMalformed, "upper bound: byte string of 0 bytes"},
		{"range bounds not increasing", []byte{0x82, 0x01, 0x82, 0x83, 0x41, 0x05, 0x00, 0xf6, 0x83, 0x41, 0x05, 0x00, 0xf6}, CodeMalformed, "range 1: upper bound 05 is not above the lower bound 05"},
		{"range end not last", []byte{0x82, 0x01, 0x82, 0x83, 0xf6, 0x00, 0xf6, 0x83, 0x41, 0x05, 0x00, 0xf6}, CodeMalformed, "range 0: only the last range may end"},
		{"list items not sorted", append([]byte{0x82, 0x01, 0x81, 0x83, 0xf6, 0x02, 0x82}, append(item, item...)...), CodeMalformed, "item 1: items are not in strictly increasing key order"},
		{"list item above upper bound", append([]byte{0x82, 0x01, 0x81, 0x83, 0x41, k[0], 0x02, 0x81}, item...), CodeMalformed, "item 0: key is not below the range's upper bound"},
		{"list too long", append([]byte{0x82, 0x01, 0x81, 0x83, 0xf6, 0x02, 0x98, 65}, bytes.Repeat(item, 65)...), CodeLimit, "items: 65 exceeds the limit of 64"},
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, c := range badBodies(t) {
		t.Run(c.name, func(t *testing.T) {
			m, err := DecodeMessage(c.body)
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("decoded %#v, err %v; want a *ProtocolError", m, err)
			}
			if pe.Code != c.code || !strings.Contains(pe.Error(), c.msg) {
				t.Fatalf("code %d, %q; want code %d and %q", pe.Code, pe.Error(), c.code, c.msg)
			}
		})
	}
}

// The CBOR reader's errors read exactly as this package has always worded
// them, one case for each way a CBOR item can be wrong.
func TestDecodeErrorTexts(t *testing.T) {
	const prefix = "sync protocol error (2, malformed message): "
	for _, c := range []struct{ hex, want string }{
		{"820281825840" + strings.Repeat("00", 64), "WANT: want 0: from_seq: truncated (byte 70)"},
		{"8105ff", "CAUGHT_UP: 1 trailing bytes after the message (byte 2)"},
		{"83040160", "CREDIT: credit bytes: want CBOR unsigned integer, got major type 3 (0x60) (byte 3)"},
		{"830401f6", "CREDIT: credit bytes: want CBOR unsigned integer, got major type 7 (0xf6) (byte 3)"},
		{"8304017f", "CREDIT: credit bytes: want CBOR unsigned integer, got major type 3 (0x7f) (byte 3)"},
		{"8304011c", "CREDIT: credit bytes: indefinite or reserved length (additional info 28) (byte 3)"},
		{"83040119", "CREDIT: credit bytes: truncated (byte 3)"},
		{"830401180a", "CREDIT: credit bytes: 10 is not in its shortest encoding (byte 3)"},
		{"8308190100", "BYE: code: 256 exceeds the limit 255 (byte 2)"},
		{"80", "message: array of 0 elements, want 1..3 (byte 0)"},
		{"8309", "message: array of 3 elements in 1 remaining bytes (byte 0)"},
		{"820181834000f6", "RECONCILE: range 0: upper bound: byte string of 0 bytes, want 1..64 (byte 4)"},
		{"8300018160", "HELLO: feature: text of 0 bytes, want 1..64 (byte 4)"},
		{"83000181636161", "HELLO: feature: truncated text string (byte 4)"},
		{"8201818358400000", "RECONCILE: range 0: upper bound: truncated byte string (byte 4)"},
		{"83080061ff", "BYE: text: text is not valid UTF-8 (byte 3)"},
	} {
		body, err := hex.DecodeString(c.hex)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeMessage(body); err == nil || err.Error() != prefix+c.want {
			t.Errorf("%s: error %v, want %q", c.hex, err, prefix+c.want)
		}
	}
}

func TestReadFrameLimits(t *testing.T) {
	for _, c := range []struct {
		name  string
		frame []byte
		code  Code
		err   error
	}{
		{"length 0", []byte{0, 0, 0, 0}, CodeMalformed, nil},
		{"length over the limit", binary.BigEndian.AppendUint32(nil, MaxMessage+1), CodeLimit, nil},
		{"length 2^32-1", []byte{0xff, 0xff, 0xff, 0xff}, CodeLimit, nil},
		{"end between frames", nil, 0, io.EOF},
		{"end inside the prefix", []byte{0, 0}, 0, io.ErrUnexpectedEOF},
		{"end inside the body", []byte{0, 0, 0, 5, 0x81}, 0, io.ErrUnexpectedEOF},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadMessage(bytes.NewReader(c.frame))
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err %v, want %v", err, c.err)
				}
				return
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code != c.code {
				t.Fatalf("err %v, want a *ProtocolError with code %d", err, c.code)
			}
		})
	}
}

// FuzzReadMessage: whatever the bytes, ReadMessage does not panic, and a
// message it accepts encodes back to exactly the bytes it read (one
// encoding per message).
func FuzzReadMessage(f *testing.F) {
	for _, m := range sampleMessages(f) {
		f.Add(AppendFrame(nil, m))
	}
	for _, b := range badBodies(f) {
		f.Add(append(binary.BigEndian.AppendUint32(nil, uint32(len(b.body))), b.body...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, n, err := ReadMessage(bytes.NewReader(data))
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("error of an unexpected type: %v", err)
			}
			sameRefusal(t, data, err)
			return
		}
		if again := AppendFrame(nil, m); !bytes.Equal(again, data[:n]) {
			t.Fatalf("accepted %x but encodes it as %x", data[:n], again)
		}
		// The session's reader (a reused buffer, a RECONCILE streamed
		// range by range) accepts exactly the same, and means the same.
		got, err := readAsSession(data)
		if err != nil {
			t.Fatalf("ReadMessage accepts %x, the session's reader refuses it: %v", data[:n], err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("the session's reader decoded %+v, ReadMessage %+v", got, m)
		}
	})
}

// TestDecodedMessagesOwnTheirBytes: the session's reader reads every frame
// into the buffer of the one before, unless the message before is an
// ENTRIES or a RECONCILE not yet answered; every other kind must keep
// nothing of its frame. Each sample decoded, its frame then overwritten,
// must be unchanged.
func TestDecodedMessagesOwnTheirBytes(t *testing.T) {
	for _, m := range sampleMessages(t) {
		if k := m.Kind(); k == KindEntries || k == KindReconcile {
			continue
		}
		frame := AppendFrame(nil, m)
		got, body, err := readMessageInto(bytes.NewReader(frame), nil)
		if err != nil {
			t.Fatalf("%s: %v", m.Kind(), err)
		}
		want, err := DecodeMessage(slices.Clone(body))
		if err != nil {
			t.Fatal(err)
		}
		for i := range body {
			body[i] = 0xa5
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: changed with its frame: %+v, was %+v", m.Kind(), got, want)
		}
	}
}

// FuzzRespond: a reconciler answers any RECONCILE the decoder accepts
// without panicking, with ranges the decoder accepts in turn.
func FuzzRespond(f *testing.F) {
	var items []Item
	for i := range 100 {
		items = append(items, testItem(i, uint64(i%3+1)))
	}
	set := mustSet(f, items)
	r := NewReconciler(set, 4000)
	f.Add(AppendFrame(nil, &Reconcile{Ranges: r.Start()}))
	f.Add(AppendFrame(nil, &Reconcile{Ranges: []Range{{Mode: ModeList, Items: set.Items()[:10]}}}))
	for _, m := range sampleMessages(f) {
		if _, ok := m.(*Reconcile); ok {
			f.Add(AppendFrame(nil, m))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _, err := ReadMessage(bytes.NewReader(data))
		if err != nil {
			return
		}
		rc, ok := m.(*Reconcile)
		if !ok {
			return
		}
		round := r.Respond(rc.Ranges)
		if round.Done && NeedsAnswer(round.Reply) || !round.Send && len(round.Reply) > 0 {
			t.Fatalf("inconsistent round: %+v", round)
		}
		// Answered as the session answers it (streamed in parts, learned
		// handed over range by range): the same round.
		if got := respondAsSession(t, r, data); !reflect.DeepEqual(got, round) {
			t.Fatalf("answered in parts: %+v; Respond: %+v", got, round)
		}
		if _, err := DecodeMessage(AppendFrame(nil, &Reconcile{Ranges: round.Reply})[FrameHeader:]); err != nil {
			t.Fatalf("the answer does not decode: %v", err)
		}
	})
}
