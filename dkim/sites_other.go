// SPDX-License-Identifier: Apache-2.0

//go:build !amd64 || purego

package dkim

// bodyKernels are the kernels this processor can run: the portable ones.
//
// TODO(#6): there is no assembly kernel outside amd64 (arm64 would want a
// NEON one). The portable kernels, measured on amd64 with SHA-NI, take
// canonicalization plus hashing to 1.2 to 1.45 times SHA-256 alone under
// simple (1.75 on bodies of many empty lines) but 2.2 to 3.8 times under
// relaxed, over the 1.5 target: the relaxed one looks at eight octets at
// a time in plain Go and leaves every run of whitespace to bodyCanon.
var bodyKernels = func() (relaxed, simple []kernel) {
	return []kernel{relaxedCopySWAR}, []kernel{simpleCopySWAR}
}
