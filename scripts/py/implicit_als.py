"""Fits implicit's CPU ALS on a problem written by trainer/src/models/als/reference.ts and reports back.

Usage: python implicit_als.py <problem dir>

The directory holds problem.json (users, items, factors, regularization, iterations, cg_steps,
num_threads, repeats, losses) and raw little-endian arrays: indptr.u32, indices.u32, values.f32 (the
users x items CSR whose values are the confidences) and, optionally, user_factors.f32 and
item_factors.f32 (starting factors; implicit keeps factors that are set before fit()).

Prints one JSON object on stdout: fit_seconds and fit_cpu_seconds (one per repeat, loss calculation
off; CPU time of all threads), losses (implicit's
training loss after each iteration of a separate fit, when asked), and the BLAS implicit ran on. Writes
the factors of the last timed fit to result_user_factors.f32 and result_item_factors.f32.
"""

import json
import os
import sys
import time

import numpy as np
import scipy.sparse
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_info


def read(directory, name, dtype):
    return np.fromfile(os.path.join(directory, name), dtype=dtype)


def model_for(problem, calculate_training_loss):
    return AlternatingLeastSquares(
        factors=problem["factors"],
        regularization=problem["regularization"],
        alpha=1.0,
        dtype=np.float32,
        use_native=True,
        use_cg=True,
        iterations=problem["iterations"],
        calculate_training_loss=calculate_training_loss,
        num_threads=problem["num_threads"],
        random_state=problem.get("seed", 0),
    )


def start(model, problem, init):
    model.cg_steps = problem["cg_steps"]
    if init is not None:
        model.user_factors = init[0].copy()
        model.item_factors = init[1].copy()


def main(directory):
    with open(os.path.join(directory, "problem.json")) as f:
        problem = json.load(f)
    users, items, k = problem["users"], problem["items"], problem["factors"]
    cui = scipy.sparse.csr_matrix(
        (
            read(directory, "values.f32", "<f4"),
            read(directory, "indices.u32", "<u4").astype(np.int32),
            read(directory, "indptr.u32", "<u4").astype(np.int32),
        ),
        shape=(users, items),
    )
    init = None
    if os.path.exists(os.path.join(directory, "user_factors.f32")):
        init = (
            read(directory, "user_factors.f32", "<f4").reshape(users, k),
            read(directory, "item_factors.f32", "<f4").reshape(items, k),
        )

    losses = []
    if problem.get("losses"):
        model = model_for(problem, True)
        start(model, problem, init)
        model.fit(cui, show_progress=False, callback=lambda _it, _elapsed, loss: losses.append(float(loss)))

    fit_seconds = []
    fit_cpu_seconds = []
    model = None
    for _ in range(problem.get("repeats", 1)):
        model = model_for(problem, False)
        start(model, problem, init)
        began, began_cpu = time.perf_counter(), time.process_time()
        model.fit(cui, show_progress=False)
        fit_seconds.append(time.perf_counter() - began)
        fit_cpu_seconds.append(time.process_time() - began_cpu)

    np.asarray(model.user_factors, dtype="<f4").tofile(os.path.join(directory, "result_user_factors.f32"))
    np.asarray(model.item_factors, dtype="<f4").tofile(os.path.join(directory, "result_item_factors.f32"))
    blas = [
        {key: info.get(key) for key in ("internal_api", "architecture", "num_threads", "version")}
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    result = {"fit_seconds": fit_seconds, "fit_cpu_seconds": fit_cpu_seconds, "losses": losses, "blas": blas}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
