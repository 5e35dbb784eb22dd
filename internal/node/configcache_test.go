package node

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// bigConfig returns a config.toml listing n logs, with settings whose
// values are a pointer to false or to 0 (which a careless cache loses).
func bigConfig(t testing.TB, n int) (string, []store.LogKey) {
	k, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("mdns = false\ndht = false\nhops = 0\npeers = []\nconn_low = 7\nconn_high = 9\n")
	sb.WriteString("logs = [\n")
	keys := make([]store.LogKey, n)
	for i := range n {
		var lid entry.LogID
		lid[0], lid[1], lid[2] = byte(i), byte(i>>8), byte(i>>16)
		keys[i] = store.LogKey{Author: k.Public(), LogID: lid}
		fmt.Fprintf(&sb, "  %q,\n", k.Public().Device().String()+"/"+lid.String())
	}
	sb.WriteString("]\n[store]\nbackend = \"sqlite\"\n")
	return sb.String(), keys
}

func loadKeys(t *testing.T, home string) (Config, []store.LogKey) {
	t.Helper()
	c, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := c.logKeys()
	if err != nil {
		t.Fatal(err)
	}
	return c, ks
}

// TestConfigCache: a config of many logs leaves a cache; the next load
// reads it and gives exactly what parsing gave (pointers to false and 0
// included); an edit of config.toml is read, not the cache; a small
// config leaves none.
func TestConfigCache(t *testing.T) {
	home := t.TempDir()
	text, keys := bigConfig(t, configCacheMin)
	path := filepath.Join(home, ConfigFile)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	parsed, pk := loadKeys(t, home)
	if !reflect.DeepEqual(pk, keys) {
		t.Fatal("logs parsed from config.toml differ from those written")
	}
	if *parsed.MDNS || *parsed.DHT || *parsed.Hops != 0 || parsed.ConnLow != 7 {
		t.Fatalf("parsed mdns %v dht %v hops %d conn_low %d, want false false 0 7", *parsed.MDNS, *parsed.DHT, *parsed.Hops, parsed.ConnLow)
	}
	if _, err := os.Stat(filepath.Join(home, ConfigCacheFile)); err != nil {
		t.Fatalf("no cache after loading a config of %d logs: %v", configCacheMin, err)
	}
	// The cache keeps the keys only (sorted, as the scope holds them),
	// not the strings: 64 bytes a log and a few hundred for the rest.
	if st, err := os.Stat(filepath.Join(home, ConfigCacheFile)); err != nil || st.Size() > int64(logKeySize*configCacheMin+1024) {
		t.Fatalf("the cache of %d logs is %d bytes (%v), want at most %d: it keeps more than the keys", configCacheMin, st.Size(), err, logKeySize*configCacheMin+1024)
	}
	cached, ck := loadKeys(t, home)
	if !reflect.DeepEqual(ck, sortedKeys(keys)) {
		t.Fatal("logs from the cache differ from those written, sorted")
	}
	if cached.Logs != nil {
		t.Fatalf("a config read from its cache holds %d log strings, want none (the keys only)", len(cached.Logs))
	}
	parsed.parsed, cached.parsed, parsed.Logs = nil, nil, nil
	if !reflect.DeepEqual(parsed, cached) {
		t.Fatalf("config from the cache differs from the parse:\n%+v\n%+v", cached, parsed)
	}

	// The cache is what is read while config.toml is unchanged: one
	// saying conn_low = 8 for these bytes is believed...
	sum := sha256.Sum256([]byte(text))
	var raw Config
	raw.ConnLow, raw.ConnHigh, raw.Logs = 8, 9, parsed.Logs
	b, err := encodeConfigCache(sum, raw, keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ConfigCacheFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if c, _ := loadKeys(t, home); c.ConnLow != 8 {
		t.Fatalf("conn_low %d with a cache of the file's bytes saying 8; the cache was not read", c.ConnLow)
	}
	// ...and an edit of config.toml is read from the file, not the cache.
	edited := strings.Replace(text, "conn_low = 7", "conn_low = 6", 1)
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, _ := loadKeys(t, home); c.ConnLow != 6 {
		t.Fatalf("conn_low %d after editing config.toml to 6", c.ConnLow)
	}
	if c, _ := loadKeys(t, home); c.ConnLow != 6 {
		t.Fatalf("conn_low %d on the load after the edit, want 6", c.ConnLow)
	}
	// Logs set on a config read from its cache replace the cached ones.
	c, _ := loadKeys(t, home)
	c.Logs = []string{keys[5].Author.Device().String() + "/" + keys[5].LogID.String()}
	if ks, err := c.logKeys(); err != nil || !reflect.DeepEqual(ks, keys[5:6]) {
		t.Fatalf("logKeys after setting Logs on a cached config = %d keys, %v; want the one set", len(ks), err)
	}
	// A config of few logs parses fast: its cache goes.
	small, _ := bigConfig(t, 3)
	if err := os.WriteFile(path, []byte(small), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ks := loadKeys(t, home); len(ks) != 3 {
		t.Fatalf("%d logs, want 3", len(ks))
	}
	if _, err := os.Stat(filepath.Join(home, ConfigCacheFile)); !os.IsNotExist(err) {
		t.Fatalf("a cache is left for a config of 3 logs (%v)", err)
	}
	// Logs changed after loading are parsed again, not taken from the cache.
	c, _ = loadKeys(t, home)
	c.Logs = append([]string{}, c.Logs[1:]...)
	if ks, err := c.logKeys(); err != nil || len(ks) != 2 {
		t.Fatalf("logKeys after dropping a log = %d, %v; want 2", len(ks), err)
	}
}

// FuzzDecodeConfigCache: a cache file of any bytes is taken or refused,
// never a panic, and what is taken holds its logs as keys only.
func FuzzDecodeConfigCache(f *testing.F) {
	text, keys := bigConfig(f, 3)
	var c Config
	c.Logs = []string{"a", "b", "c"}
	c.ConnLow = 5
	sum := sha256.Sum256([]byte(text))
	b, err := encodeConfigCache(sum, c, keys)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeConfigCache(data, sum)
		if !ok {
			return
		}
		if _, kok := got.cachedLogKeys(); !kok || got.Logs != nil {
			t.Fatalf("taken cache: keys usable %v, %d log strings (want none)", kok, len(got.Logs))
		}
	})
}

// BenchmarkLoadConfig loads a config.toml of 100,000 logs and parses its
// logs (what a start does): "parse" without a cache, "cached" with it.
func BenchmarkLoadConfig(b *testing.B) {
	home := b.TempDir()
	text, _ := bigConfig(b, 100_000)
	if err := os.WriteFile(filepath.Join(home, ConfigFile), []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"parse", "cached"} {
		b.Run(mode, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if mode == "parse" {
					os.Remove(filepath.Join(home, ConfigCacheFile))
				}
				c, err := LoadConfig(home)
				if err != nil {
					b.Fatal(err)
				}
				if ks, err := c.logKeys(); err != nil || len(ks) != 100_000 {
					b.Fatalf("%d logs, %v", len(ks), err)
				}
			}
		})
	}
}
