package auth

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Limits on token secrets.
const (
	// MinTokenLen is the shortest secret accepted: 16 random characters are
	// the least that resists online guessing; `openssl rand -hex 32` is better.
	MinTokenLen = 16
	// MaxTokenLen bounds secrets (and token files) so a misconfigured path
	// such as /dev/zero cannot exhaust memory.
	MaxTokenLen = 4096
)

const keyPrefix = "auth."

var (
	// tenantRE: tenants are stored in ClickHouse rows and used in URLs, so
	// they are kept to characters that need no quoting or escaping anywhere.
	tenantRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	// nameRE: names appear in logs and error messages.
	nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
)

// Config is the authentication configuration (YAML key "auth"). With no
// tokens, authentication is off and listeners must stay on loopback (see
// CheckListenAddr).
type Config struct {
	Tokens []TokenConfig `yaml:"tokens"`
}

// TokenConfig is one bearer token. The secret comes from exactly one of
// Token (inline), TokenFile (file contents, surrounding whitespace trimmed)
// or TokenEnv (the named environment variable, trimmed), so secrets need not
// live in the YAML file. Formatting a TokenConfig never shows the secret.
type TokenConfig struct {
	// Name identifies the token in logs and errors; it is not a secret.
	Name      string  `yaml:"name"`
	Token     string  `yaml:"token"`
	TokenFile string  `yaml:"token_file"`
	TokenEnv  string  `yaml:"token_env"`
	Scopes    []Scope `yaml:"scopes"`
	Tenant    string  `yaml:"tenant"`
}

// NewDefaultConfig returns the default: no tokens, authentication off,
// listeners restricted to loopback.
func NewDefaultConfig() Config { return Config{} }

// Enabled reports whether any token is configured.
func (c Config) Enabled() bool { return len(c.Tokens) > 0 }

// Validate reports every problem at once, each with its key under "auth".
// It reads token_file and token_env sources, so a secret that cannot be
// loaded fails at startup rather than on the first request.
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// entry is a resolved token: only the digest of the secret is kept.
type entry struct {
	digest    [sha256.Size]byte
	principal Principal
}

// resolve loads every secret and checks every token; Validate and New share
// it so that what is validated is exactly what is used.
func (c Config) resolve() ([]entry, error) {
	var errs []error
	names := map[string]int{}
	digests := map[[sha256.Size]byte]int{}
	entries := make([]entry, 0, len(c.Tokens))
	for i, t := range c.Tokens {
		key := fmt.Sprintf("%stokens[%d]", keyPrefix, i)
		bad := func(field, format string, args ...any) {
			errs = append(errs, fmt.Errorf(key+field+": "+format, args...))
		}
		t.checkFields(bad)
		if j, dup := names[t.Name]; dup && t.Name != "" {
			bad(".name", "duplicate name %q (also %stokens[%d])", t.Name, keyPrefix, j)
		} else {
			names[t.Name] = i
		}
		field, secret, err := t.secret()
		if err != nil {
			bad(field, "%v", err)
			continue
		}
		d := sha256.Sum256([]byte(secret))
		if j, dup := digests[d]; dup {
			// One secret must identify exactly one principal.
			bad(field, "same secret as %stokens[%d]; every token needs its own secret", keyPrefix, j)
			continue
		}
		digests[d] = i
		entries = append(entries, entry{digest: d, principal: t.principal()})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return entries, nil
}

// checkFields checks name, tenant and scopes; bad takes a ".field" suffix.
func (t TokenConfig) checkFields(bad func(field, format string, args ...any)) {
	if t.Name == "" {
		bad(".name", "must not be empty")
	} else if !nameRE.MatchString(t.Name) {
		bad(".name", "must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}, got %q", t.Name)
	}
	if t.Tenant == "" {
		bad(".tenant", "must not be empty")
	} else if !tenantRE.MatchString(t.Tenant) {
		bad(".tenant", "must match [a-z0-9_-]{1,64}, got %q", t.Tenant)
	}
	if len(t.Scopes) == 0 {
		bad(".scopes", "at least one of ingest, read, admin is required")
	}
	for _, s := range t.Scopes {
		if !s.Valid() {
			bad(".scopes", "unknown scope %q (want ingest, read or admin)", s)
		}
	}
}

func (t TokenConfig) principal() Principal {
	return Principal{Name: t.Name, Tenant: t.Tenant, Scopes: NewScopeSet(t.Scopes...)}
}

// secret loads the secret from its one source. field is the key suffix the
// error belongs to. Errors never contain the secret.
func (t TokenConfig) secret() (field, secret string, err error) {
	var set []string
	for _, src := range []struct{ key, val string }{{"token", t.Token}, {"token_file", t.TokenFile}, {"token_env", t.TokenEnv}} {
		if src.val != "" {
			set = append(set, src.key)
		}
	}
	switch len(set) {
	case 0:
		return "", "", errors.New("one of token, token_file or token_env is required")
	case 1:
	default:
		return "", "", fmt.Errorf("set only one of token, token_file or token_env (got %s)", strings.Join(set, " and "))
	}
	field = "." + set[0]
	switch set[0] {
	case "token":
		secret = t.Token
	case "token_file":
		secret, err = readTokenFile(t.TokenFile)
	case "token_env":
		secret, err = readTokenEnv(t.TokenEnv)
	}
	if err == nil {
		err = checkSecret(secret)
	}
	return field, secret, err
}

func readTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read token file: %w", err)
	}
	defer f.Close()
	// One byte over the limit (plus room for a trailing newline) is enough
	// to tell that the file is too long.
	data, err := io.ReadAll(io.LimitReader(f, MaxTokenLen+64))
	if err != nil {
		return "", fmt.Errorf("cannot read token file %s: %w", path, err)
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", fmt.Errorf("token file %s is empty", path)
	}
	return s, nil
}

func readTokenEnv(name string) (string, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	// Trimmed like files: secrets created from files often end in a newline.
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fmt.Errorf("environment variable %s is empty", name)
	}
	return v, nil
}

// checkSecret rejects weak or unusable secrets without revealing them (not
// even their length).
func checkSecret(s string) error {
	if len(s) < MinTokenLen {
		return fmt.Errorf("secret is shorter than %d characters; generate one with `openssl rand -hex 32`", MinTokenLen)
	}
	if len(s) > MaxTokenLen {
		return fmt.Errorf("secret is longer than %d characters", MaxTokenLen)
	}
	for i := 0; i < len(s); i++ {
		// Printable ASCII without spaces survives HTTP headers and gRPC
		// metadata unchanged, and cannot be split by the Bearer parser.
		if s[i] < 0x21 || s[i] > 0x7e {
			return errors.New("secret must be printable ASCII without spaces")
		}
	}
	return nil
}
