package history

// Builder gathers ops one at a time and makes a History of them, copying
// each op once: a decoder reading a million ops, or a simulator writing
// them, needs neither a slice grown by doubling (which zeroes and copies the
// ops again at every step) nor the copy New makes of a slice it is given.
// The zero Builder is empty and ready to use.
type Builder struct {
	full  [][]Op // chunks already filled, in order
	chunk []Op   // the chunk being filled
	n     int
}

// Add appends a copy of op.
func (b *Builder) Add(op Op) {
	if len(b.chunk) == cap(b.chunk) {
		if b.chunk != nil {
			b.full = append(b.full, b.chunk)
		}
		// Chunks grow with the history, up to 64k ops (7 MB): few of them,
		// and little room left over at the end.
		b.chunk = make([]Op, 0, min(64<<10, max(1024, b.n)))
	}
	b.chunk = append(b.chunk, op)
	b.n++
}

// Len is the number of ops added since the Builder was made or last built.
func (b *Builder) Len() int { return b.n }

// Build pairs the ops added as New does and leaves the Builder empty. Its
// errors are New's; a PairError's Pos counts the ops in the order they were
// added.
func (b *Builder) Build() (*History, error) { return build(b.take(), false) }

// BuildInvokingAtStart is Build for histories with completions that have no
// invocation, as NewInvokingAtStart.
func (b *Builder) BuildInvokingAtStart() (*History, error) { return build(b.take(), true) }

// take hands over the ops added, in one slice of their exact number, and
// empties the Builder, so that nothing it keeps can reach the History.
func (b *Builder) take() []Op {
	ops := make([]Op, 0, b.n)
	for _, c := range b.full {
		ops = append(ops, c...)
	}
	ops = append(ops, b.chunk...)
	*b = Builder{}
	return ops
}
