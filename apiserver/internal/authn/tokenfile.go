package authn

import (
	"crypto/subtle"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// TokenFile authenticates static bearer tokens read from an upstream
// token file: CSV lines token,user,uid[,"group1,group2"].
type TokenFile struct {
	tokens map[string]*User
}

// LoadTokenFile reads path.
func LoadTokenFile(path string) (*TokenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("authn: token file: %w", err)
	}
	defer f.Close()
	tf, err := ParseTokens(f)
	if err != nil {
		return nil, fmt.Errorf("authn: token file %s: %w", path, err)
	}
	return tf, nil
}

// ParseTokens parses the token file format.
func ParseTokens(r io.Reader) (*TokenFile, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	tf := &TokenFile{tokens: map[string]*User{}}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return tf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(rec) < 3 || rec[0] == "" || rec[1] == "" {
			return nil, fmt.Errorf("line %d: want token,user,uid[,groups]", line)
		}
		u := &User{Name: rec[1], UID: rec[2]}
		if len(rec) > 3 && rec[3] != "" {
			for g := range strings.SplitSeq(rec[3], ",") {
				if g = strings.TrimSpace(g); g != "" {
					u.Groups = append(u.Groups, g)
				}
			}
		}
		tf.tokens[rec[0]] = u
	}
}

// Authenticate implements Authenticator. A bearer token that is not in
// the file is not an error: it may be a ServiceAccount token.
func (tf *TokenFile) Authenticate(r *http.Request) (*User, bool, error) {
	tok, ok := bearer(r)
	if !ok {
		return nil, false, nil
	}
	for t, u := range tf.tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
			c := *u
			return &c, true, nil
		}
	}
	return nil, false, nil
}
