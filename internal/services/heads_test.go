package services

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const headsVectorPath = "testdata/heads.json"

// headsVectorFile is testdata/heads.json, doc/protocol/services.md §6.
type headsVectorFile struct {
	Comment          string            `json:"comment"`
	Requests         []headsReqVector  `json:"requests"`
	Responses        []headsRespVector `json:"responses"`
	InvalidRequests  []invalidBody     `json:"invalid_requests"`
	InvalidResponses []invalidBody     `json:"invalid_responses"`
}

type headsReqVector struct {
	Name    string       `json:"name"`
	Request HeadsRequest `json:"request"`
	Hex     string       `json:"hex"`
}

type headsRespVector struct {
	Name     string        `json:"name"`
	Response HeadsResponse `json:"response"`
	Hex      string        `json:"hex"`
}

func key32(b byte) (k Key32) {
	for i := range k {
		k[i] = b
	}
	return k
}

var headsRequestCases = []struct {
	name string
	q    HeadsRequest
}{
	{"one public log", HeadsRequest{Logs: []HeadsLog{{Author: key32(0x11)}}}},
	{"two logs of two authors", HeadsRequest{Logs: []HeadsLog{
		{Author: key32(0x11), LogID: key32(0x22)},
		{Author: key32(0x33)},
	}}},
}

var headsResponseCases = []struct {
	name string
	p    HeadsResponse
}{
	{"one held, one not", HeadsResponse{Heads: []LogHead{{Seq: 7, ID: key32(0xaa)}, {}}}},
	{"forked and ended", HeadsResponse{Heads: []LogHead{{Seq: 300, ID: key32(0xbb), Forked: true, Ended: true}}}},
	{"not served", HeadsResponse{Code: RefuseNotServed, Reason: "this hub serves only its listed accounts"}},
	{"too many", HeadsResponse{Code: RefuseTooMany, Reason: "2000 logs, at most 1024"}},
}

var (
	req1    = "8201818258201111111111111111111111111111111111111111111111111111111111111111" + "58200000000000000000000000000000000000000000000000000000000000000000"
	logA    = "8258201111111111111111111111111111111111111111111111111111111111111111" + "58200000000000000000000000000000000000000000000000000000000000000000"
	logB    = "8258203333333333333333333333333333333333333333333333333333333333333333" + "58200000000000000000000000000000000000000000000000000000000000000000"
	idAA    = "5820aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	badReqs = []invalidBody{
		{Name: "version 2", Hex: "820281" + logA, Version: true, Error: "version 2"},
		{Name: "no logs", Hex: "820180", Error: "logs"},
		{Name: "more than 1024 logs", Hex: "8201990401", Error: "logs"},
		{Name: "logs out of order", Hex: "820182" + logB + logA, Error: "log 2 is not after log 1"},
		{Name: "log named twice", Hex: "820182" + logA + logA, Error: "log 2 is not after log 1"},
		{Name: "short author", Hex: "82018182" + "5f" + "00", Error: "author"},
		{Name: "trailing byte", Hex: req1 + "00", Error: "trailing bytes"},
	}
	badResps = []invalidBody{
		{Name: "version 2", Hex: "830200" + "81f6", Version: true, Error: "version 2"},
		{Name: "no heads", Hex: "83010080", Error: "heads"},
		{Name: "seq 0 instead of null", Hex: "8301008183" + "00" + idAA + "00", Error: "seq 0"},
		{Name: "unknown flag", Hex: "8301008183" + "07" + idAA + "04", Error: "flags"},
		{Name: "reason not text", Hex: "83010141" + "00", Error: "reason"},
		{Name: "trailing byte", Hex: "83010081f6" + "00", Error: "trailing bytes"},
	}
)

func buildHeadsVectors(t *testing.T) headsVectorFile {
	t.Helper()
	f := headsVectorFile{Comment: "doc/protocol/services.md §6: heads requests and responses with their canonical encoding, and bodies every reader must refuse"}
	for _, c := range headsRequestCases {
		f.Requests = append(f.Requests, headsReqVector{Name: c.name, Request: c.q, Hex: encodedHex(t, c.name, c.q.Encode)})
	}
	for _, c := range headsResponseCases {
		f.Responses = append(f.Responses, headsRespVector{Name: c.name, Response: c.p, Hex: encodedHex(t, c.name, c.p.Encode)})
	}
	f.InvalidRequests, f.InvalidResponses = badReqs, badResps
	return f
}

// TestHeadsVectors checks testdata/heads.json against this code: valid
// messages encode to their bytes and decode back; invalid bodies are
// refused with their error. -update rewrites the file.
func TestHeadsVectors(t *testing.T) {
	got := goldenVectors(t, headsVectorPath, buildHeadsVectors(t))
	for _, v := range got.Requests {
		decodesTo(t, v.Name, v.Hex, v.Request, DecodeHeadsRequest)
	}
	for _, v := range got.Responses {
		decodesTo(t, v.Name, v.Hex, v.Response, DecodeHeadsResponse)
	}
	refusesAll(t, "request", got.InvalidRequests, ErrMalformedHeads, func(b []byte) error { _, err := DecodeHeadsRequest(b); return err })
	refusesAll(t, "response", got.InvalidResponses, ErrMalformedHeads, func(b []byte) error { _, err := DecodeHeadsResponse(b); return err })
}

// TestHeadsBounds: the largest request and answer fit their frames, and
// one log more is refused by Encode.
func TestHeadsBounds(t *testing.T) {
	q := HeadsRequest{Logs: make([]HeadsLog, MaxHeadsLogs)}
	p := HeadsResponse{Heads: make([]LogHead, MaxHeadsLogs)}
	for i := range q.Logs {
		q.Logs[i].Author[0], q.Logs[i].Author[1] = byte(i>>8), byte(i)
		p.Heads[i] = LogHead{Seq: ^uint64(0), ID: key32(1), Forked: true, Ended: true}
	}
	var buf bytes.Buffer
	if err := WriteHeadsRequest(&buf, q); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len() - 4; n > MaxHeadsRequest {
		t.Fatalf("largest request is %d bytes, frame bound %d", n, MaxHeadsRequest)
	}
	if got, err := ReadHeadsRequest(&buf); err != nil || len(got.Logs) != MaxHeadsLogs {
		t.Fatalf("ReadHeadsRequest: %d logs, %v", len(got.Logs), err)
	}
	buf.Reset()
	if err := WriteHeadsResponse(&buf, p); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len() - 4; n > MaxHeadsResponse {
		t.Fatalf("largest answer is %d bytes, frame bound %d", n, MaxHeadsResponse)
	}
	if got, err := ReadHeadsResponse(&buf); err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("ReadHeadsResponse: %v", err)
	}
	q.Logs = append(q.Logs, HeadsLog{Author: key32(0xff)})
	if _, err := q.Encode(); err == nil || !strings.Contains(err.Error(), "1025 logs") {
		t.Fatalf("Encode of 1025 logs: %v, want a refusal", err)
	}
	if _, err := ReadHeadsRequest(bytes.NewReader([]byte{0, 1, 0x20, 1})); !errors.Is(err, ErrMalformedHeads) {
		t.Fatalf("a frame of 73,729 bytes: %v, want ErrMalformedHeads", err)
	}
	if _, err := ReadHeadsResponse(bytes.NewReader([]byte{0, 0, 0, 9, 0x83})); !errors.Is(err, ErrTruncated) {
		t.Fatalf("a stream ending inside the answer: %v, want ErrTruncated", err)
	}
}

// FuzzDecodeHeads: the decoders never panic, and what they accept encodes
// back to the same bytes. The first byte picks the decoder.
func FuzzDecodeHeads(f *testing.F) {
	for _, c := range headsRequestCases {
		b, _ := c.q.Encode()
		f.Add(append([]byte{0}, b...))
	}
	for _, c := range headsResponseCases {
		b, _ := c.p.Encode()
		f.Add(append([]byte{1}, b...))
	}
	for _, c := range badReqs {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(append([]byte{0}, b...))
	}
	for _, c := range badResps {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(append([]byte{1}, b...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		var again []byte
		var err error
		if in[0]&1 == 0 {
			q, derr := DecodeHeadsRequest(in[1:])
			if derr != nil {
				return
			}
			again, err = q.Encode()
		} else {
			p, derr := DecodeHeadsResponse(in[1:])
			if derr != nil {
				return
			}
			again, err = p.Encode()
		}
		if err != nil {
			t.Fatalf("decoder accepted %x, Encode refuses it: %v", in[1:], err)
		}
		if !bytes.Equal(again, in[1:]) {
			t.Fatalf("decoder accepted %x, which encodes back as %x", in[1:], again)
		}
	})
}
