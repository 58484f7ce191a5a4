// Loaded with `node --import` before main/core/utility-entry.ts: gives the core an Electron-like
// `process.parentPort` carried over the child's IPC channel, so a test can be the shell.
//   core → shell: parentPort.postMessage(m)            → process.send({ kind: 'parent', message: m })
//   shell → core: child.send({ kind: 'to-core', data, withPort }) → a 'message' event { data, ports }
//   with a port: the core's end of a MessageChannel; what the core posts on it → { kind: 'port', portId, message }
import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';

const emitter = new EventEmitter();
process.parentPort = {
  postMessage(message) {
    process.send?.({ kind: 'parent', message });
  },
  on(event, listener) {
    emitter.on(event, listener);
  },
};
process.on('message', (m) => {
  if (m?.kind !== 'to-core') return;
  const ports = [];
  if (m.withPort) {
    const { port1, port2 } = new MessageChannel();
    port2.on('message', (message) => process.send?.({ kind: 'port', portId: m.portId, message }));
    port2.unref();
    // Electron's MessagePortMain: on('message', e => e.data), start(), close().
    ports.push({
      postMessage: (x) => port1.postMessage(x),
      on: (event, fn) => (event === 'message' ? port1.on('message', (data) => fn({ data })) : port1.on(event, fn)),
      start: () => port1.start(),
      close: () => port1.close(),
    });
  }
  emitter.emit('message', { data: m.data, ports });
});
