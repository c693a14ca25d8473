// Command preflight measures `submit preflight --json` against the poppler
// tools that report the same facts (pdfimages -list, pdffonts and
// pdfinfo -box), over the shared corpus and over a generated 250-page book,
// and prints the times and their ratio.
//
//	go run ./bench/preflight [-corpus ../shared/corpus] [-submit PATH]
//
// Without -submit it builds ./cmd/submit; when that does not build, it
// measures the same engine in this process (one warm engine, as the CLI
// uses) and says so.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/atomyx/submit/internal/preflight"
)

func main() {
	corpus := flag.String("corpus", "../shared/corpus", "folder of PDFs to check (searched recursively)")
	submit := flag.String("submit", "", "submit binary (default: build ./cmd/submit)")
	pages := flag.Int("book-pages", 250, "pages of the generated book")
	flag.Parse()
	if err := run(*corpus, *submit, *pages); err != nil {
		fmt.Fprintln(os.Stderr, "bench/preflight:", err)
		os.Exit(1)
	}
}

func run(corpus, submit string, bookPages int) error {
	for _, tool := range []string{"pdfimages", "pdffonts", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: install poppler-utils", tool)
		}
	}
	files, err := pdfs(corpus)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-preflight")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ours := oursFunc(submit, tmp)

	fmt.Printf("corpus: %d files under %s\n", len(files), corpus)
	report("corpus", ours(files), popplerTime(files))

	book := filepath.Join(tmp, "book.pdf")
	start := time.Now()
	if err := writeBook(book, bookPages); err != nil {
		return fmt.Errorf("generate book: %w", err)
	}
	st, _ := os.Stat(book)
	fmt.Printf("\nbook: %d pages, %.1f MB (generated in %v)\n", bookPages, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	report("book", ours([]string{book}), popplerTime([]string{book}))
	return nil
}

func report(what string, ours, poppler time.Duration) {
	fmt.Printf("  %-8s submit preflight --json: %8v\n", what, ours.Round(time.Millisecond))
	fmt.Printf("  %-8s poppler (3 tools):       %8v\n", what, poppler.Round(time.Millisecond))
	fmt.Printf("  %-8s ratio ours/poppler:      %8.2f\n", what, ours.Seconds()/poppler.Seconds())
}

func pdfs(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".pdf" {
			out = append(out, p)
		}
		return err
	})
	if len(out) == 0 && err == nil {
		err = fmt.Errorf("no PDFs under %s", dir)
	}
	sort.Strings(out)
	return out, err
}

// popplerTime runs the three poppler commands over every file, one after
// the other, as a script would.
func popplerTime(files []string) time.Duration {
	start := time.Now()
	for _, f := range files {
		for _, args := range [][]string{{"pdfimages", "-list", f}, {"pdffonts", f}, {"pdfinfo", "-box", "-f", "1", "-l", "1000000", f}} {
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
			_ = cmd.Run() // damaged files make poppler fail; the time still counts
		}
	}
	return time.Since(start)
}

// oursFunc returns how to time our preflight over a list of files: the
// real command when it can be built, else the engine in this process.
func oursFunc(submit, tmp string) func([]string) time.Duration {
	if submit == "" {
		bin := filepath.Join(tmp, "submit")
		build := exec.Command("go", "build", "-o", bin, "./cmd/submit")
		build.Stderr = io.Discard
		if err := build.Run(); err == nil {
			submit = bin
		} else {
			fmt.Println("note: ./cmd/submit does not build here; timing the preflight engine in-process (one warm engine, JSON encoded, as the CLI does)")
		}
	}
	if submit != "" {
		return func(files []string) time.Duration {
			start := time.Now()
			cmd := exec.Command(submit, append([]string{"preflight", "--json"}, files...)...)
			cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
			_ = cmd.Run() // exit 1 and 2 are expected for failing files
			return time.Since(start)
		}
	}
	return inProcess
}

func inProcess(files []string) time.Duration {
	start := time.Now()
	engine, err := preflight.New(preflight.Options{})
	if err != nil {
		panic(err)
	}
	defer engine.Close()
	p, _ := preflight.LoadProfile("default")
	enc := json.NewEncoder(io.Discard)
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		st, _ := f.Stat()
		rep, err := engine.Check(context.Background(), f, st.Size(), p, preflight.Expectations{})
		f.Close()
		if err == nil {
			enc.Encode(rep)
		}
	}
	return time.Since(start)
}
