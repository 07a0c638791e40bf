// Winograd F(WM x WM, 3x3) transform matrices (Lavin & Gray 2015), WM = 2 or 4, row-major:
// BT [WT][WT] (input: V = BT d B), AT [WM][WT] (output: Y = AT M A), WT = WM + 2 points per
// axis. The filter transform G g G^T is done once on the host in double precision
// (runtime/src/kernels/winograd.c). Zeros are kept in the generic products: the loops are
// unrolled and the constants fold.
#define WT (WM + 2)
#if WM == 2
const float BT[WT * WT] = float[](1.0, 0.0, -1.0, 0.0,
                                  0.0, 1.0, 1.0, 0.0,
                                  0.0, -1.0, 1.0, 0.0,
                                  0.0, 1.0, 0.0, -1.0);
const float AT[WM * WT] = float[](1.0, 1.0, 1.0, 0.0,
                                  0.0, 1.0, -1.0, -1.0);
#elif WM == 4
const float BT[WT * WT] = float[](4.0, 0.0, -5.0, 0.0, 1.0, 0.0,
                                  0.0, -4.0, -4.0, 1.0, 1.0, 0.0,
                                  0.0, 4.0, -4.0, -1.0, 1.0, 0.0,
                                  0.0, -2.0, -1.0, 2.0, 1.0, 0.0,
                                  0.0, 2.0, -1.0, -2.0, 1.0, 0.0,
                                  0.0, 4.0, 0.0, -5.0, 0.0, 1.0);
const float AT[WM * WT] = float[](1.0, 1.0, 1.0, 1.0, 1.0, 0.0,
                                  0.0, 1.0, -1.0, 2.0, -2.0, 0.0,
                                  0.0, 1.0, 1.0, 4.0, 4.0, 0.0,
                                  0.0, 1.0, -1.0, 8.0, -8.0, 1.0);
#else
#error WM must be 2 or 4
#endif
