package replicate

import (
	"encoding/binary"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
)

// FrameHeader is the size of the length prefix of every message.
const FrameHeader = 4

// AppendFrame appends m as one frame: a 4-byte big-endian body length, then
// the body. It does not check limits: encoding a message that breaks them
// (too many entries, a body over MaxMessage) is the caller's mistake, and
// the peer will refuse it.
func AppendFrame(dst []byte, m Message) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = appendBody(dst, m)
	putFrameLength(dst[start:])
	return dst
}

// putFrameLength writes the body length into the prefix of frame.
func putFrameLength(frame []byte) {
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-FrameHeader))
}

// appendBody appends the CBOR body of m.
func appendBody(dst []byte, m Message) []byte {
	switch m := m.(type) {
	case *Hello:
		dst = appendStart(dst, KindHello)
		dst = cborwire.AppendUint(dst, m.Version)
		dst = cborwire.AppendArray(dst, len(m.Features))
		for _, f := range m.Features {
			dst = cborwire.AppendText(dst, f)
		}
	case *Reconcile:
		dst = appendStart(dst, KindReconcile)
		dst = cborwire.AppendArray(dst, len(m.Ranges))
		for i := range m.Ranges {
			dst = appendRange(dst, &m.Ranges[i])
		}
	case *Want:
		dst = appendStart(dst, KindWant)
		dst = cborwire.AppendArray(dst, len(m.Logs))
		for _, w := range m.Logs {
			k := keyOf(w.Log)
			dst = cborwire.AppendArray(dst, 2)
			dst = cborwire.AppendBytes(dst, k[:])
			dst = cborwire.AppendUint(dst, w.From)
		}
	case *Entries:
		dst = appendEntriesBody(dst, m.Entries)
	case *Credit:
		dst = appendStart(dst, KindCredit)
		dst = cborwire.AppendUint(dst, m.Entries)
		dst = cborwire.AppendUint(dst, m.Bytes)
	case *CaughtUp:
		dst = appendStart(dst, KindCaughtUp)
	case *Have:
		dst = appendStart(dst, KindHave)
		dst = cborwire.AppendArray(dst, len(m.Heads))
		for _, it := range m.Heads {
			dst = appendItem(dst, it)
		}
	case *Unwant:
		dst = appendStart(dst, KindUnwant)
		dst = cborwire.AppendArray(dst, len(m.Logs))
		for _, l := range m.Logs {
			k := keyOf(l)
			dst = cborwire.AppendBytes(dst, k[:])
		}
	case *Bye:
		dst = appendStart(dst, KindBye)
		dst = cborwire.AppendUint(dst, uint64(m.Code))
		dst = cborwire.AppendText(dst, m.Text)
	case *WantsDone:
		dst = appendStart(dst, KindWantsDone)
	default:
		panic(fmt.Sprintf("replicate: no encoding for %T", m))
	}
	return dst
}

// appendStart appends the head of a message of kind k: its array, of the
// kind's arity (messageArity), and the kind.
func appendStart(dst []byte, k Kind) []byte {
	return cborwire.AppendUint(cborwire.AppendArray(dst, messageArity[k]), uint64(k))
}

func appendRange(dst []byte, r *Range) []byte {
	dst = cborwire.AppendArray(dst, 3)
	dst = cborwire.AppendBytesOrNull(dst, r.Upper)
	dst = cborwire.AppendUint(dst, uint64(r.Mode))
	switch r.Mode {
	case ModeFingerprint:
		dst = cborwire.AppendBytes(dst, r.Fingerprint[:])
	case ModeList, ModeReply:
		dst = cborwire.AppendArray(dst, len(r.Items))
		for _, it := range r.Items {
			dst = appendItem(dst, it)
		}
	default:
		dst = append(dst, cborwire.Null)
	}
	return dst
}

func appendItem(dst []byte, it Item) []byte {
	k := keyOf(it.Log)
	dst = cborwire.AppendArray(dst, 3)
	dst = cborwire.AppendBytes(dst, k[:])
	dst = cborwire.AppendUint(dst, it.Seq)
	return cborwire.AppendBytes(dst, it.Head[:])
}

// itemSize is the encoded size of an item.
func itemSize(it Item) int {
	return 1 + cborwire.BytesSize(KeySize) + cborwire.HeadSize(it.Seq) + cborwire.BytesSize(32)
}

// rangeSize is the encoded size of a range.
func rangeSize(r *Range) int {
	n := 1 + cborwire.HeadSize(uint64(r.Mode))
	if r.Upper == nil {
		n++
	} else {
		n += cborwire.BytesSize(len(r.Upper))
	}
	switch r.Mode {
	case ModeFingerprint:
		n += cborwire.BytesSize(FingerprintSize)
	case ModeList, ModeReply:
		n += cborwire.HeadSize(uint64(len(r.Items)))
		for _, it := range r.Items {
			n += itemSize(it)
		}
	default:
		n++
	}
	return n
}

// appendEntriesBody appends the body of an ENTRIES holding es.
func appendEntriesBody(dst []byte, es []*entry.Entry) []byte {
	dst = appendStart(dst, KindEntries)
	dst = cborwire.AppendArray(dst, len(es))
	for _, e := range es {
		dst = appendEntryElem(dst, e.Raw, e.Payload)
	}
	return dst
}

// appendEntryElem appends one element of an ENTRIES: [header, payload or
// null].
func appendEntryElem(dst, header, payload []byte) []byte {
	dst = cborwire.AppendArray(dst, 2)
	dst = cborwire.AppendBytes(dst, header)
	return cborwire.AppendBytesOrNull(dst, payload)
}

// entryWireSize is the encoded size of one element of an ENTRIES.
func entryWireSize(e *entry.Entry) int { return rawWireSize(e.Raw, e.Payload) }

// rawWireSize is entryWireSize of an entry's header and payload (nil: not
// held).
func rawWireSize(header, payload []byte) int {
	n := 1 + cborwire.BytesSize(len(header))
	if payload == nil {
		return n + 1
	}
	return n + cborwire.BytesSize(len(payload))
}

// entriesFrameSize is the framed size of an ENTRIES with n entries whose
// wire sizes sum to sum.
func entriesFrameSize(n, sum int) int {
	return FrameHeader + 1 + 1 + cborwire.HeadSize(uint64(n)) + sum
}
