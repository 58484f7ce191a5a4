/**
 * How the scanner client reaches a SANE server: the control connection (kept open by the device's
 * LinkKeeper) and, per frame, the data connection to the port START names on the same host.
 * Over TCP to saned (`tcpConnector`), or in memory to the simulator (`MemorySaneNetwork` in simulator.ts).
 */
import { DeviceError } from '../device.js';
import { TcpOpener, TcpTransport, formatAddress } from '../transport/tcp.js';
import type { Transport, TransportOpener } from '../transport/transport.js';
import { SANE_DEFAULT_PORT } from './protocol/constants.js';

export interface SaneConnector {
  /** Shown to technicians, e.g. 'saned://127.0.0.1:6566'. */
  readonly address: string;
  readonly control: TransportOpener;
  /** Opens the data connection START announced, on the host the control connection reached. */
  openData(port: number, control: Transport, signal?: AbortSignal): Promise<Transport>;
}

export interface TcpConnectorOptions {
  host?: string;
  port?: number;
  connectTimeoutMs?: number;
}

export function tcpConnector(o: TcpConnectorOptions = {}): SaneConnector {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? SANE_DEFAULT_PORT;
  const connectTimeoutMs = o.connectTimeoutMs ?? 5000;
  return {
    address: `saned://${formatAddress(host, port)}`,
    control: new TcpOpener({ host, port, connectTimeoutMs }),
    async openData(dataPort, control, signal) {
      if (!Number.isInteger(dataPort) || dataPort <= 0 || dataPort > 65535) {
        throw new DeviceError('scanner', 'protocol', `START named data port ${dataPort}`, 'reset', 'sane-value');
      }
      // As the net backend does (getpeername of the control socket): the same address, not a new name lookup.
      const peer = control instanceof TcpTransport ? control.remoteAddress : undefined;
      return TcpTransport.connect({ host: peer ?? host, port: dataPort, connectTimeoutMs, keepAliveMs: 0 }, signal);
    },
  };
}
