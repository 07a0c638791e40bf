#version 450
#extension GL_GOOGLE_include_directive : enable
// Winograd F(4x4, 3x3) output transform + bias / residual / activation (see conv_wino_out.glsl).
#define WM 4
#include "kl_math.glsl"
#include "kl_act.glsl"
#include "conv_wino_mat.glsl"
#include "conv_wino_out.glsl"
