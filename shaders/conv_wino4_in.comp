#version 450
#extension GL_GOOGLE_include_directive : enable
// Winograd F(4x4, 3x3) input transform (see conv_wino_in.glsl).
#define WM 4
#include "conv_wino_mat.glsl"
#include "conv_wino_in.glsl"
