package tsl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/ponte-it/ponte/internal/atomicfile"
	"github.com/ponte-it/ponte/internal/signerr"
)

// Cache keeps the last list that verified, with the time it was downloaded.
type Cache interface {
	// Load returns the cached list and its download time; nil data when there is none.
	Load() (data []byte, fetched time.Time, err error)
	Store(data []byte, fetched time.Time) error
}

// DefaultMaxAge: a list is downloaded again after its NextUpdate or after a week, whichever comes first.
const DefaultMaxAge = 7 * 24 * time.Hour

// Source is where a trusted list comes from and how it is checked.
type Source struct {
	URL    string       // DefaultURL for the Italian list
	Client *http.Client // nil: a client with a 60 s timeout (in WASM, net/http goes through fetch)
	Cache  Cache        // nil: nothing cached
	Verify VerifyOptions
	MaxAge time.Duration // 0: DefaultMaxAge
	// Offline: do not download; use the cached copy (and say so).
	Offline bool
}

// Loaded is a verified list and how it was obtained.
type Loaded struct {
	List      *List
	URL       string
	Fetched   time.Time // when this copy was downloaded
	FromCache bool
	// Stale is why a fresh copy was due but could not be had (network error, refused download, offline),
	// nil when the copy is current. The cached copy is used all the same.
	Stale error
	// Expired: the list is past its NextUpdate (§5.3.15). It is used with the warning "elenco scaduto".
	Expired bool
}

// Load returns the list: the cached copy while it is current (before NextUpdate and younger than
// MaxAge), else a fresh download, verified before it is used or cached; when the download fails or is
// refused, the cached copy, with Stale saying why. A cached copy is verified again at every load. A
// download older (lower TSLSequenceNumber) than the cached copy is refused (§5.3.2: numbers only grow).
func (s *Source) Load(ctx context.Context) (*Loaded, error) {
	now := s.Verify.Now
	if now.IsZero() {
		now = time.Now()
	}
	maxAge := s.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	var cached *Loaded
	if s.Cache != nil {
		if data, fetched, err := s.Cache.Load(); err == nil && data != nil {
			if l, err := Verify(data, s.Verify); err == nil {
				cached = &Loaded{List: l, URL: s.URL, Fetched: fetched, FromCache: true, Expired: l.Expired(now)}
			}
		}
	}
	if cached != nil && !cached.Expired && now.Sub(cached.Fetched) < maxAge && !cached.Fetched.After(now) {
		return cached, nil
	}
	if s.Offline {
		if cached != nil {
			cached.Stale = errors.New("offline")
			return cached, nil
		}
		return nil, fetchError(s.URL, errors.New("offline, and no cached copy"))
	}
	data, err := s.download(ctx)
	var l *List
	if err == nil {
		l, err = Verify(data, s.Verify)
	}
	if err == nil && cached != nil && l.SequenceNumber < cached.List.SequenceNumber {
		err = signerr.New(CodeOld,
			fmt.Sprintf("L'elenco scaricato (n. %d) è più vecchio di quello già verificato (n. %d): si usa quest'ultimo.", l.SequenceNumber, cached.List.SequenceNumber),
			fmt.Sprintf("The downloaded list (no. %d) is older than the one already verified (no. %d): the latter is used.", l.SequenceNumber, cached.List.SequenceNumber), nil)
	}
	if err != nil {
		if cached != nil {
			cached.Stale = err
			return cached, nil
		}
		if signerr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, fetchError(s.URL, err)
	}
	if s.Cache != nil {
		_ = s.Cache.Store(data, now) // a cache that cannot be written only costs a download next time
	}
	return &Loaded{List: l, URL: s.URL, Fetched: now, Expired: l.Expired(now)}, nil
}

func (s *Source) download(ctx context.Context) ([]byte, error) {
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 60 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, malformed("larger than %d bytes", MaxSize)
	}
	return data, nil
}

func fetchError(url string, cause error) error {
	return signerr.New(CodeFetch,
		"Impossibile scaricare l'elenco di fiducia da "+url+" e nessuna copia in cache: la qualificazione delle firme non è verificabile. Controllare la connessione.",
		"Could not download the trusted list from "+url+" and no cached copy: whether signatures are qualified cannot be checked. Check the connection.", cause)
}

// FileCache keeps the list in a file; the download time is the file's modification time.
type FileCache struct{ Path string }

// DefaultCachePath is os.UserCacheDir()/ponte/tsl-<hash of url>.xml.
func DefaultCachePath(url string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(url))
	return filepath.Join(dir, "ponte", "tsl-"+hex.EncodeToString(h[:6])+".xml"), nil
}

// Load implements Cache.
func (c FileCache) Load() ([]byte, time.Time, error) {
	f, err := os.Open(c.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, time.Time{}, err
	}
	return data, st.ModTime(), nil
}

// Store implements Cache.
func (c FileCache) Store(data []byte, fetched time.Time) error {
	if err := atomicfile.WriteFile(c.Path, data, 0o600); err != nil {
		return err
	}
	return os.Chtimes(c.Path, fetched, fetched)
}
