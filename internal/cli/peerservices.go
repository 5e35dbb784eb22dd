package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
)

// servicesText says what a peer offers: "relay (60 min, 1024 MiB each
// way, 16 connections)", services separated by "; ".
func servicesText(svcs []wire.PeerService) string {
	parts := make([]string, 0, len(svcs))
	for _, s := range svcs {
		if s.Name == "presence" {
			parts = append(parts, presenceText(s))
			continue
		}
		var limits []string
		if v, ok := s.Limits["seconds"]; ok {
			limits = append(limits, durationText(v))
		}
		if v, ok := s.Limits["bytes"]; ok {
			if s.Name == "lease" {
				limits = append(limits, fmt.Sprintf("%d MiB an account", v>>20))
			} else {
				limits = append(limits, fmt.Sprintf("%d MiB each way", v>>20))
			}
		}
		if v, ok := s.Limits["connections"]; ok {
			limits = append(limits, fmt.Sprintf("%d connections", v))
		}
		if v, ok := s.Limits["entries"]; ok {
			limits = append(limits, fmt.Sprintf("%d entries", v))
		}
		if v, ok := s.Limits["logs"]; ok {
			limits = append(limits, fmt.Sprintf("%d logs a request", v))
		}
		var other []string
		for k := range s.Limits {
			if !slices.Contains([]string{"seconds", "bytes", "connections", "entries", "logs"}, k) {
				other = append(other, k)
			}
		}
		slices.Sort(other)
		for _, k := range other {
			limits = append(limits, fmt.Sprintf("%s %d", termText(k), s.Limits[k]))
		}
		text := termText(s.Name)
		if len(limits) > 0 {
			text += " (" + strings.Join(limits, ", ") + ")"
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "; ")
}

// durationText writes seconds as days when whole and at least one,
// minutes when whole, else seconds.
func durationText(s uint64) string {
	if s >= 86400 && s%86400 == 0 {
		return fmt.Sprintf("%d days", s/86400)
	}
	if s%60 == 0 {
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d s", s)
}
