// SPDX-License-Identifier: Apache-2.0

//go:build !amd64 || purego

package dkim

// bodyKernels are the kernels this processor can run: the portable ones.
var bodyKernels = func() (relaxed, simple []kernel) {
	return []kernel{relaxedCopySWAR}, []kernel{simpleCopySWAR}
}
