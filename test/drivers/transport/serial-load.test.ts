/**
 * serialport and its native binding are loaded when a port is first opened or listed, not when the transport
 * module is imported (issue 10: ~50 ms off every start that opens no serial port). A binding that does not
 * load is a typed device fault with a next action, and the next open tries again.
 */
import { describe, expect, it, vi } from 'vitest';
import { isDeviceError } from '../../../drivers/device.js';

const load = vi.hoisted(() => ({ fail: true, attempts: 0 }));
vi.mock('serialport', async (importOriginal) => {
  load.attempts++;
  if (load.fail) throw new Error('Could not locate the bindings file');
  return importOriginal();
});

describe('serialport, loaded on first use', () => {
  it('importing the transport loads nothing; a binding that does not load is a device fault, and the next open tries again', async () => {
    const { SerialTransport, listSerialPorts } = await import('../../../drivers/transport/serial.js');
    expect(load.attempts).toBe(0);
    const err = await SerialTransport.open({ path: '/dev/null', baudRate: 115200 }).catch((e: unknown) => e);
    expect(isDeviceError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'device-fault', action: 'maintenance' });
    expect((err as Error).message).toContain('cannot load serialport');
    expect(load.attempts).toBe(1);
    const listed = await listSerialPorts().catch((e: unknown) => e);
    expect(listed).toMatchObject({ code: 'device-fault' });
    expect(load.attempts).toBe(2); // not a remembered failure: a binding installed meanwhile is found
    load.fail = false;
    const ports = await listSerialPorts(undefined, { serialDir: '/nonexistent' });
    expect(Array.isArray(ports)).toBe(true);
    expect(load.attempts).toBe(3);
  });
});
