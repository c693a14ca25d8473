package manage

import (
	"html/template"
	"strconv"
	"strings"
)

// markup writes the dashboard's charts and tables in Go rather than
// through html/template: they hold hundreds of values (30 days and 48
// hours, every one a row of the tables), and the template's reflective
// call and escaper per value made the dashboard of a new account three
// times slower than before the charts. Every value goes through text,
// which escapes it for HTML text and quoted attributes alike; element and
// attribute names are constants.
type markup struct{ strings.Builder }

func (m *markup) raw(s string)        { m.WriteString(s) }
func (m *markup) text(s string)       { m.WriteString(template.HTMLEscapeString(s)) }
func (m *markup) int(n int)           { m.WriteString(strconv.Itoa(n)) }
func (m *markup) num(f float64)       { m.WriteString(strconv.FormatFloat(f, 'f', 1, 64)) }
func (m *markup) html() template.HTML { return template.HTML(m.String()) }

// figure writes the chart as a figure: its image and, for sighted
// readers, its legend (hidden from screen readers, which read the
// description and the table); a chart with nothing to draw is its
// description alone.
func (c chart) figure() template.HTML {
	var m markup
	if len(c.Bars) == 0 && c.YMax == "" {
		m.raw(`<p class="empty">`)
		m.text(c.Desc)
		m.raw(`</p>`)
		return m.html()
	}
	m.raw(`<figure class="chart">` + string(c.svg()))
	if len(c.Legend) > 0 {
		m.raw(`<figcaption class="legend" aria-hidden="true">`)
		for _, l := range c.Legend {
			m.raw(`<span><i class="`)
			m.text(l.Class)
			m.raw(`"></i>`)
			m.text(l.Label)
			m.raw(`</span>`)
		}
		m.raw(`</figcaption>`)
	}
	m.raw(`</figure>`)
	return m.html()
}

// svg writes the chart's image, with its title and description for
// screen readers, its axes' labels, bars (each with its words as a
// title), line and row labels.
func (c chart) svg() template.HTML {
	var m markup
	m.raw(`<svg id="`)
	m.text(c.ID)
	m.raw(`" viewBox="0 0 `)
	m.int(c.W)
	m.raw(" ")
	m.int(c.H)
	m.raw(`" role="img" aria-labelledby="`)
	m.text(c.ID + "-title " + c.ID + "-desc")
	m.raw(`" preserveAspectRatio="xMinYMin meet"><title id="`)
	m.text(c.ID + "-title")
	m.raw(`">`)
	m.text(c.Title)
	m.raw(`</title><desc id="`)
	m.text(c.ID + "-desc")
	m.raw(`">`)
	m.text(c.Desc)
	m.raw(`</desc>`)
	if c.YMax != "" {
		line := func(class string, x1, y1, x2, y2 int) {
			m.raw(`<line class="` + class + `" x1="`)
			m.int(x1)
			m.raw(`" y1="`)
			m.int(y1)
			m.raw(`" x2="`)
			m.int(x2)
			m.raw(`" y2="`)
			m.int(y2)
			m.raw(`"/>`)
		}
		tick := func(x, y int, attrs, label string) {
			m.raw(`<text class="tick" x="`)
			m.int(x)
			m.raw(`" y="`)
			m.int(y)
			m.raw(`" ` + attrs + `>`)
			m.text(label)
			m.raw(`</text>`)
		}
		line("axis", c.PlotL, c.PlotB, c.PlotR, c.PlotB)
		line("grid", c.PlotL, c.PlotT, c.PlotR, c.PlotT)
		tick(c.PlotL, c.PlotT, `dx="-6" dy="4" text-anchor="end"`, c.YMax)
		tick(c.PlotL, c.PlotB, `dx="-6" dy="4" text-anchor="end"`, "0")
		if c.YMaxRight != "" {
			tick(c.PlotR, c.PlotT, `dx="6" dy="4"`, c.YMaxRight)
		}
		tick(c.PlotL, c.PlotB, `dy="18"`, c.XFirst)
		tick(c.PlotR, c.PlotB, `dy="18" text-anchor="end"`, c.XLast)
	}
	for _, b := range c.Bars {
		m.raw(`<rect class="`)
		m.text(b.Class)
		m.raw(`" x="`)
		m.num(b.X)
		m.raw(`" y="`)
		m.num(b.Y)
		m.raw(`" width="`)
		m.num(b.W)
		m.raw(`" height="`)
		m.num(b.H)
		m.raw(`"><title>`)
		m.text(b.Label)
		m.raw(`</title></rect>`)
	}
	if c.Line != "" {
		m.raw(`<polyline class="`)
		m.text(c.LineClass)
		m.raw(`" points="`)
		m.text(c.Line)
		m.raw(`"/>`)
	}
	for _, t := range c.Texts {
		m.raw(`<text class="label" x="`)
		m.num(t.X)
		m.raw(`" y="`)
		m.num(t.Y)
		m.raw(`" text-anchor="`)
		m.text(t.Anchor)
		m.raw(`">`)
		m.text(t.Text)
		m.raw(`</text>`)
	}
	m.raw(`</svg>`)
	return m.html()
}

// jobRowsHTML is the jobs chart's table body: a row per day.
func jobRowsHTML(rows []jobDayRow) template.HTML {
	var m markup
	for _, r := range rows {
		m.raw(`<tr><th scope="row">`)
		m.text(r.Day)
		m.raw(`</th><td class="num">`)
		m.int(r.Created)
		m.raw(`</td>`)
		for _, n := range r.Outcomes {
			m.raw(`<td class="num">`)
			m.int(n)
			m.raw(`</td>`)
		}
		m.raw(`</tr>`)
	}
	return m.html()
}

// hourRowsHTML is the callbacks chart's table body: a row per hour.
func hourRowsHTML(rows []hourRow) template.HTML {
	var m markup
	for _, r := range rows {
		m.raw(`<tr><th scope="row">`)
		m.text(r.Hour)
		m.raw(`</th><td class="num">`)
		m.int(r.Delivered)
		m.raw(`</td><td class="num">`)
		m.int(r.Failed)
		m.raw(`</td><td class="num">`)
		m.text(r.P95)
		m.raw(`</td></tr>`)
	}
	return m.html()
}
