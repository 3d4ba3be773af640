#!/usr/bin/env bash
# One benchmark run as a SLURM job array of SHARDS tasks, merged by a job that waits for them.
#
#   bash examples/slurm/array.sh                    # submits the array and the merge job
#   TASK=webvid TOKENIZER=wan2.1 TOKENIZER_ARG=path=$HOME/ckpt/wan2.1-vae \
#       DATA_ROOT=$HOME/data/webvid SHARDS=8 bash examples/slurm/array.sh
#
# Submit from the repository root with the harness's environment active: the jobs get the
# submitting shell's environment (--export=ALL) and working directory. Array task i runs
#   python -m benchmarks run ... --shard i/SHARDS
# which scores sorted_ids[i::SHARDS] into OUTPUT/TASK/RUN_NAME/shards/i-of-SHARDS/ only; the
# merge job (afterok: once every task succeeded) runs
#   python -m benchmarks merge OUTPUT/TASK/RUN_NAME
# which writes the summary one unsharded process writes (same metrics, same evaluated_ids
# sha256). A task that failed: ARRAY=3 bash examples/slurm/array.sh submits task 3 again
# (it resumes where it stopped) and a merge after it. Several GPUs per
# task: put "torchrun --nproc-per-node G" for "python" in the run line below (the shard
# is then split over the ranks) and ask for G GPUs in GRES.
#SBATCH --job-name=benchmarks
#SBATCH --output=slurm-%x-%A_%a.out
#SBATCH --time=04:00:00
set -euo pipefail

TASK=${TASK:-webvid}
TOKENIZER=${TOKENIZER:-identity}
TOKENIZER_ARG=${TOKENIZER_ARG:-}  # one K=V, e.g. path=$HOME/ckpt/wan2.1-vae
DATA_ROOT=${DATA_ROOT:-}          # empty: the task's demo set
OUTPUT=${OUTPUT:-results/runs}
RUN_NAME=${RUN_NAME:-$TOKENIZER}
SHARDS=${SHARDS:-4}
ARRAY=${ARRAY:-0-$((SHARDS - 1))}  # the tasks to submit (all by default)
GRES=${GRES:-gpu:1}               # per array task; empty on a CPU-only partition
RUN_DIR="$OUTPUT/$TASK/$RUN_NAME"

if [[ "${1:-}" == merge ]]; then  # the dependent job
    python -m benchmarks merge "$RUN_DIR"
    exit
fi

if [[ -z "${SLURM_ARRAY_TASK_ID:-}" ]]; then  # submitting: the array, then the merge
    if [[ -n "${SLURM_JOB_ID:-}" ]]; then
        echo "error: submit with 'bash $0', not 'sbatch $0'" >&2
        exit 2
    fi
    export TASK TOKENIZER TOKENIZER_ARG DATA_ROOT OUTPUT RUN_NAME SHARDS
    resources=()
    if [[ -n "$GRES" ]]; then
        resources+=(--gres="$GRES")
    fi
    array=$(sbatch --parsable --export=ALL --array="$ARRAY" \
        ${resources[@]+"${resources[@]}"} "$0")
    array=${array%%;*}  # "jobid;cluster" on a multi-cluster setup
    sbatch --parsable --export=ALL --dependency="afterok:$array" \
        --job-name=benchmarks-merge "$0" merge
    echo "submitted: array $array (tasks $ARRAY of $SHARDS), then the merge into $RUN_DIR"
    exit
fi

extra=()
if [[ -n "$DATA_ROOT" ]]; then
    extra+=(--data-root "$DATA_ROOT")
fi
if [[ -n "$TOKENIZER_ARG" ]]; then
    extra+=(--tokenizer-arg "$TOKENIZER_ARG")
fi
python -m benchmarks run --task "$TASK" --tokenizer "$TOKENIZER" --output "$OUTPUT" \
    --run-name "$RUN_NAME" --no-progress ${extra[@]+"${extra[@]}"} \
    --shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}"
