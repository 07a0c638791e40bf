#!/usr/bin/env bash
# Scale-out and checkpoints (docs/scale-out.md): mpirun -np 3 gives the FID, IS and sample
# files of one process; a rank that fails ends the job; kill -9 then --resume gives the
# uninterrupted numbers; a checkpoint of another graph or other params is refused.
source "$(dirname "$0")/lib.sh"
FIX="$VKG_SOURCE_DIR/tests/fixtures/models"

g=$(graph shard.yaml <<G
vkgen: 1
name: shard-test
batches: 7
nodes:
  real: {op: core.load_idx, params: {path: $FASHION/t10k-images-idx3-ubyte.gz, batch: 4}}
  real_feat: {op: inception.features, inputs: {images: real.images}, params: {model: $FIX/fid_inception_narrow}}
  noise: {op: core.randn, params: {shape: [4, 16, 1, 1], seed: 3}}
  gen: {op: gan.generate, inputs: {noise: noise}, params: {model: $FIX/dcgan32}}
  unit: {op: core.scale, inputs: {x: gen.image}, params: {from: [-1, 1], to: [0, 1]}}
  save: {op: core.save_images, inputs: {images: unit.y}, params: {path: "out/s-{index}.png", range: [0, 1]}}
  fake_feat: {op: inception.features, inputs: {images: unit.y}, params: {model: $FIX/fid_inception_narrow}}
  fid: {op: fid.score, inputs: {real: real_feat.pool, fake: fake_feat.pool}}
  lg: {op: core.randn, params: {shape: [4, 10], seed: 5}}
  is: {op: is.score, inputs: {logits: lg}, params: {splits: 3}}
  is_stream: {op: is.score, inputs: {logits: lg}, params: {splits: 3, samples: 28}}
G
)
cd "$TMP"
B40="--set batches=24 --set is_stream.samples=96"

# same VALUES in two JSON reports, to 1e-9 relative (IS is bit-identical by construction)
same_values() {
  python3 - "$1" "$2" <<'PY' || die "values of $1 and $2 differ"
import json, sys
a = json.load(open(sys.argv[1]))["values"]; b = json.load(open(sys.argv[2]))["values"]
print(a); print(b)
assert a.keys() == b.keys()
for k in a:
    assert abs(a[k] - b[k]) <= 1e-9 * max(abs(a[k]), 1e-300), (k, a[k], b[k])
PY
}

check "one process: the reference numbers and samples"
expect 0 "fid.fid" "$VKGEN" run "$g" --quiet --report one.json
mv out out1

check "a checkpoint run killed with -9 resumes to the uninterrupted numbers"
"$VKGEN" run "$g" $B40 --quiet --report full24.json >/dev/null 2>&1 || die "40-batch run failed"
"$VKGEN" run "$g" $B40 --checkpoint ck --checkpoint-every 3 --quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  [ -f ck/manifest.json ] && grep -q '"batches_done": [1-9]' ck/manifest.json && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[ -f ck/manifest.json ] || die "no checkpoint was written"
grep '"batches_done"' ck/manifest.json
expect 0 "" "$VKGEN" run "$g" $B40 --resume ck --quiet --report resumed.json
python3 -c "import json,sys; a=json.load(open('full24.json'))['values']; b=json.load(open('resumed.json'))['values']; print(a); print(b); sys.exit(a != b)" ||
  die "resumed values differ from the uninterrupted run"

check "a checkpoint of other params or another graph is refused"
expect 1 "other params" "$VKGEN" run "$g" $B40 --set batches=25 --resume ck
sed 's/name: shard-test/name: other/' "$g" >other.yaml
expect 1 "another graph" "$VKGEN" run other.yaml $B40 --resume ck
expect 1 "cannot resume" "$VKGEN" run "$g" --resume nowhere

if ! "$VKGEN" --version | grep -q "with MPI" || ! command -v mpirun >/dev/null; then
  echo "SKIP: vkgen built without MPI (or no mpirun): the multi-rank checks need both"
  exit 77
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
# Under ASan (tools/test.sh --sanitize) the ranks run without leak checking: Open MPI leaks by design at
# MPI_Finalize, much of it from MCA components it has dlclose()d (unattributable, so no suppression
# can match). Memory errors are still fatal, and vkgen's own leaks are checked by every one-process test.
if [ -n "${ASAN_OPTIONS:-}" ]; then export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"; fi
MPI=(mpirun --oversubscribe -np 3)

check "mpirun -np 3: same FID and IS as one process, same sample files, per-rank report"
rm -rf out
expect 0 "(3 ranks)" "${MPI[@]}" "$VKGEN" run "$g" --report three.json
same_values one.json three.json
diff -r out1 out || die "sample files differ from the one-process run"
python3 -c "import json; r=json.load(open('three.json')); assert r['ranks']==3 and [p['batches'] for p in r['per_rank']]==[3,2,2], r.get('per_rank')" ||
  die "report lacks the per-rank batches"

check "a rank that fails ends the whole job with its error and a nonzero exit, no hang"
mkdir -p pngs
for i in $(seq 10 21); do cp out1/s-$((i - 10)).png pngs/p$i.png; done
printf 'not a png' >pngs/p19.png # batch 2 (rank 2) of 4-image batches
bad=$(graph bad.yaml <<G
vkgen: 1
name: bad
batches: 3
nodes:
  img: {op: core.load_images, params: {folder: $TMP/pngs, batch: 4, size: 32, channels: 1}}
  save: {op: core.save_images, inputs: {images: img}, params: {path: "bad/b-{index}.png", range: [0, 1]}}
G
)
expect 1 "p19.png" timeout 120 "${MPI[@]}" "$VKGEN" run "$bad" --quiet
grep -q "stopped because rank 2 failed" "$LOG" || die "the other ranks do not say why they stopped"

check "a sharded checkpoint resumes under the same rank count only"
"${MPI[@]}" "$VKGEN" run "$g" $B40 --checkpoint ck3 --checkpoint-every 6 --quiet >/dev/null 2>&1 ||
  die "sharded checkpoint run failed"
expect 1 "ranks" "$VKGEN" run "$g" $B40 --resume ck3
