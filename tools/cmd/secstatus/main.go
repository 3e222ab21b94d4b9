// SPDX-License-Identifier: Apache-2.0

// Command secstatus proves the security checklist: for every row SEC-01 to
// SEC-48 it finds the tests that carry the row's ID (in the test's name,
// its doc comment or its body), runs them in their modules, and writes a
// status table. It exits non-zero if a row has no test, or if a test that
// carries it fails or skips.
//
// Usage, from the repository root:
//
//	go run ./tools/cmd/secstatus [-o conformance/SECURITY-STATUS.md] [-norun]
//
// With -norun it only maps rows to tests, without running them.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// rows is the number of rows of the checklist.
const rows = 48

var idRE = regexp.MustCompile(`SEC[-_]?(\d{2})`)

// test is one test function and the rows it carries.
type test struct {
	module string // directory of its go.mod, relative to the root
	pkg    string // package directory relative to the module
	name   string
	file   string // path relative to the root
	ids    []int
	status string // pass, fail, skip, not run
}

func main() {
	out := flag.String("o", "conformance/SECURITY-STATUS.md", "status table to write")
	norun := flag.Bool("norun", false, "map rows to tests without running them")
	flag.Parse()
	tests, err := scan(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "secstatus:", err)
		os.Exit(2)
	}
	if !*norun {
		if err := run(tests); err != nil {
			fmt.Fprintln(os.Stderr, "secstatus:", err)
			os.Exit(2)
		}
	}
	table, ok := render(tests, !*norun)
	if err := os.WriteFile(*out, table, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "secstatus:", err)
		os.Exit(2)
	}
	os.Stdout.Write(table)
	if !ok {
		fmt.Fprintln(os.Stderr, "secstatus: some rows are not proven (see the table)")
		os.Exit(1)
	}
}

// scan parses every _test.go file below root and returns the test
// functions that mention a row ID.
func scan(root string) ([]*test, error) {
	mods := map[string]bool{}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), "_")) {
			return filepath.SkipDir
		}
		switch {
		case d.Name() == "go.mod":
			mods[filepath.Dir(p)] = true
		case strings.HasSuffix(p, "_test.go"):
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	tests, err := transcripts(root)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		af, err := parser.ParseFile(fset, f, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		mod := moduleOf(filepath.Dir(f), mods)
		pkg, _ := filepath.Rel(mod, filepath.Dir(f))
		for _, decl := range af.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !isTest(fn.Name.Name) {
				continue
			}
			start := fset.Position(fn.Pos()).Offset
			if fn.Doc != nil {
				start = fset.Position(fn.Doc.Pos()).Offset
			}
			ids := rowIDs(string(src[start:fset.Position(fn.End()).Offset]))
			if len(ids) > 0 {
				tests = append(tests, &test{module: mod, pkg: pkg, name: fn.Name.Name, file: f, ids: ids, status: "not run"})
			}
		}
	}
	return tests, nil
}

// transcripts maps the replay corpus: each transcript that names a row is
// the subtest TestTranscripts/<name> of the conformance module.
func transcripts(root string) ([]*test, error) {
	dir := filepath.Join(root, "conformance", "testdata", "transcripts")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	var tests []*test
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if ids := rowIDs(string(src)); len(ids) > 0 {
			name := "TestTranscripts/" + strings.TrimSuffix(filepath.Base(f), ".txt")
			tests = append(tests, &test{module: filepath.Join(root, "conformance"), pkg: ".", name: name, file: f, ids: ids, status: "not run"})
		}
	}
	return tests, nil
}

// rowIDs returns the distinct row numbers named in text.
func rowIDs(text string) []int {
	var ids []int
	for _, m := range idRE.FindAllStringSubmatch(text, -1) {
		var n int
		fmt.Sscanf(m[1], "%d", &n)
		if n >= 1 && n <= rows && !slices.Contains(ids, n) {
			ids = append(ids, n)
		}
	}
	return ids
}

func isTest(name string) bool {
	for _, p := range []string{"Test", "Fuzz", "Example"} {
		if strings.HasPrefix(name, p) && name != "TestMain" {
			return true
		}
	}
	return false
}

// moduleOf returns the nearest directory at or above dir holding a go.mod.
func moduleOf(dir string, mods map[string]bool) string {
	for d := dir; ; d = filepath.Dir(d) {
		if mods[d] {
			return d
		}
		if d == "." || d == "/" {
			return "."
		}
	}
}

// run runs the tests of each package once, with -json, and records each
// test's outcome. Fuzz targets run over their seed corpus.
func run(tests []*test) error {
	type key struct{ module, pkg string }
	byPkg := map[key][]*test{}
	for _, t := range tests {
		k := key{t.module, t.pkg}
		byPkg[k] = append(byPkg[k], t)
	}
	keys := make([]key, 0, len(byPkg))
	for k := range byPkg {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].module+keys[i].pkg < keys[j].module+keys[j].pkg })
	for _, k := range keys {
		ts := byPkg[k]
		var names []string
		for _, t := range ts {
			top, _, _ := strings.Cut(t.name, "/")
			if n := regexp.QuoteMeta(top); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		cmd := exec.Command("go", "test", "-count=1", "-json", "-run", "^("+strings.Join(names, "|")+")$", "./"+filepath.ToSlash(k.pkg))
		cmd.Dir = k.module
		cmd.Stderr = os.Stderr
		outb, _ := cmd.Output() // failures are read from the JSON
		status := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(outb))
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			var ev struct{ Action, Test string }
			if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Test == "" {
				continue
			}
			switch ev.Action {
			case "pass", "fail", "skip":
				status[ev.Test] = ev.Action
			}
		}
		for _, t := range ts {
			if s, ok := status[t.name]; ok {
				t.status = s
			}
		}
	}
	return nil
}

// render writes the table and reports whether every row has at least one
// test and every test of a row passed (when they ran).
func render(tests []*test, ran bool) ([]byte, bool) {
	var b bytes.Buffer
	b.WriteString("# Security checklist status\n\n")
	b.WriteString("Generated by `go run ./tools/cmd/secstatus` (run by `.ci/run`); do not edit.\n")
	b.WriteString("Each row of the checklist (SEC-01 to SEC-48) lists the tests that carry\n")
	b.WriteString("its ID and their result in this run. A row passes when it has at least\n")
	b.WriteString("one test and all of its tests pass.\n\n")
	b.WriteString("| Row | What | Tests | Result |\n|---|---|---|---|\n")
	ok := true
	for id := 1; id <= rows; id++ {
		var cells []string
		rowOK := true
		for _, t := range tests {
			if !slices.Contains(t.ids, id) {
				continue
			}
			cells = append(cells, fmt.Sprintf("`%s` %s (%s)", filepath.ToSlash(t.file), t.name, t.status))
			if ran && t.status != "pass" {
				rowOK = false
			}
		}
		result := "pass"
		switch {
		case len(cells) == 0:
			result, rowOK = "**no test**", false
		case !ran:
			result = "not run"
		case !rowOK:
			result = "**FAIL**"
		}
		if !rowOK {
			ok = false
		}
		if len(cells) == 0 {
			cells = []string{"-"}
		}
		fmt.Fprintf(&b, "| SEC-%02d | %s | %s | %s |\n", id, titles[id], strings.Join(cells, "<br>"), result)
	}
	return b.Bytes(), ok
}
