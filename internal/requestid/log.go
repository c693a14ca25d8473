package requestid

import (
	"context"
	"log/slog"
)

// LogHandler adds the request id, under request_id, to every record
// logged with the context of a request (InfoContext, LogAttrs…), so that
// all the lines of one request can be found from the id a caller quotes,
// including a caller's own X-Request-Id, without each log call having to
// remember it.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := From(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(as)}
}

func (h logHandler) WithGroup(name string) slog.Handler {
	return logHandler{h.Handler.WithGroup(name)}
}
