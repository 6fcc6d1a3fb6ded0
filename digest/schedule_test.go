package digest

import (
	"errors"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestSlot(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(month time.Month, day, hour, min, sec int) time.Time {
		return time.Date(2026, month, day, hour, min, sec, 0, paris)
	}
	cases := []struct {
		name string
		spec string
		now  time.Time
		want time.Time
	}{
		{"daily, just before it fires", "0 7 * * *", at(11, 27, 6, 59, 59), at(11, 26, 7, 0, 0)},
		{"daily, as it fires", "0 7 * * *", at(11, 27, 7, 0, 0), at(11, 27, 7, 0, 0)},
		{"daily, system cron a little late", "0 7 * * *", at(11, 27, 7, 0, 42), at(11, 27, 7, 0, 0)},
		{"daily, by hand in the evening", "0 7 * * *", at(11, 27, 21, 0, 0), at(11, 27, 7, 0, 0)},
		{"weekly on Monday, asked on a Friday", "0 7 * * 1", at(11, 27, 9, 0, 0), at(11, 23, 7, 0, 0)},
		{"monthly", "0 7 1 * *", at(11, 27, 9, 0, 0), at(11, 1, 7, 0, 0)},
		{"every minute", "* * * * *", at(11, 27, 9, 3, 10), at(11, 27, 9, 3, 0)},
		{"across the change to summer time", "30 7 * * *", at(3, 29, 7, 0, 0), at(3, 28, 7, 30, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Slot(tc.spec, paris, tc.now.UTC())
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("Slot = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := Slot("every day at seven", paris, at(11, 27, 9, 0, 0)); err == nil {
		t.Error("bad spec accepted")
	}
	s := Schedule{Daily: "0 7 * * *", Weekly: "0 7 * * 1", Location: paris}
	if got, err := s.Slot("weekly", at(11, 27, 9, 0, 0)); err != nil || !got.Equal(at(11, 23, 7, 0, 0)) {
		t.Errorf("schedule weekly = %v %v", got, err)
	}
	if _, err := s.Slot("monthly", at(11, 27, 9, 0, 0)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad frequency: %v", err)
	}
}
