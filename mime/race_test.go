// SPDX-License-Identifier: Apache-2.0

//go:build race

package mime

// raceEnabled reports whether the race detector is on; tests that measure
// the heap or push 100 MiB through the encoders skip under it.
const raceEnabled = true
