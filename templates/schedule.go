package templates

import (
	"fmt"
	"strconv"
	"strings"
)

// Schedule says in locale's words when a cron spec sends: "Chaque jour vers
// 7 h", "Chaque semaine, le vendredi vers 7 h", "Every day at about 7 am". It
// reads the specs people write for a newsletter (one time of day, any days of
// the week); anything else gets the frequency's plain name.
func Schedule(locale, frequency, spec string) string {
	fallback := T(locale, "freq."+frequency)
	minute, hour, days, ok := readSpec(spec)
	if !ok {
		return fallback
	}
	at := clock(locale, hour, minute)
	switch {
	case len(days) == 7 && frequency == "daily":
		return Tf(locale, "schedule.everyday", at)
	case len(days) == 7:
		return fallback
	case frequency == "daily" && isWeekdays(days):
		return Tf(locale, "schedule.weekdays", at)
	case frequency == "daily":
		d := dayList(locale, days)
		return Tf(locale, "schedule.days", strings.ToUpper(d[:1])+d[1:], at)
	}
	return Tf(locale, "schedule.weekly", dayList(locale, days), at)
}

// readSpec reads "M H * * DOW" (or @daily, @weekly) into a minute, an hour and
// the days of the week it fires on (0 is Sunday), in order.
func readSpec(spec string) (minute, hour int, days []int, ok bool) {
	switch strings.TrimSpace(spec) {
	case "@daily", "@midnight":
		spec = "0 0 * * *"
	case "@weekly":
		spec = "0 0 * * 0"
	}
	f := strings.Fields(spec)
	if len(f) != 5 || f[2] != "*" || f[3] != "*" {
		return 0, 0, nil, false
	}
	var err1, err2 error
	minute, err1 = strconv.Atoi(f[0])
	hour, err2 = strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || minute < 0 || minute > 59 || hour < 0 || hour > 23 {
		return 0, 0, nil, false
	}
	on := [7]bool{}
	for _, part := range strings.Split(f[4], ",") {
		lo, hi, ok := dayRange(part)
		if !ok {
			return 0, 0, nil, false
		}
		for d := lo; d <= hi; d++ {
			on[d%7] = true
		}
	}
	for d := range on {
		if on[d] {
			days = append(days, d)
		}
	}
	return minute, hour, days, true
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// dayRange reads one item of a cron day-of-week field: *, 5, FRI or 1-5.
func dayRange(s string) (lo, hi int, ok bool) {
	if s == "*" {
		return 0, 6, true
	}
	a, b, isRange := strings.Cut(s, "-")
	if lo, ok = dayNumber(a); !ok {
		return 0, 0, false
	}
	hi = lo
	if isRange {
		if hi, ok = dayNumber(b); !ok || hi < lo {
			return 0, 0, false
		}
	}
	return lo, hi, true
}

func dayNumber(s string) (int, bool) {
	for i, n := range dayNames {
		if strings.EqualFold(s, n) {
			return i, true
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= 7
}

func isWeekdays(days []int) bool { return fmt.Sprint(days) == "[1 2 3 4 5]" }

// dayList names days in locale, Monday first: "le lundi et le jeudi".
func dayList(locale string, days []int) string {
	var names []string
	for _, d := range append(days[:0:0], days...) {
		if d != 0 {
			names = append(names, T(locale, "day."+dayNames[d]))
		}
	}
	if len(days) > 0 && days[0] == 0 {
		names = append(names, T(locale, "day.sun"))
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + T(locale, "schedule.and") + names[len(names)-1]
}

// clock is a time of day the way readers of locale say it: "7 h", "18 h 30", "7 am", "6:30 pm".
func clock(locale string, hour, minute int) string {
	if locale == "en" {
		h, half := hour%12, "am"
		if h == 0 {
			h = 12
		}
		if hour >= 12 {
			half = "pm"
		}
		if minute == 0 {
			return fmt.Sprintf("%d\u00a0%s", h, half)
		}
		return fmt.Sprintf("%d:%02d\u00a0%s", h, minute, half)
	}
	if minute == 0 {
		return fmt.Sprintf("%d\u00a0h", hour)
	}
	return fmt.Sprintf("%d\u00a0h\u00a0%02d", hour, minute)
}
