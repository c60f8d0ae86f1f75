#!/usr/bin/python3
"""A GCASv2 Ensrf.exe case of a chosen size, in GCAS's layout (own code; synthetic values).

usage: make_case.py ROOT [--days D] [--members N] [--resb R] [--nlon X --nlat Y --nlev Z]
                         [--soundings S] [--seed K]
Production size (issue 20): --days 7 --members 50 --resb 3 --nlon 144 --nlat 96 --nlev 56
--soundings 5000 (8.85 GB of h0 files). Writes ROOT/asmlt/ensrf.nml, ROOT/src/ensrf.nml (for
GCASv2, which reads ./ensrf.nml and ../input/region_gcas.nc), priors, region map, obs,
the state ensemble, the 1-degree prior ensemble and one h0 file per day.
"""
import argparse, datetime as dt, os
import numpy as np
import netCDF4 as nc

a = argparse.ArgumentParser()
a.add_argument('root')
a.add_argument('--days', type=int, default=2)
a.add_argument('--members', type=int, default=50)
a.add_argument('--resb', type=int, default=3)
a.add_argument('--nlon', type=int, default=144)
a.add_argument('--nlat', type=int, default=96)
a.add_argument('--nlev', type=int, default=56)
a.add_argument('--soundings', type=int, default=5000)
a.add_argument('--seed', type=int, default=1)
p = a.parse_args()
R, D, N = p.root, p.days, p.members
rng = np.random.default_rng(p.seed)
START = dt.date(2014, 9, 6)
days = [(START + dt.timedelta(days=k)).strftime('%Y%m%d') for k in range(D + 1)]
for sub in ['asmlt', 'src', 'input/obs/oco2', 'input/obs/gosat', 'input/obs/tansat', 'mozart4/data/emis',
            'mozart4/run_ensemble/hist', 'output/bench'] + [f'input/priorflux/{c}' for c in ('bio', 'ocn', 'fossil', 'fire')]:
    os.makedirs(f'{R}/{sub}', exist_ok=True)

LAT1 = np.arange(180) - 89.5
LON1 = np.arange(360) + 0.5
la1, lo1 = np.meshgrid(LAT1, LON1, indexing='ij')
land = (np.sin(np.radians(lo1) * 3) + np.cos(np.radians(la1) * 2) > 0.3) & (np.abs(la1) < 75)
MOL = 6.022e13
for k, day in enumerate(days):
    for c in ('bio', 'ocn', 'fossil', 'fire'):
        t = np.arange(8)[:, None, None]
        sun = np.maximum(0, np.cos(2 * np.pi * ((1.5 + 3 * t + lo1[None] / 15) % 24 - 12) / 24))
        f = {'bio': np.where(land, -8 * sun + 2.5, 0), 'ocn': np.where(land, 0, 0.05 - 0.2 * np.sin(np.radians(la1)) ** 2) + 0 * t,
             'fossil': np.where(land, 0.5 + 0.3 * sun, 0), 'fire': np.where(land & (np.abs(la1) < 20), 0.2 * (0.3 + sun), 0)}[c]
        with nc.Dataset(f'{R}/input/priorflux/{c}/emissions.{c}.{day}.nc', 'w', format='NETCDF3_CLASSIC') as d:
            d.createDimension('time', 8); d.createDimension('lat', 180); d.createDimension('lon', 360)
            d.createVariable('emissions', 'f4', ('time', 'lat', 'lon'))[:] = (np.broadcast_to(f, (8, 180, 360)) * MOL).astype(np.float32)
            d.createVariable('lat', 'f4', ('lat',))[:] = LAT1
            d.createVariable('lon', 'f4', ('lon',))[:] = LON1
with nc.Dataset(f'{R}/input/region_gcas.nc', 'w', format='NETCDF3_CLASSIC') as d:
    d.createDimension('lat', 180); d.createDimension('lon', 360)
    d.createVariable('region', 'i4', ('lat', 'lon'))[:] = np.where(land, 1 + (lo1 // 30).astype(int), 0)

# State ensemble: bgmean_org from the priors' window sums (gC per coarse cell), members org·(1+λ).
bny, bnx = 180 // p.resb, 360 // p.resb
blat = np.arange(bny) * p.resb + p.resb / 2 - 90
blon = np.arange(bnx) * p.resb + p.resb / 2
jx = np.argmin((LAT1[:, None] - blat[None]) ** 2, axis=1)
ix = np.argmin((LON1[:, None] - blon[None]) ** 2, axis=1)
area = (np.pi / 180) * (np.sin(np.radians(LAT1 + 0.5)) - np.sin(np.radians(LAT1 - 0.5))) * 6371.0 ** 2
fac = 1 / 6.02e23 * 12 * 1e4 * 3600 * 3 * area * 1e6
org = np.zeros((3, bny, bnx)); org1 = np.zeros((3, 180, 360))
for k in range(D):
    for v, c in enumerate(('bio', 'ocn', 'fire')):
        with nc.Dataset(f'{R}/input/priorflux/{c}/emissions.{c}.{days[k]}.nc') as d:
            s = d['emissions'][:].astype(np.float64).sum(0) * fac[:, None]
        org1[v] += s
for v in range(3):
    np.add.at(org[v], (jx[:, None].repeat(360, 1), ix[None, :].repeat(180, 0)), org1[v])
lam = rng.normal(size=(N, 3, bny, bnx)) * np.array([6.0, 10.0, 10.0])[None, :, None, None]
bgens = org[None] * (1 + lam)
with nc.Dataset(f'{R}/mozart4/data/emis/emissions.intermediate.{days[0]}.nc', 'w', format='NETCDF3_CLASSIC') as d:
    for n, l in (('var', 3), ('lat', bny), ('lon', bnx), ('en_size', N)): d.createDimension(n, l)
    d.createVariable('bgens', 'f4', ('en_size', 'var', 'lat', 'lon'))[:] = bgens
    d.createVariable('bgstdev', 'f4', ('var', 'lat', 'lon'))[:] = bgens.std(0)
    d.createVariable('bgmean', 'f4', ('var', 'lat', 'lon'))[:] = bgens.mean(0)
    d.createVariable('bgmean_org', 'f4', ('var', 'lat', 'lon'))[:] = org
    d.createVariable('lat', 'f4', ('lat',))[:] = blat
    d.createVariable('lon', 'f4', ('lon',))[:] = blon
with nc.Dataset(f'{R}/output/bench/uncertainties.prior.{days[0]}.nc', 'w', format='NETCDF3_64BIT_OFFSET') as d:
    for n, l in (('en_size', N), ('var', 3), ('lat', 180), ('lon', 360)): d.createDimension(n, l)
    v = d.createVariable('bgens', 'f4', ('en_size', 'var', 'lat', 'lon'))
    for n in range(N): v[n] = org1 * (1 + lam[n][:, jx][:, :, ix])

# h0 files: tracer n = background + Gaussian footprints of member n's λ around 40 centres.
NX, NY, NL = p.nlon, p.nlat, p.nlev
XLAT = np.array([i * 180.0 / (NY - 1) - 90 for i in range(NY)], dtype=np.float32)
XLON = np.array([i * 360.0 / NX for i in range(NX)], dtype=np.float32)
eta = np.linspace(0.002, 1.0, NL + 1)
hybi = np.clip((eta - 0.2) / 0.8, 0, 1) ** 1.2
hyai = eta - hybi
ps = (101000 - 20000 * np.exp(-((XLAT[:, None] - 35) / 10) ** 2) * np.exp(-((XLON[None] - 90) / 20) ** 2)).astype(np.float32)
pm = 0.5 * ((hyai[:-1, None, None] * 1e5 + hybi[:-1, None, None] * ps) + (hyai[1:, None, None] * 1e5 + hybi[1:, None, None] * ps))
zm = (7400 * np.log(ps[None] / pm)).astype(np.float32)
bg = (395 + 3 * np.sin(np.radians(XLAT))[None, :, None] - 1.5 * (1 - pm / 1e5)).astype(np.float32)
cent = rng.integers(0, bny * bnx, 40)
bump = np.stack([np.exp(-((XLAT[:, None] - blat[c // bnx]) / 12) ** 2 - (((XLON[None] - blon[c % bnx] + 180) % 360 - 180) / 18) ** 2) for c in cent])
vprof = (0.3 + 0.7 * (pm / 1e5) ** 2).astype(np.float32)
KG = 1e-6 * 44 / 29
for k in range(D):
    day = days[k]
    fn = f'{R}/mozart4/run_ensemble/hist/bench.mz4.h0.{day[:4]}-{day[4:6]}-{day[6:]}-10800.nc'
    with nc.Dataset(fn, 'w', format='NETCDF3_64BIT_OFFSET') as o:
        for n, l in (('lon', NX), ('lat', NY), ('lev', NL), ('ilev', NL + 1), ('time', 8)): o.createDimension(n, l)
        o.createVariable('lon', 'f4', ('lon',))[:] = XLON
        o.createVariable('lat', 'f4', ('lat',))[:] = XLAT
        o.createVariable('hyai', 'f4', ('ilev',))[:] = hyai
        o.createVariable('hybi', 'f4', ('ilev',))[:] = hybi
        o.createVariable('PS', 'f4', ('time', 'lat', 'lon'))[:] = np.broadcast_to(ps, (8, NY, NX))
        o.createVariable('Zm', 'f4', ('time', 'lev', 'lat', 'lon'))[:] = np.broadcast_to(zm, (8, NL, NY, NX))
        for n in range(N):
            sig = np.tensordot(lam[n, 0].reshape(-1)[cent] * 0.3, bump, 1).astype(np.float32)
            f = np.empty((8, NL, NY, NX), np.float32)
            for s in range(8):
                f[s] = (bg + vprof * sig[None] * ((8 * k + s + 0.5) / (8 * D))) * KG
            o.createVariable(f'EN{n + 1:03d}_VMR_avrg', 'f4', ('time', 'lev', 'lat', 'lon'))[:] = f
    print('h0', day, flush=True)

# Observations: 14 surface sites × 4 a day; S OCO-2-like soundings a day (20 levels).
sites = rng.uniform([-60, 0], [70, 360], size=(14, 2))
for k in range(D):
    day = days[k]
    with open(f'{R}/input/obs/srf_{day}', 'w') as f:
        for s, (lt, ln) in enumerate(sites):
            for q in range(4):
                f.write(f'site{s:02d} {day} {3600 + 21600 * q:6d} {lt:7.2f} {ln - 360 if ln > 180 else ln:8.2f} {100 + 300 * s:8.1f} {395 + rng.normal():8.2f} 1.0\n')
    S = p.soundings
    lat = rng.uniform(-60, 70, S); lon = rng.uniform(-180, 180, S)
    psh = np.full(S, 1000.0)
    pr = psh[:, None] * np.arange(20)[None] / 19.0; pr[:, 0] = 0.1
    h = np.full((S, 20), 1 / 19.0); h[:, 0] = h[:, -1] = 1 / 38.0
    ak = 0.4 + 0.6 * (1 - np.exp(-4 * pr / psh[:, None]))
    ya = 394 + 2 * pr / psh[:, None]
    with nc.Dataset(f'{R}/input/obs/oco2/oco2_v11_{day}.nc', 'w', format='NETCDF3_CLASSIC') as d:
        d.createDimension('nSamples', S); d.createDimension('Level', 20)
        for n, val in (('latitude', lat), ('longitude', lon), ('time', (13.5 - lon / 15) % 24), ('xco2', 395 + rng.normal(size=S)),
                       ('axco2', (h * ya).sum(1)), ('xco2unc', 0.5 + 0.2 * rng.random(S)), ('surfacepressure', psh)):
            d.createVariable(n, 'f4', ('nSamples',))[:] = val
        for n, val in (('pressure', pr), ('averagingKernel', ak), ('weightingfunction', h), ('constraintvector', ya)):
            d.createVariable(n, 'f4', ('nSamples', 'Level'))[:] = val

NML = f"""&time_control
 year = 2014
 month = 9
 day = 6
 rundays = {D}
 da_step = 1
/
&assimilation
 casename = "bench"
 nrt = 0
 opt_scheme = 3
 netflux = 0
 ensemble = {N}
 L_scale = 3000, 2000,
 L_ratio = 1.0, 0.75,
 opt_dir = "{R}/output"
 debug = .false.
/
&transport_model
 resm = 2
 mozartdir = "{R}/mozart4"
/
&background_flux
 priordir = "{R}/input/priorflux"
 resb = {p.resb}
 bunc = 6.0, 10.0, 10.0
/
&observations
 issrf = 1
 obsdir_srf = "{R}/input/obs"
 issat = 1
 isgosat = 0
 obsdir_gosat = "{R}/input/obs/gosat"
 isoco2 = 1
 obsdir_oco2 = "{R}/input/obs/oco2"
 istansat = 0
 obsdir_tansat = "{R}/input/obs/tansat"
/
"""
for where in ('asmlt', 'src'):
    with open(f'{R}/{where}/ensrf.nml', 'w') as f:
        f.write(NML)
print('case in', R)
