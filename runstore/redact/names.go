package redact

import (
	"slices"
	"strings"
	"unicode"
)

// secretParts name a secret wherever they appear in a name once its
// separators are gone: ETCD_ROOT_PASSWORD, sudoPassword, client-secret,
// X-Api-Key, ssh-private-key, auth-token.
var secretParts = []string{"password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "privatekey", "authkey"}

// secretWords name a secret only as a whole word of the name: they are short
// enough to sit inside ordinary words (auth in author, pw in pwm).
var secretWords = []string{"auth", "authn", "authz", "authorization", "authentication", "pw"}

// IsSecretName reports whether a key, flag or environment variable name
// names a secret. Names are compared by their words, whatever their case and
// separators (api-key, API_KEY, apiKey and ApiKey are one name).
func IsSecretName(name string) bool {
	words := splitWords(name)
	joined := strings.Join(words, "")
	for _, p := range secretParts {
		if strings.Contains(joined, p) {
			return true
		}
	}
	for _, w := range words {
		if slices.Contains(secretWords, w) {
			return true
		}
	}
	return false
}

// splitWords splits a name into lower-case words at anything that is not a
// letter or digit, and at camel-case boundaries (apiKey, APIKey: api key).
func splitWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || unicode.IsUpper(rs[i-1]) && nextLower {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}
