// Command listui prints, as JSON, every file host/webui embeds and its content (stamp's overlay test).
package main

import (
	"encoding/json"
	"io/fs"
	"os"

	"github.com/ponte-it/ponte/host/webui"
)

func main() {
	files := map[string]string{}
	err := fs.WalkDir(webui.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(webui.FS(), p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		panic(err)
	}
	json.NewEncoder(os.Stdout).Encode(files)
}
