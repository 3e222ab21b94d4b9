// SPDX-License-Identifier: Apache-2.0

//go:build !race

package smtpclient

// raceEnabled shortens tests that move much data under the race detector.
const raceEnabled = false
