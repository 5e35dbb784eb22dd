package wire

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var endpointCases = []struct {
	name string
	in   string
	want Endpoint
	err  string // "" when valid
}{
	{"ipv4", `{"url":"http://127.0.0.1:7690","token":"abc","pid":42}`, Endpoint{"http://127.0.0.1:7690", "abc", 42}, ""},
	{"ipv6", `{"url":"http://[::1]:8080/","token":"t0k","pid":1}`, Endpoint{"http://[::1]:8080/", "t0k", 1}, ""},
	{"other loopback", `{"url":"http://127.8.9.10:1","token":"x","pid":7}`, Endpoint{"http://127.8.9.10:1", "x", 7}, ""},
	{"trailing newline", "{\"url\":\"http://127.0.0.1:1\",\"token\":\"x\",\"pid\":7}\n", Endpoint{"http://127.0.0.1:1", "x", 7}, ""},
	{"localhost name", `{"url":"http://localhost:7690","token":"x","pid":7}`, Endpoint{}, `"localhost" is not a loopback IP address`},
	{"lan address", `{"url":"http://192.168.1.2:7690","token":"x","pid":7}`, Endpoint{}, `"192.168.1.2" is not a loopback IP address`},
	{"https", `{"url":"https://127.0.0.1:7690","token":"x","pid":7}`, Endpoint{}, "the scheme is not http"},
	{"path", `{"url":"http://127.0.0.1:7690/api","token":"x","pid":7}`, Endpoint{}, "only http://ADDRESS:PORT is allowed"},
	{"user", `{"url":"http://me@127.0.0.1:7690","token":"x","pid":7}`, Endpoint{}, "only http://ADDRESS:PORT is allowed"},
	{"no port", `{"url":"http://127.0.0.1","token":"x","pid":7}`, Endpoint{}, "missing port"},
	{"port 0", `{"url":"http://127.0.0.1:0","token":"x","pid":7}`, Endpoint{}, `port "0" is not a port number`},
	{"port too big", `{"url":"http://127.0.0.1:70000","token":"x","pid":7}`, Endpoint{}, `port "70000" is not a port number`},
	{"zone", `{"url":"http://[::1%25lo]:1","token":"x","pid":7}`, Endpoint{}, "is not a loopback IP address"},
	{"empty token", `{"url":"http://127.0.0.1:1","token":"","pid":7}`, Endpoint{}, "the API token is empty"},
	{"space in token", `{"url":"http://127.0.0.1:1","token":"a b","pid":7}`, Endpoint{}, "not visible ASCII at byte 2"},
	{"long token", `{"url":"http://127.0.0.1:1","token":"` + strings.Repeat("a", 257) + `","pid":7}`, Endpoint{}, "257 bytes long, more than 256"},
	{"pid 0", `{"url":"http://127.0.0.1:1","token":"x","pid":0}`, Endpoint{}, "endpoint pid 0 is not a process id"},
	{"unknown field", `{"url":"http://127.0.0.1:1","token":"x","pid":7,"extra":1}`, Endpoint{}, `unknown field "extra"`},
	{"two objects", `{"url":"http://127.0.0.1:1","token":"x","pid":7}{}`, Endpoint{}, "data after its JSON object"},
	{"not json", `url=http://127.0.0.1:1`, Endpoint{}, "not the expected JSON object"},
	{"too large", `{"token":"` + strings.Repeat("a", MaxEndpointFile) + `"}`, Endpoint{}, "larger than 4096 bytes"},
}

func TestParseEndpoint(t *testing.T) {
	for _, c := range endpointCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseEndpoint([]byte(c.in))
			if c.err == "" {
				if err != nil || got != c.want {
					t.Fatalf("ParseEndpoint = %+v, %v; want %+v", got, err, c.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("ParseEndpoint error %v, want one containing %q", err, c.err)
			}
			if got != (Endpoint{}) {
				t.Errorf("ParseEndpoint returned %+v with its error", got)
			}
		})
	}
}

func TestReadEndpoint(t *testing.T) {
	home := t.TempDir()
	if _, err := ReadEndpoint(home); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadEndpoint of a home without the file: %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(home, "api.json")
	if EndpointPath(home) != path {
		t.Errorf("EndpointPath = %q, want %q", EndpointPath(home), path)
	}
	if err := os.WriteFile(path, []byte(`{"url":"http://127.0.0.1:9","token":"tok","pid":3}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadEndpoint(home)
	if err != nil || got != (Endpoint{URL: "http://127.0.0.1:9", Token: "tok", PID: 3}) {
		t.Fatalf("ReadEndpoint = %+v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte(`{"url":"http://127.0.0.1:9","token":"tok"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEndpoint(home); err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), "pid 0") {
		t.Errorf("ReadEndpoint of a file without pid: %v, want an error naming %s and the pid", err, path)
	}
}

func FuzzParseEndpoint(f *testing.F) {
	for _, c := range endpointCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEndpoint(b)
		if err != nil {
			if e != (Endpoint{}) {
				t.Fatalf("error %v with a non-zero endpoint %+v", err, e)
			}
			return
		}
		// What is accepted passes the checks on its own.
		if err := e.Check(); err != nil {
			t.Fatalf("ParseEndpoint accepted %+v, which Check refuses: %v", e, err)
		}
	})
}
