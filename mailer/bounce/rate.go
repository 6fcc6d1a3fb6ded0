package bounce

import (
	"fmt"
	"log/slog"

	"github.com/caravan-news/caravan/store"
)

// Complaint rates that mailbox providers hold senders to (Gmail and Yahoo,
// since 2024): stay under ComplaintRateLimit, better under ComplaintRateTarget.
const (
	ComplaintRateTarget = 0.001 // 0.1 %
	ComplaintRateLimit  = 0.003 // 0.3 %
)

// RateWatch warns in the log when a day's complaint rate reaches
// ComplaintRateTarget, and again at ComplaintRateLimit: once per level and day.
// It is not safe for concurrent use.
type RateWatch struct {
	Log   *slog.Logger
	day   string
	level int // 0, 1 (target reached) or 2 (limit reached) for day
}

// Check looks at one day's counters and warns when the rate passed a new level.
func (w *RateWatch) Check(d store.DayCount) {
	if d.Day != w.day {
		w.day, w.level = d.Day, 0
	}
	level := 0
	switch {
	case d.ComplaintRate >= ComplaintRateLimit:
		level = 2
	case d.ComplaintRate >= ComplaintRateTarget:
		level = 1
	}
	if level <= w.level {
		return
	}
	w.level = level
	rate := fmt.Sprintf("%.2f%%", 100*d.ComplaintRate)
	if level == 2 {
		w.Log.Warn("complaint rate above 0.3%: Gmail and Yahoo start refusing mail from this sender; "+
			"check what readers signed up for and how often they get it",
			"day", d.Day, "rate", rate, "complaints", d.Complaints, "sent", d.Sent)
		return
	}
	w.Log.Warn("complaint rate above the recommended 0.1%", "day", d.Day, "rate", rate,
		"complaints", d.Complaints, "sent", d.Sent)
}
