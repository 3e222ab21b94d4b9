// SPDX-License-Identifier: Apache-2.0

//go:build amd64 && !purego

package dkim

// The amd64 kernels (sites_amd64.s) look at sixteen positions at a time
// with SSE2, which every amd64 processor has, or thirty-two with AVX2 where
// the processor has it. The relaxed ones also handle the runs of
// whitespace they meet, so that only line ends that are not CRLF, and the
// end of their input, make them return.

//go:noescape
func relaxedCopySSE2(dst, src []byte) (ns, nd int)

//go:noescape
func simpleCopySSE2(dst, src []byte) (ns, nd int)

//go:noescape
func relaxedCopyAVX2(dst, src []byte) (ns, nd int)

//go:noescape
func simpleCopyAVX2(dst, src []byte) (ns, nd int)

func cpuAVX2() bool

// bodyKernels are the kernels this processor can run, the fastest first:
// relaxed ones, then simple ones.
var bodyKernels = func() (relaxed, simple []kernel) {
	relaxed = []kernel{relaxedCopySSE2, relaxedCopySWAR}
	simple = []kernel{simpleCopySSE2, simpleCopySWAR}
	if cpuAVX2() {
		relaxed = append([]kernel{relaxedCopyAVX2}, relaxed...)
		simple = append([]kernel{simpleCopyAVX2}, simple...)
	}
	return relaxed, simple
}
