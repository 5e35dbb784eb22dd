package api

import (
	"strings"
	"time"

	"github.com/kithnet/kith/internal/node"
)

// programmeICS writes a festival's programme as an iCalendar object
// (RFC 5545): one VEVENT per event not cancelled, with its id as UID,
// DTSTAMP the time of the export, DTSTART and DTEND in UTC, SUMMARY its
// name, LOCATION the locations it holds (by name; else every resource it
// holds) and DESCRIPTION its text. Lines end in CRLF and are folded at 75
// octets, never inside a UTF-8 character; text escapes \ ; , and newlines.
func programmeICS(v *node.FestivalView, now time.Time) []byte {
	var b strings.Builder
	line := func(name, value string) { foldLine(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//kith//festival programme//EN")
	line("CALSCALE", "GREGORIAN")
	line("X-WR-CALNAME", icsText(v.Name))
	stamp := now.UTC().Format("20060102T150405Z")
	for _, e := range v.Events {
		if e.Cancelled {
			continue
		}
		line("BEGIN", "VEVENT")
		line("UID", e.ID.String()+"@kith")
		line("DTSTAMP", stamp)
		line("DTSTART", icsTime(e.Span.Start))
		line("DTEND", icsTime(e.Span.End))
		line("SUMMARY", icsText(e.Name))
		places := e.Places
		if len(places) == 0 {
			for _, q := range e.Requests {
				if q.Status == "granted" {
					places = append(places, q.ResourceName)
				}
			}
		}
		if len(places) > 0 {
			line("LOCATION", icsText(strings.Join(places, ", ")))
		}
		if e.Text != "" {
			line("DESCRIPTION", icsText(e.Text))
		}
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return []byte(b.String())
}

func icsTime(t uint64) string { return time.Unix(int64(t), 0).UTC().Format("20060102T150405Z") }

// icsText escapes a TEXT value (RFC 5545 §3.3.11).
func icsText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// foldLine writes a content line, folded (RFC 5545 §3.1): no line longer
// than 75 octets without its CRLF; a continuation starts with a space,
// which counts in its 75. A UTF-8 character is never split.
func foldLine(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 { // inside a character
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
