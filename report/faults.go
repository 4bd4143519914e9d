package report

import (
	"image/color"

	"github.com/faultline/faultline/faultband"
)

// faults is the renderer's fault table: which nemesis fs start and stop
// which band, and its name and colour (package faultband, which the nemesis
// packages share, so that report needs to know nothing about them).
func (r Renderer) faults() faultband.Table {
	if r.Faults == nil {
		return faultband.Default()
	}
	return r.Faults
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 0xff} }
