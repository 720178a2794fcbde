// Command stamp turns extension/ into a loadable extension folder: it copies the files, writes the version
// (from git, via scripts/version.sh) and the fixed "key" into manifest.json, and draws the icons. With
// -firefox it also writes the Firefox flavour of the finished folder (package webext). With -overlay it
// writes the `go build -overlay` file through which ponte-host embeds the finished folder as its UI
// (host/webui), so the build never copies it into the source tree.
//
//	go run ./scripts/stamp -version 0.1.0-42-gabc -numeric 0.1.0.42 -src extension -dst build/extension \
//		-firefox build/extension-firefox -overlay build/webui-overlay.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ponte-it/ponte/internal/ids"
	"github.com/ponte-it/ponte/internal/webext"
)

func main() {
	version := flag.String("version", "dev", "full version (version_name)")
	numeric := flag.String("numeric", "0.0.0", "numeric version (manifest version)")
	src := flag.String("src", "extension", "source folder")
	dst := flag.String("dst", "build/extension", "output folder")
	firefox := flag.String("firefox", "", "also write the Firefox flavour of the output folder here")
	overlay := flag.String("overlay", "", "also write here the go build -overlay file embedding the output folder in ponte-host")
	flag.Parse()
	err := stamp(*src, *dst, *version, *numeric)
	if err == nil && *firefox != "" {
		err = webext.BuildFirefox(*dst, *firefox, ids.FirefoxAddonID)
	}
	if err == nil && *overlay != "" {
		err = writeOverlay(*dst, webuiDist, *overlay)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stamp:", err)
		os.Exit(1)
	}
}

func stamp(src, dst, version, numeric string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if filepath.Ext(rel) == ".go" { // package extension (the catalogue for Go) is not part of the extension
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "manifest.json" {
			if b, err = manifest(b, version, numeric); err != nil {
				return err
			}
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		return err
	}
	return icons(filepath.Join(dst, "icons"))
}

func manifest(b []byte, version, numeric string) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	m["version"] = numeric
	m["version_name"] = version
	m["key"] = ids.ExtensionKey
	return json.MarshalIndent(m, "", "  ")
}

// icons draws the toolbar and store icons: a green card with a gold contact chip.
func icons(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	green := color.RGBA{0x00, 0x70, 0x3c, 0xff}
	gold := color.RGBA{0xe8, 0xb9, 0x3c, 0xff}
	for _, n := range []int{16, 48, 128} {
		img := image.NewRGBA(image.Rect(0, 0, n, n))
		r := n / 8 // corner radius
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				if inRounded(x, y, n, n/6, r) {
					img.Set(x, y, green)
				}
				// chip: a square left of centre
				if x >= n/5 && x < n/5+n*3/10 && y >= n*2/5 && y < n*2/5+n/4 {
					img.Set(x, y, gold)
				}
			}
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%d.png", n)))
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// inRounded reports whether (x,y) is inside a card-shaped rounded rectangle centred vertically.
func inRounded(x, y, n, inset, r int) bool {
	top, bottom := inset, n-inset
	left, right := 0, n
	if x < left || x >= right || y < top || y >= bottom {
		return false
	}
	cx, cy := x, y
	switch {
	case x < left+r && y < top+r:
		cx, cy = left+r, top+r
	case x >= right-r && y < top+r:
		cx, cy = right-r-1, top+r
	case x < left+r && y >= bottom-r:
		cx, cy = left+r, bottom-r-1
	case x >= right-r && y >= bottom-r:
		cx, cy = right-r-1, bottom-r-1
	default:
		return true
	}
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}

// webuiDist is host/webui's go:embed folder, relative to the repository root (where make runs this).
const webuiDist = "host/webui/dist"

// writeOverlay writes a `go build -overlay` file (cmd/go: {"Replace": {path seen by the build: real path}})
// that shows every file of ui as if it were in embed; go:embed reads overlaid files, folders included, so
// `go build -overlay out ./host` embeds ui while embed itself keeps only its .gitkeep.
func writeOverlay(ui, embed, out string) error {
	uiAbs, err := filepath.Abs(ui)
	if err != nil {
		return err
	}
	embedAbs, err := filepath.Abs(embed)
	if err != nil {
		return err
	}
	replace := map[string]string{}
	err = filepath.WalkDir(uiAbs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(uiAbs, p)
		replace[filepath.Join(embedAbs, rel)] = p
		return err
	})
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(map[string]any{"Replace": replace}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
