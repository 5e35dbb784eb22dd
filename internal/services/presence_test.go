package services

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

const presenceVectorPath = "testdata/presence.json"

// presenceVectorFile is testdata/presence.json, doc/protocol/services.md §7.
type presenceVectorFile struct {
	Comment       string         `json:"comment"`
	Client        []clientVector `json:"client"`
	Hub           []hubVector    `json:"hub"`
	InvalidClient []invalidBody  `json:"invalid_client"`
	InvalidHub    []invalidBody  `json:"invalid_hub"`
}

type clientVector struct {
	Name    string        `json:"name"`
	Message ClientMessage `json:"message"`
	Hex     string        `json:"hex"`
}

type hubVector struct {
	Name    string     `json:"name"`
	Message HubMessage `json:"message"`
	Hex     string     `json:"hex"`
}

var clientCases = []struct {
	name string
	m    ClientMessage
}{
	{"nothing to say yet", ClientMessage{State: &PresenceState{Heads: []OwnHead{}, Audience: []Key32{}, Watch: []Key32{}}}},
	{"one head, one follower, watching one account", ClientMessage{State: &PresenceState{
		Heads:    []OwnHead{{Seq: 7, ID: key32(0xaa)}},
		Audience: []Key32{key32(0x22)},
		Watch:    []Key32{key32(0x22)},
	}}},
	{"a message", ClientMessage{Send: &PresenceSend{MsgID: 1, To: key32(0x33), Text: "on my way"}}},
}

var hubCases = []struct {
	name string
	m    HubMessage
}{
	{"welcome", HubMessage{Welcome: &Welcome{Session: 1}}},
	{"refused: not served", HubMessage{Refused: &Refusal{Code: RefuseNotServed, Reason: "this hub serves a list of accounts, and not yours"}}},
	{"a device online", HubMessage{Peer: &PeerEvent{Device: key32(0x11), Account: key32(0x22), Session: 3, Update: 1, Online: true,
		Heads: []OwnHead{{Seq: 7, ID: key32(0xaa)}}}}},
	{"a device gone", HubMessage{Peer: &PeerEvent{Device: key32(0x11), Account: key32(0x22), Session: 3, Update: 2, Heads: []OwnHead{}}}},
	{"a message handed on", HubMessage{Result: &SendResult{MsgID: 1, Reason: ""}}},
	{"a message refused", HubMessage{Result: &SendResult{MsgID: 2, Code: RefuseUnreachable, Reason: "not connected here, or takes no messages from you"}}},
	{"a message", HubMessage{Message: &Signal{From: key32(0x11), FromAccount: key32(0x22), Text: "on my way"}}},
}

var (
	k11   = "5820" + strings.Repeat("11", 32)
	k22   = "5820" + strings.Repeat("22", 32)
	k00   = "5820" + strings.Repeat("00", 32)
	kAA   = "5820" + strings.Repeat("aa", 32)
	head7 = "83" + k00 + "07" + kAA

	badClient = []invalidBody{
		{Name: "state of version 2", Hex: "850102808080", Version: true, Error: "version 2"},
		{Name: "unknown kind", Hex: "850901808080", Error: "kind 9"},
		{Name: "send with a state's length", Hex: "8502010000000000", Error: "kind 2 with 5 elements"},
		{Name: "more than 64 heads", Hex: "85010198418080", Error: "heads"},
		{Name: "head of seq 0", Hex: "85010181" + "83" + k00 + "00" + kAA + "8080", Error: "seq 0"},
		{Name: "heads repeated", Hex: "85010182" + head7 + head7 + "8080", Error: "head 2 is not after head 1"},
		{Name: "more than 1024 keys watched", Hex: "8501018080990401", Error: "watch list"},
		{Name: "audience out of order", Hex: "8501018082" + k22 + k11 + "80", Error: "audience: key 2 is not after key 1"},
		{Name: "key of 31 bytes", Hex: "850101808081" + "581f" + strings.Repeat("11", 31), Error: "key"},
		{Name: "empty message", Hex: "840201" + k11 + "60", Error: "text"},
		{Name: "message of 1025 bytes", Hex: "840201" + k11 + "790401" + strings.Repeat("61", 1025), Error: "text"},
		{Name: "message not UTF-8", Hex: "840201" + k11 + "61ff", Error: "text"},
		{Name: "trailing byte", Hex: "850101808080" + "00", Error: "trailing bytes"},
	}
	badHub = []invalidBody{
		{Name: "welcome of version 2", Hex: "83010201", Version: true, Error: "version 2"},
		{Name: "welcome of session 0", Hex: "83010100", Error: "session 0"},
		{Name: "refusal of code 0", Hex: "83020060", Error: "code 0"},
		{Name: "peer of update 0", Hex: "8703" + k11 + k22 + "03" + "00" + "01" + "80", Error: "session and update"},
		{Name: "online neither 0 nor 1", Hex: "8703" + k11 + k22 + "03" + "01" + "02" + "80", Error: "online"},
		{Name: "a device gone with heads", Hex: "8703" + k11 + k22 + "03" + "01" + "00" + "81" + head7, Error: "gone carries no heads"},
		{Name: "unknown kind", Hex: "83090101", Error: "kind 9"},
		{Name: "reason over 256 bytes", Hex: "8404010179" + "0101" + strings.Repeat("61", 257), Error: "reason"},
		{Name: "trailing byte", Hex: "8301010100", Error: "trailing bytes"},
	}
)

func buildPresenceVectors(t *testing.T) presenceVectorFile {
	t.Helper()
	f := presenceVectorFile{Comment: "doc/protocol/services.md §7: presence messages of a node and of a hub with their canonical encoding, and bodies every reader must refuse"}
	for _, c := range clientCases {
		f.Client = append(f.Client, clientVector{Name: c.name, Message: c.m, Hex: encodedHex(t, c.name, c.m.Encode)})
	}
	for _, c := range hubCases {
		f.Hub = append(f.Hub, hubVector{Name: c.name, Message: c.m, Hex: encodedHex(t, c.name, c.m.Encode)})
	}
	f.InvalidClient, f.InvalidHub = badClient, badHub
	return f
}

// TestPresenceVectors checks testdata/presence.json against this code:
// valid messages encode to their bytes and decode back; invalid bodies
// are refused with their error. -update rewrites the file.
func TestPresenceVectors(t *testing.T) {
	got := goldenVectors(t, presenceVectorPath, buildPresenceVectors(t))
	for _, v := range got.Client {
		decodesTo(t, v.Name, v.Hex, v.Message, DecodeClientMessage)
	}
	for _, v := range got.Hub {
		decodesTo(t, v.Name, v.Hex, v.Message, DecodeHubMessage)
	}
	refusesAll(t, "client", got.InvalidClient, ErrMalformedPresence, func(b []byte) error { _, err := DecodeClientMessage(b); return err })
	refusesAll(t, "hub", got.InvalidHub, ErrMalformedPresence, func(b []byte) error { _, err := DecodeHubMessage(b); return err })
}

// TestPresenceBounds: the largest state fits its frame, and one key, head
// or byte more is refused by Encode.
func TestPresenceBounds(t *testing.T) {
	st := PresenceState{Heads: make([]OwnHead, MaxPresenceHeads), Audience: make([]Key32, MaxPresenceKeys), Watch: make([]Key32, MaxPresenceKeys)}
	for i := range st.Heads {
		st.Heads[i] = OwnHead{Seq: ^uint64(0), ID: key32(1)}
		st.Heads[i].LogID[0] = byte(i)
	}
	for i := range st.Audience {
		st.Audience[i][0], st.Audience[i][1] = byte(i>>8), byte(i)
		st.Watch[i] = st.Audience[i]
	}
	var buf bytes.Buffer
	if err := WriteClientMessage(&buf, ClientMessage{State: &st}); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len() - 4; n != 74635 || n > MaxPresenceFrame {
		t.Fatalf("the largest state is %d bytes, want 74,635 (services.md §7) within the frame bound %d", n, MaxPresenceFrame)
	}
	if got, err := ReadClientMessage(&buf); err != nil || len(got.State.Watch) != MaxPresenceKeys {
		t.Fatalf("ReadClientMessage: %v", err)
	}
	more := st
	more.Watch = append(more.Watch, key32(0xff))
	if _, err := (ClientMessage{State: &more}).Encode(); err == nil {
		t.Error("a watch list of 1025 keys encoded")
	}
	more = st
	more.Heads = append(more.Heads, OwnHead{LogID: key32(0xff), Seq: 1})
	if _, err := (ClientMessage{State: &more}).Encode(); err == nil {
		t.Error("65 heads encoded")
	}
	if _, err := (ClientMessage{Send: &PresenceSend{Text: strings.Repeat("a", MaxMessageText+1)}}).Encode(); err == nil {
		t.Error("a message of 1025 bytes encoded")
	}
	if _, err := (ClientMessage{Send: &PresenceSend{Text: strings.Repeat("a", MaxMessageText)}}).Encode(); err != nil {
		t.Errorf("a message of 1024 bytes: %v", err)
	}
	// A frame length over the bound is refused before reading the body.
	if _, err := ReadHubMessage(bytes.NewReader([]byte{0, 1, 0x80, 1})); !errors.Is(err, ErrMalformedPresence) {
		t.Errorf("a frame of 98305 bytes: %v", err)
	}
	if _, err := ReadHubMessage(bytes.NewReader([]byte{0, 0, 0, 3, 0x83})); !errors.Is(err, ErrTruncated) {
		t.Errorf("a frame cut short: %v", err)
	}
}

// FuzzDecodeClientMessage: the decoder never panics, and what it accepts
// encodes back to the same bytes.
func FuzzDecodeClientMessage(f *testing.F) {
	for _, c := range clientCases {
		b, _ := c.m.Encode()
		f.Add(b)
	}
	for _, c := range badClient {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := DecodeClientMessage(body)
		if err != nil {
			return
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatalf("accepted %x, Encode refuses it: %v", body, err)
		}
		if !bytes.Equal(again, body) {
			t.Fatalf("accepted %x, which encodes back as %x", body, again)
		}
	})
}

// FuzzDecodeHubMessage: as FuzzDecodeClientMessage, for a hub's messages.
func FuzzDecodeHubMessage(f *testing.F) {
	for _, c := range hubCases {
		b, _ := c.m.Encode()
		f.Add(b)
	}
	for _, c := range badHub {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := DecodeHubMessage(body)
		if err != nil {
			return
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatalf("accepted %x, Encode refuses it: %v", body, err)
		}
		if !bytes.Equal(again, body) {
			t.Fatalf("accepted %x, which encodes back as %x", body, again)
		}
	})
}
