package bounce

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestRateWatch(t *testing.T) {
	var logs strings.Builder
	w := &RateWatch{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	day := func(d string, complaints, sent int64) store.DayCount {
		return store.DayCount{Day: d, Complaints: complaints, Sent: sent, ComplaintRate: float64(complaints) / float64(sent)}
	}
	for _, step := range []struct {
		d    store.DayCount
		want string // the new warning, "" for none
	}{
		{day("2026-12-04", 0, 10000), ""},
		{day("2026-12-04", 9, 10000), ""},
		{day("2026-12-04", 10, 10000), "above the recommended 0.1%"},
		{day("2026-12-04", 12, 10000), ""},
		{day("2026-12-04", 30, 10000), "above 0.3%"},
		{day("2026-12-04", 45, 10000), ""},
		{day("2026-12-05", 1, 200), "above 0.3%"}, // a new day starts over
	} {
		before := logs.Len()
		w.Check(step.d)
		got := logs.String()[before:]
		if (step.want == "") != (got == "") || !strings.Contains(got, step.want) {
			t.Fatalf("%+v: logged %q, want %q", step.d, got, step.want)
		}
	}
}
