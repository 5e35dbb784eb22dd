package replicate

import (
	"encoding/binary"
	"fmt"

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
		dst = appendArray(dst, 3)
		dst = appendUint(dst, uint64(KindHello))
		dst = appendUint(dst, m.Version)
		dst = appendArray(dst, len(m.Features))
		for _, f := range m.Features {
			dst = appendText(dst, f)
		}
	case *Reconcile:
		dst = appendArray(dst, 2)
		dst = appendUint(dst, uint64(KindReconcile))
		dst = appendArray(dst, len(m.Ranges))
		for i := range m.Ranges {
			dst = appendRange(dst, &m.Ranges[i])
		}
	case *Want:
		dst = appendArray(dst, 2)
		dst = appendUint(dst, uint64(KindWant))
		dst = appendArray(dst, len(m.Logs))
		for _, w := range m.Logs {
			k := keyOf(w.Log)
			dst = appendArray(dst, 2)
			dst = appendBytes(dst, k[:])
			dst = appendUint(dst, w.From)
		}
	case *Entries:
		dst = appendEntriesBody(dst, m.Entries)
	case *Credit:
		dst = appendArray(dst, 3)
		dst = appendUint(dst, uint64(KindCredit))
		dst = appendUint(dst, m.Entries)
		dst = appendUint(dst, m.Bytes)
	case *CaughtUp:
		dst = appendArray(dst, 1)
		dst = appendUint(dst, uint64(KindCaughtUp))
	case *Have:
		dst = appendArray(dst, 2)
		dst = appendUint(dst, uint64(KindHave))
		dst = appendArray(dst, len(m.Heads))
		for _, it := range m.Heads {
			dst = appendItem(dst, it)
		}
	case *Unwant:
		dst = appendArray(dst, 2)
		dst = appendUint(dst, uint64(KindUnwant))
		dst = appendArray(dst, len(m.Logs))
		for _, l := range m.Logs {
			k := keyOf(l)
			dst = appendBytes(dst, k[:])
		}
	case *Bye:
		dst = appendArray(dst, 3)
		dst = appendUint(dst, uint64(KindBye))
		dst = appendUint(dst, uint64(m.Code))
		dst = appendText(dst, m.Text)
	case *WantsDone:
		dst = appendArray(dst, 1)
		dst = appendUint(dst, uint64(KindWantsDone))
	default:
		panic(fmt.Sprintf("replicate: no encoding for %T", m))
	}
	return dst
}

func appendRange(dst []byte, r *Range) []byte {
	dst = appendArray(dst, 3)
	dst = nullOr(dst, r.Upper)
	dst = appendUint(dst, uint64(r.Mode))
	switch r.Mode {
	case ModeFingerprint:
		dst = appendBytes(dst, r.Fingerprint[:])
	case ModeList, ModeReply:
		dst = appendArray(dst, len(r.Items))
		for _, it := range r.Items {
			dst = appendItem(dst, it)
		}
	default:
		dst = append(dst, cborNull)
	}
	return dst
}

func appendItem(dst []byte, it Item) []byte {
	k := keyOf(it.Log)
	dst = appendArray(dst, 3)
	dst = appendBytes(dst, k[:])
	dst = appendUint(dst, it.Seq)
	return appendBytes(dst, it.Head[:])
}

// itemSize is the encoded size of an item.
func itemSize(it Item) int { return 1 + bytesSize(KeySize) + headSize(it.Seq) + bytesSize(32) }

// rangeSize is the encoded size of a range.
func rangeSize(r *Range) int {
	n := 1 + headSize(uint64(r.Mode))
	if r.Upper == nil {
		n++
	} else {
		n += bytesSize(len(r.Upper))
	}
	switch r.Mode {
	case ModeFingerprint:
		n += bytesSize(FingerprintSize)
	case ModeList, ModeReply:
		n += headSize(uint64(len(r.Items)))
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
	dst = appendArray(dst, 2)
	dst = appendUint(dst, uint64(KindEntries))
	dst = appendArray(dst, len(es))
	for _, e := range es {
		dst = appendArray(dst, 2)
		dst = appendBytes(dst, e.Raw)
		dst = nullOr(dst, e.Payload)
	}
	return dst
}

// entryWireSize is the encoded size of one element of an ENTRIES.
func entryWireSize(e *entry.Entry) int {
	n := 1 + bytesSize(len(e.Raw))
	if e.Payload == nil {
		return n + 1
	}
	return n + bytesSize(len(e.Payload))
}

// entriesFrameSize is the framed size of an ENTRIES with n entries whose
// wire sizes sum to sum.
func entriesFrameSize(n, sum int) int {
	return FrameHeader + 1 + 1 + headSize(uint64(n)) + sum
}
