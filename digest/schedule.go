package digest

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/caravan-news/caravan/store"
)

// Schedule is when the digests go out: a cron spec per frequency, in a time zone.
type Schedule struct {
	Daily, Weekly string
	Location      *time.Location
}

// Spec returns the cron spec of frequency, or store.ErrFrequency.
func (s Schedule) Spec(frequency string) (string, error) {
	switch frequency {
	case "daily":
		return s.Daily, nil
	case "weekly":
		return s.Weekly, nil
	}
	return "", store.ErrFrequency
}

// Slot returns the slot of frequency that a run started at now stands for.
func (s Schedule) Slot(frequency string, now time.Time) (time.Time, error) {
	spec, err := s.Spec(frequency)
	if err != nil {
		return time.Time{}, err
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	return Slot(spec, loc, now)
}

// Cron returns the schedule of frequency for a cron runner (robfig/cron's
// Cron.Schedule): it fires at the slots Slot names, once per slot, daylight
// saving included.
func (s Schedule) Cron(frequency string) (cron.Schedule, error) {
	spec, err := s.Spec(frequency)
	if err != nil {
		return nil, err
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	return parseWall(spec, loc)
}

// lookbacks are how far back Slot searches, shortest first, so that a spec
// firing every minute costs few steps and a monthly one is still found.
var lookbacks = []time.Duration{2 * time.Hour, 50 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour,
	367 * 24 * time.Hour, 5 * 366 * 24 * time.Hour}

// repeatMax bounds how far a zone's clock goes back at once (one hour in
// Europe, two at most anywhere): while a repeated hour runs, the wall clock
// reads up to this much earlier than a slot already past.
const repeatMax = 3 * time.Hour

// Slot returns the last slot of the cron spec at or before now. The spec is
// read on the wall clock of loc, and each wall-clock time it names is one
// slot: on the day clocks go forward, a time in the skipped hour is due the
// moment the hour is skipped (a daily at 02:30 goes at 03:00 that day); on the
// day they go back, a time in the repeated hour is due the first time only.
// So a daily spec has one slot each local day, and a weekly one each local
// week. The slot is the identity of a run: system cron calling `caravan
// digest send` a few seconds late, the built-in scheduler and a manual run
// later that day all name the same run, so the second one sends nothing new.
func Slot(spec string, loc *time.Location, now time.Time) (time.Time, error) {
	ws, err := parseWall(spec, loc)
	if err != nil {
		return time.Time{}, err
	}
	w := wallClock(now, ws.loc)
	for _, back := range lookbacks {
		var last time.Time
		for t := ws.spec.Next(w.Add(-back)); !t.IsZero() && !t.After(w.Add(repeatMax)); t = ws.spec.Next(t) {
			in := instant(t, ws.loc)
			if in.After(now) {
				break // the instants of successive wall times never go back
			}
			last = in
		}
		if !last.IsZero() {
			return last, nil
		}
	}
	return time.Time{}, fmt.Errorf("cron spec %q never fired in the last five years", spec)
}

// wallSchedule is a cron spec read on the wall clock of loc, one firing per
// wall-clock time (see Slot). robfig/cron reads a spec in a zone by stepping
// through real time, which fires twice in a repeated hour and never in a
// skipped one; wallSchedule steps through the wall clock instead.
type wallSchedule struct {
	spec cron.Schedule // read on a clock with no daylight saving: UTC
	loc  *time.Location
}

// parseWall parses spec for the wall clock of loc (or of the zone a
// CRON_TZ= prefix names).
func parseWall(spec string, loc *time.Location) (wallSchedule, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return wallSchedule{}, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	if ss, ok := sched.(*cron.SpecSchedule); ok {
		if ss.Location != time.Local {
			loc = ss.Location
		}
		utc := *ss
		utc.Location = time.UTC
		sched = &utc
	}
	return wallSchedule{spec: sched, loc: loc}, nil
}

// Next returns the first slot after t, in the schedule's zone.
func (ws wallSchedule) Next(t time.Time) time.Time {
	for w := ws.spec.Next(wallClock(t, ws.loc).Add(-repeatMax)); !w.IsZero(); w = ws.spec.Next(w) {
		if in := instant(w, ws.loc); in.After(t) {
			return in.In(ws.loc)
		}
	}
	return time.Time{}
}

// wallClock is what the clock of loc reads at t, as a time in UTC.
func wallClock(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// instant is the first moment the clock of loc reads wall (a time in UTC
// standing for a wall-clock reading), or, when it never does because clocks
// go forward over it, the moment they do.
func instant(wall time.Time, loc *time.Location) time.Time {
	var first, before time.Time
	// The offsets in effect a day either side cover any change near wall.
	for _, d := range []time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		_, offset := wall.Add(d).In(loc).Zone()
		c := wall.Add(-time.Duration(offset) * time.Second)
		switch read := wallClock(c, loc); {
		case read.Equal(wall):
			if first.IsZero() || c.Before(first) {
				first = c
			}
		case read.Before(wall):
			before = c
		}
	}
	if !first.IsZero() {
		return first.In(loc)
	}
	if !before.IsZero() {
		if _, end := before.In(loc).ZoneBounds(); !end.IsZero() {
			return end.In(loc) // the end of the zone in effect before the gap: the gap
		}
	}
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
}
