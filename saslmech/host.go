// SPDX-License-Identifier: Apache-2.0

package saslmech

import (
	"fmt"
	"strings"
)

// ForHost binds m to one server: Start fails with [ErrWrongHost], before
// anything is sent, when [ServerInfo.Host] names another host. Names are
// compared without case and without a trailing dot; no name is resolved.
// The result implements [Finisher] when m does.
func ForHost(host string, m Mechanism) Mechanism {
	b := bound{host: host, Mechanism: m}
	if f, ok := m.(Finisher); ok {
		return boundFinisher{b, f}
	}
	return b
}

type bound struct {
	host string
	Mechanism
}

func (b bound) Start(s *ServerInfo) ([]byte, error) {
	var got string
	if s != nil {
		got = s.Host
	}
	if !sameHost(got, b.host) {
		return nil, fmt.Errorf("%w: %s credentials are for %q, not %q",
			ErrWrongHost, b.Name(), b.host, got)
	}
	return b.Mechanism.Start(s)
}

type boundFinisher struct {
	bound
	f Finisher
}

func (b boundFinisher) Finish() error { return b.f.Finish() }

func sameHost(a, b string) bool {
	norm := func(h string) string {
		return strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
	}
	return a != "" && norm(a) == norm(b)
}
