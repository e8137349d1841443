package report

import (
	"fmt"
	"html"
	"strings"
)

// Chart layout, in pixels.
const (
	chartWidth = 820
	labelWidth = 190 // contender names, right-aligned
	barX       = labelWidth + 10
	barMax     = 430 // the longest bar in a panel
	barHeight  = 18
	barGap     = 7
	panelGap   = 26
	titleH     = 28
	fontFamily = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"
)

// Colors: hmacgate stands out; floors are grey; the others share one hue.
const (
	colorHmacgate = "#1565c0"
	colorFloor    = "#9e9e9e"
	colorOther    = "#ef8a3c"
	colorTarget   = "#c62828"
)

func barColor(impl string) string {
	switch impl {
	case Hmacgate:
		return colorHmacgate
	case HmacFloor, SHA256Floor:
		return colorFloor
	}
	return colorOther
}

// Chart renders one horizontal bar panel per comparison (sequential
// medians, each panel on its own scale) with the target as a dashed line.
func Chart(r *Results) []byte {
	var body strings.Builder
	y := 56
	targets := Targets()
	for gi, g := range Groups {
		type bar struct {
			impl string
			s    Stat
		}
		var bars []bar
		for _, impl := range g.Impls {
			if s, ok := r.Get(g.Name(impl, false)); ok {
				bars = append(bars, bar{impl, s})
			}
		}
		if len(bars) == 0 {
			continue
		}
		t := targets[gi].Check(r)
		targetNs := 0.0
		if t.Measured {
			base, _ := r.Get(g.Name(t.BaseImpl, false))
			targetNs = t.Max * base.Ns
		}
		maxNs := 0.0
		for _, b := range bars {
			maxNs = max(maxNs, b.s.Ns)
		}
		maxNs = max(maxNs, targetNs)

		title := g.Title
		if t.Measured {
			title += fmt.Sprintf(" — %.2f× %s: %s", t.Ratio, Label(t.BaseImpl), t.Result())
		}
		fmt.Fprintf(&body, `<text x="10" y="%d" font-size="14" font-weight="600">%s</text>`+"\n", y+14, esc(title))
		y += titleH + 4
		top := y
		bottom := y + len(bars)*(barHeight+barGap) - barGap
		if targetNs > 0 { // drawn first, so that bars and labels cover it
			x := float64(barX) + targetNs/maxNs*barMax
			fmt.Fprintf(&body, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"/>`+"\n",
				x, top-3, x, bottom+3, colorTarget)
			fmt.Fprintf(&body, `<text x="%.1f" y="%d" font-size="10" fill="%s" text-anchor="middle">target</text>`+"\n",
				x, top-5, colorTarget)
		}
		for _, b := range bars {
			w := max(b.s.Ns/maxNs*barMax, 1)
			fmt.Fprintf(&body, `<text x="%d" y="%d" text-anchor="end" font-size="12">%s</text>`+"\n",
				labelWidth, y+barHeight-5, esc(Label(b.impl)))
			fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n",
				barX, y, w, barHeight, barColor(b.impl))
			weight := ""
			if b.impl == Hmacgate {
				weight = ` font-weight="600"`
			}
			// A white halo keeps the value readable where the target line crosses it.
			fmt.Fprintf(&body, `<text x="%.1f" y="%d" font-size="12"%s stroke="#ffffff" stroke-width="4" paint-order="stroke">%s · %s allocs</text>`+"\n",
				float64(barX)+w+6, y+barHeight-5, weight, esc(Duration(b.s.Ns)), num(b.s.Allocs))
			y += barHeight + barGap
		}
		y += panelGap - barGap
	}
	height := y + 8

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" fill="#212121">`+"\n",
		chartWidth, height, chartWidth, height, fontFamily)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="16" font-weight="700">Verification time per operation (median, lower is better)</text>`+"\n")
	// Legend.
	lx := 10
	for _, l := range []struct{ color, text string }{
		{colorHmacgate, "hmacgate"}, {colorOther, "peers and seed code"}, {colorFloor, "physical floor"}, {colorTarget, "target"},
	} {
		if l.color == colorTarget {
			fmt.Fprintf(&b, `<line x1="%d" y1="37" x2="%d" y2="37" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"/>`+"\n", lx, lx+14, l.color)
		} else {
			fmt.Fprintf(&b, `<rect x="%d" y="31" width="14" height="12" fill="%s"/>`+"\n", lx, l.color)
		}
		fmt.Fprintf(&b, `<text x="%d" y="41" font-size="12">%s</text>`+"\n", lx+19, esc(l.text))
		lx += 19 + 8*len(l.text) + 18
	}
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

func esc(s string) string { return html.EscapeString(s) }
