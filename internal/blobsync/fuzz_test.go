package blobsync

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// FuzzDecodeMessage feeds arbitrary bodies to the decoder: it never panics,
// rejects with an error matching ErrProtocol, and accepts only bodies that
// the encoder reproduces byte for byte (so every message has exactly one
// encoding).
func FuzzDecodeMessage(f *testing.F) {
	for _, v := range validMessages {
		f.Add(encode(v.m))
	}
	for _, v := range invalidMessages {
		if b := mustHex(f, v.hex); len(b) > 4 {
			f.Add(b[4:])
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := decodeMessage(body)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v does not match ErrProtocol", err)
			}
			return
		}
		if again := encode(m); !bytes.Equal(again, body) {
			t.Fatalf("%x decodes to a %s that encodes to %x", body, m.Kind, again)
		}
	})
}

// fuzzStream plays a peer that sends fixed bytes and swallows what it is
// sent.
type fuzzStream struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (s *fuzzStream) Read(p []byte) (int, error)  { return s.r.Read(p) }
func (s *fuzzStream) Write(p []byte) (int, error) { return s.w.Write(p) }
func (s *fuzzStream) Close() error                { return nil }

// FuzzServe feeds arbitrary requester bytes to Serve: it never panics,
// returns at the end of the input, answers only with well-formed responder
// messages, and reports only protocol violations as misbehaviour.
func FuzzServe(f *testing.F) {
	big := content(MaxChunk+10, 5)
	bigID := blob.Sum(big)
	f.Add(frames(message{Kind: kindQuery, IDs: []blob.ID{idABC, bigID, idEmpty}}))
	f.Add(frames(message{Kind: kindGet, ID: idABC}, message{Kind: kindGet, ID: bigID, Offset: 7}, message{Kind: kindGet, ID: idEmpty}))
	f.Add(frames(message{Kind: kindGet, ID: idABC, Offset: 4}))
	f.Add(frames(message{Kind: kindQuery, IDs: []blob.ID{idABC}}, message{Kind: kindData, Data: []byte("x")}))
	f.Add(mustHex(f, "00000002 8107"))
	f.Add(append(frames(message{Kind: kindGet, ID: bigID}), 0, 0))
	dir := f.TempDir()
	store, err := blob.Open(dir, 0)
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range [][]byte{[]byte("abc"), big} {
		if _, _, err := store.Put(bytes.NewReader(b)); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var reported []error
		s := New(Config{
			Blobs: store,
			Open:  func(context.Context, identity.PublicKey) (Stream, error) { return nil, errors.New("unused") },
			Peers: func() []identity.PublicKey { return nil },
			OnMisbehaviour: func(_ identity.PublicKey, err error) {
				reported = append(reported, err)
			},
		})
		st := &fuzzStream{r: bytes.NewReader(in)}
		s.Serve(t.Context(), key(1), st)
		for _, err := range reported {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("reported %v, which does not match ErrProtocol", err)
			}
		}
		r := newFrameReader(&st.w)
		for {
			m, err := r.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Serve wrote a bad message: %v", err)
			}
			if m.Kind == kindQuery || m.Kind == kindGet {
				t.Fatalf("Serve wrote a request (%s)", m.Kind)
			}
		}
	})
}

// FuzzFetch feeds arbitrary responder bytes to Fetch: it never panics,
// and the blob is stored exactly when Fetch succeeds, with the right bytes.
func FuzzFetch(f *testing.F) {
	abc := []byte("abc")
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: abc}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("ab")}, message{Kind: kindData, Data: []byte("c")}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abd")}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abcd")}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindNotFound, ID: idABC}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{absent}}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3, 3}}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{3}}, message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindError, Code: codeUnavailable, Text: "x"}))
	f.Add(frames(message{Kind: kindHave, Sizes: []int64{1 << 40}}))
	f.Add(mustHex(f, "00000004 8201810300"))
	f.Fuzz(func(t *testing.T, answers []byte) {
		store, err := blob.Open(t.TempDir(), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		peer := key(9)
		s := New(Config{
			Blobs: store,
			Open: func(context.Context, identity.PublicKey) (Stream, error) {
				return &fuzzStream{r: bytes.NewReader(answers)}, nil
			},
			Peers: func() []identity.PublicKey { return []identity.PublicKey{peer} },
		})
		err = s.Fetch(t.Context(), idABC)
		if stored := holds(t, store, idABC, abc); stored != (err == nil) {
			t.Fatalf("Fetch returned %v but the blob is stored: %v", err, stored)
		}
		var fe *FetchError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("Fetch returned %T %v, want a *FetchError", err, err)
		}
	})
}
