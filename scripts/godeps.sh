#!/usr/bin/env bash
# Prints the make rules saying what TARGET is built from, so make rebuilds it only when one of them changes:
# every file of this module that `go build PKG...` reads (Go, cgo, assembly and go:embed files of PKG and of
# the module's packages it imports), those packages' folders (as dir/.: adding or removing a file changes them),
# go.mod and go.sum (the other modules); and an empty rule per input so a deleted file is a rebuild, not an
# error (as gcc -MP). GOOS/GOARCH come from the environment, as for the build itself.
#   scripts/godeps.sh TARGET PKG... > TARGET.d
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
shift
# shellcheck disable=SC2016 # a go list template, not shell
files='{{$d := .Dir}}{{$d}}/.
{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .CgoFiles}}{{$d}}/{{.}}
{{end}}{{range .CFiles}}{{$d}}/{{.}}
{{end}}{{range .HFiles}}{{$d}}/{{.}}
{{end}}{{range .SFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}'
inputs=$({ echo go.mod; echo go.sum; go list -deps -f "{{if and .Module .Module.Main}}$files{{end}}" "$@"; } |
	sed "s|^$PWD/||" | grep -v '^$' | sort -u)
echo "$target:" $inputs
printf '%s:\n' $inputs
