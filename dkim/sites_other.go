// SPDX-License-Identifier: Apache-2.0

//go:build !amd64 || purego

package dkim

// bodyKernels are the kernels this processor can run: the portable ones.
//
// TODO(#6): there is no assembly kernel outside amd64 (arm64 would want a
// NEON one). The portable kernels, measured on amd64 with SHA-NI, take
// canonicalization plus hashing to about 1.8 times SHA-256 alone under
// simple and 2.2 to 3.8 times under relaxed: over the 1.5 target, and
// under simple slower than the IndexByte-per-line scan they replaced
// (1.2 to 1.4, but 4.6 to 5.7 on bodies of many empty lines).
var bodyKernels = func() (relaxed, simple []kernel) {
	return []kernel{relaxedCopySWAR}, []kernel{simpleCopySWAR}
}
