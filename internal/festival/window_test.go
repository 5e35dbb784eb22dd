package festival

import (
	"reflect"
	"testing"
)

func TestWindows(t *testing.T) {
	a := hours(20, 22)
	cases := []struct {
		b                Window
		overlaps, within bool
	}{
		{hours(22, 23), false, false}, // touching
		{hours(18, 20), false, false}, // touching
		{hours(21, 23), true, false},
		{hours(19, 23), true, false},
		{hours(20.5, 21), true, true},
		{hours(20, 22), true, true},
	}
	for _, c := range cases {
		if got := a.Overlaps(c.b); got != c.overlaps || c.b.Overlaps(a) != c.overlaps {
			t.Errorf("%v overlaps %v: %v", a, c.b, got)
		}
		if got := c.b.Within(a); got != c.within {
			t.Errorf("%v within %v: %v", c.b, a, got)
		}
	}
	if !a.Contains(a.Start) || a.Contains(a.End) {
		t.Error("a window holds its start, not its end")
	}
	if got := a.String(); got != "2026-07-04 20:00–22:00 UTC" {
		t.Errorf("String %q", got)
	}
	if got := hours(22, 26).String(); got != "2026-07-04 22:00–2026-07-05 02:00 UTC" {
		t.Errorf("String %q", got)
	}
}

func TestGeo(t *testing.T) {
	g, err := GeoFromDegrees(52.52, 13.40495)
	if err != nil || g != (Geo{Lat: 142520000, Lon: 193404950}) {
		t.Fatalf("%+v %v", g, err)
	}
	if lat, lon := g.Degrees(); lat < 52.519999 || lat > 52.520001 || lon < 13.404949 || lon > 13.404951 {
		t.Fatalf("back: %v %v", lat, lon)
	}
	if g, _ := GeoFromDegrees(-90, -180); g != (Geo{}) {
		t.Fatalf("south-west corner %+v", g)
	}
	for _, c := range [][2]float64{{91, 0}, {0, 180}, {-90.1, 0}} {
		if _, err := GeoFromDegrees(c[0], c[1]); err == nil {
			t.Errorf("%v accepted", c)
		}
	}
}

func TestRegistryNames(t *testing.T) {
	r := DefaultRegistry()
	if got := r.Names(); !reflect.DeepEqual(got, []string{"first-come", "hours-per-day", "manual"}) {
		t.Fatalf("%v", got)
	}
	if _, err := NewRegistry(FirstCome{}, FirstCome{}); err == nil {
		t.Fatal("two policies of one name")
	}
	if !IsFestivalType(TypeEvent) || IsFestivalType("post") {
		t.Fatal("IsFestivalType")
	}
}
