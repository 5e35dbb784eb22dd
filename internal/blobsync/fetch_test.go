package blobsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

func TestFetchFromPeer(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, nil)
	c := n.addNode('C', 0, nil)
	n.link(a.key, c.key)
	b := content(3*MaxChunk+5, 4)
	id := put(t, a.store, b)

	if err := c.svc.Fetch(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if !holds(t, c.store, id, b) {
		t.Fatal("the blob is not stored")
	}
	if got, want := c.events(&c.fetched), []event{{id: id, peer: a.key}}; !equalEvents(got, want) {
		t.Fatalf("OnFetched %v, want %v", got, want)
	}
	query := frames(message{Kind: kindQuery, IDs: []blob.ID{id}})
	get := frames(message{Kind: kindGet, ID: id})
	answers := append(frames(message{Kind: kindHave, Sizes: []int64{int64(len(b))}}, message{Kind: kindBlob, ID: id, Size: int64(len(b))}), dataFrames(b)...)
	waitStats(t, a, Stats{Served: 1, BytesIn: int64(len(query) + len(get)), BytesOut: int64(len(answers))})
	waitStats(t, c, Stats{Fetched: 1, BytesIn: int64(len(answers)), BytesOut: int64(len(query) + len(get))})

	// Held already: no stream is opened.
	if err := c.svc.Fetch(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if opened := n.opened[[2]identity.PublicKey{c.key, a.key}]; opened != 1 {
		t.Fatalf("%d streams opened, want 1", opened)
	}
}

func equalEvents(a, b []event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].id != b[i].id || a[i].peer != b[i].peer {
			return false
		}
	}
	return true
}

func TestFetchErrorNamesEveryPeer(t *testing.T) {
	n := newNet(t)
	c := n.addNode('C', 0, nil)
	err := c.svc.Fetch(t.Context(), idABC)
	if want := fmt.Sprintf("blob %s: not fetched: no peer is connected", idABC); err == nil || err.Error() != want {
		t.Fatalf("no peers: %v, want %q", err, want)
	}

	a := n.addNode('A', 0, nil)
	b := n.addNode('B', 0, nil)
	n.link(c.key, a.key)
	n.link(c.key, b.key)
	err = c.svc.Fetch(t.Context(), idABC)
	want := fmt.Sprintf("blob %s: not fetched, asked 2 peers: %s: the peer does not have the blob; %s: the peer does not have the blob",
		idABC, a.key.Device(), b.key.Device())
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	var fe *FetchError
	if !errors.As(err, &fe) || fe.ID != idABC || len(fe.Attempts) != 2 || fe.Attempts[0].Peer != a.key || fe.Attempts[1].Peer != b.key {
		t.Fatalf("FetchError %+v", fe)
	}
	if !errors.Is(err, errLacks) {
		t.Fatal("the error does not unwrap to the attempts' errors")
	}
}

// A peer that sends other bytes than the blob is reported, even when those
// bytes would fail a check; another peer delivers; the liar is not asked
// again for a while.
func TestFetchLiarThenHonest(t *testing.T) {
	n := newNet(t)
	real := []byte("the real picture")
	fake := []byte("EVIL fake bytes!")
	id := blob.Sum(real)
	liar := n.addScripted('L', script("close",
		frames(message{Kind: kindHave, Sizes: []int64{int64(len(real))}}),
		frames(message{Kind: kindBlob, ID: id, Size: int64(len(real))}, message{Kind: kindData, Data: fake})))
	honest := n.addNode('H', 0, nil)
	put(t, honest.store, real)
	refuseEvil := func(r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(b, []byte("EVIL")) {
			return errors.New("evil content")
		}
		return nil
	}
	c := n.addNode('C', 0, func(cfg *Config) { cfg.Checks = []blob.Check{refuseEvil} })
	n.link(c.key, liar)
	n.link(c.key, honest.key)

	if err := c.svc.Fetch(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if !holds(t, c.store, id, real) {
		t.Fatal("the blob is not stored")
	}
	mis := c.events(&c.misbehaved)
	if len(mis) != 1 || mis[0].peer != liar || !errors.Is(mis[0].err, blob.ErrHashMismatch) {
		t.Fatalf("misbehaviour reported: %v", mis)
	}
	wantErr := fmt.Sprintf("blob hash mismatch: blob %s: received %d bytes hashing to %s, want %d bytes hashing to %s; the sender has other or damaged data, nothing was stored",
		id, len(fake), blob.Sum(fake).Hex(), len(real), id.Hex())
	if mis[0].err.Error() != wantErr {
		t.Fatalf("reported %q\nwant %q", mis[0].err, wantErr)
	}
	if got, want := c.events(&c.fetched), []event{{id: id, peer: honest.key}}; !equalEvents(got, want) {
		t.Fatalf("OnFetched %v, want %v", got, want)
	}
	if r := c.events(&c.refused); len(r) != 0 {
		t.Fatalf("refused %v", r)
	}
	if s := c.svc.Stats(); s.Fetched != 1 || s.Failed != 1 || s.Refused != 0 {
		t.Fatalf("stats %+v", s)
	}

	// The liar is skipped now.
	err := c.svc.Fetch(t.Context(), idABC)
	want := fmt.Sprintf("blob %s: not fetched, asked 2 peers: %s: not asked: it misbehaved recently; %s: the peer does not have the blob",
		idABC, liar.Device(), honest.key.Device())
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// TestFetchBadAnswers checks what the requester makes of each wrong answer:
// the exact error, whether the peer is reported, and that nothing is
// stored.
func TestFetchBadAnswers(t *testing.T) {
	abc := []byte("abc")
	have := frames(message{Kind: kindHave, Sizes: []int64{3}})
	blobABC := frames(message{Kind: kindBlob, ID: idABC, Size: 3})
	cases := []struct {
		name    string
		peer    responder
		timeout time.Duration
		want    string // the attempt's error; DIR stands for the store's directory
		report  bool
	}{
		{"HAVE with two sizes", script("close", frames(message{Kind: kindHave, Sizes: []int64{3, 3}})),
			0, "blob protocol violation: HAVE has 2 sizes for a QUERY of 1", true},
		{"DATA instead of HAVE", script("close", frames(message{Kind: kindData, Data: abc})),
			0, "answer to QUERY: blob protocol violation: got a DATA message where a HAVE is due", true},
		{"garbage", script("close", []byte("GET / HTTP/1.1\r\n")),
			0, "answer to QUERY: blob protocol violation: message length 1195725856 is outside 1..70000", true},
		{"nothing", script("close", nil),
			0, "answer to QUERY: blob protocol violation: the stream ended where a HAVE is due", true},
		{"BLOB for another id", script("close", have, frames(message{Kind: kindBlob, ID: idEmpty, Size: 3})),
			0, fmt.Sprintf("blob protocol violation: BLOB for blob %s in answer to a GET of blob %s", idEmpty, idABC), true},
		{"BLOB from another offset", script("close", have, frames(message{Kind: kindBlob, ID: idABC, Size: 3, Offset: 1})),
			0, "blob protocol violation: BLOB from offset 1 in answer to a GET from offset 0", true},
		{"BLOB larger than announced", script("close", have, frames(message{Kind: kindBlob, ID: idABC, Size: 1e9})),
			0, "blob protocol violation: BLOB announces 1000000000 bytes where HAVE announced 3", true},
		{"more bytes than announced", script("close", have, append(blobABC, frames(message{Kind: kindData, Data: []byte("abcd")})...)),
			0, "blob store DIR: reading the blob to store, after 0 bytes: blob protocol violation: DATA of 4 bytes where 3 of the 3 announced remain", true},
		{"other bytes", script("close", have, append(blobABC, frames(message{Kind: kindData, Data: []byte("abd")})...)),
			0, fmt.Sprintf("blob hash mismatch: blob %s: received 3 bytes hashing to %s, want 3 bytes hashing to %s; the sender has other or damaged data, nothing was stored",
				idABC, blob.Sum([]byte("abd")).Hex(), idABC.Hex()), true},
		{"ends inside the blob", script("close", have, append(blobABC, frames(message{Kind: kindData, Data: []byte("ab")})...)),
			0, "blob store DIR: reading the blob to store, after 2 bytes: after 2 of 3 bytes: blob protocol violation: the stream ended where a DATA is due", true},
		{"another answer inside the blob", script("close", have, append(blobABC, frames(message{Kind: kindNotFound, ID: idABC})...)),
			0, "blob store DIR: reading the blob to store, after 0 bytes: after 0 of 3 bytes: blob protocol violation: got a NOT_FOUND message where a DATA is due", true},
		{"reset inside the blob", script("reset", have, append(blobABC, frames(message{Kind: kindData, Data: []byte("ab")})...)),
			0, "blob store DIR: reading the blob to store, after 2 bytes: after 2 of 3 bytes: stream reset", false},
		{"ERROR inside the blob", script("close", have, append(blobABC, frames(message{Kind: kindError, Code: codeUnavailable, Text: "damaged"})...)),
			0, `blob store DIR: reading the blob to store, after 0 bytes: after 0 of 3 bytes: the peer answered with ERROR 3 (its copy cannot be read): "damaged"`, false},
		{"busy", script("close", have, frames(message{Kind: kindError, Code: codeBusy, Text: "busy"})),
			0, `answer to GET: the peer answered with ERROR 4 (busy): "busy"`, false},
		{"NOT_FOUND after HAVE", script("close", have, frames(message{Kind: kindNotFound, ID: idABC})),
			0, "NOT_FOUND after HAVE announced it: the peer does not have the blob", false},
		{"stalls", script("hang", have), 40 * time.Millisecond,
			"answer to GET: the peer sent or accepted nothing for 40ms: blob stream timed out", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := newNet(t)
			peer := n.addScripted(byte(i+1), c.peer)
			cn := n.addNode('C', 0, func(cfg *Config) {
				if c.timeout > 0 {
					cfg.Timeout = c.timeout
				}
			})
			n.link(cn.key, peer)
			err := cn.svc.Fetch(t.Context(), idABC)
			var fe *FetchError
			if !errors.As(err, &fe) || len(fe.Attempts) != 1 {
				t.Fatalf("Fetch: %v", err)
			}
			if got := strings.ReplaceAll(fe.Attempts[0].Err.Error(), cn.store.Dir(), "DIR"); got != c.want {
				t.Fatalf("error\n got %s\nwant %s", got, c.want)
			}
			mis := cn.events(&cn.misbehaved)
			if reported := len(mis) == 1 && mis[0].peer == peer; reported != c.report || len(mis) > 1 {
				t.Fatalf("misbehaviour reported: %v; want reported: %v", mis, c.report)
			}
			if holds(t, cn.store, idABC, abc) {
				t.Fatal("the blob is stored")
			}
			if cn.svc.Stats().Fetched != 0 {
				t.Fatal("counted as fetched")
			}
		})
	}
}

// A BLOB announcing another size than HAVE is refused before any DATA is
// read, and a size over the limit is never asked for.
func TestFetchOversized(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, nil)
	c := n.addNode('C', 100, nil)
	n.link(a.key, c.key)
	b := content(1000, 5)
	id := put(t, a.store, b)

	err := c.svc.Fetch(t.Context(), id)
	var tooLarge *blob.TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Limit != 100 || tooLarge.Size != 1000 {
		t.Fatalf("Fetch: %v", err)
	}
	want := fmt.Sprintf("blob %s: not fetched, asked 1 peer: %s: not downloaded: blob of 1000 bytes is larger than the size limit of 100 bytes; use a smaller file, or raise the limit with --blob-max-size or KITH_BLOB_MAX_SIZE", id, a.key.Device())
	if err.Error() != want {
		t.Fatalf("got %s\nwant %s", err, want)
	}
	query := frames(message{Kind: kindQuery, IDs: []blob.ID{id}})
	have := frames(message{Kind: kindHave, Sizes: []int64{1000}})
	waitStats(t, a, Stats{BytesIn: int64(len(query)), BytesOut: int64(len(have))})
	waitStats(t, c, Stats{Failed: 1, BytesIn: int64(len(have)), BytesOut: int64(len(query))})

	// A responder that announces a small size, then a huge one: only the
	// two messages are read.
	liar := n.addScripted('L', func(ctx context.Context, from identity.PublicKey, st *pipeEnd) {
		script("hang", frames(message{Kind: kindHave, Sizes: []int64{10}}), frames(message{Kind: kindBlob, ID: idABC, Size: 1 << 40}))(ctx, from, st)
	})
	d := n.addNode('D', 100, nil)
	n.link(d.key, liar)
	err = d.svc.Fetch(t.Context(), idABC)
	if !errors.Is(err, ErrProtocol) || !strings.HasSuffix(err.Error(), "BLOB announces 1099511627776 bytes where HAVE announced 10") {
		t.Fatalf("Fetch: %v", err)
	}
	got := d.svc.Stats()
	if wantIn := int64(len(frames(message{Kind: kindHave, Sizes: []int64{10}}, message{Kind: kindBlob, ID: idABC, Size: 1 << 40}))); got.BytesIn != wantIn {
		t.Fatalf("read %d bytes, want %d", got.BytesIn, wantIn)
	}
}
