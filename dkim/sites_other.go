// SPDX-License-Identifier: Apache-2.0

//go:build !amd64 || purego

package dkim

func relaxedCopy(dst, src []byte) (ns, nd int) { return relaxedCopySWAR(dst, src) }

func simpleCopy(dst, src []byte) (ns, nd int) { return simpleCopySWAR(dst, src) }
