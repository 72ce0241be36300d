// Command apitoken-verify verifies ApiTokens against a mounted apitoken-trust directory with
// go-jose v2 and compress/zlib.
//
// Library: v := NewVerifier(trustDir, issuer, audience); v.Verify(token)
// CLI:     apitoken-verify TRUST_DIR ISSUER AUDIENCE < tokens   (one JSON verdict per line)
package main

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	jose "gopkg.in/square/go-jose.v2"
	"gopkg.in/square/go-jose.v2/jwt"
)

const (
	shardSize      = 1 << 21 // status-list.jwt, then status-list-1.jwt ... status-list-15.jwt
	shards         = 16
	maxTokenLength = 8 * 1024
	maxListBytes   = 64 * 1024 * 1024 // caps what a small zlib stream may inflate to
)

// Verdict is what Verify returns: Valid with the claims, or a Reason (and the ids once signed).
type Verdict struct {
	Valid     bool     `json:"valid"`
	Reason    string   `json:"reason,omitempty"`
	Subject   string   `json:"sub,omitempty"`
	Audience  []string `json:"aud,omitempty"`
	Scope     string   `json:"scope,omitempty"`
	ID        string   `json:"jti,omitempty"`
	IssuedAt  int64    `json:"iat,omitempty"`
	Expiry    int64    `json:"exp,omitempty"`
	KeyID     string   `json:"kid,omitempty"`
	StatusIdx *int64   `json:"status_idx,omitempty"`
}

type statusList struct {
	uri                 string
	version             int64 // ver, the publication version: only grows, whatever the clocks say
	issuedAt, expiresAt int64
	bits                int
	first, end          int64
	bytes               []byte
}

// Verifier holds the trust of one directory and rereads it when the kubelet swaps its files.
type Verifier struct {
	Dir, Issuer, Audience string
	Leeway, MaxListAge    time.Duration // MaxListAge 0: exp alone decides staleness
	RecheckEvery          time.Duration
	LastError             string

	keys        map[string]ed25519.PublicKey // nothing trusted until the first load succeeds
	lists       map[string]*statusList
	revoked     map[string]map[int64]bool // uri -> every index ever seen revoked: never shrinks
	fingerprint string
	checkedAt   time.Time
}

func listFile(shard int) string {
	if shard == 0 {
		return "status-list.jwt"
	}
	return fmt.Sprintf("status-list-%d.jwt", shard)
}

func trustFiles() []string {
	files := []string{"jwks.json"}
	for shard := 0; shard < shards; shard++ {
		files = append(files, listFile(shard))
	}
	return files
}

// NewVerifier loads the directory once; a failed load leaves it with no keys (every token rejected).
func NewVerifier(dir, issuer, audience string) *Verifier {
	v := &Verifier{Dir: dir, Issuer: issuer, Audience: audience, Leeway: 30 * time.Second,
		RecheckEvery: time.Second, LastError: "not loaded yet", revoked: map[string]map[int64]bool{}}
	v.reloadIfChanged(true)
	return v
}

// currentFingerprint is a cheap identity of the directory's version: ..data and each file's stat.
func (v *Verifier) currentFingerprint() string {
	link, err := os.Readlink(filepath.Join(v.Dir, "..data"))
	if err != nil {
		link = "-"
	}
	parts := []string{link}
	for _, name := range trustFiles() {
		if s, err := os.Stat(filepath.Join(v.Dir, name)); err == nil {
			parts = append(parts, fmt.Sprintf("%s:%d:%d:%v", name, s.Size(), s.ModTime().UnixNano(), s.Sys()))
		}
	}
	return strings.Join(parts, "|")
}

// reloadIfChanged rereads the directory when it changed; a failed reload keeps the previous trust.
func (v *Verifier) reloadIfChanged(force bool) {
	if !force && time.Since(v.checkedAt) < v.RecheckEvery {
		return
	}
	v.checkedAt = time.Now()
	seen := v.currentFingerprint()
	if seen == v.fingerprint {
		return
	}
	v.fingerprint = seen
	keys, lists, fresh, err := v.load(&v.fingerprint)
	if err != nil {
		v.LastError = "keeping the previous trust: " + err.Error()
		fmt.Fprintln(os.Stderr, "apitoken trust reload failed:", err)
		return
	}
	for _, held := range fresh { // a revocation, once seen, is final
		if v.revoked[held.uri] == nil {
			v.revoked[held.uri] = map[int64]bool{}
		}
		for _, idx := range held.revokedIndices() {
			v.revoked[held.uri][idx] = true
		}
	}
	v.keys, v.lists, v.LastError = keys, lists, ""
}

// load reads the directory: its keys, the list used per URI, and every fresh list it holds.
func (v *Verifier) load(seen *string) (map[string]ed25519.PublicKey, map[string]*statusList,
	[]*statusList, error) {
	texts := map[string][]byte{}
	for attempt := 0; ; attempt++ { // the kubelet may swap the files while we read them
		for _, name := range trustFiles() {
			data, err := os.ReadFile(filepath.Join(v.Dir, name))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, nil, nil, err
			}
			texts[name] = data
		}
		if after := v.currentFingerprint(); after == *seen {
			break
		} else if *seen = after; attempt == 2 {
			return nil, nil, nil, errors.New("the directory kept changing while it was read")
		}
	}
	if texts["jwks.json"] == nil {
		return nil, nil, nil, errors.New("jwks.json is missing")
	}
	keys, err := readKeys(texts["jwks.json"])
	if err != nil {
		return nil, nil, nil, err
	}
	lists, fresh := map[string]*statusList{}, []*statusList{}
	for shard := 0; shard < shards; shard++ {
		text := texts[listFile(shard)]
		if text == nil {
			continue
		}
		held, err := readStatusList(strings.TrimSpace(string(text)), shard, keys)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", listFile(shard), err)
		}
		if lists[held.uri] != nil {
			return nil, nil, nil, fmt.Errorf("%s: another file has the same sub", listFile(shard))
		}
		if held.issuedAt > time.Now().Add(v.Leeway).Unix() {
			return nil, nil, nil, fmt.Errorf("%s: iat is in the future beyond the leeway", listFile(shard))
		}
		if !v.stale(held) {
			fresh = append(fresh, held)
		}
		// Per URI the fresh list with the highest ver, never the newest iat alone (the writers'
		// clocks may disagree): a directory rolled back to a lower ver keeps the higher; a stale
		// list gives way to a fresh one (an operator restored from a backup starts at lower
		// versions). Equal ver and iat: the file.
		previous := v.lists[held.uri]
		if previous != nil && !v.stale(previous) && (v.stale(held) || previous.outranks(held)) {
			held = previous
		}
		lists[held.uri] = held
	}
	return keys, lists, fresh, nil
}

// outranks says whether held is the later publication: a higher ver, or the same ver signed later.
func (held *statusList) outranks(other *statusList) bool {
	return held.version > other.version ||
		(held.version == other.version && held.issuedAt > other.issuedAt)
}

// revokedIndices lists every index of the list whose status is not VALID.
func (held *statusList) revokedIndices() []int64 {
	var indices []int64
	mask := byte(1<<held.bits - 1)
	for at, b := range held.bytes {
		for k := 0; b != 0 && k < 8/held.bits; k++ {
			idx := held.first + int64(at*8/held.bits+k)
			if (b>>(k*held.bits))&mask != 0 && idx < held.end {
				indices = append(indices, idx)
			}
		}
	}
	return indices
}

// readKeys reads jwks.json: only Ed25519 keys, and the key decides the algorithm.
func readKeys(text []byte) (map[string]ed25519.PublicKey, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(text, &set); err != nil {
		return nil, fmt.Errorf("jwks.json: %w", err)
	}
	keys := map[string]ed25519.PublicKey{}
	for _, jwk := range set.Keys {
		key, ok := jwk.Key.(ed25519.PublicKey)
		if !ok || (jwk.Algorithm != "" && jwk.Algorithm != "EdDSA") {
			return nil, fmt.Errorf("jwks.json: key %q is not an Ed25519 (EdDSA) key", jwk.KeyID)
		}
		keys[jwk.KeyID] = key
	}
	return keys, nil
}

// header decodes a compact JWS's header as it is, to check its members before trusting anything.
func header(token string) (map[string]interface{}, error) {
	part, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.Strict().DecodeString(part)
	if err != nil {
		return nil, err
	}
	var h map[string]interface{}
	return h, json.Unmarshal(raw, &h)
}

// readStatusList verifies one Status List Token and decodes the part of its bits in its shard.
func readStatusList(text string, shard int, keys map[string]ed25519.PublicKey) (*statusList, error) {
	h, err := header(text)
	if err != nil || h["typ"] != "statuslist+jwt" || h["alg"] != "EdDSA" {
		return nil, errors.New("not an EdDSA statuslist+jwt")
	}
	kid, _ := h["kid"].(string)
	key, ok := keys[kid]
	if !ok {
		return nil, errors.New("signed by a key that is not in jwks.json")
	}
	parsed, err := jwt.ParseSigned(text)
	if err != nil {
		return nil, err
	}
	var claims struct {
		Sub        string `json:"sub"`
		Iat        *int64 `json:"iat"`
		Exp        *int64 `json:"exp"`
		Ver        int64  `json:"ver"` // absent: 0
		StatusList *struct {
			Bits int    `json:"bits"`
			Lst  string `json:"lst"`
		} `json:"status_list"`
	}
	if err := parsed.Claims(key, &claims); err != nil {
		return nil, err
	}
	if claims.Sub == "" || claims.Iat == nil || claims.Exp == nil || *claims.Exp <= *claims.Iat ||
		claims.StatusList == nil {
		return nil, errors.New("no sub, iat, exp or status_list")
	}
	bits := claims.StatusList.Bits
	if bits != 1 && bits != 2 && bits != 4 && bits != 8 {
		return nil, errors.New("bits must be 1, 2, 4 or 8")
	}
	if claims.Ver < 0 {
		return nil, errors.New("bad ver")
	}
	compressed, err := base64.RawURLEncoding.Strict().DecodeString(claims.StatusList.Lst)
	if err != nil {
		return nil, fmt.Errorf("lst: %w", err)
	}
	input := bytes.NewReader(compressed)
	inflater, err := zlib.NewReader(input)
	if err != nil {
		return nil, fmt.Errorf("lst: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(inflater, maxListBytes+1))
	if err != nil || len(data) > maxListBytes || input.Len() != 0 {
		return nil, errors.New("lst is not one complete zlib stream of at most 64 MiB")
	}
	first := int64(shard) * shardSize // each shard file is indexed by the global idx
	start, stop := first*int64(bits)/8, (first+shardSize)*int64(bits)/8
	if stop > int64(len(data)) {
		stop = int64(len(data))
	}
	if start > stop {
		start = stop
	}
	end := int64(len(data)) * 8 / int64(bits)
	if end > first+shardSize {
		end = first + shardSize
	}
	return &statusList{uri: claims.Sub, version: claims.Ver, issuedAt: *claims.Iat,
		expiresAt: *claims.Exp, bits: bits,
		first: first, end: end, bytes: append([]byte(nil), data[start:stop]...)}, nil
}

func (v *Verifier) stale(held *statusList) bool {
	now := time.Now()
	return !now.Before(time.Unix(held.expiresAt, 0)) ||
		(v.MaxListAge > 0 && now.Sub(time.Unix(held.issuedAt, 0)) > v.MaxListAge)
}

// Ready is for a readiness probe: keys are held and no status list is stale.
func (v *Verifier) Ready() bool {
	v.reloadIfChanged(false)
	for _, held := range v.lists {
		if v.stale(held) {
			return false
		}
	}
	return len(v.keys) > 0
}

func rejected(reason string) Verdict { return Verdict{Reason: reason} }

// Verify checks one token; it never panics on input and never accepts on error. Not safe for
// concurrent use: guard it with a mutex, or give each goroutine its own Verifier.
func (v *Verifier) Verify(token string) Verdict {
	v.reloadIfChanged(false)
	if len(token) > maxTokenLength {
		return rejected("TOO_LARGE")
	}
	h, err := header(token)
	if err != nil || strings.Count(token, ".") != 2 {
		return rejected("MALFORMED")
	}
	for name := range h {
		if name != "alg" && name != "kid" && name != "typ" {
			return rejected("MALFORMED")
		}
	}
	if typ, present := h["typ"]; present && typ != "JWT" {
		return rejected("MALFORMED") // a status list is not a token
	}
	kid, _ := h["kid"].(string)
	key, ok := v.keys[kid]
	if !ok {
		return rejected("UNKNOWN_KEY")
	}
	if h["alg"] != "EdDSA" { // the key decides the algorithm
		return rejected("BAD_SIGNATURE")
	}
	parsed, err := jwt.ParseSigned(token)
	if err != nil {
		return rejected("MALFORMED")
	}
	var std jwt.Claims
	var own struct {
		Scope  string `json:"scope"`
		Status struct {
			StatusList struct {
				Idx *int64  `json:"idx"`
				URI *string `json:"uri"`
			} `json:"status_list"`
		} `json:"status"`
	}
	if err := parsed.Claims(key, &std, &own); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return rejected("BAD_SIGNATURE")
		}
		return rejected("MALFORMED")
	}
	// Only now, with the signature verified, are the ids the issuer's.
	ids := func(reason string) Verdict { return Verdict{Reason: reason, ID: std.ID, Subject: std.Subject} }
	if std.Issuer == "" || std.Subject == "" || std.ID == "" || std.IssuedAt == nil ||
		std.NotBefore == nil || std.Expiry == nil {
		return ids("MALFORMED")
	}
	err = std.ValidateWithLeeway(jwt.Expected{Issuer: v.Issuer, Audience: jwt.Audience{v.Audience},
		Time: time.Now()}, v.Leeway)
	switch err {
	case nil:
	case jwt.ErrInvalidIssuer:
		return ids("WRONG_ISSUER")
	case jwt.ErrInvalidAudience:
		return ids("WRONG_AUDIENCE")
	case jwt.ErrExpired:
		return ids("EXPIRED")
	case jwt.ErrNotValidYet, jwt.ErrIssuedInTheFuture:
		return ids("NOT_YET_VALID")
	default:
		return ids("MALFORMED")
	}
	idx, uri := own.Status.StatusList.Idx, own.Status.StatusList.URI
	if idx == nil || *idx < 0 || uri == nil {
		return ids("STATUS_UNKNOWN")
	}
	if v.revoked[*uri][*idx] {
		return ids("REVOKED") // whatever a later list says
	}
	held := v.lists[*uri] // the list whose sub is exactly the token's uri
	if held == nil {
		return ids("STATUS_LIST_MISSING")
	}
	if *idx < held.first || *idx >= held.end {
		return ids("STATUS_UNKNOWN")
	}
	at := (*idx - held.first) * int64(held.bits)
	if (held.bytes[at/8]>>(at%8))&(1<<held.bits-1) != 0 {
		return ids("REVOKED") // final, even on a stale list
	}
	if v.stale(held) {
		return ids("STATUS_STALE")
	}
	return Verdict{Valid: true, Subject: std.Subject, Audience: std.Audience, Scope: own.Scope,
		ID: std.ID, IssuedAt: int64(*std.IssuedAt), Expiry: int64(*std.Expiry), KeyID: kid,
		StatusIdx: idx}
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: apitoken-verify TRUST_DIR ISSUER AUDIENCE < tokens")
		os.Exit(2)
	}
	verifier := NewVerifier(os.Args[1], os.Args[2], os.Args[3])
	verifier.RecheckEvery = 0 // reread between lines
	in, out := bufio.NewReader(os.Stdin), json.NewEncoder(os.Stdout)
	for {
		line, err := in.ReadString('\n')
		if token := strings.TrimSpace(line); token != "" {
			if encodeErr := out.Encode(verifier.Verify(token)); encodeErr != nil {
				os.Exit(1)
			}
		}
		if err != nil {
			return
		}
	}
}
