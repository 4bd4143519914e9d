package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// Handler wraps a log handler so that nothing it writes holds a secret:
// the message and every attribute pass through r (an attribute under a
// secret name is hidden whole; strings, errors and other values are
// searched as text or as configuration values).
func Handler(next slog.Handler, r *Redactor) slog.Handler {
	return &handler{next: next, r: r}
}

type handler struct {
	next slog.Handler
	r    *Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Text(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	hidden := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		hidden[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(hidden), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), r: h.r}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if IsSecretName(a.Key) && v.Kind() != slog.KindBool && v.Kind() != slog.KindGroup && !(v.Kind() == slog.KindString && v.String() == "") {
		return slog.String(a.Key, Mark)
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Text(v.String()))
	case slog.KindGroup:
		group := v.Group()
		hidden := make([]any, len(group))
		for i, g := range group {
			hidden[i] = h.attr(g)
		}
		return slog.Group(a.Key, hidden...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.r.Text(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.r.Text(x.String()))
		}
		if tree, err := h.r.Config(v.Any()); err == nil {
			return slog.Any(a.Key, tree)
		}
		return slog.String(a.Key, h.r.Text(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
