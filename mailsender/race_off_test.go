// SPDX-License-Identifier: Apache-2.0

//go:build !race

package mailsender_test

// raceEnabled reports whether the race detector is on (see
// race_on_test.go).
const raceEnabled = false
