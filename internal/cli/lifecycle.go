package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// service is a background worker of serve: started after the database is
// ready, stopped after the HTTP server has drained.
type service interface {
	Start(ctx context.Context) error
	Stop()
}

// runner runs serve's HTTP server and background services.
type runner struct {
	srv      *http.Server
	services []service
	timeout  time.Duration // --shutdown-timeout
	log      *slog.Logger
}

func (r *runner) run(ctx context.Context, ln net.Listener) error {
	// Background services get their own context: they stop after the HTTP
	// server has drained, so requests in flight can still hand them work.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	for _, s := range r.services {
		if err := s.Start(bg); err != nil {
			return fmt.Errorf("start %T: %w", s, err)
		}
	}

	errc := make(chan error, 1)
	go func() { errc <- r.srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	r.log.Info("shutting down: finishing requests and work in flight")
	sctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	if err := r.srv.Shutdown(sctx); err != nil {
		r.log.Warn("http shutdown", slog.Any("error", err))
	}
	for i := len(r.services) - 1; i >= 0; i-- {
		r.services[i].Stop()
	}
	r.log.Info("stopped")
	return nil
}
