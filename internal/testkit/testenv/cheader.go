package testenv

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// CValues asks the C compiler what C expressions are: it compiles a program made of prelude (the
// #include lines and any #define before them) and one printf per expression, runs it and returns the
// values, each converted to unsigned long long. It is how bindings that call C without cgo check their
// struct offsets and constants against the real headers. It needs gcc.
func CValues(t testing.TB, cflags []string, prelude string, exprs []string) []uint64 {
	t.Helper()
	gcc := Tool(t, "gcc")
	var src strings.Builder
	src.WriteString("#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n" + prelude + "\nint main(void) {\n")
	for _, e := range exprs {
		src.WriteString("\tprintf(\"%llu\\n\", (unsigned long long)(" + e + "));\n")
	}
	src.WriteString("\treturn 0;\n}\n")
	dir := t.TempDir()
	c, exe := filepath.Join(dir, "values.c"), filepath.Join(dir, "values")
	if err := os.WriteFile(c, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, append(append([]string{"-o", exe}, cflags...), c)...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s\n%s", err, out, src.String())
	}
	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("running the C values program: %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(exprs) {
		t.Fatalf("the C values program printed %d values for %d expressions", len(lines), len(exprs))
	}
	vals := make([]uint64, len(lines))
	for i, l := range lines {
		if vals[i], err = strconv.ParseUint(l, 10, 64); err != nil {
			t.Fatalf("C value %q: %v", l, err)
		}
	}
	return vals
}

// GoConst is a constant declared with an integer literal in a Go file, with the comment on its line.
type GoConst struct {
	Name    string
	Value   uint64
	Comment string
}

// GoConsts reads the constants a Go source file declares with integer literals (any build tag), so a test
// can compare them with a C header even when the file is not part of the build being tested.
func GoConsts(t testing.TB, file string) []GoConst {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var out []GoConst
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) != 1 || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.INT {
				continue
			}
			v, err := strconv.ParseUint(strings.ReplaceAll(lit.Value, "_", ""), 0, 64)
			if err != nil {
				t.Fatalf("%s: %s = %s: %v", file, vs.Names[0].Name, lit.Value, err)
			}
			c := GoConst{Name: vs.Names[0].Name, Value: v}
			if vs.Comment != nil {
				c.Comment = strings.TrimSpace(vs.Comment.Text())
			}
			out = append(out, c)
		}
	}
	return out
}
