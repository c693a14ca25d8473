package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// MaxBodyBytes bounds a JSON request body. A job request is a few kilobytes;
// a megabyte leaves room for long metadata without inviting abuse.
const MaxBodyBytes = 1 << 20

// readJSONBody checks the content type and size and returns the raw body,
// which idempotency hashes and decoding parses.
func readJSONBody(w http.ResponseWriter, r *http.Request) ([]byte, *Problem) {
	return readBodyOf(w, r, "send the JSON body with `Content-Type: application/json`", "application/json")
}

// readBodyOf is readJSONBody for a body of one of the given media types;
// advice says which to send when the request's is not among them.
func readBodyOf(w http.ResponseWriter, r *http.Request, advice string, types ...string) ([]byte, *Problem) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !slices.Contains(types, mt) {
		got := "no Content-Type"
		if ct != "" {
			got = fmt.Sprintf("Content-Type %q", clip(ct, 60))
		}
		return nil, problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			fmt.Sprintf("The request has %s; %s.", got, advice))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, problem(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
			fmt.Sprintf("The request body is larger than %d bytes. Send artwork files with PUT /api/jobs/{id}/artwork or artwork.url, not inside the JSON.", MaxBodyBytes))
	}
	if err != nil {
		return nil, problem(http.StatusBadRequest, "invalid-body", "Unreadable body", "The request body could not be read completely; send it again.")
	}
	return body, nil
}

// readJSON reads a JSON body (readJSONBody) and parses it (parseJSON):
// what a handler whose body is one small JSON value needs first.
func readJSON(w http.ResponseWriter, r *http.Request) (any, *Problem) {
	body, p := readJSONBody(w, r)
	if p != nil {
		return nil, p
	}
	return parseJSON(body)
}

// parseJSON parses body into generic values (numbers kept as json.Number)
// and explains syntax errors by line and column. It refuses, with a
// pointer to each, what encoding/json would accept silently: repeated
// member names, bytes that are not UTF-8 and lone surrogate escapes.
func parseJSON(body []byte) (any, *Problem) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, problem(http.StatusBadRequest, "invalid-json", "Invalid JSON",
			`The request body is empty. Send a JSON object; the smallest valid job is {"externalId": "TEST-ORDER-10001"}.`)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxProblem(body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(body, dec.InputOffset())
		return nil, problem(http.StatusBadRequest, "invalid-json", "Invalid JSON",
			fmt.Sprintf("Unexpected data after the JSON value at line %d, column %d. Send exactly one JSON object.", line, col))
	}
	if errs := strictJSON(body); len(errs) > 0 {
		return nil, errValidation(errs)
	}
	return v, nil
}

func syntaxProblem(body []byte, err error) *Problem {
	var se *json.SyntaxError
	offset := int64(len(body))
	msg := err.Error()
	if errors.As(err, &se) {
		offset = se.Offset
		msg = se.Error()
	} else if errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "the body ends before the JSON value is complete"
	}
	line, col := position(body, offset)
	return problem(http.StatusBadRequest, "invalid-json", "Invalid JSON",
		fmt.Sprintf("The body is not valid JSON: %s at line %d, column %d. Validate the JSON before sending it.", msg, line, col))
}

// position turns a byte offset into a 1-based line and column (in runes).
func position(body []byte, offset int64) (line, col int) {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	before := body[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	lastNL := bytes.LastIndexByte(before, '\n')
	col = len([]rune(string(before[lastNL+1:])))
	return line, max(col, 1)
}

// suggest returns a did-you-mean hint for an unknown field name: the known
// name that differs only in case, or is within a small edit distance.
func suggest(name string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return k
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestD && d <= len(k)/3+1 {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is Levenshtein distance, small strings only.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
