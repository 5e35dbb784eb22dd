package blobsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
)

// exchange writes req to st and requires exactly want back.
func exchange(t *testing.T, st io.ReadWriter, req, want []byte) {
	t.Helper()
	if _, err := st.Write(req); err != nil {
		t.Fatalf("writing request: %v", err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(st, got); err != nil {
		t.Fatalf("reading answer: %v (want %d bytes)", err, len(want))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("answer differs:\n got %x\nwant %x", got[:min(len(got), 200)], want[:min(len(want), 200)])
	}
}

func TestServeAnswersQueryAndGet(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, nil)
	big := content(MaxChunk+10, 1)
	bigID := put(t, a.store, big)
	put(t, a.store, []byte("abc"))
	missing := blob.Sum([]byte("missing"))

	st := rawClient(t, n, a, key('C'))
	var in, out int
	step := func(req, want []byte) {
		exchange(t, st, req, want)
		in += len(req)
		out += len(want)
	}
	step(frames(message{Kind: kindQuery, IDs: []blob.ID{idABC, bigID, missing}}),
		frames(message{Kind: kindHave, Sizes: []int64{3, int64(len(big)), absent}}))
	step(frames(message{Kind: kindGet, ID: idABC}),
		frames(message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abc")}))
	step(frames(message{Kind: kindGet, ID: bigID, Offset: 7}),
		append(frames(message{Kind: kindBlob, ID: bigID, Size: int64(len(big)), Offset: 7}), dataFrames(big[7:])...))
	step(frames(message{Kind: kindGet, ID: missing}),
		frames(message{Kind: kindNotFound, ID: missing}))
	step(frames(message{Kind: kindGet, ID: idABC, Offset: 3}),
		frames(message{Kind: kindBlob, ID: idABC, Size: 3, Offset: 3}))
	st.Close()

	want := Stats{Served: 3, BytesIn: int64(in), BytesOut: int64(out)}
	waitStats(t, a, want)
	if m := a.events(&a.misbehaved); len(m) != 0 {
		t.Fatalf("misbehaviour reported: %v", m)
	}
}

func TestServeRejectsViolationsAndKeepsServing(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want string // the ERROR text and the reported error
	}{
		{"length 0", mustHex(t, "00000000"), "blob protocol violation: message length 0 is outside 1..70000"},
		{"unknown kind", mustHex(t, "00000002 8107"), "blob protocol violation: malformed message: byte 1: unknown message kind 7"},
		{"an answer instead of a request", frames(message{Kind: kindHave, Sizes: []int64{1}}),
			"blob protocol violation: got a HAVE message where a request (QUERY or GET) is due"},
		{"offset beyond the size", frames(message{Kind: kindGet, ID: idABC, Offset: 4}),
			fmt.Sprintf("blob protocol violation: GET of blob %s from offset 4, beyond its size of 3 bytes", idABC)},
	}
	n := newNet(t)
	a := n.addNode('A', 0, nil)
	put(t, a.store, []byte("abc"))
	for i, c := range cases {
		peer := key(byte(i + 1))
		st := rawClient(t, n, a, peer)
		if _, err := st.Write(c.in); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got, want := readAll(t, st), frames(message{Kind: kindError, Code: codeViolation, Text: c.want}); !bytes.Equal(got, want) {
			t.Errorf("%s: answer %q, want %q", c.name, got, want)
		}
		eventually(t, "the misbehaviour report", func() bool { return len(a.events(&a.misbehaved)) == i+1 })
		ev := a.events(&a.misbehaved)[i]
		if ev.peer != peer || ev.err.Error() != c.want || !errors.Is(ev.err, ErrProtocol) {
			t.Errorf("%s: reported %s: %v; want %s: %s", c.name, ev.peer.Device(), ev.err, peer.Device(), c.want)
		}
	}

	// A requester that hangs up inside a message is reported too.
	st := rawClient(t, n, a, key('T'))
	if _, err := st.Write([]byte{0, 0, 0, 9, 0x82}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	eventually(t, "the truncation report", func() bool { return len(a.events(&a.misbehaved)) == len(cases)+1 })
	if ev := a.events(&a.misbehaved)[len(cases)]; ev.peer != key('T') || ev.err.Error() != "blob protocol violation: the stream ended inside a message of 9 bytes" {
		t.Errorf("reported %s: %v", ev.peer.Device(), ev.err)
	}

	// Others are still served.
	good := rawClient(t, n, a, key('G'))
	exchange(t, good, frames(message{Kind: kindQuery, IDs: []blob.ID{idABC}}), frames(message{Kind: kindHave, Sizes: []int64{3}}))
}

func TestServeLimitsRequestsPerStream(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, nil)
	st := rawClient(t, n, a, key('C'))
	req := frames(message{Kind: kindQuery, IDs: []blob.ID{idABC}})
	answer := frames(message{Kind: kindHave, Sizes: []int64{absent}})
	for range MaxRequests {
		exchange(t, st, req, answer)
	}
	if _, err := st.Write(req); err != nil {
		t.Fatal(err)
	}
	want := frames(message{Kind: kindError, Code: codeTooMany, Text: "more than 2048 requests on one stream; open a new one"})
	if got := readAll(t, st); !bytes.Equal(got, want) {
		t.Fatalf("answer %q, want %q", got, want)
	}
	eventually(t, "the report", func() bool { return len(a.events(&a.misbehaved)) == 1 })
	if err := a.events(&a.misbehaved)[0].err; err.Error() != "blob protocol violation: more than 2048 requests on one stream" {
		t.Fatalf("reported %v", err)
	}
}

func TestServeBusy(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) { c.Timeout = time.Minute })
	put(t, a.store, []byte("abc"))
	bigID := put(t, a.store, content(4*MaxChunk, 3))
	// Every slot taken by slow transfers still within their grace, one
	// from each of eight peers (no peer holds more than its share).
	var slow []*pipeEnd
	for i := range MaxServing {
		slow = append(slow, slowGet(t, n, a, key(byte('a'+i)), bigID))
	}
	st := rawClient(t, n, a, key('C'))
	if _, err := st.Write(frames(message{Kind: kindGet, ID: idABC})); err != nil {
		t.Fatal(err)
	}
	want := frames(message{Kind: kindError, Code: codeBusy, Text: "busy: 8 transfers in progress; try later"})
	if got := readAll(t, st); !bytes.Equal(got, want) {
		t.Fatalf("answer %q, want %q", got, want)
	}
	// A GET for a blob we lack takes no slot: NOT_FOUND, not busy.
	missing := blob.Sum([]byte("missing"))
	exchange(t, rawClient(t, n, a, key('C')), frames(message{Kind: kindGet, ID: missing}), frames(message{Kind: kindNotFound, ID: missing}))
	// One slow requester hangs up: its slot is free again.
	slow[0].Close()
	eventually(t, "a free slot", func() bool {
		good := rawClient(t, n, a, key('D'))
		if _, err := good.Write(frames(message{Kind: kindGet, ID: idABC})); err != nil {
			t.Fatal(err)
		}
		want := frames(message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abc")})
		got := make([]byte, len(want))
		_, err := io.ReadFull(good, got)
		good.Close()
		return err == nil && bytes.Equal(got, want)
	})
	if s := a.svc.Stats(); s.Preempted != 0 || s.Busy < 1 {
		t.Fatalf("stats %+v, want Busy ≥ 1 and nothing preempted", s)
	}
	if m := a.events(&a.misbehaved); len(m) != 0 {
		t.Fatalf("misbehaviour reported: %v", m)
	}
}

// A damaged copy is never sent whole: the last DATA is replaced by ERROR 3.
func TestServeDamagedCopy(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, nil)
	big := content(MaxChunk+100, 2)
	bigID := put(t, a.store, big)
	smallID := put(t, a.store, []byte("abc"))
	damage := func(id blob.ID, b []byte) {
		if err := os.WriteFile(a.store.Path(id), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	damaged := bytes.Clone(big)
	damaged[10] ^= 1
	damage(bigID, damaged)
	damage(smallID, []byte("abd"))

	cases := []struct {
		id   blob.ID
		want []byte
	}{
		{bigID, append(frames(message{Kind: kindBlob, ID: bigID, Size: int64(len(big))}), dataFrames(damaged[:MaxChunk])...)},
		{smallID, frames(message{Kind: kindBlob, ID: smallID, Size: 3})},
	}
	for _, c := range cases {
		st := rawClient(t, n, a, key('C'))
		if _, err := st.Write(frames(message{Kind: kindGet, ID: c.id})); err != nil {
			t.Fatal(err)
		}
		want := append(c.want, frames(message{Kind: kindError, Code: codeUnavailable, Text: fmt.Sprintf("blob %s cannot be read here", c.id)})...)
		if got := readAll(t, st); !bytes.Equal(got, want) {
			t.Fatalf("blob %s: got %d bytes, want %d", c.id, len(got), len(want))
		}
	}
	if s := a.svc.Stats(); s.Served != 0 {
		t.Fatalf("served %d", s.Served)
	}
	if m := a.events(&a.misbehaved); len(m) != 0 {
		t.Fatalf("misbehaviour reported: %v", m)
	}
}

func TestServeEndsWhenIdleOrCancelled(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) { c.Timeout = 30 * time.Millisecond })

	// Idle: the stream is reset after the timeout.
	st := rawClient(t, n, a, key('C'))
	start := time.Now()
	if _, err := st.Read(make([]byte, 1)); !errors.Is(err, errStreamReset) {
		t.Fatalf("read on an idle stream: %v, want a reset", err)
	}
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Fatalf("reset after %v, before the timeout", waited)
	}

	// Cancelled: Serve returns at once.
	ctx, cancel := context.WithCancel(t.Context())
	client, server := pipe()
	defer client.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.svc.Serve(ctx, key('D'), server)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := client.Read(make([]byte, 1)); !errors.Is(err, errStreamReset) {
		t.Fatalf("read after cancel: %v, want a reset", err)
	}
}
