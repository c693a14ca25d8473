package logo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"

	"github.com/atomyx/submit/internal/netguard"
)

// fetch downloads a logo URL and checks it. A Problem is the URL's fault
// (recorded on the logo, shown to the ERP); there is no other outcome,
// since nothing here touches Submit's own storage.
func (s *Service) fetch(ctx context.Context, rawURL string) (Image, *Problem) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Image{}, problem(CodeFetchFailed, "The logo URL is not a valid URL; check it.")
	}
	// Like artwork fetches': the host can tell Submit's fetches in its logs.
	req.Header.Set("User-Agent", "AtomyxSubmit/"+s.cfg.Version+" (logo fetch)")
	req.Header.Set("Accept", "image/png, image/jpeg, image/webp, image/svg+xml;q=0.9, */*;q=0.1")
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return Image{}, unreachable(err, s.cfg.Timeout.String())
	}
	defer resp.Body.Close()
	if p := statusProblem(resp); p != nil {
		return Image{}, p
	}
	if resp.ContentLength > MaxBytes {
		return Image{}, tooLarge(resp.ContentLength)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return Image{}, problem(CodeFetchFailed, "The logo URL did not send the whole file within %s; try a faster host, or a smaller file.", s.cfg.Timeout)
		}
		return Image{}, problem(CodeFetchFailed, "The download of the logo broke off before the file was complete; check that the host serves it whole.")
	}
	if len(b) > MaxBytes {
		return Image{}, tooLarge(int64(len(b)))
	}
	return Check(b, resp.Header.Get("Content-Type"))
}

// statusProblem words an answer other than 200 OK.
func statusProblem(resp *http.Response) *Problem {
	code := resp.StatusCode
	status := fmt.Sprintf("%d %s", code, http.StatusText(code))
	switch {
	case code == http.StatusOK:
		return nil
	case code == http.StatusNotFound || code == http.StatusGone:
		return problem(CodeFetchFailed, "The logo URL answered %s; check the URL.", status)
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return problem(CodeFetchFailed, "The logo URL answered %s: the logo must be public, readable without signing in; check the URL and the host's permissions.", status)
	case code >= 300 && code < 400:
		return problem(CodeFetchFailed, "The logo URL answered %s, a redirect, which Submit does not follow; give the final address of the image.", status)
	case code >= 500:
		return problem(CodeFetchFailed, "The logo URL answered %s, an error of its server; Submit tries again when a job names it after ten minutes.", status)
	}
	return problem(CodeFetchFailed, "The logo URL answered %s instead of the image; check the URL.", status)
}

// unreachable words why no answer came. A refused address is named by its
// class in netguard's words, never by the address: the message reaches
// whoever chose the URL.
func unreachable(err error, timeout string) *Problem {
	var refused *netguard.RefusedError
	var dns *net.DNSError
	switch {
	case errors.As(err, &refused):
		return problem(CodeFetchFailed, "The logo was not fetched: Submit %s.", refused.Error())
	case errors.Is(err, netguard.ErrRefused):
		return problem(CodeFetchFailed, "The logo was not fetched: its address is not public, and Submit only fetches from public addresses.")
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return problem(CodeFetchFailed, "The logo URL did not answer within %s; check that its host is up, or use another host.", timeout)
	case errors.As(err, &dns):
		return problem(CodeFetchFailed, "The host name of the logo URL does not exist; check the URL.")
	case errors.Is(err, syscall.ECONNREFUSED):
		return problem(CodeFetchFailed, "The server of the logo URL refused the connection; check the URL.")
	}
	return problem(CodeFetchFailed, "The server of the logo URL could not be reached; check the URL.")
}
