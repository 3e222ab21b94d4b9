// SPDX-License-Identifier: Apache-2.0

//go:build amd64 && !purego

package dkim

// relaxedCopy and simpleCopy look at sixteen positions at a time with
// SSE2, which every amd64 processor has (sites_amd64.s). relaxedCopy also
// handles the runs of whitespace it meets, so that only line ends that
// are not CRLF, and the end of its input, make it return.
//
//go:noescape
func relaxedCopy(dst, src []byte) (ns, nd int)

//go:noescape
func simpleCopy(dst, src []byte) (ns, nd int)
