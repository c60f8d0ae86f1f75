// The public API of @tanhui/io, listed by hand: changing it is a visible decision.
import { describe, expect, it } from 'vitest';
import * as io from './index';

describe('@tanhui/io exports', () => {
  it('are exactly these', () => {
    expect(Object.keys(io).sort()).toEqual(
      [
        'DEFAULT_LEVEL',
        'GdalDataset',
        'KEY_ATTRIBUTES',
        'ZarrStore',
        'assertReadableFile',
        'bytesCodec',
        'cfDecode',
        'cfPacking',
        'cfTimesToEpochSeconds',
        'describeDataset',
        'epochSecondsToCfTimes',
        'formatStructure',
        'isCfTimeUnits',
        'isZarrPath',
        'listVariables',
        'ncdumpNumericLists',
        'ncdumpStrings',
        'needsCfDecoding',
        'openDataset',
        'parseNcdumpStrings',
        'readRegionMap',
        'readStringVariable',
        'readVariable',
        'registerNodeZlibCodecs',
        'writeFileAtomic',
      ].sort(),
    );
  });
});
