#version 450
#extension GL_GOOGLE_include_directive : enable
// Winograd F(2x2, 3x3) input transform (see conv_wino_in.glsl).
#define WM 2
#include "conv_wino_mat.glsl"
#include "conv_wino_in.glsl"
