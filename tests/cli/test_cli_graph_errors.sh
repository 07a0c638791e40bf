#!/usr/bin/env bash
# Bad graphs and bad input files: exit 1 with a message naming the problem.
source "$(dirname "$0")/lib.sh"

check "empty graph file"
g=$(graph empty.yaml </dev/null)
expect 1 "empty.yaml" "$VKGEN" validate "$g"
grep -q "vkgen: error:" "$LOG" || die "no 'vkgen: error:' prefix"

check "not YAML"
g=$(graph notyaml.yaml <<'G'
vkgen: 1
nodes: {a: [unclosed
G
)
expect 1 "notyaml.yaml:" "$VKGEN" validate "$g"

check "YAML that is not a mapping"
g=$(graph list.yaml <<'G'
- vkgen
- 1
G
)
expect 1 "list.yaml:1:" "$VKGEN" validate "$g"

check "wrong format version"
g=$(graph version.yaml <<'G'
vkgen: 7
nodes:
  n: {op: core.randn, params: {shape: [1, 2]}}
G
)
expect 1 "version.yaml:1:" "$VKGEN" validate "$g"
grep -q "7" "$LOG" || die "message does not name the version"

check "missing graph file"
expect 1 "does-not-exist.yaml" "$VKGEN" validate "$TMP/does-not-exist.yaml"

check "unknown op, with the close name suggested"
g=$(graph op.yaml <<'G'
vkgen: 1
nodes:
  noise: {op: core.randm, params: {shape: [1, 2]}}
G
)
expect 1 "core.randn" "$VKGEN" validate "$g"
grep -q "core.randm" "$LOG" || die "message does not name the unknown op"
grep -q "op.yaml:3:" "$LOG" || die "message lacks file:line"

check "unknown param and wrong param type"
g=$(graph param.yaml <<'G'
vkgen: 1
nodes:
  noise: {op: core.randn, params: {shape: [1, 2], sead: 3}}
G
)
expect 1 "seed" "$VKGEN" validate "$g"
g=$(graph ptype.yaml <<'G'
vkgen: 1
nodes:
  noise: {op: core.randn, params: {shape: [1, 2], seed: many}}
G
)
expect 1 "seed" "$VKGEN" validate "$g"

check "missing .safetensors file"
g=$(graph missing.yaml <<G
vkgen: 1
nodes:
  w: {op: core.load_tensor, params: {path: $TMP/nowhere.safetensors}}
G
)
expect 1 "nowhere.safetensors" "$VKGEN" validate "$g"
expect 1 "nowhere.safetensors" "$VKGEN" run --quiet "$g"

# safetensors: 8-byte little-endian header length, JSON header, data.
st_file() { # FILE HEADERLEN JSON DATA_BYTES
  local len=$2
  {
    for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(((len >> (8 * i)) & 255)))"; done
    printf '%s' "$3"
    head -c "$4" /dev/zero
  } >"$1"
}
good='{"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}'
check "a valid hand-made .safetensors loads (control for the next two)"
st_file "$TMP/good.safetensors" ${#good} "$good" 16
g=$(graph good.yaml <<G
vkgen: 1
nodes:
  w: {op: core.load_tensor, params: {path: $TMP/good.safetensors, name: x}}
G
)
expect 0 "ok (1 nodes)" "$VKGEN" validate "$g"

check "a truncated .safetensors (header length past the end)"
st_file "$TMP/trunc.safetensors" 4096 "$good" 0
sed "s/good.safetensors/trunc.safetensors/" "$TMP/good.yaml" >"$TMP/trunc.yaml"
expect 1 "trunc.safetensors" "$VKGEN" validate "$TMP/trunc.yaml"

check "a lying .safetensors (shape disagrees with its byte range)"
lie='{"x":{"dtype":"F32","shape":[1000,1000],"data_offsets":[0,16]}}'
st_file "$TMP/lie.safetensors" ${#lie} "$lie" 16
sed "s/good.safetensors/lie.safetensors/" "$TMP/good.yaml" >"$TMP/lie.yaml"
expect 1 "lie.safetensors" "$VKGEN" validate "$TMP/lie.yaml"

check "unknown tensor name in a .safetensors"
sed "s/name: x/name: y/" "$TMP/good.yaml" >"$TMP/name.yaml"
expect 1 "'y'" "$VKGEN" validate "$TMP/name.yaml"

check "load_idx asking for more samples than the file holds"
g=$(graph idx.yaml <<G
vkgen: 1
batches: 3
nodes:
  d: {op: core.load_idx, params: {path: $FASHION/t10k-images-idx3-ubyte.gz, batch: 4000}}
G
)
expect 1 "10000" "$VKGEN" validate "$g"

check "validate refuses a shape whose element or byte count overflows 64 bits (as run would)"
go=$(graph overflow.yaml <<G
vkgen: 1
nodes:
  n: {op: core.randn, params: {shape: [2, 2]}}
G
)
for shape in "[65536,65536,65536,65536]" "[1000000000,1000000000,1000000000]" "[1000000000,1000000000,4]"; do
  expect 1 "node 'n' (core.randn)" "$VKGEN" validate "$go" --set "n.shape=$shape"
  grep -q "overflows 64 bits\|too many elements" "$LOG" || die "no overflow message for $shape: $(cat "$LOG")"
done

check "a malformed --set names it once (no doubled '--set x: --set x:')"
expect 2 "--set foo: expected NODE.PARAM=VALUE or batches=N" "$VKGEN" validate "$VKG_SOURCE_DIR/graphs/demo.yaml" --set foo
[ "$(grep -o -- '--set' "$LOG" | wc -l)" -le 2 ] || die "the --set is repeated: $(cat "$LOG")"
grep -q "'foo'" "$LOG" && die "the --set text is quoted twice: $(cat "$LOG")"

check "--set batches=N overrides the graph's batch count; a bad N is an error"
gb=$(graph batches.yaml <<G
vkgen: 1
batches: 2
nodes:
  noise: {op: core.randn, params: {shape: [2, 3], seed: 1}}
G
)
expect 0 "" "$VKGEN" run --quiet "$gb" --set batches=3 --report "$TMP/b.json"
grep -q '"batches": 3' "$TMP/b.json" || die "--set batches=3 not applied: $(cat "$TMP/b.json")"
grep -q '"batches_run": 3' "$TMP/b.json" || die "--set batches=3 did not run 3 batches"
check "progress on a non-TTY: plain lines, the first and the last batch always (docs/cli.md)"
expect 0 "batch 1/5" "$VKGEN" run "$gb" --set batches=5
grep -q "^batch 5/5$" "$LOG" || die "no line for the last batch: $(cat "$LOG")"
grep -q $'\r' "$LOG" && die "carriage returns in non-TTY progress"
for bad in 0 -1 x 1.5 "[2]"; do
  expect 1 "--set: 'batches' must be an integer >= 1, got '$bad'" "$VKGEN" validate "$gb" --set "batches=$bad"
done

check "--set of an unknown node or param is a graph error (exit 1)"
expect 1 "nosuchnode" "$VKGEN" validate "$VKG_SOURCE_DIR/graphs/demo.yaml" --set nosuchnode.seed=1
expect 1 "sead" "$VKGEN" validate "$VKG_SOURCE_DIR/graphs/demo.yaml" --set noise.sead=1
check "variadic inputs (core.concat's tensors): a list; each element located; a scalar or a misplaced list is an error"
g=$(graph variadic.yaml <<'G'
vkgen: 1
nodes:
  a: {op: core.randn, params: {shape: [2, 3], seed: 1}}
  b: {op: core.randn, params: {shape: [2, 5], seed: 2}}
  c:
    op: core.concat
    inputs:
      tensors:
        - a
        - b
        - a
    params: {axis: 1}
G
)
expect 0 ": ok (" "$VKGEN" validate "$g"
g=$(graph var-scalar.yaml <<'G'
vkgen: 1
nodes:
  a: {op: core.randn, params: {shape: [2, 3]}}
  c: {op: core.concat, inputs: {tensors: a}}
G
)
expect 1 "var-scalar.yaml:4:42: node 'c' (core.concat): input 'tensors' is variadic: it takes a list of tensors, e.g. tensors: [a, other.out], got a" "$VKGEN" validate "$g"
g=$(graph var-old.yaml <<'G'
vkgen: 1
nodes:
  a: {op: core.randn, params: {shape: [2, 3]}}
  c: {op: core.concat, inputs: {a: a, b: a}}
G
)
expect 1 "var-old.yaml:4:33: node 'c' (core.concat): unknown input 'a' (its inputs: tensors: [a list of tensors])" "$VKGEN" validate "$g"
g=$(graph var-elem.yaml <<'G'
vkgen: 1
nodes:
  a: {op: core.randn, params: {shape: [2, 3]}}
  c: {op: core.concat, inputs: {tensors: [a, nosuch, a]}}
G
)
expect 1 "var-elem.yaml:4:46: node 'c' (core.concat): input 'tensors[1]': unknown node 'nosuch'" "$VKGEN" validate "$g"
g=$(graph var-shape.yaml <<'G'
vkgen: 1
nodes:
  a: {op: core.randn, params: {shape: [2, 3]}}
  b: {op: core.randn, params: {shape: [4, 3]}}
  c: {op: core.concat, inputs: {tensors: [a, a, b]}, params: {axis: 1}}
G
)
expect 1 "var-shape.yaml:5:49: node 'c' (core.concat): input 'tensors[2]': shape [4, 3] does not fit tensors[0]'s [2, 3] along axis 1" "$VKGEN" validate "$g"
g=$(graph var-empty.yaml <<'G'
vkgen: 1
nodes:
  c: {op: core.concat, inputs: {tensors: []}}
G
)
expect 1 "var-empty.yaml:3:42: node 'c' (core.concat): input 'tensors': the list is empty" "$VKGEN" validate "$g"
g=$(graph fixed-list.yaml <<'G'
vkgen: 1
nodes:
  a: {op: core.randn, params: {shape: [2, 3]}}
  s: {op: core.scale, inputs: {x: [a]}}
G
)
expect 1 "fixed-list.yaml:4:35: node 's' (core.scale): input 'x' takes one tensor (NODE or NODE.PORT), not a list" "$VKGEN" validate "$g"
echo "ok"
