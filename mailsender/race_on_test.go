// SPDX-License-Identifier: Apache-2.0

//go:build race

package mailsender_test

// raceEnabled reports whether the race detector is on. The test that
// counts the bytes Protect allocates skips under it, as the detector
// changes allocations, and the openssl round trips of large messages run
// at a smaller size, as it makes them slow.
const raceEnabled = true
