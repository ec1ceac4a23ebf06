//go:build amd64 && !purego

#include "textflag.h"

// Bytes broadcast into the comparison registers (see scanBlocks).
DATA scanConsts<>+0(SB)/8, $0x9fa0ede0c0efdfc1
GLOBL scanConsts<>(SB), RODATA|NOPTR, $8

// Two zero bytes, then ones: loaded at +1 and +0, they clear the bytes
// before i from the first block's look back.
DATA scanEdge<>+0(SB)/8, $0xffffffffffff0000
DATA scanEdge<>+8(SB)/8, $0xffffffffffffffff
DATA scanEdge<>+16(SB)/8, $0xffffffffffffffff
DATA scanEdge<>+24(SB)/8, $0xffffffffffffffff
DATA scanEdge<>+32(SB)/8, $0xffffffffffffffff
GLOBL scanEdge<>(SB), RODATA|NOPTR, $40

// func scanBlocks(p []byte, i, max int) (end, counted int)
TEXT ·scanBlocks(SB), NOSPLIT, $0-56
	MOVQ p_base+0(FP), SI
	MOVQ p_len+8(FP), DX
	MOVQ i+24(FP), BX
	MOVQ max+32(FP), CX
	XORQ AX, AX

	VPBROADCASTB scanConsts<>+0(SB), Y8  // C1: the last byte that is no lead
	VPBROADCASTB scanConsts<>+1(SB), Y9  // DF: the last lead of a two-byte sequence
	VPBROADCASTB scanConsts<>+2(SB), Y10 // EF: the last lead of a three-byte sequence
	VPBROADCASTB scanConsts<>+3(SB), Y11 // C0: as a signed byte, above every continuation
	VPBROADCASTB scanConsts<>+4(SB), Y12 // E0: wants A0-BF next
	VPBROADCASTB scanConsts<>+5(SB), Y13 // ED: wants 80-9F next
	VPBROADCASTB scanConsts<>+6(SB), Y14 // A0
	VPBROADCASTB scanConsts<>+7(SB), Y15 // 9F
	VMOVDQU scanEdge<>+1(SB), Y6         // clears the byte before i
	VMOVDQU scanEdge<>+0(SB), Y7         // clears the two bytes before i

loop:
	LEAQ 32(BX), R8
	CMPQ R8, DX
	JGT  done
	CMPQ CX, $32
	JLT  done

	VMOVDQU (SI)(BX*1), Y0   // the block
	VMOVDQU -1(SI)(BX*1), Y1 // each byte's predecessor
	VMOVDQU -2(SI)(BX*1), Y2 // and the one before
	VPAND   Y6, Y1, Y1
	VPAND   Y7, Y2, Y2

	// Y3: all ones where no continuation is due (the predecessor is no
	// lead, the one before leads no three-byte sequence).
	VPMINUB  Y8, Y1, Y3
	VPCMPEQB Y1, Y3, Y3
	VPMINUB  Y9, Y2, Y4
	VPCMPEQB Y2, Y4, Y4
	VPAND    Y4, Y3, Y3

	// Y4: all ones at continuations. A byte is wrong where it is a
	// continuation exactly when none is due.
	VPCMPGTB Y0, Y11, Y4
	VPCMPEQB Y4, Y3, Y3

	// From F0 on: four-byte sequences and bytes never valid.
	VPSUBUSB Y10, Y0, Y2
	VPOR     Y2, Y3, Y3

	// E0 before 80-9F (overlong), ED before A0-BF (a surrogate).
	VPCMPEQB Y12, Y1, Y2
	VPSUBUSB Y0, Y14, Y5
	VPAND    Y5, Y2, Y2
	VPOR     Y2, Y3, Y3
	VPCMPEQB Y13, Y1, Y2
	VPSUBUSB Y15, Y0, Y5
	VPAND    Y5, Y2, Y2
	VPOR     Y2, Y3, Y3

	VPTEST Y3, Y3
	JNZ    done

	VPMOVMSKB Y4, R9
	POPCNTL   R9, R9
	MOVQ      $32, R10
	SUBQ      R9, R10
	ADDQ      R10, AX
	SUBQ      R10, CX
	MOVQ      R8, BX
	VPCMPEQB  Y6, Y6, Y6 // later blocks look back at bytes counted
	VPCMPEQB  Y7, Y7, Y7
	JMP       loop

done:
	VZEROUPPER
	MOVQ BX, end+40(FP)
	MOVQ AX, counted+48(FP)
	RET
