import { describe, expect, it } from 'vitest';
import { CHECKED_ENUMS } from '../../../main/core/contract-enums.js';

describe('contract enums restate the drivers', () => {
  it('the same device kinds and card types, in the same order', () => {
    expect([...CHECKED_ENUMS.contractDeviceKinds]).toEqual([...CHECKED_ENUMS.driverDeviceKinds]);
    expect([...CHECKED_ENUMS.contractCardTypes]).toEqual([...CHECKED_ENUMS.driverCardTypes]);
  });
  it('the platform case states, and the kiosk adds only its own three', () => {
    expect([...CHECKED_ENUMS.contractCaseStates]).toEqual([...CHECKED_ENUMS.platformCaseStates]);
  });
});
