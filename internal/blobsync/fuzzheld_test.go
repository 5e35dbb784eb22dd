package blobsync

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/kithnet/kith/internal/blob"
)

// FuzzGetOne feeds arbitrary responder bytes to GetOne: it never panics,
// and returns bytes exactly when they are the blob, within the limit.
func FuzzGetOne(f *testing.F) {
	abc := []byte("abc")
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: abc}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("ab")}, message{Kind: kindData, Data: []byte("c")}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abd")}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abcd")}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 4}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindNotFound, ID: idABC}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{absent}}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{1 << 40}}))
	f.Add(frames(message{Kind: kindError, Code: codeBusy, Text: "busy"}))
	f.Add(mustHex(f, "00000004 8201810300"))
	f.Fuzz(func(t *testing.T, answers []byte) {
		b, err := GetOne(t.Context(), &fuzzStream{r: bytes.NewReader(answers)}, idABC, 16, waitLimit)
		if (err == nil) != bytes.Equal(b, abc) {
			t.Fatalf("GetOne returned %q, %v", b, err)
		}
	})
}

// FuzzServeHeld feeds arbitrary requester bytes to ServeHeld: it never
// panics, and answers only with well-formed responder messages.
func FuzzServeHeld(f *testing.F) {
	big := content(MaxChunk+10, 5)
	bigID := blob.Sum(big)
	f.Add(frames(message{Kind: kindQuery, IDs: []blob.ID{idABC, bigID, idEmpty}}))
	f.Add(frames(message{Kind: kindGet, ID: idABC}, message{Kind: kindGet, ID: bigID, Offset: 7}, message{Kind: kindGet, ID: idEmpty}))
	f.Add(frames(message{Kind: kindGet, ID: idABC, Offset: 4}))
	f.Add(frames(message{Kind: kindQuery, IDs: []blob.ID{idABC}}, message{Kind: kindData, Data: []byte("x")}))
	f.Add(mustHex(f, "00000002 8107"))
	held := map[blob.ID][]byte{idABC: []byte("abc"), bigID: big}
	f.Fuzz(func(t *testing.T, in []byte) {
		st := &fuzzStream{r: bytes.NewReader(in)}
		err := ServeHeld(t.Context(), st, waitLimit, func(id blob.ID) ([]byte, error) { return held[id], nil })
		var se *serveError
		if err != nil && !errors.Is(err, ErrProtocol) && !errors.As(err, &se) {
			t.Fatalf("ServeHeld returned %v", err)
		}
		r := newFrameReader(&st.w)
		for {
			m, err := r.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("ServeHeld wrote a bad message: %v", err)
			}
			if m.Kind == kindQuery || m.Kind == kindGet {
				t.Fatalf("ServeHeld wrote a request (%s)", m.Kind)
			}
		}
	})
}
