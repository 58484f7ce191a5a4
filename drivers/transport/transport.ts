import type { DeviceError, Unsubscribe } from '../device.js';

/**
 * All a device class knows about I/O: bytes in, bytes out, and loss.
 *
 * Rules every implementation keeps:
 * - `write` resolves once the bytes have been handed to the OS and drained;
 *   it rejects with a DeviceError ('canceled' when the signal fired,
 *   'disconnected' when the link is gone).
 * - `onData` listeners receive chunks in arrival order; chunk boundaries carry
 *   no meaning (frames may be split anywhere).
 * - `onClose` fires exactly once: without an error after `close()`, with a
 *   DeviceError ('disconnected') when the link was lost (unplugged, port gone).
 */
export interface Transport {
  /** A human-readable address, e.g. '/dev/serial/by-id/usb-…' or 'memory:id-card'. */
  readonly path: string;
  /** 'serial' | 'hid' | 'memory' */
  readonly kind: string;
  readonly isOpen: boolean;
  write(bytes: Uint8Array, signal?: AbortSignal): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe;
  onClose(listener: (error?: DeviceError) => void): Unsubscribe;
  close(): Promise<void>;
}

/** Opens a fresh Transport to the same place; devices call it again after a loss. */
export interface TransportOpener {
  readonly path: string;
  readonly kind: string;
  open(signal?: AbortSignal): Promise<Transport>;
}
