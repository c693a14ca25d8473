package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/atomyx/submit/pkg/webhook"
)

// secretEnv holds the signing secret when --secret is not given, so that
// it need not appear in the shell's history or the process list.
const secretEnv = "SUBMIT_SIGNING_SECRET"

// callbackTimeout is how long Submit waits for a receiver's answer (the
// contract's 10 s); a longer --delay makes every attempt time out.
const callbackTimeout = 10 * time.Second

const listenUsage = `Usage: submit listen [--addr 127.0.0.1:9000] [--secret whsec_…] [--status 200]
                     [--delay 0s] [--fail N] [--body] [--tolerance 5m]

Runs a callback receiver on this machine for trying Submit out: it checks
each callback's signature and timestamp with the tenant's signing secret,
prints one line per callback and answers as asked, so that you see what your
receiver will get, and retries when it fails.

  --addr       where to listen (default 127.0.0.1:9000); the callback URL
               to give Submit is printed at start
  --secret     the tenant's signing secret, whsec_… (submit secret show
               --tenant NAME); during a rotation give both, comma-separated.
               Default: the SUBMIT_SIGNING_SECRET environment variable,
               which keeps the secret out of the shell's history
  --status     the answer to a verified callback (default 200); 503 or 500
               shows Submit's retry schedule
  --delay      wait this long before answering (default 0s); Submit gives up
               on an attempt after 10s
  --fail N     answer 500 the first N times each delivery arrives here, then
               --status: each event arrives N+1 times
  --body       print each callback's body, indented, under its line
  --tolerance  how far from this clock a timestamp may be (default 5m)

A callback whose signature does not verify is answered 401 with the reason.
Submit refuses http:// and loopback callback URLs unless it runs with
'submit serve --allow-insecure-urls' (development and tests only).
Stop with Ctrl-C.
`

// listenOptions are the parsed flags of `submit listen`.
type listenOptions struct {
	addr      string
	secrets   []string
	source    string // where the secrets came from, for the start message
	status    int
	delay     time.Duration
	fail      int
	body      bool
	tolerance time.Duration
}

// runListen implements `submit listen`. args excludes the word "listen".
func runListen(ctx context.Context, args []string, env Env) int {
	opts, code := parseListen(args, env)
	if code >= 0 {
		return code
	}
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fail(env, "listen on %s: %v (is another listener running there? choose another with --addr)", opts.addr, err)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rc := &listenHandler{opts: opts, out: env.Stdout, stopping: ctx.Done(), now: time.Now}
	printListening(env.Stdout, ln.Addr().String(), opts)
	srv := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fail(env, "listener stopped: %v", err)
	case <-ctx.Done():
	}
	// Delayed answers end at once (listenHandler.stopping), so this is quick.
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	fmt.Fprintln(env.Stdout, "submit listen: stopped")
	return 0
}

// parseListen parses and checks the flags; it returns code -1 when the
// listener should run.
func parseListen(args []string, env Env) (listenOptions, int) {
	fs := newFlagSet("listen", env)
	fs.Usage = func() { fmt.Fprint(env.Stderr, listenUsage) }
	var o listenOptions
	var secret string
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9000", "")
	fs.StringVar(&secret, "secret", "", "")
	fs.IntVar(&o.status, "status", http.StatusOK, "")
	fs.DurationVar(&o.delay, "delay", 0, "")
	fs.IntVar(&o.fail, "fail", 0, "")
	fs.BoolVar(&o.body, "body", false, "")
	fs.DurationVar(&o.tolerance, "tolerance", webhook.DefaultTolerance, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0
		}
		return o, 2
	}
	o.source = "--secret"
	if secret == "" {
		secret, o.source = env.Getenv(secretEnv), secretEnv
	}
	var problems []string
	for s := range strings.SplitSeq(secret, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.secrets = append(o.secrets, s)
		}
	}
	if len(o.secrets) == 0 {
		problems = append(problems, "give the tenant's signing secret with --secret or "+secretEnv+", e.g. "+secretEnv+"=$(submit secret show --tenant default) submit listen")
	}
	for i, s := range o.secrets {
		// The error of StandardKey never quotes the secret.
		if _, err := webhook.StandardKey(s); err != nil {
			problems = append(problems, fmt.Sprintf("secret %d of %s is not a signing secret: it must be whsec_ followed by base64, as submit secret show prints it", i+1, o.source))
		}
	}
	if o.status < 200 || o.status > 599 {
		problems = append(problems, fmt.Sprintf("--status %d: give an HTTP status from 200 to 599", o.status))
	}
	if o.delay < 0 {
		problems = append(problems, "--delay must be 0s or more")
	}
	if o.fail < 0 {
		problems = append(problems, "--fail must be 0 or more: how many times to fail each delivery")
	}
	if o.tolerance <= 0 {
		problems = append(problems, "--tolerance must be more than 0s, such as 5m")
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected argument %q: listen takes flags only", fs.Arg(0)))
	}
	if len(problems) > 0 {
		fmt.Fprintf(env.Stderr, "submit listen: %s\n\n%s", strings.Join(problems, "\nsubmit listen: "), listenUsage)
		return o, 2
	}
	return o, -1
}

// printListening says where the listener is, what URL to give Submit, and
// how it answers. It names where the secret came from, never the secret.
func printListening(w io.Writer, addr string, o listenOptions) {
	u := callbackURL(addr)
	fmt.Fprintf(w, "submit listen: receiving callbacks at %s\n\n", u)
	fmt.Fprintf(w, "  Callback URL to give Submit: %s\n", u)
	fmt.Fprintln(w, "  (a job's callbackURL, or the tenant's default in Manage → Settings)")
	fmt.Fprintln(w, "  Submit refuses http:// and loopback callback URLs unless it runs with")
	fmt.Fprintln(w, "  'submit serve --allow-insecure-urls' (development and tests only).")
	if host, _, _ := net.SplitHostPort(addr); net.ParseIP(host).IsUnspecified() {
		fmt.Fprintln(w, "  From another machine, use this machine's address instead of 127.0.0.1.")
	}
	secrets := "1 secret"
	if len(o.secrets) > 1 {
		secrets = fmt.Sprintf("%d secrets", len(o.secrets))
	}
	fmt.Fprintf(w, "\n  Signatures: checked with %s from %s; timestamps within %s.\n", secrets, o.source, shortDuration(o.tolerance))
	answer := fmt.Sprintf("%d", o.status)
	switch {
	case o.fail == 1:
		answer = fmt.Sprintf("500 the first time each delivery arrives, then %d", o.status)
	case o.fail > 1:
		answer = fmt.Sprintf("500 the first %d times each delivery arrives, then %d", o.fail, o.status)
	}
	if o.delay > 0 {
		answer += ", after " + o.delay.String()
	}
	fmt.Fprintf(w, "  Answer:     %s; a bad signature gets 401.\n", answer)
	if o.delay >= callbackTimeout {
		fmt.Fprintf(w, "  Note: Submit gives up on an attempt after %s, so with --delay %s every attempt times out.\n", callbackTimeout, o.delay)
	}
	fmt.Fprintln(w, "\nStop with Ctrl-C.")
}

// shortDuration writes 5m rather than 5m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// callbackURL is the URL of a listener at addr, as Submit on this machine
// reaches it.
func callbackURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// listenHandler is the handler of `submit listen`.
type listenHandler struct {
	opts     listenOptions
	out      io.Writer
	stopping <-chan struct{} // closed at SIGINT: delayed answers go now
	now      func() time.Time

	mu   sync.Mutex     // one callback's lines together, and seen
	seen map[string]int // how often each delivery arrived, for --fail
}

// callbackBody is what the printed line shows of a callback's body.
type callbackBody struct {
	EventType string `json:"event_type"`
	SessionID string `json:"session_id"`
	OrderRef  string `json:"order_ref"`
	Status    string `json:"status"`
	Sequence  *int64 `json:"sequence"`
	Attempt   int    `json:"attempt"`
}

func (rc *listenHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		msg := "submit listen takes Submit's callbacks: POST requests signed with the tenant's secret\n"
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			fmt.Fprint(w, msg) // a browser pointed here: say what this is
			return
		}
		http.Error(w, msg, http.StatusMethodNotAllowed)
		return
	}
	received := rc.now()
	v := webhook.Verifier{Secrets: rc.opts.secrets, Tolerance: rc.opts.tolerance}
	body, verr := v.VerifyRequest(r)
	var cb callbackBody
	jsonErr := json.Unmarshal(body, &cb)
	if cb.EventType == "" {
		cb.EventType = r.Header.Get(webhook.HeaderEvent)
	}
	if cb.Attempt == 0 {
		cb.Attempt, _ = strconv.Atoi(r.Header.Get(webhook.HeaderAttempt))
	}
	status, why := rc.answer(verr, r.Header.Get(webhook.HeaderDelivery))

	var line strings.Builder
	line.WriteString(eventLine(received, cb, r.Header.Get(webhook.HeaderDelivery), verr))
	fmt.Fprintf(&line, "  → %d", status)
	if rc.opts.delay > 0 && verr == nil {
		fmt.Fprintf(&line, " after %s", rc.opts.delay)
	}
	if why != "" {
		fmt.Fprintf(&line, " (%s)", why)
	}
	line.WriteString("\n")
	if jsonErr != nil && verr == nil {
		fmt.Fprintf(&line, "    the body is not JSON: %v\n", jsonErr)
	}
	if rc.opts.body {
		line.WriteString(indentBody(body))
	}
	rc.print(line.String())

	if verr != nil {
		http.Error(w, "signature BAD: "+strings.TrimPrefix(verr.Error(), "webhook: "), status)
		return
	}
	if rc.opts.delay > 0 {
		t := time.NewTimer(rc.opts.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-rc.stopping:
			http.Error(w, "submit listen is stopping", http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			rc.print(fmt.Sprintf("    Submit hung up before the answer (it waits %s for one): the attempt failed\n", callbackTimeout))
			return
		}
	}
	w.WriteHeader(status)
	if why != "" {
		fmt.Fprintf(w, "submit listen: %s\n", why)
	}
}

// answer is the status for a callback and, when it is not the one asked
// for with --status, why. --fail counts the arrivals of each delivery
// here, not its attempt number: a redelivery, or a listener started anew,
// fails again as asked.
func (rc *listenHandler) answer(verr error, delivery string) (int, string) {
	if verr != nil {
		return http.StatusUnauthorized, ""
	}
	if rc.opts.fail == 0 {
		return rc.opts.status, ""
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.seen == nil {
		rc.seen = map[string]int{}
	}
	rc.seen[delivery]++
	if n := rc.seen[delivery]; n <= rc.opts.fail {
		return http.StatusInternalServerError, fmt.Sprintf("--fail %d: arrival %d of this delivery", rc.opts.fail, n)
	}
	return rc.opts.status, ""
}

func (rc *listenHandler) print(s string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	io.WriteString(rc.out, s)
}

// eventLine is the one line a callback gets, without its answer:
//
//	10:25:01  preflight_passed  ses_…  order ERP-12345  status preflight_passed  seq 3  attempt 1  del_…  signature ok
//
// A field the callback lacks (a ping has no job) is "-".
func eventLine(at time.Time, cb callbackBody, delivery string, verr error) string {
	seq := "-"
	if cb.Sequence != nil {
		seq = strconv.FormatInt(*cb.Sequence, 10)
	}
	attempt := "-"
	if cb.Attempt > 0 {
		attempt = strconv.Itoa(cb.Attempt)
	}
	sig := "signature ok"
	if verr != nil {
		sig = "signature BAD: " + strings.TrimPrefix(verr.Error(), "webhook: ")
	}
	return fmt.Sprintf("%s  %-16s  %s  order %s  status %s  seq %s  attempt %s  %s  %s",
		at.Format("15:04:05"), dashed(cb.EventType), dashed(cb.SessionID), dashed(cb.OrderRef),
		dashed(cb.Status), seq, attempt, dashed(delivery), sig)
}

// dashed is s, or "-" when it is empty; control characters, which a
// stranger's request could carry to the terminal, are escaped.
func dashed(s string) string {
	if s == "" {
		return "-"
	}
	q := strconv.QuoteToGraphic(s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}

// indentBody is the body for --body: indented JSON, or quoted text.
func indentBody(body []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, body, "    ", "  ") == nil {
		return "    " + b.String() + "\n"
	}
	return "    " + strconv.QuoteToGraphic(string(body)) + "\n"
}
