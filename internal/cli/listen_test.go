package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/pkg/webhook"
)

// listening is `submit listen` running in-process, as startListen starts
// it.
type listening struct {
	url       string // the callback URL it printed
	out, errb syncBuffer
	cancel    context.CancelFunc
	exited    chan struct{}
	code      int
}

var printedURL = regexp.MustCompile(`receiving callbacks at (http://\S+)`)

// startListen runs `submit listen --addr 127.0.0.1:0 args…` with the
// given environment until stop or the end of the test, and waits until
// it prints where it listens.
func startListen(t *testing.T, env map[string]string, args ...string) *listening {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &listening{cancel: cancel, exited: make(chan struct{})}
	go func() {
		defer close(l.exited)
		l.code = Main(ctx, append([]string{"listen", "--addr", "127.0.0.1:0"}, args...), Env{
			Stdout: &l.out, Stderr: &l.errb, Getenv: func(k string) string { return env[k] },
		})
	}()
	t.Cleanup(func() { l.stop(t) })
	bound := time.After(time.Minute) // catches a hang, times nothing
	for {
		if m := printedURL.FindStringSubmatch(l.out.String()); m != nil {
			l.url = m[1]
			return l
		}
		select {
		case <-l.exited:
			t.Fatalf("listen exited %d before listening:\n%s%s", l.code, l.out.String(), l.errb.String())
		case <-bound:
			t.Fatalf("listen printed no URL:\n%s%s", l.out.String(), l.errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop cancels listen's context, as SIGINT would, and returns its exit
// code.
func (l *listening) stop(t *testing.T) int {
	t.Helper()
	l.cancel()
	select {
	case <-l.exited:
	case <-time.After(time.Minute):
		t.Fatalf("listen did not stop:\n%s", l.out.String())
	}
	return l.code
}

// post sends body to the listener signed with secrets (none: unsigned),
// as Submit sends attempt attempt of delivery del_1, and returns the
// answer.
func (l *listening) post(t *testing.T, body string, attempt int, secrets ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, l.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(webhook.HeaderDelivery, "del_1")
	req.Header.Set(webhook.HeaderAttempt, fmt.Sprint(attempt))
	if len(secrets) > 0 {
		if err := webhook.Sign(req.Header, webhook.Message{ID: "del_1", Timestamp: time.Now(), Body: []byte(body)}, secrets); err != nil {
			t.Fatal(err)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// callbackBodyOf is a callback body as Submit sends it.
func callbackBodyOf(event string, seq, attempt int) string {
	return fmt.Sprintf(`{"event_id":"evt_1","event_type":%q,"occurred_at":"2026-05-11T10:25:00Z","session_id":"ses_1","order_ref":"ERP-12345",`+
		`"status":%[1]q,"sequence":%d,"livemode":false,"files":{},"errors":[],"attempt":%d}`, event, seq, attempt)
}

// TestListenVerifiesAndPrints: a signed callback is answered 200 and
// printed on one line with what an integrator looks for; during a
// rotation a header with the new and the old secret's signatures verifies
// with the old secret alone. The secret never appears in the output.
func TestListenVerifiesAndPrints(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret := webhook.NewSecret(), webhook.NewSecret()
	l := startListen(t, map[string]string{secretEnv: oldSecret}, "--body")
	status, _ := l.post(t, callbackBodyOf("preflight_passed", 3, 1), 1, newSecret, oldSecret)
	if status != http.StatusOK {
		t.Errorf("signed callback answered %d, want 200", status)
	}
	out := l.out.String()
	line := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d  preflight_passed +ses_1  order ERP-12345  status preflight_passed  seq 3  attempt 1  del_1  signature ok  → 200$`)
	if !line.MatchString(out) {
		t.Errorf("no event line in the output:\n%s", out)
	}
	if !strings.Contains(out, `"order_ref": "ERP-12345"`) {
		t.Errorf("--body: the indented body is not printed:\n%s", out)
	}
	if !strings.Contains(out, "from "+secretEnv) {
		t.Errorf("the start message does not say where the secret came from:\n%s", out)
	}
	if code := l.stop(t); code != 0 || !strings.Contains(l.out.String(), "submit listen: stopped") {
		t.Errorf("stop: exit %d, output:\n%s", code, l.out.String())
	}
	for _, s := range []string{oldSecret, newSecret, strings.TrimPrefix(oldSecret, webhook.SecretPrefix)} {
		if strings.Contains(l.out.String()+l.errb.String(), s) {
			t.Error("the output holds a secret")
		}
	}
}

// TestListenRefusesBadSignatures: a callback signed with another secret,
// an unsigned one and a replayed one get 401 with the reason, in the
// answer and on the printed line.
func TestListenRefusesBadSignatures(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	l := startListen(t, nil, "--secret", secret)
	body := callbackBodyOf("uploaded", 1, 1)
	old := http.Header{}
	if err := webhook.Sign(old, webhook.Message{ID: "del_1", Timestamp: time.Now().Add(-time.Hour), Body: []byte(body)}, []string{secret}); err != nil {
		t.Fatal(err)
	}
	replay, err := http.NewRequest(http.MethodPost, l.url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	replay.Header = old
	res, err := http.DefaultClient.Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	replayed, _ := io.ReadAll(res.Body)
	res.Body.Close()

	type answer struct {
		name   string
		status int
		answer string
	}
	answers := []answer{{name: "replayed", status: res.StatusCode, answer: string(replayed)}}
	status, text := l.post(t, body, 1, webhook.NewSecret())
	answers = append(answers, answer{"another secret", status, text})
	status, text = l.post(t, body, 1)
	answers = append(answers, answer{"unsigned", status, text})
	for _, c := range answers {
		if c.status != http.StatusUnauthorized || !strings.HasPrefix(c.answer, "signature BAD: ") {
			t.Errorf("%s: answered %d %q, want 401 with the reason", c.name, c.status, c.answer)
		}
	}
	out := l.out.String()
	for _, want := range []string{"signature BAD: no signature matches", "signature BAD: no X-Atomyx-Signature header", "signature BAD: timestamp too old"} {
		if !strings.Contains(out, want) {
			t.Errorf("no line says %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "signature ok") {
		t.Errorf("a bad callback was printed as verified:\n%s", out)
	}
}

// TestListenAnswersAsAsked: --status and --delay set the answer to a
// verified callback; --fail N answers 500 the first N times a delivery
// arrives, then --status, whatever its attempt number says.
func TestListenAnswersAsAsked(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	t.Run("status and delay", func(t *testing.T) {
		t.Parallel()
		const delay = 300 * time.Millisecond
		l := startListen(t, map[string]string{secretEnv: secret}, "--status", "503", "--delay", delay.String())
		start := time.Now()
		status, _ := l.post(t, callbackBodyOf("uploaded", 1, 1), 1, secret)
		// A lower bound the listener's own sleep guarantees, not a timing.
		if took := time.Since(start); took < delay {
			t.Errorf("answered after %s, before the delay of %s", took, delay)
		}
		if status != http.StatusServiceUnavailable {
			t.Errorf("answered %d, want --status 503", status)
		}
		if !strings.Contains(l.out.String(), "→ 503 after 300ms") {
			t.Errorf("the line does not say the answer:\n%s", l.out.String())
		}
	})
	t.Run("fail", func(t *testing.T) {
		t.Parallel()
		l := startListen(t, map[string]string{secretEnv: secret}, "--fail", "2", "--status", "204")
		var got []int
		// Attempts 4 to 6, as after a redelivery: the listener fails the
		// arrivals it sees, not attempt numbers.
		for attempt := 4; attempt <= 6; attempt++ {
			status, _ := l.post(t, callbackBodyOf("uploaded", 1, attempt), attempt, secret)
			got = append(got, status)
		}
		if fmt.Sprint(got) != "[500 500 204]" {
			t.Errorf("three arrivals answered %v, want [500 500 204]", got)
		}
		if !strings.Contains(l.out.String(), "attempt 5  del_1  signature ok  → 500 (--fail 2: arrival 2 of this delivery)") {
			t.Errorf("the line does not say why it failed:\n%s", l.out.String())
		}
	})
}

// TestListenStopsDuringADelay: a stop while an answer is delayed answers
// at once, 503, and listen exits 0.
func TestListenStopsDuringADelay(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	l := startListen(t, map[string]string{secretEnv: secret}, "--delay", "1h")
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, l.url, strings.NewReader("{}"))
		_ = webhook.Sign(req.Header, webhook.Message{ID: "del_1", Timestamp: time.Now(), Body: []byte("{}")}, []string{secret})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	waitUntil(t, time.Minute, func() bool { return strings.Contains(l.out.String(), "signature ok") })
	if code := l.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if status := <-answered; status != http.StatusServiceUnavailable {
		t.Errorf("the delayed callback got %d, want 503 at the stop", status)
	}
}

// TestListenEscapesTheTerminal: what a stranger's request carries is
// printed with control characters escaped.
func TestListenEscapesTheTerminal(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	l := startListen(t, map[string]string{secretEnv: secret})
	body := `{"event_type":"uploaded\u001b[2J","order_ref":"A\nB"}`
	if status, _ := l.post(t, body, 1, secret); status != http.StatusOK {
		t.Fatalf("answered %d", status)
	}
	out := l.out.String()
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `"uploaded\x1b[2J"`) || !strings.Contains(out, `order "A\nB"`) {
		t.Errorf("control characters reach the terminal:\n%q", out)
	}
}

// TestListenUsage: without a secret, with one that is not a secret and
// with impossible answers, listen exits 2 and says what to give, never
// repeating the secret.
func TestListenUsage(t *testing.T) {
	t.Parallel()
	const notSecret = "sk_live_pasted-the-api-key-by-mistake"
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "give the tenant's signing secret with --secret or SUBMIT_SIGNING_SECRET"},
		{nil, map[string]string{secretEnv: notSecret}, "secret 1 of SUBMIT_SIGNING_SECRET is not a signing secret"},
		{[]string{"--secret", "whsec_" + "AAAA," + notSecret}, nil, "secret 2 of --secret is not a signing secret"},
		{[]string{"--status", "99"}, nil, "--status 99: give an HTTP status from 200 to 599"},
		{[]string{"--delay", "-1s"}, nil, "--delay must be 0s or more"},
		{[]string{"--fail", "-1"}, nil, "--fail must be 0 or more"},
		{[]string{"now"}, nil, `unexpected argument "now"`},
	} {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"listen"}, c.args...), Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return c.env[k] }})
		if code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("listen %v: exit %d, stderr %q; want 2 and %q", c.args, code, errb.String(), c.want)
		}
		if strings.Contains(out.String()+errb.String(), notSecret) {
			t.Errorf("listen %v repeats the secret", c.args)
		}
	}
}

// TestListenGetSaysWhatItIs: a browser opening the callback URL learns
// what it is; nothing is printed for it.
func TestListenGetSaysWhatItIs(t *testing.T) {
	t.Parallel()
	l := startListen(t, map[string]string{secretEnv: webhook.NewSecret()})
	res, err := http.Get(l.url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "POST") {
		t.Errorf("GET answered %d %q", res.StatusCode, b)
	}
	req, _ := http.NewRequest(http.MethodPut, l.url, nil)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT answered %d, want 405", res.StatusCode)
	}
}

// TestListenSeesRetries runs a real Submit with a short retry schedule
// and `submit listen --fail 1`: the first attempt of the uploaded event
// is answered 500, and the retry of the same delivery arrives, verified,
// and is answered 200.
func TestListenSeesRetries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve, with PDFium")
	}
	t.Parallel()
	env := map[string]string{
		"SUBMIT_DATA_DIR": t.TempDir(), "SUBMIT_ADDR": freeAddr(t), "SUBMIT_LOG_LEVEL": "warn",
		"SUBMIT_ALLOW_INSECURE_URLS": "true", "SUBMIT_CALLBACK_RETRY_SCHEDULE": "0s,1s,2s",
	}
	s := startServe(t, env)
	s.ready(t)
	code, key, stderr := run(t, env, "", "key", "create", "--tenant", "default", "--test")
	if code != 0 {
		t.Fatalf("key create: %d %s", code, stderr)
	}
	code, secret, stderr := run(t, env, "", "secret", "show", "--tenant", "default")
	if code != 0 {
		t.Fatalf("secret show: %d %s", code, stderr)
	}
	l := startListen(t, map[string]string{secretEnv: strings.TrimSpace(secret)}, "--fail", "1")

	do := func(method, path, contentType string, body []byte, want int) string {
		t.Helper()
		req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(key))
		req.Header.Set("Content-Type", contentType)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		return string(b)
	}
	created := do("POST", "/api/jobs", "application/json", []byte(`{"externalId":"RETRY-1","callbackURL":"`+l.url+`"}`), http.StatusCreated)
	id := regexp.MustCompile(`"id":"(ses_[0-9a-z]+)"`).FindStringSubmatch(created)
	if id == nil {
		t.Fatalf("no job id in %s", created)
	}
	var pdf bytes.Buffer
	if code := Main(context.Background(), []string{"sample", "pdf"}, Env{Stdout: &pdf, Stderr: io.Discard}); code != 0 {
		t.Fatalf("sample pdf exited %d", code)
	}
	do("PUT", "/api/jobs/"+id[1]+"/artwork?filename=sample.pdf", "application/pdf", pdf.Bytes(), http.StatusCreated)

	first := regexp.MustCompile(`  uploaded +` + id[1] + `  order RETRY-1  status uploaded  seq 1  attempt 1  (del_\w+)  signature ok  → 500 \(--fail 1: arrival 1 of this delivery\)`)
	bound := time.Now().Add(serveBound) // catches a hang, times nothing
	for {
		out := l.out.String()
		if m := first.FindStringSubmatch(out); m != nil &&
			strings.Contains(out, "attempt 2  "+m[1]+"  signature ok  → 200") {
			return
		}
		if time.Now().After(bound) {
			t.Fatalf("no retry of the uploaded event within %s; listener:\n%s\nserve:\n%s", serveBound, out, s.errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
