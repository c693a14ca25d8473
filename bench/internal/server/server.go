// Package server runs a real `submit serve` process for the benchmarks and
// talks to it over HTTP as an ERP would: start on a fresh data directory,
// create jobs, upload artwork, wait for the pipeline, read the peak RSS.
package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Server is one running `submit serve` and the live key it printed.
type Server struct {
	Base string // http://127.0.0.1:port
	Key  string
	cmd  *exec.Cmd
}

// Build compiles ./cmd/submit into dir and returns the binary's path. Run
// the benchmarks from the repository root.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "submit")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/submit").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build submit: %v\n%s", err, out)
	}
	return bin, nil
}

// Start runs bin serve on a fresh dataDir, waits until it is ready and
// returns it. When cacheDir is not empty it is linked in as the renderer's
// compilation cache, so a measured server does not compile PDFium.
func Start(bin, dataDir, cacheDir string, args ...string) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	if cacheDir != "" {
		if err := os.Symlink(cacheDir, filepath.Join(dataDir, "cache")); err != nil {
			return nil, err
		}
	}
	s := &Server{Base: "http://" + addr}
	args = append([]string{"serve", "--data-dir", dataDir, "--addr", addr, "--public-url", s.Base, "--log-level", "warn"}, args...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), "SUBMIT_ALLOW_INSECURE_URLS=true")
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if s.Key, err = readKey(stdout); err == nil {
		err = s.waitReady()
	}
	if err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop interrupts the server and waits for it to exit.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// PeakKB is the server's peak resident set size so far (VmHWM), in KiB.
func (s *Server) PeakKB() (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

var keyRE = regexp.MustCompile(`sk_live_[A-Za-z0-9_-]+`)

// readKey finds the first key that serve prints on a new data directory,
// then drains the rest of stdout.
func readKey(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k := keyRE.FindString(sc.Text()); k != "" {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return k, nil
		}
	}
	return "", fmt.Errorf("serve printed no API key")
}

func (s *Server) waitReady() error {
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(s.Base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return fmt.Errorf("server not ready after 2 minutes")
}

// Call sends one authenticated API request and decodes the JSON answer;
// a status of 300 or more is an error carrying the problem's detail.
func (s *Server) Call(method, path, ctype string, body io.Reader, size int64) (map[string]any, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, s.Base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Key)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if size > 0 {
		req.ContentLength = size
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, fmt.Errorf("%s %s: %d: %w", method, path, resp.StatusCode, err)
	}
	if resp.StatusCode >= 300 {
		return v, fmt.Errorf("%s %s: %d %v", method, path, resp.StatusCode, v["detail"])
	}
	return v, nil
}

// CreateJob creates a job and returns its id.
func (s *Server) CreateJob(externalID string) (string, error) {
	body, _ := json.Marshal(map[string]string{"externalId": externalID})
	v, err := s.Call("POST", "/api/jobs", "application/json", strings.NewReader(string(body)), 0)
	if err != nil {
		return "", err
	}
	return v["id"].(string), nil
}

// Upload gives a job the file at path as its artwork, as an ERP does.
func (s *Server) Upload(jobID, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	_, err = s.Call("PUT", "/api/jobs/"+jobID+"/artwork?filename="+filepath.Base(path), "application/pdf", f, st.Size())
	return err
}

// WaitDone polls the job every 50 ms until the pipeline has nothing more
// to do: it has a proof, failed preflight, or gave up on its proof. note
// says why when the status is not proof_generated.
func (s *Server) WaitDone(jobID string, limit time.Duration) (status, note string, err error) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		v, err := s.Call("GET", "/api/jobs/"+jobID, "", nil, 0)
		if err != nil {
			return "", "", err
		}
		switch st := v["status"].(string); st {
		case "proof_generated":
			return st, "", nil
		case "preflight_failed":
			return st, codes(v["errors"]), nil
		}
		if given := proofGivenUp(v); given != "" {
			return v["status"].(string), given, nil
		}
	}
	return "", "", fmt.Errorf("job %s not done after %v", jobID, limit)
}

// codes lists the codes of a job's errors with their severity.
func codes(errs any) string {
	list, _ := errs.([]any)
	var out []string
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, fmt.Sprintf("%v (%v)", m["code"], m["severity"]))
		}
	}
	return strings.Join(out, ", ")
}

// proofGivenUp returns the PROOF_RENDER_FAILED error of the job's newest
// artwork version, if the pipeline recorded one.
func proofGivenUp(job map[string]any) string {
	versions, _ := job["artworkVersions"].([]any)
	if len(versions) == 0 {
		return ""
	}
	last, _ := versions[len(versions)-1].(map[string]any)
	errs, _ := last["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["code"] == "PROOF_RENDER_FAILED" {
			b, _ := json.Marshal(m)
			return string(b)
		}
	}
	return ""
}
