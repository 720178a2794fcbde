package main

import (
	"encoding/json"
	"fmt"
	"github.com/ponte-it/ponte/internal/ids"
	"os"
	"regexp"
	"strings"
)

var (
	hashRE     = regexp.MustCompile(`^([0-9a-f]{7,40})(-dirty)?$`)
	describeRE = regexp.MustCompile(`^v?(\d[0-9A-Za-z.+~-]*?)(?:-(\d+)-g([0-9a-f]+))?(-dirty)?$`)
)

// debVersion turns `git describe --tags --always --dirty` into a Debian version (deb-version(7): it starts
// with a digit; a hyphen would mean a Debian revision, so the tag's hyphens become ~, which sorts before the
// release as a pre-release should):
//
//	v1.2.3                  -> 1.2.3
//	v1.2.3-rc1              -> 1.2.3~rc1
//	v1.2.3-4-gabc1234-dirty -> 1.2.3+4.gabc1234.dirty
//	abc1234 (no tag yet)    -> 0~gitabc1234
//	abc1234-dirty           -> 0~gitabc1234.dirty
//	dev (no git)            -> 0~dev
func debVersion(describe string) (string, error) {
	if describe == "dev" { // no git: a build from a source archive
		return "0~dev", nil
	}
	if m := hashRE.FindStringSubmatch(describe); m != nil {
		v := "0~git" + m[1]
		if m[2] != "" {
			v += ".dirty"
		}
		return v, nil
	}
	m := describeRE.FindStringSubmatch(describe)
	if m == nil {
		return "", fmt.Errorf("version %q is not git describe output (vX.Y.Z[-N-gHASH][-dirty] or HASH[-dirty])", describe)
	}
	v := strings.ReplaceAll(m[1], "-", "~")
	var extra []string
	if m[2] != "" {
		extra = append(extra, m[2], "g"+m[3])
	}
	if m[4] != "" {
		extra = append(extra, "dirty")
	}
	if len(extra) > 0 {
		v += "+" + strings.Join(extra, ".")
	}
	return v, nil
}

// extensionIDFromManifest checks that the built manifest carries Ponte's fixed "key" (ids.ExtensionKey)
// and returns the extension ID it gives.
func extensionIDFromManifest(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("the extension is not built (%w): run make build", err)
	}
	var m struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if m.Key != ids.ExtensionKey {
		return "", fmt.Errorf("%s does not carry Ponte's key: the extension ID would not match the host's allowed origin", path)
	}
	return ids.ChromeExtensionID(), nil
}

// geckoID reads browser_specific_settings.gecko.id from a Firefox manifest, if there is one.
func geckoID(path string) (string, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	var m struct {
		BSS struct {
			Gecko struct {
				ID string `json:"id"`
			} `json:"gecko"`
		} `json:"browser_specific_settings"`
	}
	if json.Unmarshal(data, &m) != nil || m.BSS.Gecko.ID == "" {
		return "", false
	}
	return m.BSS.Gecko.ID, true
}
