// SPDX-License-Identifier: Apache-2.0

package queue

import (
	"math/rand/v2"
	"time"
)

// Backoff is the retry schedule. The zero value uses Postfix's defaults:
// 300 s doubling to 4000 s, a lifetime of 5 days, and 20% jitter.
type Backoff struct {
	Min      time.Duration // first retry delay; 0 means 5 minutes
	Max      time.Duration // largest delay; 0 means 4000 seconds
	Lifetime time.Duration // an entry older than this fails; 0 means 5 days
	// Jitter is the fraction of the delay added or removed at random; 0
	// means 0.2, negative means none.
	Jitter float64
	// Rand returns a number in [0, 1); nil uses math/rand/v2.
	Rand func() float64
}

func (b *Backoff) min() time.Duration {
	if b == nil || b.Min == 0 {
		return 5 * time.Minute
	}
	return b.Min
}

func (b *Backoff) max() time.Duration {
	if b == nil || b.Max == 0 {
		return 4000 * time.Second
	}
	return b.Max
}

// LifetimeOrDefault returns the lifetime in effect.
func (b *Backoff) LifetimeOrDefault() time.Duration {
	if b == nil || b.Lifetime == 0 {
		return 5 * 24 * time.Hour
	}
	return b.Lifetime
}

// Base returns the delay after the given number of failed attempts,
// without jitter: Min doubled attempts-1 times, capped at Max.
func (b *Backoff) Base(attempts int) time.Duration {
	d, hi := b.min(), b.max()
	for i := 1; i < attempts && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// Delay returns Base with jitter applied.
func (b *Backoff) Delay(attempts int) time.Duration {
	d := b.Base(attempts)
	j := 0.2
	if b != nil && b.Jitter != 0 {
		j = b.Jitter
	}
	if j < 0 {
		return d
	}
	r := rand.Float64
	if b != nil && b.Rand != nil {
		r = b.Rand
	}
	return time.Duration(float64(d) * (1 + j*(2*r()-1)))
}
