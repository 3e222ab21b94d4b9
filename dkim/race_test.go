// SPDX-License-Identifier: Apache-2.0

//go:build race

package dkim

// raceEnabled is true under the race detector, which makes the large-body
// tests several times slower; they then use smaller bodies.
const raceEnabled = true
