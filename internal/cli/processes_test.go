package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob/blobtest"
	"github.com/atomyx/submit/internal/store/pgtest"
)

// TestSeveralServers runs three servers on one PostgreSQL database and
// one S3 bucket (gofakes3, a real S3-protocol server, on loopback), as
// three processes behind a load balancer would: a job created on the
// first, its artwork sent to the second, is followed live by a customer
// page open on the third, gets its proof from whichever server claims it,
// and its files are served by any; the customer pages' rate limit is one
// allowance across the three. (Each server runs in this test's process,
// with its own database pool, workers and listener; the SIGKILL of a
// real process is internal/cli's crash test.)
func TestSeveralServers(t *testing.T) {
	// Not parallel: the S3 credentials are process environment.
	a, b, c, key := startThree(t, "several")
	servers := []*served{a, b, c}
	call := func(s *served, method, path, ctype string, body io.Reader) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, s.base+path, body)
		req.Header.Set("Authorization", "Bearer "+key)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, out
	}

	status, body := call(a, "POST", "/api/jobs", "application/json", strings.NewReader(`{"externalId":"SEVERAL-1"}`))
	if status != http.StatusCreated {
		t.Fatalf("create on the first server: %d %s", status, body)
	}
	var j struct{ ID, UploadURL string }
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatal(err)
	}
	token := j.UploadURL[strings.LastIndex(j.UploadURL, "/")+1:]

	// The customer's page on the third server listens.
	stream, err := http.Get(c.base + "/u/" + token + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("event stream on the third server: %d", stream.StatusCode)
	}
	statuses := make(chan string, 32)
	go func() {
		defer close(statuses)
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var s struct{ Status string }
				if json.Unmarshal([]byte(rest), &s) == nil {
					statuses <- s.Status
				}
			}
		}
	}()

	var pdf bytes.Buffer
	if err := writeSamplePDF(&pdf, 210, 297, 1); err != nil {
		t.Fatal(err)
	}
	if status, body := call(b, "PUT", "/api/jobs/"+j.ID+"/artwork?filename=a.pdf", "application/pdf", &pdf); status != http.StatusCreated {
		t.Fatalf("artwork on the second server: %d %s", status, body)
	}
	// The page on the third server follows the job to its proof.
	deadline := time.After(serveBound)
	var seen []string
	for done := false; !done; {
		select {
		case s, ok := <-statuses:
			if !ok {
				t.Fatalf("the stream ended after %v", seen)
			}
			seen = append(seen, s)
			done = s == "proof_generated"
		case <-deadline:
			t.Fatalf("the page on the third server saw %v, not proof_generated, within %v", seen, serveBound)
		}
	}
	if len(seen) < 2 {
		t.Errorf("the page saw %v: want the upload made elsewhere, then the proof", seen)
	}

	// Its files are served by any server, from the shared bucket.
	status, body = call(c, "GET", "/api/jobs/"+j.ID, "", nil)
	var full struct{ Files map[string]string }
	if err := json.Unmarshal(body, &full); err != nil || status != http.StatusOK || full.Files["proof"] == "" {
		t.Fatalf("the job on the third server: %d %s", status, body)
	}
	for _, s := range servers {
		link := s.base + full.Files["proof"][strings.Index(full.Files["proof"], "/files/"):]
		res, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("the proof from %s: %d", s.base, res.StatusCode)
		}
	}

	// The pages' rate limit (bursts of 200, then 10 a second per
	// address) is one allowance for the three servers: round robin over
	// them, the first refusal comes after about 200 pages plus what the
	// elapsed time refills, not three times that.
	start := time.Now()
	ok := 0
	for i := 0; ; i++ {
		res, err := http.Get(servers[i%3].base + "/u/" + token + "/status")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			break
		}
		ok++
		if ok > 3*200 {
			t.Fatal("600 pages allowed over three servers: each counts on its own")
		}
	}
	if allowed := 200 + 10*time.Since(start).Seconds() + 20; float64(ok) > allowed {
		t.Errorf("%d pages allowed before the first refusal, more than one allowance (%.0f) across the three servers", ok, allowed)
	}
	t.Logf("%d pages allowed in %.1f s across three servers", ok, time.Since(start).Seconds())
}

// startThree starts three servers on one new PostgreSQL schema and one
// S3 bucket under prefix, one after the other (the first makes the tenant
// and its key), and returns them with the live key the first printed.
func startThree(t *testing.T, prefix string) (a, b, c *served, key string) {
	t.Helper()
	dbURL := pgtest.URL(t)
	blobURL := blobtest.S3(t, prefix)
	var servers []*served
	for range 3 {
		s := startServe(t, map[string]string{
			"SUBMIT_DATA_DIR": t.TempDir(), "SUBMIT_ADDR": freeAddr(t), "SUBMIT_LOG_LEVEL": "warn",
			"SUBMIT_DATABASE_URL": dbURL, "SUBMIT_BLOB_URL": blobURL,
		})
		s.ready(t)
		servers = append(servers, s)
	}
	key = regexp.MustCompile(`sk_live_[0-9A-Za-z]{44}`).FindString(servers[0].out.String())
	if key == "" {
		t.Fatalf("the first server printed no key:\n%s", servers[0].out.String())
	}
	return servers[0], servers[1], servers[2], key
}
