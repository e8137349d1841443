package console

import (
	"fmt"
	"strconv"

	"github.com/hmacgate/hmacgate/platform"
)

// chart is the last 24 hours' report drawn as stacked bars, one per hour
// (valid, missing, invalid), laid out here and written as inline SVG by the
// "chart" template: no script, no external image.
type chart struct {
	Width, Height int
	Bars          []chartBar
	Ticks         []chartTick // hour labels under the bars
	Grid          []chartGrid // horizontal lines with counts
	Empty         bool
	Summary       string // the chart's text alternative
	Hours         []platform.ReportHour
}

type chartBar struct {
	X, W  int
	Title string
	Segs  []chartSeg
}

type chartSeg struct {
	Y, H  int
	Class string // valid, missing, invalid
}

type chartTick struct {
	X     int
	Label string
}

type chartGrid struct {
	Y     int
	Label string
}

// The plot area of the chart, in SVG units.
const (
	chartW, chartH     = 720, 220
	plotLeft, plotTop  = 44, 12
	plotRight, plotBot = 712, 186
)

// reportChart lays out the report's hours.
func reportChart(rep *platform.Report) chart {
	c := chart{Width: chartW, Height: chartH, Hours: rep.Hours}
	var peak int64
	for _, h := range rep.Hours {
		peak = max(peak, h.Valid+h.Missing+h.Invalid)
	}
	c.Empty = peak == 0
	scale := niceMax(peak)
	plotH := plotBot - plotTop
	y := func(v int64) int { return plotBot - int(v*int64(plotH)/scale) }
	for _, v := range []int64{0, scale / 2, scale} {
		if v == scale/2 && scale%2 != 0 {
			continue
		}
		c.Grid = append(c.Grid, chartGrid{Y: y(v), Label: strconv.FormatInt(v, 10)})
	}
	n := len(rep.Hours)
	if n == 0 {
		return c
	}
	slot := (plotRight - plotLeft) / n
	for i, h := range rep.Hours {
		x := plotLeft + i*slot
		b := chartBar{X: x + 2, W: slot - 4, Title: fmt.Sprintf("%s–%s UTC: %d valid, %d missing, %d invalid",
			h.Hour.UTC().Format("15:04"), h.Hour.UTC().Add(3600e9).Format("15:04"), h.Valid, h.Missing, h.Invalid)}
		base := int64(0)
		for _, seg := range []struct {
			v     int64
			class string
		}{{h.Valid, "valid"}, {h.Missing, "missing"}, {h.Invalid, "invalid"}} {
			if seg.v == 0 {
				continue
			}
			top, bottom := y(base+seg.v), y(base)
			if bottom-top < 2 {
				top = bottom - 2 // a non-zero count stays visible
			}
			b.Segs = append(b.Segs, chartSeg{Y: top, H: bottom - top, Class: seg.class})
			base += seg.v
		}
		c.Bars = append(c.Bars, b)
		if (n-1-i)%4 == 0 { // every fourth hour, ending with the current one
			c.Ticks = append(c.Ticks, chartTick{X: x + slot/2, Label: h.Hour.UTC().Format("15:04")})
		}
	}
	c.Summary = fmt.Sprintf("Connect calls per hour over the last 24 hours: %d valid, %d missing a digest, %d with a wrong digest.",
		rep.Valid, rep.Missing, rep.Invalid)
	return c
}

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, and at
// least 4, so that the grid lines have round labels.
func niceMax(v int64) int64 {
	if v < 4 {
		return 4
	}
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= v {
				return m * p
			}
		}
	}
}
