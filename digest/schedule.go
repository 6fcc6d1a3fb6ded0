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

// lookbacks are how far back Slot searches, shortest first, so that a spec
// firing every minute costs few steps and a monthly one is still found.
var lookbacks = []time.Duration{2 * time.Hour, 50 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour,
	367 * 24 * time.Hour, 5 * 366 * 24 * time.Hour}

// Slot returns the last time the cron spec fired at or before now, reading
// the spec in loc. It is the identity of a run: system cron calling `caravan
// digest send` a few seconds late, the built-in scheduler and a manual run
// later that day all name the same run, so the second one sends nothing new.
func Slot(spec string, loc *time.Location, now time.Time) (time.Time, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return time.Time{}, fmt.Errorf("cron spec %q: %w", spec, err)
	}
	now = now.In(loc)
	for _, back := range lookbacks {
		var last time.Time
		for t := sched.Next(now.Add(-back)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
			last = t
		}
		if !last.IsZero() {
			return last, nil
		}
	}
	return time.Time{}, fmt.Errorf("cron spec %q never fired in the last five years", spec)
}
