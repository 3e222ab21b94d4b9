// SPDX-License-Identifier: Apache-2.0

//go:build amd64 && !purego

#include "textflag.h"

// SPLAT fills X register x with the octet c, using DX.
#define SPLAT(c, x) \
	MOVQ $(c*0x0101010101010101), DX; \
	MOVQ DX, x; \
	PUNPCKLQDQ x, x

// BOUNDS loads the arguments of a kernel: DI dst, SI src, AX = 0 (octets
// of src taken), BX = 0 (octets of dst written), CX the last position of
// src with 17 octets from it, R12 the last position of dst with 16.
#define BOUNDS \
	MOVQ dst_base+0(FP), DI; \
	MOVQ dst_len+8(FP), R12; \
	MOVQ src_base+24(FP), SI; \
	MOVQ src_len+32(FP), CX; \
	XORQ AX, AX; \
	XORQ BX, BX; \
	SUBQ $17, CX; \
	SUBQ $16, R12

// func relaxedCopySSE2(dst, src []byte) (ns, nd int)
//
// Sixteen positions j at a time: X0 holds src[j:j+16], X1 src[j+1:j+17].
// A position is marked when src[j] is a tab, when src[j] is a space and
// src[j+1] is at most 0x20, or when (src[j] is a CR) differs from
// (src[j+1] is an LF). X0 is stored to the output whatever the outcome:
// the octets after a mark are scratch. At a mark on a space or tab, the
// run of WSP is measured: before a CRLF it is dropped, before anything but
// a CR or LF it becomes one space, and the scan goes on; any other mark
// ends the kernel there.
TEXT ·relaxedCopySSE2(SB), NOSPLIT, $0-64
	BOUNDS
	SPLAT(0x09, X8)
	SPLAT(0x20, X9)
	SPLAT(0x0d, X10)
	SPLAT(0x0a, X11)

rloop:
	CMPQ     AX, CX
	JGT      rdone
	CMPQ     BX, R12
	JGT      rdone
	MOVOU    (SI)(AX*1), X0
	MOVOU    1(SI)(AX*1), X1
	MOVOU    X0, (DI)(BX*1)
	MOVO     X0, X2
	PCMPEQB  X8, X2
	MOVO     X0, X3
	PCMPEQB  X9, X3
	MOVO     X1, X4
	PMINUB   X9, X4
	PCMPEQB  X1, X4
	PAND     X4, X3
	POR      X3, X2
	MOVO     X0, X5
	PCMPEQB  X10, X5
	MOVO     X1, X6
	PCMPEQB  X11, X6
	PXOR     X6, X5
	POR      X5, X2
	PMOVMSKB X2, DX
	TESTL    DX, DX
	JNZ      rfound
	ADDQ     $16, AX
	ADDQ     $16, BX
	JMP      rloop

rfound:
	BSFL    DX, DX
	ADDQ    DX, AX
	ADDQ    DX, BX
	MOVBLZX (SI)(AX*1), R8
	CMPB    R8, $0x20
	JEQ     rwsp
	CMPB    R8, $0x09
	JNE     rdone

rwsp:
	LEAQ 1(AX), R9

rwloop:
	CMPQ    R9, CX
	JGT     rdone
	MOVBLZX (SI)(R9*1), R8
	CMPB    R8, $0x20
	JEQ     rwnext
	CMPB    R8, $0x09
	JNE     rwend

rwnext:
	INCQ R9
	JMP  rwloop

rwend:
	CMPB R8, $0x0d
	JEQ  rwcr
	CMPB R8, $0x0a
	JEQ  rdone
	MOVB $0x20, (DI)(BX*1)
	INCQ BX
	MOVQ R9, AX
	JMP  rloop

rwcr:
	CMPB 1(SI)(R9*1), $0x0a
	JNE  rdone
	MOVQ R9, AX
	JMP  rloop

rdone:
	MOVQ AX, ns+48(FP)
	MOVQ BX, nd+56(FP)
	RET

// func simpleCopySSE2(dst, src []byte) (ns, nd int)
//
// As relaxedCopySSE2, with only the CR and LF test, so that ns and nd are
// equal.
TEXT ·simpleCopySSE2(SB), NOSPLIT, $0-64
	BOUNDS
	CMPQ R12, CX
	CMOVQLT R12, CX
	SPLAT(0x0d, X10)
	SPLAT(0x0a, X11)

sloop:
	CMPQ     AX, CX
	JGT      sdone
	MOVOU    (SI)(AX*1), X0
	MOVOU    1(SI)(AX*1), X1
	MOVOU    X0, (DI)(AX*1)
	PCMPEQB  X10, X0
	PCMPEQB  X11, X1
	PXOR     X1, X0
	PMOVMSKB X0, DX
	TESTL    DX, DX
	JNZ      sfound
	ADDQ     $16, AX
	JMP      sloop

sfound:
	BSFL DX, DX
	ADDQ DX, AX

sdone:
	MOVQ AX, ns+48(FP)
	MOVQ AX, nd+56(FP)
	RET

// SPLAT32 fills Y register y with the octet c, using DX and X register x
// (the low half of y).
#define SPLAT32(c, x, y) \
	MOVQ $(c*0x0101010101010101), DX; \
	MOVQ DX, x; \
	VPBROADCASTQ x, y

// BOUNDS32 is BOUNDS for 32 octets at a time.
#define BOUNDS32 \
	MOVQ dst_base+0(FP), DI; \
	MOVQ dst_len+8(FP), R12; \
	MOVQ src_base+24(FP), SI; \
	MOVQ src_len+32(FP), CX; \
	XORQ AX, AX; \
	XORQ BX, BX; \
	SUBQ $33, CX; \
	SUBQ $32, R12

// func relaxedCopyAVX2(dst, src []byte) (ns, nd int)
//
// relaxedCopySSE2 with AVX2, thirty-two positions at a time.
TEXT ·relaxedCopyAVX2(SB), NOSPLIT, $0-64
	BOUNDS32
	SPLAT32(0x09, X8, Y8)
	SPLAT32(0x20, X9, Y9)
	SPLAT32(0x0d, X10, Y10)
	SPLAT32(0x0a, X11, Y11)

aloop:
	CMPQ      AX, CX
	JGT       adone
	CMPQ      BX, R12
	JGT       adone
	VMOVDQU   (SI)(AX*1), Y0
	VMOVDQU   1(SI)(AX*1), Y1
	VMOVDQU   Y0, (DI)(BX*1)
	VPCMPEQB  Y8, Y0, Y2
	VPCMPEQB  Y9, Y0, Y3
	VPMINUB   Y9, Y1, Y4
	VPCMPEQB  Y1, Y4, Y4
	VPAND     Y4, Y3, Y3
	VPOR      Y3, Y2, Y2
	VPCMPEQB  Y10, Y0, Y5
	VPCMPEQB  Y11, Y1, Y6
	VPXOR     Y6, Y5, Y5
	VPOR      Y5, Y2, Y2
	VPMOVMSKB Y2, DX
	TESTL     DX, DX
	JNZ       afound
	ADDQ      $32, AX
	ADDQ      $32, BX
	JMP       aloop

afound:
	BSFL    DX, DX
	ADDQ    DX, AX
	ADDQ    DX, BX
	MOVBLZX (SI)(AX*1), R8
	CMPB    R8, $0x20
	JEQ     awsp
	CMPB    R8, $0x09
	JNE     adone

awsp:
	LEAQ 1(AX), R9

awloop:
	CMPQ    R9, CX
	JGT     adone
	MOVBLZX (SI)(R9*1), R8
	CMPB    R8, $0x20
	JEQ     awnext
	CMPB    R8, $0x09
	JNE     awend

awnext:
	INCQ R9
	JMP  awloop

awend:
	CMPB R8, $0x0d
	JEQ  awcr
	CMPB R8, $0x0a
	JEQ  adone
	MOVB $0x20, (DI)(BX*1)
	INCQ BX
	MOVQ R9, AX
	JMP  aloop

awcr:
	CMPB 1(SI)(R9*1), $0x0a
	JNE  adone
	MOVQ R9, AX
	JMP  aloop

adone:
	VZEROUPPER
	MOVQ AX, ns+48(FP)
	MOVQ BX, nd+56(FP)
	RET

// func simpleCopyAVX2(dst, src []byte) (ns, nd int)
//
// simpleCopySSE2 with AVX2, thirty-two positions at a time.
TEXT ·simpleCopyAVX2(SB), NOSPLIT, $0-64
	BOUNDS32
	CMPQ    R12, CX
	CMOVQLT R12, CX
	SPLAT32(0x0d, X10, Y10)
	SPLAT32(0x0a, X11, Y11)

bloop:
	CMPQ      AX, CX
	JGT       bdone
	VMOVDQU   (SI)(AX*1), Y0
	VMOVDQU   1(SI)(AX*1), Y1
	VMOVDQU   Y0, (DI)(AX*1)
	VPCMPEQB  Y10, Y0, Y0
	VPCMPEQB  Y11, Y1, Y1
	VPXOR     Y1, Y0, Y0
	VPMOVMSKB Y0, DX
	TESTL     DX, DX
	JNZ       bfound
	ADDQ      $32, AX
	JMP       bloop

bfound:
	BSFL DX, DX
	ADDQ DX, AX

bdone:
	VZEROUPPER
	MOVQ AX, ns+48(FP)
	MOVQ AX, nd+56(FP)
	RET

// func cpuAVX2() bool
//
// Whether the processor has AVX2 and the operating system saves the YMM
// registers (CPUID leaves 1 and 7, XCR0).
TEXT ·cpuAVX2(SB), NOSPLIT, $0-1
	XORL  AX, AX
	CPUID
	CMPL  AX, $7
	JLT   no
	MOVL  $1, AX
	XORL  CX, CX
	CPUID
	ANDL  $0x18000000, CX // OSXSAVE (bit 27) and AVX (bit 28)
	CMPL  CX, $0x18000000
	JNE   no
	XORL  CX, CX
	XGETBV
	ANDL  $6, AX          // XMM and YMM state
	CMPL  AX, $6
	JNE   no
	MOVL  $7, AX
	XORL  CX, CX
	CPUID
	BTL   $5, BX          // AVX2
	JCC   no
	MOVB  $1, ret+0(FP)
	RET

no:
	MOVB $0, ret+0(FP)
	RET
