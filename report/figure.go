package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/faultline/faultline/faultband"
)

// Format is the image format of a plot.
type Format string

const (
	PNG Format = "png"
	SVG Format = "svg"
)

// Plot sizes. PNGs are rendered at 96 dpi, so a plot is 1152x528 pixels.
const (
	figureWidth  = 12 * vg.Inch
	figureHeight = 5.5 * vg.Inch
	pngDPI       = 96
)

// figure is a plot with its legend drawn in a column of its own to the right
// of the data, instead of gonum's default legend over the data: latency plots
// have points everywhere, and a legend on top would hide some of them.
type figure struct {
	p       *plot.Plot
	legend  plot.Legend
	entries []string // legend entry names, for sizing the column
	bands   []faultband.Band
}

// newFigure makes an empty figure with a time axis in seconds spanning the
// whole history (end in nanoseconds), so that every plot of one run lines up.
func newFigure(title, ylabel string, end int64) *figure {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = 0, math.Max(seconds(end), 1e-3)
	p.Add(gridLines())
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = vg.Points(10)
	l.Padding = vg.Points(3)
	return &figure{p: p, legend: l}
}

// gridLines draws light grid lines at the major ticks so values can be read
// off a log axis.
func gridLines() plot.Plotter {
	return gridPlotter{style: draw.LineStyle{Color: color.Gray{Y: 0xdd}, Width: vg.Points(0.5)}}
}

type gridPlotter struct{ style draw.LineStyle }

func (g gridPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if t.Label != "" && t.Value >= p.X.Min && t.Value <= p.X.Max {
			x := trX(t.Value)
			c.StrokeLine2(g.style, x, c.Min.Y, x, c.Max.Y)
		}
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if t.Label != "" && t.Value >= p.Y.Min && t.Value <= p.Y.Max {
			y := trY(t.Value)
			c.StrokeLine2(g.style, c.Min.X, y, c.Max.X, y)
		}
	}
}

// add adds a plotter with a legend entry (no entry if name is empty).
func (f *figure) add(name string, pl plot.Plotter, thumbs ...plot.Thumbnailer) {
	f.p.Add(pl)
	if name != "" {
		f.legend.Add(name, thumbs...)
		f.entries = append(f.entries, name)
	}
}

// addLegend adds a legend entry without data (a key for line styles).
func (f *figure) addLegend(name string, thumbs ...plot.Thumbnailer) {
	f.legend.Add(name, thumbs...)
	f.entries = append(f.entries, name)
}

// setBands shades fault bands under the data; call it before adding data so
// that points are drawn on top.
func (f *figure) setBands(bands []faultband.Band) {
	f.bands = bands
	if len(bands) > 0 {
		f.p.Add(bandPlotter{bands})
	}
}

// logY makes the y axis logarithmic, as Jepsen draws latencies: they span
// several orders of magnitude and the slow tail is what matters.
func (f *figure) logY(lo, hi float64) {
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	f.p.Y.Scale = plot.LogScale{}
	f.p.Y.Tick.Marker = decadeTicks{}
	f.p.Y.Min, f.p.Y.Max = lo, hi
}

// decadeTicks labels every power of ten of a log axis and marks 2..9 times
// it. (gonum's LogTicks truncates log10 toward zero, so it loses the bottom
// decade of axes that start below 1, such as latencies under a millisecond.)
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		d := math.Pow(10, e)
		ticks = append(ticks, plot.Tick{Value: d, Label: strconv.FormatFloat(d, 'g', -1, 64)})
		for m := 2.0; m < 10; m++ {
			if m*d <= hi {
				ticks = append(ticks, plot.Tick{Value: m * d})
			}
		}
	}
	return ticks
}

// write renders the figure in the given format.
func (f *figure) write(w io.Writer, format Format) error {
	for _, fam := range faultband.Families(f.bands) {
		f.addLegend(fam.Name, bandThumb{translucent(fam.Colour)})
	}
	var c vg.CanvasWriterTo
	switch format {
	case PNG:
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(figureWidth, figureHeight), vgimg.UseDPI(pngDPI))}
	case SVG:
		c = vgsvg.New(figureWidth, figureHeight)
	default:
		return fmt.Errorf("report: unknown image format %q: expected %q or %q", format, PNG, SVG)
	}
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	col := f.legendWidth()
	margin := vg.Points(8)
	f.p.Draw(draw.Crop(dc, margin, -col-margin, margin, -margin))
	if col > 0 {
		legendArea := draw.Crop(dc, dc.Size().X-col, -margin, margin, -margin-vg.Points(24))
		f.legend.Draw(legendArea)
	}
	_, err := c.WriteTo(w)
	return err
}

// legendWidth is the width of the legend column: the widest entry plus its
// thumbnail.
func (f *figure) legendWidth() vg.Length {
	if len(f.entries) == 0 {
		return 0
	}
	var widest vg.Length
	for _, e := range f.entries {
		widest = max(widest, f.legend.TextStyle.Width(" "+e))
	}
	return widest + f.legend.ThumbnailWidth + vg.Points(12)
}

// bandPlotter shades each band over the full height of the data area. It
// works in canvas coordinates, so it needs no y range and suits log axes.
type bandPlotter struct{ bands []faultband.Band }

func (b bandPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, band := range b.bands {
		x0 := max(trX(seconds(band.Start)), c.Min.X)
		x1 := min(trX(seconds(band.End)), c.Max.X)
		if x1-x0 < 1 { // keep instantaneous faults visible
			x1 = x0 + 1
		}
		if x0 >= c.Max.X {
			continue
		}
		c.FillPolygon(translucent(band.Colour), []vg.Point{
			{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y},
		})
	}
}

// bandThumb is the legend swatch of a fault family.
type bandThumb struct{ colour color.Color }

func (t bandThumb) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	c.FillPolygon(t.colour, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}

// translucent is the fill of a band: pale enough that points stay readable.
func translucent(c color.RGBA) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0x40}
}

// seconds converts nanoseconds since the test started to seconds.
func seconds(ns int64) float64 { return float64(ns) / 1e9 }
