package auth

import (
	"fmt"
	"testing"
)

// BenchmarkAuthenticate measures one header check. Hits and misses cost the
// same by design: every configured digest is compared.
func BenchmarkAuthenticate(b *testing.B) {
	for _, n := range []int{10, 100} {
		cfg, secrets := manyTokens(n)
		a := mustNew(b, cfg)
		for _, c := range []struct{ name, header string }{
			{"hit", "Bearer " + secrets[n/2]},
			{"miss", "Bearer unknown-secret-0123456789abcdef"},
		} {
			b.Run(fmt.Sprintf("tokens=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_, _ = a.Authenticate(c.header, ScopeIngest)
				}
			})
		}
	}
}
