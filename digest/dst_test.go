package digest

import (
	"testing"
	"time"
)

// slotsBetween lists the distinct slots Slot names, asked every minute from
// from to to, and checks that they never go back.
func slotsBetween(t *testing.T, spec string, loc *time.Location, from, to time.Time) []time.Time {
	t.Helper()
	var out []time.Time
	for now := from; now.Before(to); now = now.Add(time.Minute) {
		got, err := Slot(spec, loc, now)
		if err != nil {
			t.Fatal(err)
		}
		if got.After(now) {
			t.Fatalf("Slot at %v = %v, in the future", now, got)
		}
		switch n := len(out); {
		case n > 0 && got.Before(out[n-1]):
			t.Fatalf("Slot went back at %v: %v after %v", now, got, out[n-1])
		case n == 0 || !got.Equal(out[n-1]):
			out = append(out, got)
		}
	}
	return out
}

// TestSlotsAcrossDaylightSaving: a daily at 02:30 in Paris has one slot on
// each local day, the day clocks go forward (no 02:30: it goes at 03:00) and
// the day they go back (02:30 twice: the first only), whether the slot is
// asked for (digest send, catch-up) or scheduled (the cron runner's Next).
func TestSlotsAcrossDaylightSaving(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	cases := []struct {
		name     string
		spec     string
		loc      *time.Location
		from, to time.Time
		want     []time.Time
	}{
		{"daily 02:30, spring forward", "30 2 * * *", paris, utc(2026, 3, 27, 12, 0), utc(2026, 3, 31, 12, 0),
			[]time.Time{utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30), utc(2026, 3, 31, 0, 30)}},
		{"daily 02:30, fall back", "30 2 * * *", paris, utc(2026, 10, 23, 12, 0), utc(2026, 10, 27, 12, 0),
			[]time.Time{utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30), utc(2026, 10, 27, 1, 30)}},
		{"daily 07:00, untouched", "0 7 * * *", paris, utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 12, 0),
			[]time.Time{utc(2026, 3, 29, 5, 0), utc(2026, 3, 30, 5, 0)}},
		{"weekly Sunday 02:15, spring forward", "15 2 * * 0", paris, utc(2026, 3, 22, 12, 0), utc(2026, 3, 30, 12, 0),
			[]time.Time{utc(2026, 3, 29, 1, 0)}},
		{"weekly Sunday 02:15, fall back", "15 2 * * 0", paris, utc(2026, 10, 18, 12, 0), utc(2026, 10, 26, 12, 0),
			[]time.Time{utc(2026, 10, 25, 0, 15)}},
		{"every half hour, fall back: each wall time once", "0,30 1-3 25 10 *", paris, utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 3, 0),
			[]time.Time{utc(2026, 10, 24, 23, 0), utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30),
				utc(2026, 10, 25, 2, 0), utc(2026, 10, 25, 2, 30)}},
		{"New York 02:30, spring forward", "30 2 * * *", newYork, utc(2026, 3, 7, 12, 0), utc(2026, 3, 9, 12, 0),
			[]time.Time{utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30)}},
		{"time zone in the spec", "CRON_TZ=Europe/Paris 30 2 * * *", time.UTC, utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 12, 0),
			[]time.Time{utc(2026, 3, 29, 1, 0)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			asked := slotsBetween(t, tc.spec, tc.loc, tc.from, tc.to)
			if len(asked) > 0 && asked[0].Before(tc.from) {
				asked = asked[1:] // the slot before the window
			}
			ws, err := parseWall(tc.spec, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			var scheduled []time.Time
			for next := ws.Next(tc.from); next.Before(tc.to); next = ws.Next(next) {
				scheduled = append(scheduled, next)
			}
			for name, got := range map[string][]time.Time{"Slot": asked, "Next": scheduled} {
				if len(got) != len(tc.want) {
					t.Fatalf("%s: slots %v, want %v", name, got, tc.want)
				}
				for i := range got {
					if !got[i].Equal(tc.want[i]) {
						t.Fatalf("%s: slot %d is %v, want %v (all: %v)", name, i, got[i].UTC(), tc.want[i], got)
					}
				}
			}
		})
	}
}
