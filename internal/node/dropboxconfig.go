package node

import (
	"fmt"
	"time"

	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/services"
)

// DropboxConfig is the [hub.dropbox] table of config.toml (doc/config.md):
// the limits of the dropbox a hub keeps for the accounts it serves
// (doc/protocol/services.md §8).
type DropboxConfig struct {
	// Days is how long a letter is kept after the hub received it.
	Days int `toml:"days"`
	// PerSender is the letters one sender may have waiting for one
	// recipient.
	PerSender int `toml:"per_sender"`
	// Strangers is the letters from senders a recipient does not follow
	// the hub keeps for that recipient.
	Strangers int `toml:"strangers"`
	// MB is the MiB all letters may take on the hub's disk; strangers'
	// letters take at most half.
	MB int `toml:"mb"`
}

func defaultDropbox() DropboxConfig {
	d := dropbox.DefaultLimits()
	return DropboxConfig{Days: int(d.Keep / (24 * time.Hour)), PerSender: d.PerSender, Strangers: d.Strangers, MB: int(d.TotalBytes >> 20)}
}

func (c DropboxConfig) withDefaults() DropboxConfig {
	d := defaultDropbox()
	for _, p := range []struct{ dst, def *int }{{&c.Days, &d.Days}, {&c.PerSender, &d.PerSender}, {&c.Strangers, &d.Strangers}, {&c.MB, &d.MB}} {
		if *p.dst == 0 {
			*p.dst = *p.def
		}
	}
	return c
}

func (c DropboxConfig) check() error {
	for _, v := range []struct {
		name   string
		v, max int
	}{{"days", c.Days, 365}, {"per_sender", c.PerSender, 64}, {"strangers", c.Strangers, 4096}, {"mb", c.MB, 1 << 20}} {
		if v.v < 1 || v.v > v.max {
			return fmt.Errorf("hub.dropbox.%s = %d: give 1…%d", v.name, v.v, v.max)
		}
	}
	return nil
}

// limits are the pure package's limits for c.
func (c DropboxConfig) limits() dropbox.Limits {
	l := dropbox.DefaultLimits()
	l.Keep = time.Duration(c.Days) * 24 * time.Hour
	l.PerSender, l.Strangers, l.TotalBytes = c.PerSender, c.Strangers, int64(c.MB)<<20
	return l
}

// service is the dropbox as announced (services.md §8).
func (c DropboxConfig) service() services.Service {
	l := c.limits()
	return services.Service{Name: dropbox.Service, Limits: []services.Limit{
		{Key: services.LimitBytes, Value: uint64(l.LetterBytes)},
		{Key: services.LimitSeconds, Value: uint64(l.Keep / time.Second)},
		{Key: services.LimitEntries, Value: uint64(l.PerSender)},
		{Key: dropbox.LimitLetters, Value: uint64(l.Strangers)},
	}}
}
