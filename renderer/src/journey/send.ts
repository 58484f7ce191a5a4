import type { InvokeName, Params, Reply, Result } from '../../../main/contract/index.js';
import { getBridge } from '../bridge.js';

/**
 * Sends a request to the core. The screen never changes on its own: the core answers with a new view,
 * so a refused request (a busy phase, a double tap) changes nothing on screen and needs no handling here.
 */
export function send<N extends InvokeName>(name: N, params: Params<N>): Promise<Reply<Result<N>>> {
  const reply = getBridge().invoke(name, params);
  void reply.then((r) => {
    if (!r.ok) console.warn(`${name} refused: ${r.error.code}`);
  });
  return reply;
}
