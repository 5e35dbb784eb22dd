package node

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"

	"github.com/kithnet/kith/internal/store"
)

// ConfigCacheFile keeps, beside a large config.toml, what reading it
// gave: its values as decoded and its logs parsed, under the SHA-256 of
// the file's bytes. A node listing 100,000 logs spent a third of its
// start-up's CPU parsing them, twice (BENCHMARKS.md, "Scale", item 7);
// with the cache, a start reads config.toml, hashes it, and decodes the
// cache. The cache is used only when the hash matches the file's bytes as
// they are now, so an edit of config.toml is always read; a cache that
// does not decode is ignored and written again. Deleting it is harmless.
//
// The cache holds the logs as parsed keys only, 64 bytes each, not as the
// strings config.toml spells them: a configuration read from it has no
// Logs strings (Config.Logs is nil) and its logs parsed (logKeys). At a
// million logs the strings were 120 MB to decode and keep for a start
// that needs only the keys (BENCHMARKS.md, "Scale", item 7, ninth
// session).
const ConfigCacheFile = "config.cache"

// configCacheMin is the least number of logs for which a cache is kept:
// a smaller config parses in a few milliseconds.
const configCacheMin = 1000

// configCacheVersion changes with the layout of configCache and with
// what decoding config.toml gives (Config's fields).
// Version 2 dropped the logs' strings.
const configCacheVersion = 2

// configCache is the cache file's content (gob). The config's values
// other than its logs are kept as JSON, which keeps a pointer to false or
// to 0 (gob would drop it, and the default would come back).
type configCache struct {
	Version int
	Sum     [sha256.Size]byte // of config.toml's bytes
	Rest    []byte            // the config as decoded, before defaults, without Logs (JSON)
	Keys    []byte            // Config.Logs parsed, in order: author ‖ log id, 64 bytes each
}

// parsedLogs is Config.Logs parsed: Config.logKeys answers from it while
// Logs holds exactly the strings it was parsed from, or, for a
// configuration read from its cache (cached), while Logs is nil.
type parsedLogs struct {
	from   []string
	keys   []store.LogKey
	cached bool
}

// decodeConfigCache returns the config and parsed logs a cache holds for
// a config.toml whose bytes hash to sum; false when b is not such a
// cache (another version, another file, malformed: then the caller
// parses config.toml).
func decodeConfigCache(b []byte, sum [sha256.Size]byte) (Config, bool) {
	var cc configCache
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&cc); err != nil {
		return Config{}, false
	}
	if cc.Version != configCacheVersion || cc.Sum != sum || len(cc.Keys)%logKeySize != 0 {
		return Config{}, false
	}
	var c Config
	if err := json.Unmarshal(cc.Rest, &c); err != nil || c.Logs != nil {
		return Config{}, false
	}
	keys := make([]store.LogKey, len(cc.Keys)/logKeySize)
	for i := range keys {
		k := cc.Keys[logKeySize*i:]
		copy(keys[i].Author[:], k[:32])
		copy(keys[i].LogID[:], k[32:logKeySize])
	}
	c.parsed = &parsedLogs{keys: keys, cached: true}
	return c, true
}

// logKeySize is the size of a log key in the cache: author ‖ log id.
const logKeySize = 64

// encodeConfigCache returns the cache of c (decoded from a config.toml
// whose bytes hash to sum, before defaults) and its parsed logs, which it
// keeps sorted (by author, then log id) and without duplicates.
func encodeConfigCache(sum [sha256.Size]byte, c Config, keys []store.LogKey) ([]byte, error) {
	cc := configCache{Version: configCacheVersion, Sum: sum, Keys: make([]byte, 0, logKeySize*len(keys))}
	for _, k := range sortedKeys(keys) {
		cc.Keys = append(append(cc.Keys, k.Author[:]...), k.LogID[:]...)
	}
	c.Logs, c.parsed = nil, nil
	rest, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	cc.Rest = rest
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(cc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// readConfigCache returns the cached config of a config.toml whose
// bytes hash to sum, if the home holds one.
func readConfigCache(home string, sum [sha256.Size]byte) (Config, bool) {
	b, err := os.ReadFile(filepath.Join(home, ConfigCacheFile))
	if err != nil {
		return Config{}, false
	}
	return decodeConfigCache(b, sum)
}

// writeConfigCache keeps c (as decoded from a config.toml whose bytes
// hash to sum, before defaults) with its parsed logs, when it lists
// enough logs to be worth it; otherwise it removes a cache left from a
// larger config. Failing to write is not an error: the next start
// parses config.toml again.
func writeConfigCache(home string, sum [sha256.Size]byte, c Config, keys []store.LogKey) {
	path := filepath.Join(home, ConfigCacheFile)
	if len(c.Logs) < configCacheMin {
		_ = os.Remove(path) // none, or left from a larger config
		return
	}
	b, err := encodeConfigCache(sum, c, keys)
	if err != nil {
		return
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
	}
}

// cachedLogKeys returns the parsed logs (shared: not to be modified) when c.Logs still holds exactly
// the strings they were parsed from (for a configuration read from its
// cache: when c.Logs is still nil).
func (c Config) cachedLogKeys() ([]store.LogKey, bool) {
	p := c.parsed
	if p == nil || p.cached && c.Logs != nil || !p.cached && !slices.Equal(p.from, c.Logs) {
		return nil, false
	}
	return p.keys, true
}

// WithoutLogs returns c without its Logs (and their parsed keys): for what
// keeps a configuration once the network started with it, since the
// scope holds the logs then. A node listing a million logs keeps them
// once, as 64-byte keys, instead of also as strings (BENCHMARKS.md,
// "Scale", item 7, eighth session).
func (c Config) WithoutLogs() Config {
	c.Logs, c.parsed = nil, nil
	return c
}

// sortedKeys returns keys sorted by author, then log id, without
// duplicates, in a slice of its own.
func sortedKeys(keys []store.LogKey) []store.LogKey {
	out := slices.Clone(keys)
	cmp := func(a, b store.LogKey) int {
		if c := bytes.Compare(a.Author[:], b.Author[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.LogID[:], b.LogID[:])
	}
	if !slices.IsSortedFunc(out, cmp) {
		slices.SortFunc(out, cmp)
	}
	return slices.Compact(out)
}
