#!/usr/bin/python3
"""numpy reference implementations of the benchmark cases of tools/bench/solvers/main.ts.

Same algorithms as @tanhui/solvers, written the way a numpy user would (vectorised over
state rows; Python loops only over observations, as CTDAS does). Run with Debian's
/usr/bin/python3 (python3-numpy, netlib BLAS/LAPACK on this machine).

usage: reference.py DIR CASE   -- reads DIR/meta.json and DIR/*.f64, writes DIR/np_*.f64,
                                   prints one JSON line {"case":..., "seconds":..., ...}
"""
import json
import sys
import time

import numpy as np


def load(d, name, shape):
    return np.fromfile(f"{d}/{name}.f64", dtype="<f8").reshape(shape)


def save(d, name, a):
    np.ascontiguousarray(a, dtype="<f8").tofile(f"{d}/np_{name}.f64")


def serial(x, Xp, Hx, HXp, obs, R, threshold=3.0, localize=None, tvalue=None):
    """CTDAS serial_minimum_least_squares (all obs may reject / localise; flags 0),
    vectorised over state rows; every obs's Hx/HX' updated after each assimilation."""
    nobs, N = HXp.shape
    flags = np.zeros(nobs, dtype=np.int32)
    for n in range(nobs):
        res = obs[n] - Hx[n]
        if abs(res) > threshold * np.sqrt(R[n]):
            flags[n] = 2
            continue
        h = HXp[n, :].copy()
        PHt = Xp @ h / (N - 1)
        HPHR = h @ h / (N - 1) + R[n]
        KG = PHt / HPHR
        if localize == "CT2007":
            # Pearson correlation of every row with h (numpy.corrcoef, vectorised), t-test.
            hc = h - h.mean()
            Xc = Xp - Xp.mean(axis=1, keepdims=True)
            corr = (Xc @ hc) / np.sqrt((Xc * Xc).sum(axis=1) * (hc @ hc))
            prob = corr / np.sqrt((1.0 - corr**2) / (N - 2))
            KG[np.abs(prob) < tvalue] = 0.0
        alpha = 1.0 / (1.0 + np.sqrt(R[n] / HPHR))
        x += KG * res
        Xp -= alpha * np.outer(KG, h)
        fac = (HXp @ h) / (N - 1) / HPHR
        Hx += fac * res
        HXp -= alpha * np.outer(fac, h)
    return flags


def ctdas_localize_loop(Xp_rows, HXp, obs, Hx, R, tvalue, threshold=3.0):
    """CTDAS's own localize(): np.corrcoef per state row per observation (timing only)."""
    nobs, N = HXp.shape
    count = 0
    for n in range(nobs):
        if abs(obs[n] - Hx[n]) > threshold * np.sqrt(R[n]):
            continue
        for r in range(Xp_rows.shape[0]):
            corr = np.corrcoef(HXp[n, :], Xp_rows[r, :].squeeze())[0, 1]
            prob = corr / np.sqrt((1.0 - corr**2) / (N - 2))
            if abs(prob) < tvalue:
                count += 1
    return count


def ensemble_space(x, Xp, Hx, HXp, obs, R, threshold=3.0):
    """Serial EnSRF as one N×N transform: X' = X'0 T, x = x0 + X'0 w."""
    nobs, N = HXp.shape
    T = np.eye(N)
    w = np.zeros(N)
    flags = np.zeros(nobs, dtype=np.int32)
    for n in range(nobs):
        res = obs[n] - (Hx[n] + HXp[n] @ w)
        if abs(res) > threshold * np.sqrt(R[n]):
            flags[n] = 2
            continue
        h = HXp[n] @ T
        HPHR = h @ h / (N - 1) + R[n]
        alpha = 1.0 / (1.0 + np.sqrt(R[n] / HPHR))
        u = T @ h / ((N - 1) * HPHR)
        w += u * res
        T -= alpha * np.outer(u, h)
    return x + Xp @ w, Xp @ T, flags


def batch_state_space(H, y, R, xb, B):
    """(HᵀR⁻¹H + B⁻¹)⁻¹ with diagonal R and B: whitened H, AᵀA (numpy uses syrk), inverse."""
    Hs = H / np.sqrt(R)[:, None]
    d = y - H @ xb
    A = Hs.T @ Hs
    A[np.diag_indices_from(A)] += 1.0 / B
    np.linalg.cholesky(A)  # SPD check, as the TS code factors A
    Pa = np.linalg.inv(A)
    xa = xb + Pa @ (Hs.T @ (d / np.sqrt(R)))
    return xa, Pa


def main():
    d, case = sys.argv[1], sys.argv[2]
    meta = json.load(open(f"{d}/meta.json"))
    out = {"case": case}
    if case in ("a", "b", "a-es", "b-ctdas"):
        npar, N, nobs = meta["nparams"], meta["nmembers"], meta["nobs"]
        x = load(d, "x", (npar,))
        Xp = load(d, "Xprime", (npar, N))
        Hx = load(d, "Hx", (nobs,))
        HXp = load(d, "HXprime", (nobs, N))
        obs = load(d, "obs", (nobs,))
        R = load(d, "R", (nobs,))
        if case == "b-ctdas":
            rows = meta["ctdasRows"]
            t = time.perf_counter()
            ctdas_localize_loop(Xp[:rows], HXp, obs, Hx, R, meta["tvalue"])
            out["seconds"] = time.perf_counter() - t
            out["rows"] = rows
        elif case == "a-es":
            t = time.perf_counter()
            xa, Xa, _ = ensemble_space(x, Xp, Hx, HXp, obs, R)
            out["seconds"] = time.perf_counter() - t
            save(d, "x", xa)
            save(d, "Xprime", Xa)
        else:
            t = time.perf_counter()
            serial(x, Xp, Hx, HXp, obs, R, localize="CT2007" if case == "b" else None, tvalue=meta.get("tvalue"))
            out["seconds"] = time.perf_counter() - t
            save(d, "x", x)
            save(d, "Xprime", Xp)
    elif case == "c":
        npar, N, nobs = meta["nparams"], meta["nmembers"], meta["nobs"]
        x = load(d, "x", (npar,))
        Xp = load(d, "Xprime", (npar, N))
        Hx = load(d, "Hx", (nobs,))
        HXp = load(d, "HXprime", (nobs, N))
        obs = load(d, "obs", (nobs,))
        R = load(d, "R", (nobs,))
        t = time.perf_counter()
        xa, Xa, _ = ensemble_space(x, Xp, Hx, HXp, obs, R)
        out["seconds"] = time.perf_counter() - t
        save(d, "x", xa)
        save(d, "Xprime", Xa)
    elif case == "d":
        n, m = meta["n"], meta["nobs"]
        H = load(d, "H", (m, n))
        y = load(d, "y", (m,))
        R = load(d, "R", (m,))
        xb = load(d, "xb", (n,))
        B = load(d, "B", (n,))
        t = time.perf_counter()
        xa, Pa = batch_state_space(H, y, R, xb, B)
        out["seconds"] = time.perf_counter() - t
        save(d, "xa", xa)
        save(d, "Pa_diag", np.diag(Pa).copy())
    else:
        raise SystemExit(f"unknown case {case}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
