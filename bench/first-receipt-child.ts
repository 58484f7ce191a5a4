/**
 * One fresh process: how long the first acceptance receipt takes to encode against the next ones.
 * argv[2] = 'start': the printer is started first (as the kiosk does at boot; start() builds the
 * GB18030 table); 'lazy': no printer started (the table is built inside the first receipt, as before).
 */
import { EscPosPrinter } from '../drivers/receipt-printer/printer.js';
import { acceptanceReceipt } from '../drivers/receipt-printer/templates.js';
import { MemoryPort } from '../drivers/transport/memory.js';
import { RECEIPT } from './drivers.js';


const mode = process.argv[2];
let startMs = 0;
if (mode === 'start') {
  const printer = new EscPosPrinter('bench', new MemoryPort('memory:bench', () => undefined), { pollIntervalMs: 0 });
  const t = performance.now();
  printer.start();
  startMs = performance.now() - t;
  await printer.close();
}
const t0 = performance.now();
acceptanceReceipt(RECEIPT);
const firstMs = performance.now() - t0;
const later: number[] = [];
for (let i = 0; i < 50; i++) {
  const t = performance.now();
  acceptanceReceipt(RECEIPT);
  later.push(performance.now() - t);
}
later.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ startMs, firstMs, laterMs: later[Math.floor(later.length / 2)] }) + '\n');
