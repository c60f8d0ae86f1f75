#!/bin/bash
# Build GCASv2's Ensrf.exe with gfortran -O2 from a GCASv2 checkout or bare git dir (into a temp
# dir, deleted afterwards: nothing of GCASv2 is kept) and run it on a case of make_case.py.
# usage: gcasv2.sh GCASV2_DIR CASE_ROOT   (prints "GCASV2 wall S s rss KB KB")
set -euo pipefail
SRC=$1
CASE=$2
if ! command -v gfortran >/dev/null || [ ! -e /usr/include/netcdf.inc ]; then
  apt-get install -y --no-install-recommends gfortran libnetcdff-dev >&2
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
if [ -d "$SRC/src" ]; then cp "$SRC"/src/*.f90 "$W"/; else
  for f in $(git --git-dir="$SRC" ls-tree --name-only HEAD src/ | grep '\.f90$'); do git --git-dir="$SRC" show "HEAD:$f" > "$W/$(basename "$f")"; done
fi
cd "$W"
# The reference case's [ref] fix of the obs-list overflow (ALGORITHM.md §5 [bug]: the count is
# stored as 21 and the unwritten slot 21 is read in the update; with many obs it crashes).
sed -i 's/^\( *\)snum(i,j,iv)=k *$/\1snum(i,j,iv)=min(k,20)/' Calc_correl.f90
grep -q 'snum(i,j,iv)=min(k,20)' Calc_correl.f90
# and [ref]'s zeroing of snum: cells never visited (all-zero prior spread) leave it undefined.
sed -i 's/^\( *\)call calc_correl(/\1snum=0\n\1call calc_correl(/' ensrf_noGuassian.f90
grep -q '^ *snum=0' ensrf_noGuassian.f90
gfortran -O2 -ffree-line-length-none -fallow-argument-mismatch -std=legacy -w -o Ensrf.exe Module_global.f90 module_qsort.f90 ensrf.f90 ensrf_init.f90 \
  ensrf_noGuassian.f90 Get_background.f90 Get_obs.f90 ensrf2emission.f90 ensrf_io.f90 spatial_interpolat.f90 \
  Calc_correl.f90 -I/usr/include -lnetcdff -lnetcdf >&2
cd "$CASE/src"
ulimit -s unlimited
/usr/bin/time -f 'GCASV2 wall %e s rss %M KB' "$W/Ensrf.exe" > "$CASE/gcasv2.log" 2> "$CASE/gcasv2.time" || true
grep -q Sucessful "$CASE/gcasv2.log" || { cat "$CASE/gcasv2.log" "$CASE/gcasv2.time" >&2; exit 1; }
tail -n 4 "$CASE/gcasv2.log" >&2
tail -n 1 "$CASE/gcasv2.time"
