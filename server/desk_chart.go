package server

import (
	"fmt"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// chart is the dashboard's line chart of signups, confirmations and
// departures per day, drawn on the server as SVG coordinates.
type chart struct {
	Width, Height int
	Series        []chartSeries
	Max           int64
	Ticks         []chartTick // the vertical axis
	Labels        []chartTick // a few days along the horizontal axis
	Days          []store.DayCount
}

type chartSeries struct {
	Class  string // signups, confirmations, departures: the colour and the legend
	Points string // "x,y x,y ..." for a polyline
	Total  int64
}

type chartTick struct {
	X, Y int
	Text string
}

// The plot area inside the SVG: room on the left for counts, below for dates.
const (
	chartW, chartH            = 720, 220
	chartLeft, chartBottom    = 40, 24
	chartTop, chartRightSpace = 10, 10
)

// newChart lays out days (oldest first) in the plot area.
func newChart(days []store.DayCount) chart {
	c := chart{Width: chartW, Height: chartH, Days: days, Max: 1}
	for _, d := range days {
		c.Max = max(c.Max, d.Signups, d.Confirmations, d.Unsubscribes)
	}
	c.Max = niceCeil(c.Max)
	plotW, plotH := chartW-chartLeft-chartRightSpace, chartH-chartTop-chartBottom
	x := func(i int) int {
		if len(days) < 2 {
			return chartLeft
		}
		return chartLeft + i*plotW/(len(days)-1)
	}
	y := func(n int64) int { return chartTop + plotH - int(n*int64(plotH)/c.Max) }
	series := []struct {
		class string
		value func(store.DayCount) int64
	}{
		{"signups", func(d store.DayCount) int64 { return d.Signups }},
		{"confirmations", func(d store.DayCount) int64 { return d.Confirmations }},
		{"departures", func(d store.DayCount) int64 { return d.Unsubscribes }},
	}
	for _, s := range series {
		var b strings.Builder
		var total int64
		for i, d := range days {
			v := s.value(d)
			total += v
			fmt.Fprintf(&b, "%d,%d ", x(i), y(v))
		}
		c.Series = append(c.Series, chartSeries{Class: s.class, Points: strings.TrimSpace(b.String()), Total: total})
	}
	for _, v := range []int64{0, c.Max / 2, c.Max} {
		c.Ticks = append(c.Ticks, chartTick{X: chartLeft - 6, Y: y(v), Text: fmt.Sprint(v)})
	}
	for i := 0; i < len(days); i += max(1, len(days)/6) {
		c.Labels = append(c.Labels, chartTick{X: x(i), Y: chartH - 6, Text: days[i].Day[5:]})
	}
	return c
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, for round axis values.
func niceCeil(n int64) int64 {
	if n <= 2 {
		return 2
	}
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// Right is where the plot area ends, for the axis lines.
func (c chart) Right() int { return chartW - chartRightSpace }

// Bottom is the plot's baseline.
func (c chart) Bottom() int { return chartH - chartBottom }

// Left is where the plot area starts.
func (c chart) Left() int { return chartLeft }
