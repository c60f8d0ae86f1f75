import { describe, expect, it } from 'vitest';
import { builtinRegions } from './builtin-regions';
import { LatLonGrid } from './grid';

// Independent answers: geography (which region a well-known place is in) and published areas.
const g3 = LatLonGrid.preset('3x2');

describe('builtinRegions (Natural Earth 110m, approximate TransCOM-3)', () => {
  const b = builtinRegions(g3);

  it('has a land share near the Earth’s 29% (148.9 Mkm² incl. Antarctica)', () => {
    let land = 0;
    for (let k = 0; k < g3.size; k++) land += b.landFraction[k]! * g3.cellAreaM2[k]!;
    expect(land / 1e12).toBeGreaterThan(145);
    expect(land / 1e12).toBeLessThan(153);
  });

  it('has China near its 9.6 Mkm² (PRC with Taiwan)', () => {
    let area = 0;
    for (let k = 0; k < g3.size; k++) area += b.chinaFraction[k]! * g3.cellAreaM2[k]!;
    expect(area / 1e12).toBeGreaterThan(9.3);
    expect(area / 1e12).toBeLessThan(9.9);
    const at = (lat: number, lon: number) => b.chinaMask[g3.locate(lat, lon).index];
    expect([at(39.9, 116.4), at(30.6, 104.1), at(43.8, 87.6)]).toEqual([1, 1, 1]); // Beijing, Chengdu, Ürümqi
    expect(b.chinaFraction[g3.locate(23.7, 121).index]).toBeGreaterThan(0.2); // Taiwan (a small island on 3°×2°)
    expect([at(37.6, 127), at(21, 105.8), at(28.6, 77.2), at(47.9, 106.9)]).toEqual([0, 0, 0, 0]); // Seoul, Hanoi, Delhi, Ulaanbaatar
  });

  it.each([
    ['Yukon', 64, -135, 1],
    ['Kansas', 38.5, -98, 2],
    ['Manaus', -3.1, -60, 3],
    ['Córdoba, Argentina', -31.4, -64.2, 4],
    ['Sahara', 23, 10, 5],
    ['Zambia', -14, 27, 6],
    ['Yakutsk', 62, 129.7, 7],
    ['Beijing', 39.9, 116.4, 8],
    ['Borneo', 0.5, 114, 9],
    ['Alice Springs', -23.7, 133.9, 10],
    ['Paris', 48.85, 2.35, 11],
    ['North Pacific', 35, -160, 12],
    ['West Pacific', 0, 160, 13],
    ['East Pacific', 0, -140, 14],
    ['South Pacific', -30, -120, 15],
    ['Norwegian Sea', 70, 0, 16],
    ['Sargasso Sea', 30, -40, 17],
    ['Gulf of Guinea', 0, -20, 18],
    ['South Atlantic', -30, -20, 19],
    ['Southern Ocean', -60, 0, 20],
    ['Tropical Indian', -10, 80, 21],
    ['South Indian', -30, 80, 22],
    ['Antarctica (no region)', -80, 30, 0],
    ['Greenland (no region)', 72, -40, 0],
    ['Caspian Sea (land region)', 42, 50.5, 8],
  ] as const)('%s is in region %#', (_name, lat, lon, code) => {
    expect(b.transcom.codeAt(lat, lon)).toBe(code);
  });

  it('marks land and ocean at known places', () => {
    const land = (lat: number, lon: number) => b.landMask[g3.locate(lat, lon).index];
    expect([land(-80, 30), land(72, -40), land(0, -60), land(50, 90)]).toEqual([1, 1, 1, 1]);
    expect([land(0, -140), land(-40, 0), land(30, -40), land(85, 0)]).toEqual([0, 0, 0, 0]);
  });

  it('is the same map on grids that differ only in longitude origin (antimeridian handled)', () => {
    const a = builtinRegions(LatLonGrid.regular(6, 4, -180)).transcom;
    const e = builtinRegions(LatLonGrid.regular(6, 4, 0)).transcom;
    for (let j = 0; j < 45; j++) for (let i = 0; i < 60; i++) {
      expect(e.codes[j * 60 + i]).toBe(a.codes[j * 60 + ((i + 30) % 60)]);
    }
  });

  it('caches per grid', () => {
    expect(builtinRegions(LatLonGrid.preset('3x2'))).toBe(b);
  });
});
