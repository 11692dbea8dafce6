// gemm's blocking: the MR×NR register tile, the MC×KC×NC cache blocks, and the scratch one thread packs into.

// @ts-nocheck: this file is AssemblyScript (i32, f64, v128 …), compiled by asc, not by tsc.

export const MR: i32 = 4;
export const NR: i32 = 4;
export const MC: i32 = 64;
export const KC: i32 = 256;
export const NC: i32 = 1024;

/** Bytes of scratch one thread needs: packed A (MC×KC), packed B (KC×NC) and a 4×4 edge tile. */
export const SCRATCH_BYTES: i32 = (MC * KC + KC * NC + MR * NR) * 8;
