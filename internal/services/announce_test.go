package services

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// TestEncodeSortsAndChecks: Encode writes services by name and limits by
// key whatever their order, and refuses what a reader would refuse.
func TestEncodeSortsAndChecks(t *testing.T) {
	a := Announcement{Services: []Service{
		{Name: Relay, Limits: []Limit{{LimitSeconds, 60}, {LimitBytes, 5}}},
		{Name: Heads},
	}}
	b, err := a.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Announcement{Services: []Service{
		{Name: Heads},
		{Name: Relay, Limits: []Limit{{LimitBytes, 5}, {LimitSeconds, 60}}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip %+v, want %+v", got, want)
	}
	if s, ok := got.Offers(Relay); !ok || s.Name != Relay {
		t.Fatalf("Offers(relay) = %+v, %v", s, ok)
	}
	if v, ok := want.Services[1].Limit(LimitSeconds); !ok || v != 60 {
		t.Fatalf("Limit(seconds) = %d, %v; want 60", v, ok)
	}
	if _, ok := got.Offers(Dropbox); ok {
		t.Fatal("Offers(dropbox) on an announcement without it")
	}

	many := make([]Service, MaxServices+1)
	for i := range many {
		many[i] = Service{Name: "s" + string(rune('a'+i))}
	}
	long := make([]Limit, MaxLimits+1)
	for i := range long {
		long[i] = Limit{Key: uint64(i)}
	}
	for _, c := range []struct {
		name string
		a    Announcement
		want string
	}{
		{"repeat", Announcement{Services: []Service{{Name: Relay}, {Name: Relay}}}, `service "relay" is named twice`},
		{"bad name", Announcement{Services: []Service{{Name: "Relay"}}}, `byte 0 is not a–z`},
		{"long name", Announcement{Services: []Service{{Name: strings.Repeat("a", MaxNameLen+1)}}}, "want 1 to 32 bytes"},
		{"too many", Announcement{Services: many}, "17 services, more than 16"},
		{"too many limits", Announcement{Services: []Service{{Name: Relay, Limits: long}}}, "9 limits, more than 8"},
		{"limit twice", Announcement{Services: []Service{{Name: Relay, Limits: []Limit{{1, 1}, {1, 2}}}}}, "states limit 1 twice"},
	} {
		if _, err := c.a.Encode(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Encode error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// TestFrames: Read takes what Write wrote, and tells a bad frame (a
// breach) from a stream that ended early (a failure).
func TestFrames(t *testing.T) {
	a := Announcement{Services: []Service{{Name: Relay, Limits: []Limit{{LimitSeconds, 3600}}}}}
	var buf bytes.Buffer
	if err := Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	whole := buf.Bytes()
	if got, err := Read(bytes.NewReader(whole)); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("Read = %+v, %v; want %+v", got, err, a)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty stream", nil, ErrTruncated},
		{"cut inside", whole[:len(whole)-1], ErrTruncated},
		{"length 0", []byte{0, 0, 0, 0}, ErrMalformed},
		{"length too big", []byte{0, 0, 4, 1}, ErrMalformed},
	} {
		if _, err := Read(bytes.NewReader(c.b)); !errors.Is(err, c.want) {
			t.Errorf("%s: Read error %v, want %v", c.name, err, c.want)
		}
	}
	boom := errors.New("reset")
	if _, err := Read(io.MultiReader(bytes.NewReader(whole[:2]), errReader{boom})); !errors.Is(err, boom) {
		t.Errorf("Read over a reset stream: %v, want the stream's error", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
