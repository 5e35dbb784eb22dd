package wire

// FestivalDayCount is a day of a festival's programme and how many events
// start on it.
type FestivalDayCount struct {
	Day    string `json:"day"` // 2026-07-04 (UTC)
	Events int    `json:"events"`
}

// FestivalDay answers GET /api/v1/festivals/{id}?day=2026-07-04 (or
// day=first): the festival as Festival, but its programme holds the events
// that start on that day and, on any day, this account's own events (their
// requests are "Your requests"); Conflicts holds those of these events.
// Days lists every day of the programme.
type FestivalDay struct {
	Festival
	Day  string             `json:"day"` // the day given ("" when the programme is empty)
	Days []FestivalDayCount `json:"days"`
}
