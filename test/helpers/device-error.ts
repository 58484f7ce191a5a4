import { isDeviceError, type DeviceError } from '../../drivers/device.js';

/** The typed DeviceError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function deviceFailure(p: Promise<unknown>): Promise<DeviceError> {
  try {
    await p;
  } catch (e) {
    if (isDeviceError(e)) return e;
    throw e;
  }
  throw new Error('expected a DeviceError, but the operation succeeded');
}
