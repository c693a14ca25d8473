package cli

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/need"
)

// The README's walk-through marks its fenced blocks for this test by their
// info string:
//
//	```sh walkthrough             commands run in order, one block at a time
//	```sh walkthrough background  a command that keeps running (serve, listen)
//	```sh walkthrough restart     the same, after stopping (SIGINT) the one
//	                              running the same subcommand
//	```text walkthrough listener  what the receiver prints: waited for, and
//	                              compared line by line with what it printed
//
// Blocks share the variables they set, as commands typed into one terminal
// do. A variable set to a placeholder (JOB=ses_06h3f…, a value with "…") is
// given the value a reader would copy from an earlier answer. Submit's
// retry schedule is shortened (SUBMIT_CALLBACK_RETRY_SCHEDULE), as the
// README's ports are replaced, so that a retry comes in a second.

// walkBlock is one marked block of the README.
type walkBlock struct {
	kind string // "run", "background", "restart" or "listener"
	text string
	line int // where it starts in the README, for messages
}

// walkthroughBlocks reads the marked blocks of the README.
func walkthroughBlocks(t *testing.T, readme string) []walkBlock {
	t.Helper()
	f, err := os.Open(readme)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []walkBlock
	var cur *walkBlock
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur != nil && strings.HasPrefix(line, "```"):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		case strings.HasPrefix(line, "```"):
			info := strings.Fields(strings.TrimPrefix(line, "```"))
			if len(info) < 2 || info[1] != "walkthrough" {
				continue // an ordinary block, or its end: neither has a fence inside
			}
			kind := "run"
			if len(info) > 2 {
				kind = info[2]
			}
			if kind != "background" && kind != "restart" && kind != "listener" && kind != "run" {
				t.Fatalf("README line %d: unknown walkthrough block %q", n, kind)
			}
			cur = &walkBlock{kind: kind, line: n}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// walk runs the walk-through's blocks and keeps what they printed.
type walk struct {
	t       *testing.T
	bash    string
	dir     string // the terminal's folder: the repository, for a reader
	env     []string
	subst   *strings.Replacer
	state   string   // a file of the variables set so far
	outputs []string // what each block run printed, in order
	vars    map[string]string
	bg      []*bgProcess
	serve   string // http://ADDR of serve
}

// bgProcess is a background block: its own process group, so that the
// test stops bash and the command it started together.
type bgProcess struct {
	text      string // the block, as the README has it
	stopped   bool   // by a restart
	cmd       *exec.Cmd
	out       syncBuffer
	exited    chan struct{}
	waitError error
}

// TestREADMEWalkthrough runs the README's walk-through command by command,
// as a reader would: a real submit serve and submit listen built from this
// tree, curl for the API. The receiver must print every event of the
// walk-through as verified, in the README's format, and the job must end
// where the README says.
func TestREADMEWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts serve, with PDFium")
	}
	t.Parallel()
	need.Tool(t, "curl")
	w := &walk{t: t, bash: need.Tool(t, "bash"), vars: map[string]string{}}
	root := t.TempDir()
	bin := filepath.Join(root, "bin", "submit")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/atomyx/submit/cmd/submit").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	w.dir = filepath.Join(root, "repo")
	if err := os.Mkdir(w.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w.state = filepath.Join(root, "state.sh")
	if err := os.WriteFile(w.state, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	serveAddr, listenAddr := freeAddr(t), freeAddr(t)
	w.serve = "http://" + serveAddr
	// The README's ports and `go run`, replaced by free ports and the
	// built binary; serve takes its address from SUBMIT_ADDR.
	w.subst = strings.NewReplacer("go run ./cmd/submit", bin, "localhost:8080", serveAddr, "127.0.0.1:9000", listenAddr)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SUBMIT_") {
			w.env = append(w.env, kv)
		}
	}
	w.env = append(w.env, "SUBMIT_ADDR="+serveAddr, "SUBMIT_CALLBACK_RETRY_SCHEDULE=0s,1s,2s,3s,4s,5s,6s")
	t.Cleanup(w.stopAll)

	blocks := walkthroughBlocks(t, filepath.Join("..", "..", "README.md"))
	count := map[string]int{}
	for _, b := range blocks {
		count[b.kind]++
	}
	if count["background"] != 2 || count["restart"] != 1 || count["run"] < 5 || count["listener"] != 3 {
		t.Fatalf("the README marks %v walkthrough blocks; want serve and listen in the background, the commands, the receiver started again, and what it prints three times", count)
	}
	for _, b := range blocks {
		switch b.kind {
		case "background":
			w.background(b)
		case "restart":
			w.restart(b)
			w.background(b)
		case "run":
			w.run(b)
		case "listener":
			w.awaitListener(b)
		}
	}
	// The job as the walk-through last read it.
	jobJSON := regexp.MustCompile(`"id":"` + regexp.QuoteMeta(w.vars["JOB"]) + `","object":"job",[^{]*?"status":"([a-z_]+)"`)
	var status string
	for _, out := range w.outputs {
		if m := jobJSON.FindStringSubmatch(out); m != nil {
			status = m[1]
		}
	}
	if status != "approved" {
		t.Errorf("the walk-through last read the job as %q, want approved (by the API); it printed:\n%s", status, strings.Join(w.outputs, "\n"))
	}
}

// run runs a block with bash in the state the earlier blocks left, and
// records what it printed and the variables it set.
func (w *walk) run(b walkBlock) {
	t := w.t
	t.Helper()
	text := w.fillPlaceholders(b)
	var script strings.Builder
	fmt.Fprintf(&script, "set -euo pipefail\nsource %q\n%s\n", w.state, text)
	for _, m := range regexp.MustCompile(`(?m)^([A-Z][A-Z0-9_]*)=`).FindAllStringSubmatch(text, -1) {
		fmt.Fprintf(&script, "declare -p %s >> %q\n", m[1], w.state)
	}
	ctx, cancel := context.WithTimeout(context.Background(), serveBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.bash, "-c", script.String())
	cmd.Dir, cmd.Env = w.dir, w.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README line %d: %v\n%s\nprinted:\n%s%s", b.line, err, text, out, w.logs())
	}
	w.outputs = append(w.outputs, string(out))
	w.readState()
}

// fillPlaceholders substitutes the README's ports and commands, and gives
// each placeholder variable the value a reader would copy.
func (w *walk) fillPlaceholders(b walkBlock) string {
	t := w.t
	t.Helper()
	placeholder := regexp.MustCompile(`(?m)^([A-Z][A-Z0-9_]*)=(\S*…\S*)`)
	return placeholder.ReplaceAllStringFunc(w.subst.Replace(b.text), func(s string) string {
		name := s[:strings.Index(s, "=")]
		switch name {
		case "JOB": // the id of the job the previous block created
			m := regexp.MustCompile(`"id":"(ses_[0-9a-z]+)","object":"job"`).FindStringSubmatch(w.outputs[len(w.outputs)-1])
			if m == nil {
				t.Fatalf("README line %d: JOB is the id from the answer, but the block before printed none:\n%s", b.line, w.outputs[len(w.outputs)-1])
			}
			return name + "=" + m[1]
		case "DELIVERY": // from the receiver's proof_generated line
			var id string
			for _, p := range w.bg {
				re := regexp.MustCompile(`(?m)^\S+  proof_generated .*  (del_[0-9a-z]+)  signature ok`)
				if m := re.FindStringSubmatch(p.out.String()); m != nil {
					id = m[1]
				}
			}
			if id == "" {
				t.Fatalf("README line %d: DELIVERY is the proof_generated line's, but the receiver printed none%s", b.line, w.logs())
			}
			return name + "=" + id
		}
		t.Fatalf("README line %d: %s is a placeholder this test cannot fill; teach fillPlaceholders where a reader finds its value", b.line, s)
		return ""
	})
}

// readState reads the variables set so far, for the placeholders and the
// checks.
func (w *walk) readState() {
	b, err := os.ReadFile(w.state)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^declare -- ([A-Z][A-Z0-9_]*)="(.*)"$`).FindAllStringSubmatch(string(b), -1) {
		w.vars[m[1]] = m[2]
	}
}

// restart stops the background block that runs the same subcommand as b
// (serve or listen), as Ctrl-C in its terminal would, and waits until it
// has exited.
func (w *walk) restart(b walkBlock) {
	t := w.t
	t.Helper()
	sub := " listen"
	if strings.Contains(b.text, " serve") {
		sub = " serve"
	}
	for _, p := range w.bg {
		if !strings.Contains(w.subst.Replace(p.text), sub) || p.stopped {
			continue
		}
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-p.exited:
			p.stopped = true
			return
		case <-time.After(time.Minute):
			t.Fatalf("README line %d: the running%s did not stop at SIGINT; it printed:\n%s", b.line, sub, p.out.String())
		}
	}
	t.Fatalf("README line %d: nothing runs%s to restart", b.line, sub)
}

// background starts a block that keeps running, and waits until it is
// ready: serve's /readyz answers, or listen says where it listens.
func (w *walk) background(b walkBlock) {
	t := w.t
	t.Helper()
	text := w.subst.Replace(b.text)
	p := &bgProcess{text: b.text, exited: make(chan struct{})}
	p.cmd = exec.Command(w.bash, "-c", fmt.Sprintf("set -euo pipefail\nsource %q\n%s", w.state, text))
	p.cmd.Dir, p.cmd.Env = w.dir, w.env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.bg = append(w.bg, p)
	go func() { p.waitError = p.cmd.Wait(); close(p.exited) }()
	var ready func() bool
	switch {
	case strings.Contains(text, " serve"):
		ready = func() bool {
			res, err := http.Get(w.serve + "/readyz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == http.StatusOK
		}
	case strings.Contains(text, " listen"):
		ready = func() bool { return strings.Contains(p.out.String(), "receiving callbacks at") }
	default:
		t.Fatalf("README line %d: a background block this test cannot tell is ready:\n%s", b.line, text)
	}
	bound := time.After(serveBound) // catches a hang, times nothing
	for !ready() {
		select {
		case <-p.exited:
			t.Fatalf("README line %d exited (%v) before it was ready:\n%s\nprinted:\n%s", b.line, p.waitError, text, p.out.String())
		case <-bound:
			t.Fatalf("README line %d was not ready within %s:\n%s%s", b.line, serveBound, text, w.logs())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// awaitListener waits until the receiver has printed a line like each of
// the README's, for the walk-through's job: same event, same format,
// verified and answered 200. Times and ids may differ, not the rest.
func (w *walk) awaitListener(b walkBlock) {
	t := w.t
	t.Helper()
	listener := w.listener()
	var want []*regexp.Regexp
	for line := range strings.Lines(strings.TrimSpace(b.text)) {
		re := regexp.QuoteMeta(strings.TrimRight(line, "\n"))
		re = regexp.MustCompile(`^\d\d:\d\d:\d\d`).ReplaceAllString(re, `\d\d:\d\d:\d\d`)
		re = regexp.MustCompile(`ses_[0-9a-z]+`).ReplaceAllString(re, regexp.QuoteMeta(w.vars["JOB"]))
		re = regexp.MustCompile(`del_[0-9a-z]+`).ReplaceAllString(re, `del_[0-9a-z]+`)
		want = append(want, regexp.MustCompile(`(?m)^`+re+`$`))
	}
	if len(want) == 0 || w.vars["JOB"] == "" {
		t.Fatalf("README line %d: the receiver's lines come before the job they are about", b.line)
	}
	bound := time.Now().Add(serveBound) // catches a hang, times nothing
	for {
		out := listener.out.String()
		var missing []string
		for _, re := range want {
			if !re.MatchString(out) {
				missing = append(missing, re.String())
			}
		}
		if len(missing) == 0 {
			return
		}
		select {
		case <-listener.exited:
			t.Fatalf("the receiver exited (%v); it printed:\n%s", listener.waitError, out)
		default:
		}
		if time.Now().After(bound) {
			t.Fatalf("README line %d: the receiver printed no line like\n%s\nIt printed:\n%s%s", b.line, strings.Join(missing, "\n"), out, w.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listener is the running background process of submit listen.
func (w *walk) listener() *bgProcess {
	for _, p := range w.bg {
		if !p.stopped && strings.Contains(p.out.String(), "receiving callbacks at") {
			return p
		}
	}
	w.t.Fatal("the walk-through waits for the receiver before starting one")
	return nil
}

// logs is what the background processes printed, for a failure message.
func (w *walk) logs() string {
	var s strings.Builder
	for i, p := range w.bg {
		fmt.Fprintf(&s, "\n--- background block %d printed:\n%s", i+1, p.out.String())
	}
	return s.String()
}

// stopAll stops the background processes as Ctrl-C would, and kills a
// process group that does not stop.
func (w *walk) stopAll() {
	for _, p := range w.bg {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	}
	for _, p := range w.bg {
		select {
		case <-p.exited:
		case <-time.After(time.Minute):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
			w.t.Errorf("a background block did not stop at SIGINT; it printed:\n%s", p.out.String())
		}
	}
}
